"""Keep the public site up, fair and on its own domain under hostile queries.

Anyone may send any read-only SQL. Datasette's time limit interrupts SQLite
between loop iterations, not inside one function call or a row of many, and
it bounds time, not memory. On Datasette 0.65.5 with SQLite 3.40:

    select length(randomblob(999999999))            1 GB and seconds
    select length(printf('%.*c', 999999999, 'x'))   1 GB and seconds
    select trim(<200 KB>, <15 KB of characters>)    minutes of one SQL thread
    select instr(<1 MB>, <500 KB>)                  6 s

and three such requests at once stall every other visitor. This plugin:

* prepare_connection -- SQLite limits on every connection: the longest
  string or blob a query may make or read (max_value_bytes), the longest
  LIKE/GLOB pattern and SQL text, no ATTACH; at most max_function_calls
  function calls (max_pattern_calls LIKE/GLOB) in one statement, since one
  row runs them all without a time check; a cap on the bytes one query
  returns (max_result_bytes); and stand-ins for the built-ins whose cost is
  the product of two argument lengths (instr, replace, two-argument trim,
  json_patch) or that keep looping past the length limit (printf, format).
  The stand-ins give SQLite's results: text in Python in linear time, other
  types through SQLite's own function when the work is small.
* asgi_wrapper -- security headers on every response (nosniff, no framing,
  a content-security policy Datasette's pages, the cluster map and the event
  page work with); no redirect ever leaves the site (0.65.5 answers
  `/\\example.com/` with `Location: /\\example.com`, which browsers follow
  to example.com); at most max_facets requested facets, since Datasette
  runs each one in turn for up to facet_time_limit_ms. (The bad parameters
  Datasette 0.65 fails on answer 400 through plugins/bad_requests.py.)
* startup -- a database file that fails `pragma quick_check`, holds a value
  longer than max_value_bytes (unreadable under the limit) or other row
  counts than its --inspect-file is refused with a clear message (the check
  reads the whole file: about 2 s for 800 MB). Every SQL thread opens its
  connection at once, so a running server answers from the file it started
  with even after the file is replaced, until it is restarted (see
  the README, "Deploying in public"); until then the database download, which Datasette
  reads from the path, answers 503 rather than send the new file beside
  pages from the old one.
* Datasette's error reporting: no `rich` tracebacks with local variables
  (megabytes of log per bad query), no sqlite3 callback tracebacks, and
  "string or blob too big" answered 400, like other SQL errors, not 500.

A refused query answers 400 with SQLite's "string or blob too big" or one of
the messages below. Every limit can be changed in metadata.yml:

    plugins:
      hardening:
        max_sql_bytes: 200000

except the length limit of a database build.py made: that is the data
package's x-maxValueBytes, recorded in its _build table (max_value_bytes
here applies to databases that record none).
"""

import asyncio
import contextlib
import json
import os
import re
import sqlite3
import sys
import threading
import time
import weakref
from urllib.parse import parse_qsl, urlsplit

import click
from datasette import hookimpl

DEFAULTS = {
    # Longest string or blob a query may make or read (SQLITE_LIMIT_LENGTH), for
    # a database that does not record its own: build.py records data/datapackage.json's
    # x-maxValueBytes, which it checked every value against, in the _build table,
    # and that value wins (value_limit below), so the build and the server agree.
    # The longest value stored today is a 2 KB source text; the benchmark's
    # synthetic sources are about 4 KB.
    "max_value_bytes": 200_000,
    # Longest LIKE/GLOB pattern (SQLITE_LIMIT_LIKE_PATTERN_LENGTH). LIKE costs
    # (text length x pattern length): at most ~25 ms a call with the above.
    "max_like_pattern": 100,
    # Longest SQL text (SQLITE_LIMIT_SQL_LENGTH); canned queries are < 3 KB.
    "max_sql_bytes": 100_000,
    # Function calls in one statement, LIKE/GLOB among them.
    "max_function_calls": 200,
    "max_pattern_calls": 20,
    # Bytes one query's rows may take in the output (JSON, HTML or CSV), counted
    # as an upper bound of what is sent (result_budget: an emoji is 12 bytes of
    # JSON): Datasette holds up to max_returned_rows rows, each up to
    # max_value_bytes, several times over while it renders them.
    "max_result_bytes": 32 * 1024 * 1024,
    # Facets one request may ask for (_facet, _facet_array, _facet_date...).
    "max_facets": 5,
    # Check each database file with `pragma quick_check` before serving it.
    "startup_check": True,
}

