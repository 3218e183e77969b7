"""A public site answering anyone's SQL (issue 5): writes are refused, runaway
and oversized requests are bounded, hostile text comes back escaped, no
redirect leaves the site, every response carries the security headers and a
bad query prints no traceback. The protections are in antitrafficking_site (sql_limits, safe_functions, call_budget, result_budget, security_headers);
the README's "Deploying in public" says why each one is there.

The site is configured like `make serve`: the database immutable (-i), the
real metadata, plugins, templates and settings. Tests that need the wire
(headers, raw paths, concurrency, memory, the serving environment) start a
real `datasette serve` on 127.0.0.1."""

import asyncio
import csv
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from antitrafficking_site import safe_functions, security_headers

import build
from conftest import DATA, ROOT, settings, sha256, site_for
from local_server import serving

SETTINGS = settings()
TIME_LIMIT = SETTINGS["sql_time_limit_ms"] / 1000
TOO_LONG = "<p>SQL query took too long."
TOO_BIG = "string or blob too big"
SERVE_VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


# What antitrafficking_site.sql_limits allows (its DEFAULTS; metadata.yml does not change them).
MAX_FACETS = 5
MAX_PATTERN_CALLS = 20
MAX_FUNCTION_CALLS = 200
MAX_VALUE_BYTES = 200_000
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https://tile.openstreetmap.org https://*.tile.openstreetmap.org; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


async def sql(ds, query, database="antitrafficking"):
    return await ds.client.get(f"/{database}.json?" + urllib.parse.urlencode({"sql": query}))


def row_count(path, table):
    """The table's row count read from the file itself, to compare the site's answers with."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def served_db(built_db, tmp_path_factory):
    """A copy of the real database that only this module's sites serve."""
    path = tmp_path_factory.mktemp("served") / "antitrafficking.db"
    shutil.copyfile(built_db, path)
    return path


@pytest.fixture(scope="module")
def site(served_db):
    return site_for(served_db)


@pytest.fixture(scope="module")
def live(served_db):
    with serving(served_db) as server:
        yield server


# -- writes of every kind are refused and change nothing ---------------------------------

WRITES = {
    "insert": ("insert into events (id) values ('x')", "Statement must be a SELECT"),
    "cte-wrapped insert": ("with x as (select 1) insert into topics (id) select 'x' from x",
                           "attempt to write a readonly database"),
    "cte-wrapped delete": ("with x as (select 1) delete from events", "attempt to write a readonly database"),
    "attach": ("attach database ':memory:' as other", "Statement must be a SELECT"),
    "disallowed pragma": ("pragma writable_schema = 1", "Statement must be a SELECT"),
    "disallowed pragma function": ("select * from pragma_writable_schema",
                                   "Statement contained a disallowed PRAGMA."),
    "load_extension": ("select load_extension('/tmp/evil.so')", "not authorized"),
    "second statement": ("select 1; drop table events", "You can only execute one statement at a time."),
    "vacuum into": ("vacuum into '/tmp/copy.db'", "Statement must be a SELECT"),
}


@pytest.mark.parametrize("query, error", WRITES.values(), ids=WRITES.keys())
async def test_write_is_refused_and_leaves_the_file_unchanged(site, served_db, query, error):
    before = sha256(served_db)
    response = await sql(site, query)
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert sha256(served_db) == before
    assert (await sql(site, "select count(*) from events")).json()["rows"] == [[row_count(served_db, "events")]]


# -- runaway queries answer 400 within about twice the time limit ------------------------

