"""Bad requests answer 400 (or 405) with a clear message, never 500, and leave
no traceback in the server's log (issue 12; antitrafficking_site/bad_requests.py).

The cases of issue 12 are checked one by one, in process and against a real
`datasette serve`; then a fuzz sends malformed values of every table
parameter of Datasette 0.65 to table pages, views, row pages, canned
queries and the query page, as HTML, JSON and CSV. The suite runs a short
fuzz with a fixed seed; a longer one:

    .venv-test/bin/python tests/test_bad_requests.py --count 5000 --seed 7 [--db antitrafficking.db]
"""

import argparse
import asyncio
import contextlib
import http.client
import io
import random
import shutil
import sqlite3
import sys
import urllib.parse
from pathlib import Path

import pytest

if __name__ == "__main__":
    sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parent.parent / "scripts")]

from conftest import site_for  # noqa: E402
from local_server import serving  # noqa: E402

# -- the cases of issue 12 ------------------------------------------------------------------

ISSUE_12 = {
    "_facet JSON without simple": ('/antitrafficking/events.json?_facet={"a":1}', "_facet must be"),
    "_facet_array JSON without simple": ('/antitrafficking/events.json?_facet_array={"a":1}', "_facet_array must be"),
    "_facet_date JSON without simple": ('/antitrafficking/events.json?_facet_date={"a":1}', "_facet_date must be"),
    "_facet JSON on the HTML page": ('/antitrafficking/events?_facet={"a":1}', "_facet must be"),
    "_facet_size not a number": ("/antitrafficking/events.json?_facet_size={", "_facet_size must be"),
    "_where NUL": ("/antitrafficking/events.json?_where=%00", "NUL character"),
    "notin not JSON": ("/antitrafficking/events.json?name__notin=[", "name__notin must be"),
    "gt beyond SQLite's integers": ("/antitrafficking/attendance.json?total__gt=99999999999999999999999",
                                    "total__gt must be a number no larger than 9223372036854775807"),
    "negative _timelimit on CSV": ("/antitrafficking/events.csv?_timelimit=-1", "_timelimit must be"),
    "_next not an offset on a view": ("/antitrafficking/participations.json?_next=abc", "_next on a view"),
    "_next not an offset on a view's HTML page": ("/antitrafficking/participations?_next=abc", "_next on a view"),
}
METHODS = {
    "POST to a table": ("POST", "/antitrafficking/events", 405),
    "POST to a table's JSON": ("POST", "/antitrafficking/events.json", 405),
    "POST to a canned query": ("POST", "/antitrafficking/event_roles", 405),
    "TRACE to a table": ("TRACE", "/antitrafficking/events", 405),
    "PUT to a row": ("PUT", "/antitrafficking/participants/osce", 405),
    "OPTIONS to a table": ("OPTIONS", "/antitrafficking/events", 200),  # Datasette's CORS preflight answer
}
MORE = {
    "_facet JSON that is a list": ("/antitrafficking/events.json?_facet=[1]", 200),  # a column named "[1]"? none
    "_facet JSON not an object": ("/antitrafficking/events.json?_facet={", 400),
    "_facet simple not a string": ('/antitrafficking/events.json?_facet={"simple":1}', 400),
    "_facet JSON that works": ('/antitrafficking/events.json?_facet={"simple":"kind"}', 200),
    "_facet_size max": ("/antitrafficking/events.json?_facet=kind&_facet_size=max", 200),
    "in with an object": ('/antitrafficking/events.json?id__in=[{"a":1}]', 400),
    "in with a too large number": ("/antitrafficking/attendance.json?total__in=[99999999999999999999]", 400),
    "in that works": ('/antitrafficking/attendance.json?total__in=[1,"2",3.5,null]', 200),
    "in deeply nested": ("/antitrafficking/events.json?id__in=" + "[" * 5000, 400),
    "gte a digit that is not a number": ("/antitrafficking/attendance.json?total__gte=%C2%B2", 400),  # "²"
    "lt the largest integer": ("/antitrafficking/attendance.json?total__lt=9223372036854775807", 200),
    "_timelimit of 5,000 digits": ("/antitrafficking/events.json?_timelimit=" + "9" * 5000, 400),
    "_facet_size of 5,000 digits": ("/antitrafficking/events.json?_facet_size=" + "9" * 5000, 400),
    "_ttl of 5,000 digits": ("/antitrafficking/events.json?_ttl=" + "9" * 5000, 400),
    "gt of 5,000 digits": ("/antitrafficking/attendance.json?total__gt=" + "9" * 5000, 400),
    "_next of 5,000 digits on a view": ("/antitrafficking/participations.json?_next=" + "9" * 5000, 400),
    "_size of 5,000 digits": ("/antitrafficking/events.json?_size=" + "9" * 5000, 400),
    "_timelimit zero": ("/antitrafficking/events.json?_timelimit=0", 400),
    "_timelimit that works": ("/antitrafficking/events.json?_timelimit=500", 200),
    "_ttl a digit that is not a number": ("/antitrafficking/events.json?_ttl=%C2%B2", 400),
    "_json_infinity not a boolean": ("/antitrafficking/events.json?_json_infinity=,", 400),
    "NUL in a column name": ("/antitrafficking/events.json?a%00b=1", 400),
    "NUL in the path": ("/antitrafficking/ev%00ents.json", 400),
    "_next offset on a view": ("/antitrafficking/participations.json?_next=50", 200),
    "_next key on a table": ("/antitrafficking/events.json?_next=abc", 200),
    "database CSV without a query": ("/antitrafficking.csv", 400),
    "database CSV with an empty query": ("/antitrafficking.csv?sql=", 400),
    # The next page's link reads the sort column from the last row (a KeyError past the first page).
    "_nocol the sort column": ("/antitrafficking/events.json?_nocol=start_date", 400),
    "_col without the sort column": ("/antitrafficking/events.json?_col=name", 400),
    "_nocol the sort column asked for": ("/antitrafficking/events.json?_sort=name&_nocol=name", 400),
    "_col with the sort column": ("/antitrafficking/events.json?_col=name&_col=start_date", 200),
    "_col and a primary key sort": ("/antitrafficking/events.json?_col=name&_sort=id", 200),
    "database JSON as an array": ("/antitrafficking.json?_shape=array", 400),
    "database JSON as the first column": ("/antitrafficking.json?_shape=arrayfirst&sql=", 400),
    "query JSON as the first column": ("/antitrafficking.json?_shape=arrayfirst&sql=select+1", 200),
    "through not an object": ('/antitrafficking/events.json?_through=["x"]', 400),
    "blob of a number": ("/antitrafficking/attendance.blob?_blob_column=total", 400),
    "blob hash of a number": ("/antitrafficking/attendance.blob?_blob_column=total&_blob_hash=x", 400),
    "blob of no row": ("/antitrafficking/attendance.blob?_blob_column=id&id=nope", 400),
    "blob of a query's number": ("/antitrafficking.blob?sql=select+1+as+a&_blob_column=a", 400),
    "blob of a query's blob": ("/antitrafficking.blob?sql=select+zeroblob(3)+as+a&_blob_column=a", 200),
    "where with an unbound parameter": ("/antitrafficking/events.json?_where=id=:x", 400),
    "where with a question mark": ("/antitrafficking/events.csv?_where=id=?", 400),
    "through with a list value": ('/antitrafficking/events.json?_through={"table":"a","column":"b","value":[1]}', 400),
    "time limit reached in a table's CSV": ("/antitrafficking/event_participants.csv?_timelimit=1&_where="
                                            + urllib.parse.quote("(select count(*) from event_participants a, "
                                                                 "event_participants b, event_participants c) > 0"),
                                            400),
}