# SQLite instructions between two checks of the time limit (Datasette: 1,000).
# The check runs at the end of each loop iteration, so this bounds how many
# rows of expensive calls one check lets through.
PROGRESS_OPCODES = 100

# Stand-ins refuse to hand SQLite's own function more work than this
# (product of the two main arguments' lengths): ~10 ms at most.
QUADRATIC_BUDGET = {"instr": 200_000_000, "replace": 200_000_000, "json_patch": 100_000_000,
                    "trim": 5_000_000, "ltrim": 5_000_000, "rtrim": 5_000_000}

PATTERN_FUNCTIONS = {"like", "glob"}

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    # Datasette's pages, the map and the event page use inline <script> blocks.
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    # Map tiles (datasette-cluster-map, the event page) come from OpenStreetMap.
    "img-src 'self' data: https://tile.openstreetmap.org https://*.tile.openstreetmap.org",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
]

_settings = weakref.WeakKeyDictionary()


def settings(datasette):
    """DEFAULTS updated from metadata.yml's `plugins: hardening:` (read once per Datasette)."""
    if datasette not in _settings:
        configured = datasette.plugin_config("hardening") or {}
        unknown = set(configured) - set(DEFAULTS)
        if unknown:
            raise click.ClickException(f"metadata plugins: hardening: unknown setting(s) {', '.join(sorted(unknown))}")
        _settings[datasette] = {**DEFAULTS, **configured}
    return _settings[datasette]


# ---- Datasette's error reporting and time limit ----------------------------------

def _patch_datasette():
    """Datasette runs a --plugins-dir file again for every Datasette object it
    makes, so this patches once per process and keeps what the copies share
    (CALL_BUDGETS) on datasette.database."""
    import datasette.database
    import datasette.handle_exception

    # With `rich` importable, Datasette prints every failed request's
    # traceback with its local variables; plain tracebacks stay for 500s.
    datasette.handle_exception.rich = None
    if getattr(sys.excepthook, "__module__", "").startswith("rich"):
        sys.excepthook = sys.__excepthook__
    # Datasette turns these on; each refused call below would print one.
    sqlite3.enable_callback_tracebacks(False)

    if getattr(datasette.database, "_hardened", False):
        return
    datasette.database._hardened = True
    Database = datasette.database.Database
    execute = Database.execute

    async def hardened_execute(self, *args, **kwargs):
        try:
            return await execute(self, *args, **kwargs)
        except sqlite3.DataError as error:
            # "string or blob too big": the table view (?_where=) answers a
            # DataError with 500 and a traceback, an OperationalError with 400.
            raise sqlite3.OperationalError(*error.args) from None
        except sqlite3.DatabaseError as error:
            message = str(error.args[0]) if error.args else ""
            if message.startswith("not authorized to use function: "):
                raise sqlite3.OperationalError(CallBudget.refusal(self.ds, message)) from None
            raise

    Database.execute = hardened_execute
    datasette.database.sqlite_timelimit = sqlite_timelimit


@contextlib.contextmanager
def sqlite_timelimit(conn, ms):
    """Datasette's time limit (utils.sqlite_timelimit), checked every
    PROGRESS_OPCODES instructions, and a fresh function-call budget."""
    budget = CALL_BUDGETS.get(id(conn))
    if budget is not None:
        budget.reset()
    deadline = time.perf_counter() + ms / 1000

    def handler():
        return 1 if time.perf_counter() >= deadline else 0

    conn.set_progress_handler(handler, 1 if ms <= 20 else PROGRESS_OPCODES)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


def _shared(name, default):
    import datasette.database

    return datasette.database.__dict__.setdefault(name, default)


# id(connection) -> its CallBudget, which the connection keeps alive.
CALL_BUDGETS = _shared("_hardening_call_budgets", weakref.WeakValueDictionary())
_patch_datasette()


# ---- connections ------------------------------------------------------------------

def recorded_value_limit(conn):
    """The x-maxValueBytes build.py checked this database's values against and
    recorded in its _build table; None for a database without one."""
    try:
        row = conn.execute("select value from _build where key = 'max_value_bytes'").fetchone()
    except sqlite3.Error:  # no _build table: not built by build.py
        return None
    return int(row[0]) if row and str(row[0]).isdigit() else None


def value_limit(conn, config):
    """The length limit for a connection: its database's recorded one, else the configured one."""
    return recorded_value_limit(conn) or config["max_value_bytes"]