LONG = "printf('%.*c', 199000, 'a')"  # just under the length limit
RUNAWAY = {
    "infinite recursive CTE": ("with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c",
                               TOO_LONG),
    "large cross join": ("select count(*) from _columns a, _columns b, _columns c, _columns d", TOO_LONG),
    "order by random() over it": ("select * from _columns a, _columns b, _columns c, _columns d order by random() limit 1",
                                  TOO_LONG),
    "blob bomb": ("select length(randomblob(999999999))", TOO_BIG),
    "string bomb": ("select length(printf('%.*c', 999999999, 'x'))", TOO_BIG),
    "string bomb through format()": ("select length(format('%.*c', 999999999, 'x'))", TOO_BIG),
    "zeroblob bomb": ("select length(zeroblob(999999999))", TOO_BIG),
    "doubling string": ("with recursive d(s) as (select 'x' union all select s || s from d) select max(length(s)) from d",
                        TOO_BIG),
    "a thousand LIKEs in one row": (f"with s(a) as (select {LONG}) select "
                                    + ", ".join(f"a like '%{i}b'" for i in range(1000)) + " from s",
                                    f"too many LIKE/GLOB comparisons: a query may make at most {MAX_PATTERN_CALLS}"),
    "a thousand function calls in one row": (f"with s(a) as (select {LONG}) select "
                                             + ", ".join(f"hex(a || {i})" for i in range(1000)) + " from s",
                                             f"too many function calls: a query may call functions at most {MAX_FUNCTION_CALLS} times"),
    "a result of a thousand 100 KB blobs": ("with recursive c(i) as (select 1 union all select i + 1 from c limit 1000) "
                                            "select zeroblob(100000) from c", "query result too large"),
}


@pytest.mark.parametrize("query, error", RUNAWAY.values(), ids=RUNAWAY.keys())
async def test_runaway_query_answers_400_quickly_and_the_next_query_answers(site, served_db, query, error):
    started = time.monotonic()
    response = await sql(site, query)
    elapsed = time.monotonic() - started
    assert response.status_code == 400
    assert response.json()["error"].startswith(error)
    assert elapsed < 2 * TIME_LIMIT
    after = await sql(site, "select count(*) from participants")
    assert after.status_code == 200
    assert after.json()["rows"] == [[row_count(served_db, "participants")]]


async def test_string_bomb_in_a_table_filter_answers_400_not_500(site):
    response = await site.client.get("/antitrafficking/participants.json?_where=length(randomblob(999999999))")
    assert response.status_code == 400
    assert response.json()["error"] == TOO_BIG


QUADRATIC = {
    # With SQLite's own functions each of these runs for seconds to minutes in one call.
    "trim": (f"select length(trim({LONG}, printf('%.*c', 15000, 'b') || 'a'))", 0),
    "instr": (f"select instr({LONG}, printf('%.*c', 99000, 'a') || 'b')", 0),
    "replace": (f"select length(replace({LONG}, printf('%.*c', 99000, 'a') || 'b', 'x'))", 199000),
}


@pytest.mark.parametrize("query, expected", QUADRATIC.values(), ids=QUADRATIC.keys())
async def test_quadratic_function_answers_correctly_within_the_time_limit(site, query, expected):
    started = time.monotonic()
    response = await sql(site, query)
    assert response.status_code == 200
    assert response.json()["rows"] == [[expected]]
    assert time.monotonic() - started < TIME_LIMIT


async def test_three_bombs_at_once_do_not_stall_another_query(site, served_db):
    bombs = ["select length(printf('%.*c', 999999999, 'x'))", "select length(randomblob(999999999))",
             f"select length(trim({LONG}, printf('%.*c', 15000, 'b') || 'a'))"]

    async def normal_query_after_the_bombs():
        await asyncio.sleep(0.05)
        started = time.monotonic()
        response = await sql(site, "select count(*) from events")
        return response, time.monotonic() - started

    *_, (response, elapsed) = await asyncio.gather(*(sql(site, bomb) for bomb in bombs), normal_query_after_the_bombs())
    assert response.status_code == 200
    assert response.json()["rows"] == [[row_count(served_db, "events")]]
    assert elapsed < 2 * TIME_LIMIT


