"""CSV downloads (antitrafficking_site/csv_safety.py, issue 12): a cell a spreadsheet would
run as a formula comes prefixed with a single quote, in every kind of CSV,
while JSON keeps the raw value; a failed export answers 400, never an empty 200."""

import csv
import io
import random
import sqlite3
import urllib.parse

import pytest

from antitrafficking_site import csv_safety
from conftest import ROOT, metadata, settings, site_for

SETTINGS = settings()
# Text a spreadsheet reads as a formula, and what the CSV must hold instead.
DANGEROUS = {
    "=1+2": "'=1+2",
    '=HYPERLINK("https://example.org","x")': '\'=HYPERLINK("https://example.org","x")',
    "+cmd|' /C calc'!A0": "'+cmd|' /C calc'!A0",
    "-2+3": "'-2+3",
    "@SUM(A1)": "'@SUM(A1)",
    "\t=1": "'\t=1",
    "\r=1": "'\r=1",
    "-": "'-",
    "-1.5e": "'-1.5e",
    "- 1": "'- 1",
    "-١": "'-١",  # not an ASCII number
    "=a\nb,c\"d": "'=a\nb,c\"d",  # quoted in the CSV: newline, comma, quote
}
# Text left alone: not a formula start, or a plain number a spreadsheet reads as one.
SAFE = ["-1.5", "+3", "-2e-05", "-.5", "-7", "a=b", " =1", "'=1", "", "x-y", "1-2", "\"=q\""]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """A database whose text and column names start like formulas, with enough
    rows for a streamed CSV to take several pages (max_returned_rows)."""
    path = tmp_path_factory.mktemp("csv") / "hostile.db"
    conn = sqlite3.connect(path)
    conn.execute('create table cells (id integer primary key, text text, number real, "=name" text)')
    values = list(DANGEROUS) + SAFE
    rows = [(i, values[i % len(values)], -1.5 if i % 2 else 2.25, "=x") for i in range(2500)]
    conn.executemany("insert into cells values (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return path


@pytest.fixture(scope="module")
def site(hostile_db):
    return site_for(hostile_db)


def expected(value):
    return DANGEROUS.get(value, value)


def parse(response):
    assert response.status_code == 200, response.text[:500]
    return list(csv.reader(io.StringIO(response.text, newline="")))


async def test_a_query_csv_neutralises_every_formula_and_keeps_numbers(site):
    values = list(DANGEROUS) + SAFE
    sql = "select " + ", ".join("'" + v.replace("'", "''") + f"' as c{i}" for i, v in enumerate(values))
    sql += ", -1.5 as real_negative, -3 as integer_negative, 1 as \"=evil\""
    rows = parse(await site.client.get("/hostile.csv?" + urllib.parse.urlencode({"sql": sql})))
    assert rows[0][-1] == "'=evil"  # the header too
    assert rows[1] == [expected(v) for v in values] + ["-1.5", "-3", "1"]


async def test_json_keeps_the_raw_values(site):
    response = await site.client.get("/hostile/cells.json?_shape=array&_size=30")
    assert {row["text"] for row in response.json()} == set(DANGEROUS) | set(SAFE)
    assert response.json()[0]["=name"] == "=x"


@pytest.mark.parametrize("query", ["_size=max", "_stream=on", "_stream=on&_dl=1", "_stream=on&_header=off"])
async def test_a_table_csv_neutralises_every_formula(site, hostile_db, query):
    rows = parse(await site.client.get(f"/hostile/cells.csv?{query}"))
    if "_header=off" not in query:
        assert rows.pop(0) == ["id", "text", "number", "'=name"]
    conn = sqlite3.connect(hostile_db)
    limit = None if "_stream" in query else SETTINGS["max_returned_rows"]
    stored = conn.execute("select id, text, number from cells order by id limit ?", (limit or -1,)).fetchall()
    conn.close()
    assert len(rows) == len(stored) == (limit or 2500)  # streamed: three pages of 1,000
    assert rows == [[str(i), expected(text), str(number), "'=x"] for i, text, number in stored]


async def test_a_streamed_download_is_an_attachment(site):
    response = await site.client.get("/hostile/cells.csv?_stream=on&_dl=1")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="cells.csv"'


async def test_a_row_csv_neutralises_its_cells(site):
    rows = parse(await site.client.get("/hostile/cells/0.csv"))
    assert rows == [["id", "text", "number", "'=name"], ["0", "'=1+2", "2.25", "'=x"]]


async def test_the_debug_view_is_not_a_way_around(site):
    response = await site.client.get("/hostile/cells.csv?_trace=1&_dl=1&_size=5")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert parse(response)[1][1] == "'=1+2"


async def test_the_site_can_switch_it_off(hostile_db):
    from datasette.app import Datasette

    config = metadata()
    config.setdefault("plugins", {})["csv_safety"] = {"neutralise_formulas": False}
    ds = Datasette([], immutables=[str(hostile_db)], metadata=config, 
                   settings=SETTINGS)
    rows = parse(await ds.client.get("/hostile/cells.csv?_size=3"))
    assert rows[0][3] == "=name" and rows[1][1] == "=1+2"


# -- a failed export says so -------------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "select zeroblob(199000) from participants a, participants b",  # more than the result budget
    "select nope",
    "select * from nowhere",
    "select length(randomblob(999999999))",  # string or blob too big
])
@pytest.mark.parametrize("extra", ["", "&_header=off", "&_dl=1", "&_stream=on"])
async def test_a_failed_query_csv_answers_400_not_an_empty_200(datasette, sql, extra):
    response = await datasette.client.get("/antitrafficking.csv?" + urllib.parse.urlencode({"sql": sql}) + extra)
    assert response.status_code == 400
    assert "This query failed" in response.text
    assert "content-disposition" not in response.headers


