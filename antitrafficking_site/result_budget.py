"""No query result larger than so many bytes of output (issue 12).

A row factory that counts, for every row, an upper bound of the bytes its
values take in Datasette's JSON, HTML or CSV (an emoji is 12 bytes of JSON),
and fails the query once the total passes the limit: the bytes sent, not the
characters held.
"""

import re
import sqlite3
import weakref

# Characters whose escape in JSON (\u0000, \"), HTML (&amp; &#34; &lt;) or
# CSV ("") takes more than one byte: at most 6 bytes each.
_ESCAPED = re.compile('[\x00-\x1f\x7f"&\'<>\\\\]')
# A cell besides its value: JSON's quotes, comma and, with _shape=objects, the
# column's name; HTML's <td class="col-NAME type-TYPE">...</td>.
CELL_OVERHEAD = 40


def output_bytes(value):
    """An upper bound of the bytes `value` takes in Datasette's JSON, HTML or
    CSV output. JSON escapes every character outside ASCII (ensure_ascii):
    6 bytes for each UTF-16 code unit, so an emoji takes 12. Bytes that
    decode as UTF-8 are written as that text (a NUL byte is \\u0000, 6 bytes),
    others in base64; numbers and NULL take at most 24."""
    cls = value.__class__
    if cls is str:
        if value.isascii():
            if _ESCAPED.search(value) is None:
                return len(value)
            return len(value) + 5 * len(_ESCAPED.findall(value))
        return 3 * len(value.encode("utf-16-le", "surrogatepass"))  # 6 per code unit of 2 bytes
    if cls is bytes:
        return 6 * len(value)
    return 24


def result_budget(limit):
    """A row factory (sqlite3.Row, as Datasette's) that fails a query once
    its rows would take more than `limit` bytes in the output (output_bytes
    of every value, plus each cell's markup and column name): the bytes
    sent, not the characters held (issue 12)."""
    state = {"cursor": lambda: None, "used": 0, "per_row": 0}
    message = (f"query result too large: its rows would take more than {limit:,} bytes "
               "(each character outside ASCII counts up to 12 bytes, as JSON writes it); "
               "select fewer rows or columns, or shorter values")

    def row_factory(cursor, values, search=_ESCAPED.search, findall=_ESCAPED.findall):
        if state["cursor"]() is not cursor:
            names = [column[0] for column in cursor.description or ()]
            state["cursor"], state["used"] = weakref.ref(cursor), 0
            state["per_row"] = sum(output_bytes(name) + CELL_OVERHEAD for name in names) + 2
        used = state["used"] + state["per_row"]
        for value in values:  # output_bytes(value), inlined: this runs for every row of every query
            cls = value.__class__
            if cls is str:
                if value.isascii():
                    used += len(value)
                    if search(value) is not None:
                        used += 5 * len(findall(value))
                else:
                    used += 3 * len(value.encode("utf-16-le", "surrogatepass"))
            elif cls is bytes:
                used += 6 * len(value)
            else:
                used += 24
        state["used"] = used
        if used > limit:
            raise sqlite3.OperationalError(message)
        return sqlite3.Row(cursor, values)

    return row_factory