@hookimpl
def prepare_connection(conn, database, datasette):
    config = settings(datasette)
    max_value_bytes = value_limit(conn, config)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max_value_bytes)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, config["max_like_pattern"])
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, config["max_sql_bytes"])
    if not (datasette.crossdb and database == "_memory"):
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    SafeFunctions(max_value_bytes).install(conn)
    CallBudget(config["max_function_calls"], config["max_pattern_calls"]).install(conn)
    conn.row_factory = result_budget(config["max_result_bytes"])
    # Every lookup the site makes has its index (tests/test_query_plans.py). An
    # automatic index is SQLite guessing otherwise from sampled statistics: on
    # the 5,000-participant benchmark it builds one over all of event_participants
    # for each event_roles request rather than use the primary key (issue 12), and
    # for a visitor's own SQL it would build one per request over a whole table.
    conn.execute("pragma automatic_index = off")


class CallBudget:
    """Counts the function calls in each statement SQLite prepares (through
    the authorizer) and refuses a statement with too many: one row evaluates
    them all without a time check, so a single row of a thousand LIKEs on
    long strings would hold a thread for many seconds."""

    def __init__(self, max_calls, max_pattern_calls):
        self.max_calls, self.max_pattern_calls = max_calls, max_pattern_calls
        self.reset()

    def install(self, conn):
        conn.set_authorizer(self.authorize)
        conn.set_trace_callback(self.statement_started)
        CALL_BUDGETS[id(conn)] = self

    def reset(self):
        self.calls = self.pattern_calls = 0

    def statement_started(self, sql):
        self.reset()  # its preparation, and so its count, is over

    def authorize(self, action, arg1, arg2, database, source):
        if action == sqlite3.SQLITE_FUNCTION:
            self.calls += 1
            self.pattern_calls += (arg2 or "").lower() in PATTERN_FUNCTIONS
            if self.calls > self.max_calls or self.pattern_calls > self.max_pattern_calls:
                self.reset()
                return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK

    @staticmethod
    def refusal(datasette, message):
        config = settings(datasette)
        function = message.rsplit(": ", 1)[-1].lower()
        if function in PATTERN_FUNCTIONS:
            return f"too many LIKE/GLOB comparisons: a query may make at most {config['max_pattern_calls']}"
        return f"too many function calls: a query may call functions at most {config['max_function_calls']} times"


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