def test_bombs_keep_the_servers_memory_flat(live):
    assert live.get("/antitrafficking.json?sql=select+1")[0] == 200
    before = live.peak_memory_kb()
    bombs = ["select length(printf('%.*c', 999999999, 'x'))", "select length(randomblob(999999999))",
             "select length(zeroblob(999999999) || 'x')",
             "with recursive c(i) as (select 1 union all select i + 1 from c limit 1000) select zeroblob(150000) from c"]
    statuses = []
    threads = [threading.Thread(target=lambda q=q: statuses.append(
        live.get("/antitrafficking.json?" + urllib.parse.urlencode({"sql": q}))[0])) for q in bombs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [400] * len(bombs)
    assert live.peak_memory_kb() - before < 100 * 1024  # each bomb alone would take 150 MB to 1 GB


# -- oversized requests are bounded by the settings ----------------------------------------

@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    """A synthetic table larger than max_csv_mb: 56,000 rows of 1 KB."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    conn = sqlite3.connect(path)
    conn.execute("create table big (id integer primary key, kind text, colour text, payload text)")
    conn.execute("with recursive n(i) as (select 1 union all select i + 1 from n limit 56000) "
                 "insert into big select i, 'k' || (i % 7), 'c' || (i % 5), printf('%.*c', 1000, char(97 + i % 26)) from n")
    conn.commit()
    conn.close()
    return path


@pytest.fixture(scope="module")
def big_site(big_db):
    return site_for(big_db)


@pytest.mark.parametrize("path", ["/antitrafficking/participants.json?_size=1001",
                                  "/antitrafficking/participations.json?_size=1000000"])
async def test_size_above_max_returned_rows_is_refused(site, path):
    response = await site.client.get(path)
    assert response.status_code == 400
    assert response.json()["error"] == f"_size must be <= {SETTINGS['max_returned_rows']}"


async def test_csv_export_stops_at_max_csv_mb(big_site):
    response = await big_site.client.get("/big/big.csv?_stream=on&_size=max")
    limit = SETTINGS["max_csv_mb"] * 1024 * 1024
    assert response.status_code == 200
    assert limit - 2000 < len(response.content) <= limit + 100
    assert response.text.endswith(f"CSV contains more than {limit} bytes")


@pytest.mark.parametrize("facets", [["kind"] * 50, ["kind", "colour", "id", "payload", "kind", "colour"]],
                         ids=["the same facet fifty times", "six facets"])
async def test_more_facets_than_allowed_are_refused(big_site, facets):
    query = urllib.parse.urlencode([("_facet", facet) for facet in facets])
    response = await big_site.client.get(f"/big/big.json?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == f"Too many facets: at most {MAX_FACETS} per request"


async def test_allowed_facets_finish_within_their_time_limits(big_site):
    query = urllib.parse.urlencode([("_facet", facet) for facet in ["kind", "colour", "id", "payload", "kind"]])
    started = time.monotonic()
    response = await big_site.client.get(f"/big/big.json?{query}")
    assert response.status_code == 200
    budget = MAX_FACETS * SETTINGS["facet_time_limit_ms"] / 1000 + TIME_LIMIT
    assert time.monotonic() - started < budget


BAD_PARAMETERS = {
    "unknown sort column": "/antitrafficking/events.json?_sort=nope",
    "sort and sort_desc": "/antitrafficking/events.json?_sort=id&_sort_desc=id",
    "through without a foreign key": '/antitrafficking/events.json?_through={"table":"nope","column":"x","value":"1"}',
    "through not JSON": "/antitrafficking/events.json?_through={",
    "facet not JSON": "/antitrafficking/events.json?_facet={",
    "in not JSON": "/antitrafficking/events.json?id__in=[",
    "timelimit not a number": "/antitrafficking/events.json?_timelimit=abc",
}


@pytest.mark.parametrize("path", BAD_PARAMETERS.values(), ids=BAD_PARAMETERS.keys())
async def test_bad_parameter_answers_400_not_500(site, path):
    response = await site.client.get(path)
    assert response.status_code == 400
    assert response.json()["ok"] is False


# -- hostile text comes back escaped ---------------------------------------------------------

SCRIPT = '<script>alert("{}")</script>'
JAVASCRIPT_HREF = re.compile(r"""href\s*=\s*["']?\s*javascript:""", re.I)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The real data with script tags and javascript: URLs in CSV cells, built with build.py."""
    work = tmp_path_factory.mktemp("hostile")
    data = work / "data"
    shutil.copytree(DATA, data)
    rewrite_csv(data / "participants.csv", "osce", {"note": SCRIPT.format("note") + " javascript:alert(1)"})
    # The organizer of the event, so its name is on the event page; its note is a value
    # Datasette shows as a link (a URL without spaces) that tries to leave its href.
    rewrite_csv(data / "participants.csv", "osce-office-in-tajikistan",
                {"name": "OSCE Office in Tajikistan " + SCRIPT.format("name"),
                 "note": "https://example.org/?q=\"><script>alert('url')</script>"})
    output = work / "antitrafficking.db"
    assert build.main(["--data", str(data), "--output", str(output), "--quiet"]) == 0
    return site_for(output)


def rewrite_csv(path, row_id, changes):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row_id is None or row["id"] == row_id:
            row.update(changes)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("path, marker", [
    ("/antitrafficking/participants/osce", "note"),
    ("/antitrafficking/participants", "name"),
    ("/antitrafficking/events/khujand-anti-trafficking-consultations-2011", "name"),
    ("/antitrafficking/event_participants", "name"),
], ids=["row page", "table page", "event page", "label of a foreign key"])
async def test_script_in_a_csv_cell_is_escaped(hostile_site, path, marker):
    response = await hostile_site.client.get(path)
    assert response.status_code == 200
    assert SCRIPT.format(marker) not in response.text
    assert f"&lt;script&gt;alert(&#34;{marker}&#34;)&lt;/script&gt;" in response.text


async def test_script_in_a_csv_cell_cannot_close_the_event_pages_json_ld(hostile_site):
    response = await hostile_site.client.get("/antitrafficking/events/khujand-anti-trafficking-consultations-2011")
    assert response.status_code == 200
    assert '"name": "OSCE Office in Tajikistan \\u003cscript>alert(\\"name\\")\\u003c/script>"' in response.text


@pytest.mark.parametrize("path", ["/antitrafficking/participants/osce", "/antitrafficking/participants"])
async def test_javascript_url_in_a_csv_cell_is_not_a_link(hostile_site, path):
    response = await hostile_site.client.get(path)
    assert response.status_code == 200
    assert "javascript:alert(1)" in response.text
    assert not JAVASCRIPT_HREF.search(response.text)


async def test_url_in_a_csv_cell_cannot_break_out_of_its_link(hostile_site):
    response = await hostile_site.client.get("/antitrafficking/participants/osce-office-in-tajikistan")
    assert response.status_code == 200
    assert "<script>alert('url')" not in response.text
    assert "&lt;script&gt;alert(&#39;url&#39;)&lt;/script&gt;" in response.text


async def test_script_and_javascript_url_in_sql_results_are_escaped(site):
    query = "select '<script>alert(\"sql\")</script>' as x, 'javascript:alert(2)' as y"
    response = await site.client.get("/antitrafficking?" + urllib.parse.urlencode({"sql": query}))
    assert response.status_code == 200
    assert SCRIPT.format("sql") not in response.text
    assert "&lt;script&gt;alert(&#34;sql&#34;)&lt;/script&gt;" in response.text
    assert not JAVASCRIPT_HREF.search(response.text)


ERROR_PAGES = {
    "sql error": ("/antitrafficking?" + urllib.parse.urlencode({"sql": "select <script>alert(3)</script>"}),
                  400, "<script>alert(3)</script>", "&lt;script&gt;alert(3)&lt;/script&gt;"),
    "sort error": ("/antitrafficking/events?_sort=<script>alert(4)</script>",
                   400, "<script>alert(4)</script>", "Cannot sort table by &lt;script&gt;alert(4)&lt;/script&gt;"),
    "not found": ("/antitrafficking/~3Cscript~3Ealert(5)~3C~2Fscript~3E", 404, "<script>alert(5)", "Table not found"),
}


@pytest.mark.parametrize("path, status, raw, shown", ERROR_PAGES.values(), ids=ERROR_PAGES.keys())
async def test_script_in_an_error_page_is_escaped(site, path, status, raw, shown):
    response = await site.client.get(path)
    assert response.status_code == status
    assert raw not in response.text
    assert shown in response.text


# -- no redirect leaves the site ---------------------------------------------------------------

def browser_destination(base, location):
    """Where a browser goes for a Location header: it drops tabs and newlines,
    trims control characters and spaces, and reads a backslash as a slash."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("".join(map(chr, range(0x21)))).replace("\\", "/")
    return urllib.parse.urljoin(base + "/", cleaned)


OFFSITE_PATHS = ["/\\example.com/", "/\\\\example.com/", "/\\/example.com/", "//example.com/", "///example.com/",
                 "/%5Cexample.com/", "/%2F%2Fexample.com/", "/%5C%5Cexample.com/", "/\\example.com/antitrafficking/"]


@pytest.mark.parametrize("target", OFFSITE_PATHS)
def test_path_is_answered_without_an_off_site_redirect(live, target):
    status, headers = live.raw_get(target)
    location = headers.get("location")
    if location is not None:
        assert urllib.parse.urlsplit(browser_destination(live.base, location)).netloc == f"127.0.0.1:{live.port}"
    assert status == 404


@pytest.mark.parametrize("location, status", [
    ("https://evil.example/", 404),
    ("//evil.example/", 404),
    ("/\\evil.example/", 404),
    ("\t/\\evil.example/", 404),
    ("javascript:alert(1)", 404),
    ("/antitrafficking/events", 302),
    ("http://site.example/antitrafficking", 302),
])
async def test_a_redirect_off_site_is_answered_404(location, status):
    """Whatever route produced it, a redirect that leaves the site is not sent."""
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 302, "headers": [(b"location", location.encode())]})
        await send({"type": "http.response.body", "body": b""})

    sent = []

    async def send(message):
        sent.append(message)

    wrapped = security_headers.asgi_wrapper(FakeDatasette())(app)
    await wrapped({"type": "http", "path": "/x", "raw_path": b"/x", "query_string": b"",
                   "headers": [(b"host", b"site.example")]}, None, send)
    assert sent[0]["status"] == status
    assert (dict(sent[0]["headers"]).get(b"location") is None) == (status == 404)


