"""CSV downloads that a spreadsheet cannot run, and that never fail silently.

Formulas. A spreadsheet opening a CSV file reads a cell beginning with `=`,
`+`, `-` or `@` as a formula (`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`, `@SUM()`),
and one beginning with a tab or carriage return the same way once it trims
them. Anyone can put such text in a download: in a query (`?sql=select
'=...'`), a column alias, or a value of the data. So every CSV Datasette
sends (table, view, row, canned query and `?sql=` CSV, streamed with
`_stream=on` or not, the header row included) has each such cell prefixed
with a single quote, as OWASP recommends: `=1+2` arrives as `'=1+2`, which
spreadsheets show as text. A cell that is a plain decimal number (`-1.5`,
`+3`, `-2e-05`) is left as it is: a spreadsheet reads it as that number, never
as a formula, and a negative longitude or count is data that a quote would
turn into text. The raw values stay available, unchanged, in the JSON
(`.json`, `?_shape=array`...). There is no parameter to turn this off for one
request, since a link could then hand out a download that runs formulas;
the whole site can, with `plugins: csv_safety: neutralise_formulas: false`
in metadata.yml.

Failed exports. Datasette 0.65 answers a CSV of a query that fails (SQLite's
error, a refused function, a result too large) with 200 and an empty body:
its query view catches the error and the CSV code writes a header of no
columns. Any real result has at least one column, so this plugin answers such
a CSV with 400 and a message instead. It asks Datasette for the header
always (and drops it itself when the visitor asked for `_header=off`), so an
empty result and a failed one cannot be confused. An error after the first
rows of a streamed CSV is written at the end of the body by Datasette (as
is its note at `max_csv_mb`), after the 200 was sent.

How. An asgi_wrapper rewrites the body of every 200 `.csv` response: it
holds back an incomplete record until the rest of it arrives (a record ends
at a line break outside quotes; in Datasette's CSV every `"` opens, closes or
doubles inside a quoted field, so the parity of the quotes tells), re-reads
the complete records with Python's csv module (the dialect Datasette writes)
and writes back only those with a cell to change. The debug view
`.csv?_trace=1` (an HTML page holding the CSV) is not served: `_trace` is
dropped from CSV requests.
"""

import csv
import io
import re
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl

from .config import plugin_settings

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number, which no spreadsheet reads as a formula.
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
# A field that may need the prefix: at the start of the data, after a comma
# or a line break, unquoted or just after its opening quote (a carriage
# return only inside quotes: csv quotes any field holding one).
SUSPECT = re.compile(rb'(?:^|[,\n])(?:[=+\-@\t]|"[=+\-@\t\r])')
FAILED_EXPORT = ("This query failed, so there is no CSV to download. The same address with .json "
                 "in place of .csv says why (SQLite's error message).\n")


def neutralise(cell):
    if cell.startswith(DANGEROUS_FIRST) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def neutralise_records(text):
    """`text`, complete CSV records, with every dangerous cell prefixed."""
    out = io.StringIO()
    writer = csv.writer(out)  # Datasette's dialect: excel, minimal quoting, \r\n
    for row in csv.reader(io.StringIO(text, newline="")):
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


