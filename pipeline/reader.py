"""Read a CSV file: fast, or row by row with the line each row starts on.

fast_records hands the whole file to the csv module in 4 MiB chunks of text,
with no Python code per row (staging.py feeds it to executemany). read_rows
decodes one physical line at a time so that a bad byte can be reported by
line and byte offset; a file the fast reader cannot take is read again that
way. Both accept a UTF-8 byte order mark and split lines at "\n" only.
"""

import csv
import io
import itertools
import sys
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


class NeedsLineReader(Exception):
    """The file has something only read_rows can report exactly (a bad byte, a NUL,
    a CSV syntax error, a row of the wrong width): read it again that way."""


CHUNK_BYTES = 1 << 22  # 4 MiB: big enough that the per-chunk Python work is negligible


# Whitespace other than the space and the line break: a value with one is not
# single-spaced (evidence.is_normalized), and a file with none spares that check.
WHITESPACE = "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())  # what str.split() splits at
ODD_SPACES = "".join(char for char in WHITESPACE if char not in " \n")
ODD_ASCII_SPACES = "".join(char for char in ODD_SPACES if char.isascii())


def _decoded_chunks(handle, digest, found):
    """The file's text in chunks that end at a line break, so that no UTF-8 sequence
    is split; a bad byte or a NUL hands the file over to read_rows. Notes in `found`
    whether any chunk has odd whitespace or two spaces in a row."""
    rest, first = b"", True
    while True:
        block = handle.read(CHUNK_BYTES)
        if not block:
            piece, rest = rest, b""
        else:
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:  # no line break yet: read on
                rest = block
                continue
            piece, rest = block[:cut], block[cut:]
        if not piece:
            return
        digest.update(piece)
        if b"\x00" in piece:
            raise NeedsLineReader
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError:
            raise NeedsLineReader
        if first and text.startswith(BOM):
            text = text[1:]
        first = False
        odd = ODD_ASCII_SPACES if text.isascii() else ODD_SPACES  # isascii() is free: CPython knows
        found["odd spaces"] = found.get("odd spaces") or any(char in text for char in odd)
        found["double spaces"] = found.get("double spaces") or "  " in text
        yield text
        if not block:
            return


def fast_records(handle, digest, found):
    """A csv reader over the whole file, driven in C: no Python code runs per row.

    Lines are split on "\\n" only, as read_rows splits them (io.StringIO's default),
    so the reader's line_num counts the same physical lines read_rows counts."""
    lines = itertools.chain.from_iterable(map(io.StringIO, _decoded_chunks(handle, digest, found)))
    return csv.reader(lines, strict=True)