@pytest.fixture(scope="module")
def site(built_db):
    return site_for(built_db)


async def answer(ds, method, path):
    """(status, response, what the server printed meanwhile)."""
    printed = io.StringIO()
    with contextlib.redirect_stderr(printed), contextlib.redirect_stdout(printed):
        response = await ds.client.request(method, path)
    return response.status_code, response, printed.getvalue()


@pytest.mark.parametrize("path, message", ISSUE_12.values(), ids=ISSUE_12.keys())
async def test_each_bad_parameter_of_issue_12_answers_400_with_a_message(site, path, message):
    status, response, printed = await answer(site, "GET", path)
    assert status == 400, response.text
    text = response.json()["error"] if path.split("?")[0].endswith(".json") else response.text
    assert message in text
    assert "Traceback" not in printed


@pytest.mark.parametrize("method, path, expected", METHODS.values(), ids=METHODS.keys())
async def test_a_method_the_site_does_not_take_answers_405(site, method, path, expected):
    status, response, printed = await answer(site, method, path)
    assert status == expected, response.text
    if expected == 405:
        assert "read-only" in response.text
        assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    assert "Traceback" not in printed


@pytest.mark.parametrize("path, expected", MORE.values(), ids=MORE.keys())
async def test_more_malformed_parameters(site, path, expected):
    status, response, printed = await answer(site, "GET", path)
    assert status == expected, response.text[:500]
    assert "Traceback" not in printed