class CsvRewriter:
    """Rewrites a CSV body that arrives in chunks, complete records at a time."""

    def __init__(self, neutralise=True, drop_header=False):
        self.neutralise = neutralise
        self.drop_header = drop_header
        self.pending = b""
        self.header = None  # the first record, once complete

    def feed(self, chunk):
        """The rewritten bytes of the records `chunk` completes."""
        data = self.pending + chunk
        end = self._end_of_records(data)
        self.pending = data[end:]
        return self._rewrite(data[:end])

    def close(self):
        """The rest of the body: text Datasette wrote after the last record
        (an error, the max_csv_mb note), prefixed if it starts dangerously."""
        rest, self.pending = self.pending, b""
        if self.header is None:
            return self._rewrite(rest)
        if self.neutralise and rest.startswith(tuple(c.encode() for c in DANGEROUS_FIRST)):
            rest = b"'" + rest
        return rest

    @staticmethod
    def _end_of_records(data):
        """The end of the last complete record in `data` (0 if none)."""
        if data.endswith(b"\n") and data.count(b'"') % 2 == 0:
            return len(data)  # the usual case: Datasette sends one row at a time
        end, quoted = 0, False
        for match in re.finditer(rb'["\n]', data):
            if match.group() == b'"':
                quoted = not quoted
            elif not quoted:
                end = match.end()
        return end

    def _rewrite(self, records):
        if not records:
            return b""
        if self.header is None:
            first = self._end_of_first_record(records)
            self.header = records[:first]
            if self.drop_header:
                records = records[first:]
        if self.neutralise and SUSPECT.search(records):
            text = records.decode("utf-8", "surrogateescape")
            records = neutralise_records(text).encode("utf-8", "surrogateescape")
        return records

    @staticmethod
    def _end_of_first_record(records):
        quoted = False
        for match in re.finditer(rb'["\n]', records):
            if match.group() == b'"':
                quoted = not quoted
            elif not quoted:
                return match.end()
        return len(records)


DEFAULTS = {"neutralise_formulas": True}


def _settings(datasette):
    return plugin_settings(datasette, "csv_safety", DEFAULTS)


def _is_csv(scope):
    return scope.get("method") in ("GET", "HEAD") and scope.get("path", "").endswith(".csv")


@hookimpl(tryfirst=True)  # innermost: the other wrappers (security headers) see its answers
def asgi_wrapper(datasette):
    def wrap(app):
        async def safe_csv(scope, receive, send):
            if scope["type"] != "http" or not _is_csv(scope):
                return await app(scope, receive, send)
            pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            drop_header = dict(reversed(pairs)).get("_header") == "off"
            kept = [(k, v) for k, v in pairs if k not in ("_header", "_trace")]
            if len(kept) != len(pairs):
                scope = dict(scope, query_string=urlencode(kept).encode("latin-1", "replace"))
            rewriter = CsvRewriter(_settings(datasette)["neutralise_formulas"], drop_header)
            held = None  # the 200 start, until the header row shows the export did not fail
            passing = False  # not a CSV body to rewrite (an error page, a redirect)
            failed = False  # answered with FAILED_EXPORT: the rest of the body is dropped

            async def rewriting_send(message):
                nonlocal held, passing, failed
                if failed:
                    return None
                if message["type"] == "http.response.start":
                    content_type = next((v for k, v in message.get("headers", []) if k.lower() == b"content-type"), b"")
                    if message["status"] != 200 or not content_type.startswith((b"text/plain", b"text/csv")):
                        passing = True
                        return await send(message)
                    held = message
                    return None
                if passing or message["type"] != "http.response.body":
                    return await send(message)
                body = rewriter.feed(message.get("body", b""))
                more = message.get("more_body", False)
                if not more:
                    body += rewriter.close()
                if held is not None:
                    if rewriter.header is None and more:
                        return None  # the header row is not complete yet
                    start, held = held, None
                    if rewriter.header in (None, b"\r\n"):  # no header, or one of no columns: the query failed
                        failed = True
                        return await _failed(send, start)
                    await send(start)
                await send({"type": "http.response.body", "body": body, "more_body": more})

            await app(scope, receive, rewriting_send)
            if held is not None:  # the app ended without a last body message
                await _failed(send, held)
        return safe_csv
    return wrap


async def _failed(send, start):
    body = FAILED_EXPORT.encode()
    headers = [(k, v) for k, v in start.get("headers", [])
               if k.lower() not in (b"content-type", b"content-length", b"content-disposition", b"cache-control")]
    headers += [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store")]
    await send({"type": "http.response.start", "status": 400, "headers": headers})
    await send({"type": "http.response.body", "body": body})
