"""Answer the requests Datasette 0.65 fails on with 400 or 405 and a clear
message, not 500 and a traceback in the log.

Datasette parses many query parameters without catching the error, so a
malformed value is a 500 whose traceback goes to the server's log (a fuzz of
13,000 requests got 180 of them, issue 12). This plugin:

* asgi_wrapper -- checks the request before Datasette sees it (bad_request
  below): a method other than GET, HEAD and OPTIONS outside /-/ and the
  reconciliation services (the site is
  read-only: Datasette 0.65 fails on POST to a table and on TRACE), a NUL
  character anywhere (SQLite refuses SQL holding one, and Datasette writes a
  filter's column name and _where into the SQL), and the parameters Datasette
  parses without a check: JSON in _facet*, _through and col__in/col__notin,
  _facet_size, _timelimit, _ttl, _json_infinity, numbers beyond SQLite's
  64-bit integers in col__gt/gte/lt/lte, _next on a view (an offset),
  _col/_nocol leaving out the sort column, the CSV of a database page
  without a query, or its JSON as an array, and more facets than
  `plugins: sql_limits: max_facets` (Datasette runs each one in turn).
* handle_exception -- the errors that are the request's fault but cannot be
  known before Datasette runs it answer 400 with Datasette's error page and
  nothing in the log:
  - a DatasetteError of status 500 (0.65 raises those for an unknown _sort
    column, _sort with _sort_desc, a _through without a foreign key;
    pyproject.toml pins <0.66);
  - a query interrupted by its time limit while Datasette makes a CSV (its
    CSV code catches only OperationalError);
  - a parameter no value is bound to (`_where=:x`, `_where=?`: sqlite3's
    ProgrammingError);
  - a `.blob` whose _blob_column holds no binary value or matches no row.
  It wraps the hook (pluggy's hookwrapper) so that Datasette's own handler,
  which prints the traceback, does not run for them; every other error stays
  a 500 with its traceback.

tests/test_bad_requests.py checks each case of issue 12 and fuzzes every
table parameter of Datasette 0.65 with malformed values.
"""

import json
import re
import sqlite3
from urllib.parse import parse_qsl

from datasette import Response, hookimpl

from .responses import answer
from .sql_limits import settings as limits

# The largest integer SQLite stores (a larger Python int cannot be bound).
SQLITE_INTEGER = 2**63 - 1
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
# Filters whose value Datasette turns into an int when it is all digits.
NUMERIC_FILTERS = {"gt", "gte", "lt", "lte"}
BOOLEANS = {"on", "off", "true", "false", "1", "0"}
# Datasette's routes (app.py): a dot in a name is tilde-encoded, so the first
# dot starts the format.
DATABASE_PAGE = re.compile(r"/([^/.]+)(?:\.(\w+))?")
TABLE_PAGE = re.compile(r"/([^/.]+)/([^/.]+)(?:\.(\w+))?")
# sqlite3's errors for a parameter in a visitor's SQL (`_where=:x`, `_where=?`)
# that the table page does not bind: it binds its own by name (p0, p1, search).
UNBOUND_PARAMETER = re.compile(r"You did not supply a value for binding parameter|Binding \d+ has no name"
                               r"|Incorrect number of bindings supplied")
BLOB_COLUMN = "_blob_column"
FACET_CONFIG = 'a column name or a JSON object such as {"simple": "column"}'


NOT_JSON = object()


def _json(value):
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return NOT_JSON


def _whole_number(value):
    """The int Datasette reads from `value` (ASCII digits), or None; more than
    SQLITE_INTEGER for any longer than 19 digits (Python's int() refuses more
    than 4,300, so Datasette would fail on them)."""
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value) if len(value) <= 19 else SQLITE_INTEGER + 1


def _count(value):
    """True if `value` is a whole number SQLite can store."""
    number = _whole_number(value)
    return number is not None and number <= SQLITE_INTEGER


def _bindable(value):
    """True if SQLite can take `value` (a JSON scalar) as a parameter."""
    if isinstance(value, int):  # bool too
        return -SQLITE_INTEGER - 1 <= value <= SQLITE_INTEGER
    return value is None or isinstance(value, (str, float))


def bad_parameter(key, value):
    """Why Datasette 0.65 would fail on this query parameter, or None."""
    if key == "_through":
        through = _json(value)
        if not (isinstance(through, dict) and isinstance(through.get("table"), str)
                and isinstance(through.get("column"), str) and "value" in through and _bindable(through["value"])):
            return '_through must be a JSON object such as {"table": "...", "column": "...", "value": "..."}'
    elif key == "_facet_size":
        if value and value != "max" and not _count(value):
            return "_facet_size must be a whole number or max"
    elif key.startswith("_facet") and value.startswith("{"):
        config = _json(value)
        if not (isinstance(config, dict) and isinstance(config.get("simple"), str)
                and isinstance(config.get("column", ""), str)):
            return f"{key} must be {FACET_CONFIG}"
    elif key == "_timelimit":
        if value and not (_count(value) and int(value) > 0):
            return "_timelimit must be a positive whole number of milliseconds"
    elif key == "_ttl":
        if value.isdigit() and not _count(value):
            return "_ttl must be a whole number of seconds"
    elif key == "_json_infinity":
        if value.lower() not in BOOLEANS:
            return "_json_infinity must be on or off"
    elif "__" in key:  # a filter, column__operation
        operation = key.rsplit("__", 1)[1]
        if operation in ("in", "notin") and value.startswith("["):
            values = _json(value)
            if not (isinstance(values, list) and all(_bindable(v) for v in values)):
                return f"{key} must be a JSON list of strings and numbers, or values separated by commas"
        elif operation in NUMERIC_FILTERS and value.isdigit():
            if not _count(value):
                return f"{key} must be a number no larger than {SQLITE_INTEGER}"
    return None