async def test_an_empty_result_is_not_a_failure(datasette):
    sql = urllib.parse.urlencode({"sql": "select id from events where 0"})
    with_header = await datasette.client.get(f"/antitrafficking.csv?{sql}")
    assert (with_header.status_code, with_header.text) == (200, "id\r\n")
    without = await datasette.client.get(f"/antitrafficking.csv?{sql}&_header=off")
    assert (without.status_code, without.text) == (200, "")


async def test_header_off_drops_only_the_header(datasette):
    sql = urllib.parse.urlencode({"sql": "select 'a' as x union all select 'b'"})
    response = await datasette.client.get(f"/antitrafficking.csv?{sql}&_header=off")
    assert response.text == "a\r\nb\r\n"


# -- the streamed body is parsed across chunk boundaries ----------------------------------------

def body_of(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


@pytest.mark.parametrize("seed", range(20))
def test_any_split_of_the_body_gives_the_same_csv(seed):
    rng = random.Random(seed)
    pieces = list(DANGEROUS) + SAFE + ['say ""hi""', "a,b", "line\r\nbreak", "é€😀", "=é", '"', '""=']
    rows = [["h1", "=h2"]] + [[rng.choice(pieces) for _ in range(2)] for _ in range(60)]
    body = body_of(rows)
    whole = csv_safety.CsvRewriter()
    expected_body = whole.feed(body) + whole.close()
    cuts = sorted(rng.sample(range(1, len(body)), 25))
    rewriter, out = csv_safety.CsvRewriter(), b""
    for start, end in zip([0] + cuts, cuts + [len(body)]):
        out += rewriter.feed(body[start:end])  # splits records, quoted fields and UTF-8 characters
    out += rewriter.close()
    assert out == expected_body
    assert list(csv.reader(io.StringIO(out.decode(), newline=""))) == [[csv_safety.neutralise(c) for c in r] for r in rows]


def test_a_body_without_a_cell_to_change_is_sent_as_it_is():
    body = body_of([["id", "name"], ["1", "x,y"], ["2", 'say "hi"'], ["3", "-1.5"]])
    rewriter = csv_safety.CsvRewriter()
    assert rewriter.feed(body) + rewriter.close() == body


def test_text_after_the_last_record_is_kept():
    rewriter = csv_safety.CsvRewriter()
    out = rewriter.feed(b"a\r\n=1\r\n") + rewriter.feed(b"CSV contains more than 10 bytes") + rewriter.close()
    assert out == b"a\r\n'=1\r\nCSV contains more than 10 bytes"