# printf conversion: %, flags, width, .precision, length modifier, type.
PRINTF_SPEC = re.compile(r"%([-+ #!0,]*)(\*|\d+)?(?:\.(\*|\d*))?(l{0,2})(.?)", re.S)
LEADING_NUMBER = re.compile(rb"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _magnitude(value):
    """The largest absolute value SQLite could read from `value` as an integer argument."""
    if value is None:
        return 0
    if isinstance(value, (int, float)):
        return abs(value)
    raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(value)
    match = LEADING_NUMBER.match(raw)
    return abs(float(match.group(0))) if match else 0


def _utf8_length(text):
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class SafeFunctions:
    """Stand-ins for SQLite built-ins that one call can make expensive whatever
    the length limit. Text arguments are handled in Python, in linear time,
    with SQLite's results; other types go to SQLite's own function on a
    private in-memory connection with the same limit when the work is small,
    and are refused (OverflowError: "string or blob too big") when not."""

    def __init__(self, length):
        self.length = length
        self._native = None
        self._lock = threading.Lock()

    def install(self, conn):
        for name in ("printf", "format"):
            conn.create_function(name, -1, self.printf, deterministic=True)
        conn.create_function("instr", 2, self.instr, deterministic=True)
        conn.create_function("replace", 3, self.replace, deterministic=True)
        for name, left, right in (("trim", True, True), ("ltrim", True, False), ("rtrim", False, True)):
            conn.create_function(name, 2, self.trimmer(name, left, right), deterministic=True)
        conn.create_function("json_patch", 2, self.json_patch, deterministic=True)

    def native(self, name, *args):
        """SQLite's own `name`, on a connection where it is not replaced."""
        with self._lock:
            if self._native is None:
                self._native = sqlite3.connect(":memory:", check_same_thread=False)
                self._native.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.length)
            marks = ", ".join("?" for _ in args)
            try:
                return self._native.execute(f"select {name}({marks})", args).fetchone()[0]
            except sqlite3.DataError:
                raise OverflowError from None  # SQLite reports it as "string or blob too big"

    def bounded(self, name, *args):
        first, second = (len(a) if isinstance(a, (str, bytes)) else 32 for a in args[:2])
        if first * second > QUADRATIC_BUDGET[name]:
            raise OverflowError
        return self.native(name, *args)

    def printf(self, *args):
        fmt = args[0] if args else None
        if isinstance(fmt, (str, bytes)):
            text = fmt if isinstance(fmt, str) else fmt.decode("utf-8", "replace")
            position, total = 1, 0
            for _, width, precision, _, kind in PRINTF_SPEC.findall(text):
                for part in (width, precision):
                    if part == "*":
                        total += _magnitude(args[position]) if position < len(args) else 0
                        position += 1
                    elif part:
                        total += int(part) if len(part) < 12 else self.length + 1
                if kind not in ("%", "n", ""):
                    position += 1
            # SQLite's %c repeats its character `precision` times, and goes on
            # looping after the output has outgrown the length limit.
            if total > self.length:
                raise OverflowError
        result = self.native("printf", *args)
        if result is None and fmt is not None:
            raise OverflowError  # SQLite's printf answers NULL when the output is too long
        return result

    def instr(self, haystack, needle):
        if haystack is None or needle is None:
            return None
        if (haystack.__class__ is str and needle.__class__ is str) or (
                haystack.__class__ is bytes and needle.__class__ is bytes):
            return haystack.find(needle) + 1
        return self.bounded("instr", haystack, needle)

    def replace(self, text, pattern, replacement):
        if text.__class__ is str and pattern.__class__ is str and replacement.__class__ is str:
            if pattern == "" or pattern[0] == "\x00":
                return text  # SQLite leaves the text as it is
            count = text.count(pattern)
            if count == 0:
                return text
            size = _utf8_length(text) + count * (_utf8_length(replacement) - _utf8_length(pattern))
            if size > self.length:
                raise OverflowError
            return text.replace(pattern, replacement)
        if text is None or pattern is None or replacement is None:
            return None
        return self.bounded("replace", text, pattern, replacement)

    def trimmer(self, name, left, right):
        def trim(text, characters):
            if text is None or characters is None:
                return None
            if text.__class__ is not str or characters.__class__ is not str:
                return self.bounded(name, text, characters)
            unique = set(characters.split("\x00", 1)[0])  # SQLite reads the set up to a NUL
            if len(unique) <= 64:  # str.strip looks each character up in the set
                chars = "".join(unique)
                return text.strip(chars) if left and right else text.lstrip(chars) if left else text.rstrip(chars)
            start, end = 0, len(text)
            while left and start < end and text[start] in unique:
                start += 1
            while right and end > start and text[end - 1] in unique:
                end -= 1
            return text[start:end]
        return trim

    def json_patch(self, target, patch):
        return self.bounded("json_patch", target, patch)


# ---- requests and responses --------------------------------------------------------