@pytest.mark.parametrize("method, path", [("GET", "/antitrafficking/events.json?_facet={"),
                                          ("TRACE", "/antitrafficking/events"),
                                          ("GET", "/antitrafficking.csv?sql=select+nope")])
async def test_the_answer_carries_the_security_headers(site, method, path):
    status, response, _ = await answer(site, method, path)
    assert status in (400, 405)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def raw_request(server, method, path):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_served_site_answers_the_cases_of_issue_12_without_a_traceback(built_db, tmp_path):
    db = tmp_path / "antitrafficking.db"
    shutil.copyfile(built_db, db)
    cases = [("GET", path, 400) for path, _ in ISSUE_12.values()]
    cases += [(method, path, status) for method, path, status in METHODS.values()]
    cases += [("GET", "/antitrafficking.csv?sql=" + urllib.parse.quote(
        "select zeroblob(199000) from participants a, participants b"), 400)]
    with serving(db) as server:
        started = server.log_path.stat().st_size
        statuses = [raw_request(server, method, urllib.parse.quote(path, safe="/?=&%:,")) [0]
                    for method, path, _ in cases]
        log = server.log_path.read_bytes()[started:].decode("utf-8", "replace")
    assert statuses == [status for _, _, status in cases]
    assert "Traceback" not in log
    assert "Exception" not in log


# -- the fuzz ---------------------------------------------------------------------------------

# Datasette 0.65's filters (filters.py), and some it does not have.
OPERATIONS = ["exact", "not", "contains", "endswith", "startswith", "gt", "gte", "lt", "lte", "like", "notlike",
              "glob", "in", "notin", "arraycontains", "arraynotcontains", "date", "isnull", "notnull", "isblank",
              "notblank", "nope", ""]
# Every parameter Datasette 0.65 reads on table, row and query pages, and a few it does not.
PARAMETERS = ["_sort", "_sort_desc", "_sort_by_desc", "_next", "_size", "_facet", "_facet_array", "_facet_date",
              "_facet_size", "_facet_nope", "_where", "_search", "_search_name", "_searchmode", "_fts_table",
              "_fts_pk", "_through", "_col", "_nocol", "_timelimit", "_shape", "_json", "_json_infinity", "_nl",
              "_labels", "_label", "_trace", "_nocount", "_nofacet", "_nosuggest", "_ttl", "_dl", "_stream",
              "_header", "_extras", "_filter_column", "_filter_op", "_filter_value", "_filter_column_1",
              "_filter_op_1", "_filter_value_1", "_blob_column", "_blob_hash", "_context", "_show_hidden",
              "_hash", "sql", "_"]