class FakeDatasette:
    def plugin_config(self, name):
        return None


# -- security headers on every response ------------------------------------------------------

HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": CONTENT_SECURITY_POLICY,
}
PAGES = {
    "home": ("/", 200), "table": ("/antitrafficking/events", 200), "map": ("/antitrafficking/events_on_map", 200),
    "event page": ("/antitrafficking/events/khujand-anti-trafficking-consultations-2011", 200),
    "json": ("/antitrafficking/events.json", 200), "csv": ("/antitrafficking/events.csv", 200),
    "query": ("/antitrafficking?sql=select+1", 200), "canned query": ("/antitrafficking/search?q=shelter", 200),
    "static file": ("/-/static/app.css", 200), "plugin static file": (
        "/-/static-plugins/datasette-cluster-map/datasette-cluster-map.js", 200),
    "database download": ("/antitrafficking.db", 200), "not found": ("/nope", 404),
    "bad query": ("/antitrafficking?sql=select+nope", 400), "redirect": ("/antitrafficking/", 302),
}


@pytest.mark.parametrize("path, status", PAGES.values(), ids=PAGES.keys())
def test_response_carries_the_security_headers(live, path, status):
    got, headers, _ = live.get(path)
    assert got == status
    assert {name: headers.get(name) for name in HEADERS} == HEADERS


