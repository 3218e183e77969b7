"""Stream a CSV file row by row with the line each row starts on.

The file is decoded one physical line at a time so that a bad byte can be
reported by line and byte offset; a UTF-8 byte order mark is accepted.
"""

import csv
from dataclasses import dataclass

BOM = "\ufeff"


class CsvProblem(Exception):
    """A problem that stops reading the file (its remaining rows are not checked)."""

    def __init__(self, line, column, message):
        super().__init__(message)
        self.line, self.column, self.message = line, column, message


@dataclass
class LineCounter:
    """Decodes lines of bytes, counting them, so csv can work on text."""

    handle: object
    digest: object = None  # a hashlib object fed every byte read, so the file is read once
    line: int = 0

    def __iter__(self):
        for raw in self.handle:
            self.line += 1
            if self.digest is not None:
                self.digest.update(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise CsvProblem(
                    self.line,
                    f"byte {error.start + 1}",
                    f"invalid UTF-8 byte 0x{raw[error.start]:02x} "
                    "(expected UTF-8 text: re-save the file as UTF-8)",
                )
            if self.line == 1 and text.startswith(BOM):
                text = text[1:]
            if "\x00" in text:
                raise CsvProblem(self.line, f"byte {raw.index(0) + 1}", "NUL byte (expected text: remove it)")
            yield text


def read_rows(path, digest=None):
    """Yield (line, fields) for every record after the header; the header first as (1, names).

    `digest`, if given, is fed the file's bytes as they are read."""
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise CsvProblem(None, "file", f"cannot be read: {error.strerror} (expected a readable CSV file)")
    with handle:
        lines = LineCounter(handle, digest)
        reader = csv.reader(lines, strict=True)
        row_start = 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                raise CsvProblem(row_start, "row", _explain(error))
            yield row_start, fields
            row_start = lines.line + 1
        if lines.line == 0:
            raise CsvProblem(None, "file", "the file is empty (expected a header row naming the columns)")


def _explain(error):
    if "unexpected end of data" in str(error):
        return "unterminated quoted field starts on this line (expected a closing double quote)"
    if "field larger than field limit" in str(error):
        return f"a field is longer than {csv.field_size_limit():,} characters (expected shorter text; check for a missing closing quote)"
    return f"malformed CSV: {error} (expected RFC 4180 quoting: double a quote inside a quoted field)"