VALUES = ["", " ", "{", "}", "[", "]", '{"a":1}', '{"simple":1}', '{"simple":"kind"}', '{"column":"kind"}',
          '{"simple":"nope"}', "[1,2", "[]", "[1,{}]", "[[1]]", '["a","b"]', "[9223372036854775808]",
          "[" * 2000, "{" * 2000, "\x00", "a\x00b", "~00", "abc", "-1", "0", "1", "2", "50", "1000", "1001",
          "9223372036854775807", "9223372036854775808", "99999999999999999999999", "-99999999999999999999999",
          "9" * 5000, "1e309", "nan", "Infinity", "1.5", "²", "١٢", "٣", "$null", "~", "~~", "~2E", "~zz", "%", "%ff",
          "a,b", ",", "a,b,c,d", "max", "off", "on", "true", "objects", "object", "array", "arrays", "arrayfirst",
          "é", "\U0001F600", "\ufffd", "x" * 3000, '"', "'", "*", "select 1", "1=1", "nope(", "id", "name",
          "kind", "total", "rowid", "role", "event_id", "'; drop table events; --",
          '{"table":"x","column":"y","value":"z"}', '{"table":"event_participants","column":"event_id","value":"x"}',
          '{"table":1,"column":[],"value":{}}', '{"table":"events","column":"id","value":[1]}',
          "length(name) > 3", "random() > 0", "foreign_key_tables", "2020-01-01", "-1.5", "=1+2", "@x"]