# -- no tracebacks for bad queries -------------------------------------------------------------

@pytest.fixture(scope="module")
def serve_python():
    """The serving environment's Python (.venv, runtime dependencies only), made as `make` makes it."""
    if not SERVE_VENV_PYTHON.exists():
        subprocess.run(["make", ".venv/.installed"], cwd=ROOT, check=True, timeout=900)
    return SERVE_VENV_PYTHON


def test_serving_environment_cannot_import_rich(serve_python):
    result = subprocess.run([str(serve_python), "-c", "import rich"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "No module named 'rich'" in result.stderr


BAD_REQUESTS = [
    ("/antitrafficking.json?sql=select+nope", 400),
    ("/antitrafficking/participants.json?_where=nope(", 400),
    ("/antitrafficking/participants?_sort=nope", 400),
    ("/antitrafficking.json?sql=select+length(randomblob(999999999))", 400),
    ("/antitrafficking?sql=with+recursive+c(x)+as+(select+1+union+all+select+x%2B1+from+c)+select+count(*)+from+c", 400),
    ("/antitrafficking/nope", 404),
]


@pytest.mark.parametrize("environment", ["serve venv", "test venv"])
def test_bad_queries_print_no_traceback(environment, serve_python, served_db, tmp_path):
    """In the serving environment (no rich) and in one with rich importable
    (the test venv, through Frictionless): one short line per bad query."""
    python = serve_python if environment == "serve venv" else Path(sys.executable)
    has_rich = subprocess.run([str(python), "-c", "import rich"], capture_output=True).returncode == 0
    assert has_rich == (environment == "test venv")
    db = tmp_path / "antitrafficking.db"
    shutil.copyfile(served_db, db)
    with serving(db, python=python) as server:
        started = server.log_path.stat().st_size
        assert [server.get(path)[0] for path, _ in BAD_REQUESTS] == [status for _, status in BAD_REQUESTS]
        log = server.log_path.read_bytes()[started:].decode("utf-8", "replace")
    assert "Traceback" not in log
    assert "╭" not in log  # rich's frame
    assert len(log) < 1000 * len(BAD_REQUESTS)


# -- the function stand-ins give SQLite's answers ----------------------------------------------

PARITY = [
    "instr('hello world', 'o w')", "instr('hello', '')", "instr('', 'a')", "instr('héllo wörld', 'wö')",
    "instr(x'00010203', x'0203')", "instr(12345, 34)", "instr(1.5, '.')", "instr(null, 'a')", "instr('a', null)",
    "instr(x'61626364', 'cd')", "instr('日本語テキスト', 'テ')",
    "replace('a-b-c', '-', '+')", "replace('aaa', 'a', 'bb')", "replace('abc', '', 'x')", "replace('abc', 'b', '')",
    "replace(12345, 3, 'z')", "replace(null, 'a', 'b')", "replace('a', null, 'b')", "replace('a', 'a', null)",
    "replace('ééé', 'é', 'e')", "replace(x'616263', 'b', 'x')", "replace(1.25, '.', ',')",
    "trim('xxhixx', 'x')", "ltrim('xxhixx', 'x')", "rtrim('xxhixx', 'x')", "trim('abcba', 'ab')", "trim('hi', '')",
    "trim('  hi  ')", "ltrim('  hi')", "trim(12321, '1')", "trim(null, 'a')", "trim('a', null)", "trim('éaé', 'é')",
    "trim('hello', 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éèêëàâäôöûüç-_=+!?')",
    "printf('%5.2f|%-4d|%s|%%|%.3s|%q|%Q|%w', 3.14159, 42, 'abc', 'abcdef', 'it''s', 'x', 'y\"z')",
    "printf('%d items', '12')", "printf('%.*c', 5, 'x')", "printf('%*d', 6, 42)", "printf('%c%c', 'ab', 'cd')",
    "printf(null)", "printf('%s')", "printf(42)", "format('%x %X %o %e %g', 255, 255, 8, 1234.5, 0.0001)",
    "printf('%,d', 1234567)", "printf('%!.3f', 2.0)", "printf('%lld', 9223372036854775807)",
    "json_patch('{\"a\":1,\"b\":{\"c\":2}}', '{\"b\":{\"c\":null,\"d\":3},\"e\":[1]}')", "json_patch(null, '{}')",
]


@pytest.mark.parametrize("expression", PARITY)
def test_function_stand_in_gives_sqlites_answer(expression):
    native = sqlite3.connect(":memory:")
    guarded = sqlite3.connect(":memory:")
    safe_functions.SafeFunctions(MAX_VALUE_BYTES).install(guarded)
    query = f"select {expression}, typeof({expression})"
    assert guarded.execute(query).fetchone() == native.execute(query).fetchone()


# -- correctness under concurrency (the timed load run is bench/load_mixed.py) ----------------

async def test_fifty_concurrent_requests_all_answer_as_expected(site):
    requests = [
        ("/antitrafficking/events.json", 200), ("/antitrafficking/participants?kind=person", 200),
        ("/antitrafficking/participations.json?_facet=role&_facet=participant_kind", 200),
        ("/antitrafficking/participants/osce", 200),
        ("/antitrafficking/events/khujand-anti-trafficking-consultations-2011", 200),
        ("/antitrafficking/event_roles.json?event_id=khujand-anti-trafficking-consultations-2011", 200),
        ("/antitrafficking/search.json?q=shelter", 200), ("/antitrafficking/participant_profile?participant_id=osce", 200),
        ("/antitrafficking.json?sql=select+nope", 400), ("/antitrafficking.json?sql=select+length(randomblob(999999999))", 400),
    ] * 5
    responses = await asyncio.gather(*(site.client.get(path) for path, _ in requests))
    assert [response.status_code for response in responses] == [status for _, status in requests]