_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def offsite(location, host):
    """True if a browser following `location` from `host` could leave the site
    (it drops tabs and newlines, trims C0 controls and spaces, reads \\ as /)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip(_C0_AND_SPACE).replace("\\", "/")
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return True
    if parts.scheme or parts.netloc or cleaned.startswith("//"):
        return not (parts.scheme in ("http", "https") and host and parts.netloc.lower() == host.lower())
    return False


async def _answer(send, status, message, as_json=False):
    if as_json:
        body = json.dumps({"ok": False, "error": message, "status": status, "title": None}).encode()
        content_type = b"application/json; charset=utf-8"
    else:
        body = (message + "\n").encode()
        content_type = b"text/plain; charset=utf-8"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def hardened(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            path = scope.get("path", "")
            raw_path = scope.get("raw_path") or b""
            if path[:2] in ("//", "/\\") or raw_path[:2] in (b"//", b"/\\"):
                # Datasette would redirect to a path that browsers read as another host.
                return await _answer(send, 404, "Not found")
            pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            limit = settings(datasette)["max_facets"]
            if sum(1 for key, _ in pairs if key.startswith("_facet") and key != "_facet_size") > limit:
                return await _answer(send, 400, f"Too many facets: at most {limit} per request", path.endswith(".json"))
            if path in _downloads.get(datasette, {}) and replaced_since_startup(*_downloads[datasette][path]):
                # The pages still answer from the file the server started with (see
                # pin_connections); the download would send the new one.
                return await _answer(send, 503, "The database is being updated; try again in a minute")
            host = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"host"), "")
            replaced = False

            async def guarded_send(message):
                nonlocal replaced
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    location = next((v for k, v in headers if k.lower() == b"location"), None)
                    if 300 <= message["status"] < 400 and location is not None and offsite(location.decode("latin-1"), host):
                        replaced = True
                        return await _answer(send, 404, "Not found")
                    present = {k.lower() for k, _ in headers}
                    headers += [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                    message = dict(message, headers=headers)
                elif replaced:
                    return  # the body of the redirect answered 404 instead
                await send(message)

            await app(scope, receive, guarded_send)
        return hardened
    return wrap


# ---- startup ------------------------------------------------------------------------

def check_file(path, max_value_bytes, inspected=None):
    """None if `path` is a sound SQLite database every value of which can be
    read under the length limit, and whose tables hold the row counts in
    `inspected` (the --inspect-file's entry for it, if any); otherwise what
    is wrong with it."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return f"cannot be opened ({error})"
    try:
        problems = [row[0] for row in conn.execute("pragma quick_check(5)")]
        if problems != ["ok"]:
            return "fails SQLite's integrity check (pragma quick_check): " + "; ".join(problems)
        max_value_bytes = recorded_value_limit(conn) or max_value_bytes  # as prepare_connection
        tables = conn.execute("select name from sqlite_master where type = 'table' "
                              "and name not like 'sqlite_%' and sql not like 'create virtual%'").fetchall()
        for (table,) in tables:
            problem = check_table(conn, table, max_value_bytes, inspected)
            if problem:
                return problem
    except sqlite3.DatabaseError as error:
        return f"is not a sound SQLite database ({error})"
    finally:
        conn.close()
    return None


def check_table(conn, table, max_value_bytes, inspected):
    """Row count against the inspect file and longest value against the limit,
    in one pass over the table (a full read of a big table costs seconds)."""
    quoted = '"' + table.replace('"', '""') + '"'
    columns = [row[1] for row in conn.execute(f"pragma table_info({quoted})")]
    lengths = "".join(', max(length(cast("{}" as blob)))'.format(c.replace('"', '""')) for c in columns)
    count, *sizes = conn.execute(f"select count(*){lengths} from {quoted}").fetchone()
    expected = ((inspected or {}).get("tables") or {}).get(table, {}).get("count")
    if expected is not None and count != expected:
        # Datasette would show the inspect file's counts beside the file's rows.
        return (f"has {count:,} rows in {table} but the --inspect-file says {expected:,}: "
                "the inspect file is from another build; run `datasette inspect` again (make serve does)")
    for column, size in zip(columns, sizes):
        if size is not None and size > max_value_bytes:
            return (f"holds a value of {size:,} bytes in {table}.{column}, more than the {max_value_bytes:,} "
                    "a query may read (its x-maxValueBytes, or plugins/hardening.py's max_value_bytes "
                    "for a database that records none)")
    return None


@hookimpl
def startup(datasette):
    async def inner():
        config = settings(datasette)
        for db in list(datasette.databases.values()):
            if db.is_memory or not db.path:
                continue
            stat = os.stat(db.path)
            _downloads.setdefault(datasette, {})[f"/{db.route or db.name}.db"] = (db.path, stat.st_dev, stat.st_ino)
            if config["startup_check"]:
                inspected = (datasette.inspect_data or {}).get(db.name)
                problem = await asyncio.get_running_loop().run_in_executor(
                    None, check_file, db.path, config["max_value_bytes"], inspected)
                if problem:
                    raise click.ClickException(
                        f"{db.path} {problem}. Not serving it: rebuild it (make build) or restore the previous file.")
            await pin_connections(datasette, db)
    return inner


# Datasette -> {download path: (file, device, inode) when the server started}
_downloads = weakref.WeakKeyDictionary()


def replaced_since_startup(path, device, inode):
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return True
    return (stat.st_dev, stat.st_ino) != (device, inode)


async def pin_connections(datasette, db):
    """Open `db` in every SQL thread now. Datasette opens a thread's connection
    at its first query, so after the file is replaced (build.py's swap) some
    threads would answer from the old file and some from the new one."""
    threads = datasette.setting("num_sql_threads")
    if not threads or datasette.executor is None:
        return
    barrier = threading.Barrier(threads)

    def hold(conn):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=10)
        conn.execute("select count(*) from sqlite_master").fetchone()

    await asyncio.gather(*(db.execute_fn(hold) for _ in range(threads)))