FORMATS = ["", "", ".json", ".json", ".csv", ".csv", ".blob", ".jsono", ".nope"]
FUZZ_METHODS = ["GET"] * 40 + ["HEAD", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS"]


def fuzz_targets(db_path):
    """(path, columns) of a table page of each kind, views, a canned query, the query page, row pages."""
    from datasette.utils import tilde_encode

    conn = sqlite3.connect(db_path)
    try:
        participation = ",".join(tilde_encode(part) for part in conn.execute(
            "select event_id, participant_id, role from event_participants limit 1").fetchone())
        event = tilde_encode(conn.execute("select id from events limit 1").fetchone()[0])
    finally:
        conn.close()
    return [
        ("/antitrafficking/events", ["id", "name", "kind", "start_date", "series_position", "series_id"]),
        ("/antitrafficking/attendance", ["id", "total", "men", "women", "event_id"]),
        ("/antitrafficking/locations", ["id", "name", "kind"]),
        ("/antitrafficking/event_participants", ["event_id", "participant_id", "role"]),
        ("/antitrafficking/mentions", ["table_name", "row_id", "source_id", "evidence"]),  # more than a page
        ("/antitrafficking/participations", ["event_id", "role", "start_date"]),  # a view
        ("/antitrafficking/evidence", ["source_id"]),  # a view
        ("/antitrafficking/event_roles", ["event_id"]),  # a canned query
        ("/antitrafficking", []),  # the query page
        ("/antitrafficking/participants/osce", ["id"]),
        (f"/antitrafficking/events/{event}", ["id"]),
        (f"/antitrafficking/event_participants/{participation}", []),
        ("/antitrafficking/nope", ["x"]),
        ("/-/search", ["q"]),  # datasette-search-all
    ]


def fuzz_request(rng, targets):
    """(method, path with query string, whether the CSV header was switched off)."""
    path, columns = rng.choice(targets)
    path += rng.choice(FORMATS)
    pairs = []
    for _ in range(rng.randint(0, 4)):
        pick = rng.random()
        if pick < 0.6:
            key = rng.choice(PARAMETERS)
        elif pick < 0.9:
            key = rng.choice(columns + ["nope", "rowid", ""]) + "__" + rng.choice(OPERATIONS)
        else:
            key = rng.choice(VALUES + columns)
        value = rng.choice(VALUES + columns)
        if rng.random() < 0.1:
            value += rng.choice(VALUES)
        pairs.append((key, value))
    if rng.random() < 0.3 and columns:  # a valid setting beside the malformed ones
        pairs.insert(0, rng.choice([("_sort", rng.choice(columns)), ("_sort_desc", rng.choice(columns)),
                                    ("_facet", rng.choice(columns)), ("_search", "a"), ("_stream", "on"),
                                    ("_labels", "on"), ("_shape", "objects"), ("_size", "2"),
                                    ("_blob_column", rng.choice(columns)), ("_col", rng.choice(columns)),
                                    ("_nocol", rng.choice(columns)), ("_label", rng.choice(columns)),
                                    ("_facet_array", rng.choice(columns)), ("_facet_date", rng.choice(columns)),
                                    ("_search_" + rng.choice(columns), "a"), ("_searchmode", "raw"),
                                    ("_next", rng.choice(["1", "1,a", "$null,a", "a,b,c", "~2C,1"]))]))
    if "/antitrafficking?" in path + "?" and rng.random() < 0.5:
        pairs.append(("sql", rng.choice(["select * from events", "select nope", "select '=1', -1.5, zeroblob(10)",
                                         "select zeroblob(199000) from participants a, participants b"])))
    query = "&".join(f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(v, safe='')}" for k, v in pairs)
    header_off = any(k == "_header" for k, _ in pairs)
    return rng.choice(FUZZ_METHODS), path + ("?" + query if query else ""), header_off


async def fuzz(ds, db_path, count, seed):
    """The requests that answered 5xx, printed a traceback or sent an empty 200 CSV."""
    rng = random.Random(seed)
    targets = fuzz_targets(db_path)
    failures = []
    for _ in range(count):
        method, path, header_off = fuzz_request(rng, targets)
        try:
            status, response, printed = await answer(ds, method, path)
        except Exception as error:  # noqa: BLE001 -- an ASGI wrapper failed: no answer at all
            failures.append((method, path, f"{type(error).__name__}: {error}"))
            continue
        empty_csv = (status == 200 and method == "GET" and path.split("?")[0].endswith(".csv")
                     and not header_off and not response.content)
        if status >= 500 or "Traceback" in printed or empty_csv:
            last = (printed.strip().splitlines() or [""])[-1][:200]
            failures.append((method, path[:300], status, last))
    return failures


@pytest.fixture(scope="module")
def fuzz_site(built_db):
    return site_for(built_db)


@pytest.mark.parametrize("seed", [1, 2])
async def test_fuzzed_parameters_never_answer_500(fuzz_site, built_db, seed):
    failures = await fuzz(fuzz_site, built_db, 200, seed)
    assert failures == []


def fuzz_served(db_path, count, seed):
    """The fuzz against `datasette serve` (scripts/local_server.py): the 5xx
    answers, and the tracebacks in its log."""
    rng = random.Random(seed)
    targets = fuzz_targets(db_path)
    failures = []
    with serving(Path(db_path)) as server:
        started = server.log_path.stat().st_size
        for _ in range(count):
            method, path, _ = fuzz_request(rng, targets)
            try:
                status = raw_request(server, method, path)[0]
            except (OSError, http.client.HTTPException) as error:
                failures.append((method, path[:300], f"{type(error).__name__}: {error}"))
                continue
            if status >= 500:
                failures.append((method, path[:300], status))
        log = server.log_path.read_bytes()[started:].decode("utf-8", "replace")
    failures += [("log", line) for line in log.splitlines() if "Traceback" in line or "Exception" in line]
    print(f"server log: {len(log):,} bytes for {count} requests")
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default=str(Path(__file__).parent.parent / "antitrafficking.db"))
    parser.add_argument("--served", action="store_true", help="against `datasette serve`, checking its log")
    args = parser.parse_args(argv)
    if args.served:
        failures = fuzz_served(args.db, args.count, args.seed)
    else:
        failures = asyncio.run(fuzz(site_for(args.db), args.db, args.count, args.seed))
    for failure in failures:
        print(*failure, sep="  ")
    print(f"{len(failures)} of {args.count} requests failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
