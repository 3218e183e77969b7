"""Every canned query and filtered page uses an index: no full scan of a big table.

Checked with EXPLAIN QUERY PLAN on a synthetic database of the real format
(bench/generate.py), large enough for SQLite's planner statistics to matter.
"""

import re
import sqlite3
import subprocess
import sys

import pytest

import build
from conftest import ROOT, metadata, site_for

sys.path.insert(0, str(ROOT / "bench"))
from run import traced_statements  # noqa: E402  (the benchmark reads traces the same way)

# "SCAN x" alone is a full scan of a table (or of an alias of one); "SCAN x
# USING ... INDEX" walks an index. Scans of the query's own CTEs are fine.
# "BLOOM FILTER ON x" reads all of x too, to build the filter (SQLite ≥ 3.38).
FULL_SCAN = re.compile(r"^(?:SCAN (\w+)|BLOOM FILTER ON (\w+) .*)$")
CTE_NAME = re.compile(r"(\w+)(?:\([^)]*\))?\s+as\s+\(", re.I)


@pytest.fixture(scope="module")
def synthetic_path(tmp_path_factory):
    directory = tmp_path_factory.mktemp("synthetic")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--participants", "5000",
                    "--out", str(directory / "data")], check=True, capture_output=True)
    path = directory / "antitrafficking.db"  # the name metadata.yml configures
    assert build.main(["--data", str(directory / "data"), "--output", str(path), "--quiet"]) == 0
    return path


@pytest.fixture(scope="module")
def synthetic_db(synthetic_path):
    conn = sqlite3.connect(synthetic_path)
    yield conn
    conn.close()


def full_scans(conn, sql, params):
    ctes = {name.lower() for name in CTE_NAME.findall(sql)}
    plan = [row[3] for row in conn.execute("explain query plan " + sql, params)]
    scanned = ((line, (m.group(1) or m.group(2)).lower()) for line in plan if (m := FULL_SCAN.match(line)))
    return [line for line, table in scanned if table not in ctes and not table.startswith("sqlite_")]  # not the catalogue


def sample_params(conn):
    one = lambda sql: conn.execute(sql).fetchone()[0]  # noqa: E731
    event_participant = one("select event_id || '/' || participant_id || '/' || role from event_participants limit 1")
    return {
        "event_roles": {"event_id": one("select id from events where parent_id is not null limit 1")},
        "place_activity": {"location_id": one("select id from locations where parent_id is not null limit 1")},
        "participant_profile": {"participant_id": one("select participant_id from event_participants limit 1")},
        "search": {"q": "trafficking"},
        "row_evidence": {"table_name": "event_participants", "row_id": event_participant},
    }


QUERIES = sorted(metadata()["databases"]["antitrafficking"]["queries"])


@pytest.mark.parametrize("name", QUERIES)
def test_canned_query_with_parameters_scans_no_big_table(synthetic_db, name):
    sql = metadata()["databases"]["antitrafficking"]["queries"][name]["sql"]
    assert full_scans(synthetic_db, sql, sample_params(synthetic_db)[name]) == []


@pytest.mark.parametrize("name", QUERIES)
def test_canned_query_without_parameters_scans_no_big_table(synthetic_db, name):
    sql = metadata()["databases"]["antitrafficking"]["queries"][name]["sql"]
    empty = {key: "" for key in sample_params(synthetic_db)[name]}
    assert full_scans(synthetic_db, sql, empty) == []


@pytest.mark.parametrize(
    "table, column",
    [("event_participants", "event_id"), ("event_participants", "participant_id"), ("events", "parent_id"),
     ("events", "location_id"), ("participants", "parent_id"), ("participants", "based_in_id"),
     ("locations", "parent_id"), ("quotes", "speaker_id"), ("event_topics", "topic_id")],
)
def test_foreign_key_filter_uses_an_index(synthetic_db, table, column):
    sql = f'select * from "{table}" where "{column}" = :value order by rowid limit 51'
    assert full_scans(synthetic_db, sql, {"value": "x"}) == []


def test_the_checker_sees_a_full_scan(synthetic_db):
    assert full_scans(synthetic_db, "select * from participants where note = 'x'", {}) == ["SCAN participants"]


async def test_every_statement_of_an_event_page_scans_no_big_table(synthetic_path, synthetic_db):
    event_id = synthetic_db.execute("select parent_id from events where parent_id is not null limit 1").fetchone()[0]
    site = site_for(synthetic_path, trace_debug=True)
    response = await site.client.get(f"/antitrafficking/events/{event_id}?_trace=1")
    assert response.status_code == 200
    statements = traced_statements(response.text)
    assert any("with recursive chain" in sql for sql, _ in statements)  # the plugin's queries are among them
    for sql, params in statements:
        assert full_scans(synthetic_db, sql, params or {}) == [], sql


@pytest.mark.skipif(sqlite3.sqlite_version_info < (3, 38), reason="SQLite builds Bloom filters from 3.38 on")
def test_the_checker_sees_a_bloom_filter_over_a_whole_table(synthetic_db):
    sql = """with recursive chain(id) as (select :id union all select locations.parent_id from locations
             join chain on locations.id = chain.id where locations.parent_id is not null) select * from chain"""
    assert full_scans(synthetic_db, sql, {"id": "x"}) == ["BLOOM FILTER ON locations (id=?)"]