async def bad_request(datasette, scope, pairs):
    """(status, message) if Datasette 0.65 would fail on this request, or None."""
    method, path = scope.get("method", "GET"), scope.get("path", "")
    # POST is for Datasette's own /-/ pages and for reconciliation, which OpenRefine
    # queries by POST (datasette-reconcile: /DB/TABLE/-/reconcile; it only reads).
    if method not in READ_METHODS and not (method == "POST" and (path.startswith("/-/") or path.endswith("/-/reconcile"))):
        return 405, f"Method {method[:20]} not allowed: this site is read-only (use GET)"
    if "\x00" in path or any("\x00" in key or "\x00" in value for key, value in pairs):
        return 400, "The address holds a NUL character (%00), which no name or value may contain"
    # Datasette runs each facet in turn, each for up to facet_time_limit_ms.
    limit = limits(datasette)["max_facets"]
    if sum(1 for key, _ in pairs if key.startswith("_facet") and key != "_facet_size") > limit:
        return 400, f"Too many facets: at most {limit} per request"
    for key, value in pairs:
        problem = bad_parameter(key, value)
        if problem:
            return 400, problem
    args = dict(reversed(pairs))  # the first value of each, as Datasette reads them
    database = DATABASE_PAGE.fullmatch(path)
    if database and not args.get("sql"):  # the database's own page, not a query's
        if database.group(2) == "csv":
            return 400, "A database has no CSV of its own: give a query (?sql=...) or download a table's CSV"
        if database.group(2) == "json" and args.get("_shape") in ("array", "arrayfirst"):
            return 400, f"_shape={args['_shape']} needs a query (?sql=...): a database's own JSON is one object"
    table = TABLE_PAGE.fullmatch(path)
    if table and (args.get("_next") or "_col" in args or "_nocol" in args):
        return await _bad_table_request(datasette, *table.group(1, 2), args, pairs)
    return None


async def _bad_table_request(datasette, database_route, table, args, pairs):
    from datasette.utils import tilde_decode

    try:
        db = datasette.get_database(route=tilde_decode(database_route))
    except KeyError:
        return None
    table = tilde_decode(table)
    if args.get("_next") and table in await db.view_names():
        if not _count(args["_next"]):
            return 400, "_next on a view is a row offset: a whole number"
    # The link to the next page reads the sort column from the last row shown:
    # a KeyError when _col or _nocol left it out.
    sort = args.get("_sort") or args.get("_sort_desc")
    if not sort and not args.get("_sort_desc"):
        metadata = datasette.table_metadata(db.name, table)
        sort = metadata.get("sort") or metadata.get("sort_desc")
    if sort:
        shown = [value for key, value in pairs if key == "_col"]
        if sort in [value for key, value in pairs if key == "_nocol"] or (
                shown and sort not in shown and sort not in await db.primary_keys(table)):
            return 400, f"_col and _nocol must keep {sort}, the column the rows are sorted by"
    return None


@hookimpl(tryfirst=True)  # innermost: the other wrappers (security headers) see its answers
def asgi_wrapper(datasette):
    def wrap(app):
        async def checked(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            problem = await bad_request(datasette, scope, pairs)
            if problem:
                status, message = problem
                allow = [(b"allow", b"GET, HEAD, OPTIONS")] if status == 405 else []
                return await answer(send, status, message, scope.get("path", "").endswith(".json"), allow)
            return await app(scope, receive, send)
        return checked
    return wrap


def request_error(datasette, request, exception):
    """(status, message, title) for an error that is the request's fault, or None."""
    from datasette.database import QueryInterrupted
    from datasette.views.base import DatasetteError

    if isinstance(exception, DatasetteError) and exception.status == 500:
        return 400, exception.message, exception.title
    if isinstance(exception, QueryInterrupted):
        limit = datasette.setting("sql_time_limit_ms")
        return 400, f"SQL query took too long: the time limit is {limit:,} ms", "SQL Interrupted"
    if request.path.endswith(".blob") and isinstance(exception, (IndexError, TypeError, AttributeError)):
        # Datasette's blob renderer takes the first row (IndexError when there
        # is none) and hashes or sends the value as bytes (a number or text fails).
        return 400, f"{BLOB_COLUMN} must name a column holding a binary value (BLOB) in a row of this page", None
    if isinstance(exception, sqlite3.ProgrammingError) and UNBOUND_PARAMETER.match(str(exception)):
        return 400, f"The SQL holds a parameter (:name, @name, $name or ?) with no value: {exception}", "Invalid SQL"
    return None


@hookimpl(hookwrapper=True)
def handle_exception(datasette, request, exception):
    outcome = yield
    error = request_error(datasette, request, exception)
    if error is None:
        return  # Datasette's answer (a 500 with its traceback for an unexpected error)
    status, message, title = error

    async def inner():
        info = {"ok": False, "error": message, "status": status, "title": title}
        if request.path.endswith(".json"):
            return Response.json(info, status=status)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        context = dict(info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(), menu_links=lambda: [])
        return Response.html(await template.render_async(context), status=status)

    outcome.force_result([inner])
