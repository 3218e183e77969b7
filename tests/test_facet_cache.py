"""antitrafficking_site/facet_cache.py: facet counts of an immutable database are computed once."""

import asyncio
import sqlite3
from urllib.parse import urlencode

import pytest

from antitrafficking_site import facet_cache
from conftest import site_for


def site(path, immutable=True, **overrides):
    return site_for(path, **overrides) if immutable else site_for(mutable=[path], **overrides)


def facet_counts(response):
    return {item["value"]: item["count"] for item in response.json()["facet_results"]["kind"]["results"]}


async def test_facet_counts_are_kept_for_an_immutable_database(built_db):
    ds = site(built_db)
    first = await ds.client.get("/antitrafficking/participants.json?_facet=kind")
    cache = ds.get_database("antitrafficking")._facet_cache
    assert len(cache.results) == 1
    second = await ds.client.get("/antitrafficking/participants.json?_facet=kind")
    with sqlite3.connect(built_db) as conn:
        expected = dict(conn.execute("select kind, count(*) from participants group by kind"))
    assert facet_counts(second) == facet_counts(first) == expected
    assert len(cache.results) == 1  # served from the cache, not stored again


async def test_a_filter_is_part_of_the_key(built_db):
    ds = site(built_db)
    everyone = await ds.client.get("/antitrafficking/participants.json?_facet=kind")
    groups = await ds.client.get("/antitrafficking/participants.json?_facet=kind&kind=group")
    assert facet_counts(groups) == {"group": facet_counts(everyone)["group"]}


async def test_a_mutable_database_is_not_cached(built_db, tmp_path):
    copy = tmp_path / "antitrafficking.db"
    copy.write_bytes(built_db.read_bytes())
    ds = site(copy, immutable=False)
    await ds.client.get("/antitrafficking/participants.json?_facet=kind")
    assert "_facet_cache" not in ds.get_database("antitrafficking").__dict__


@pytest.fixture
def slow_db(tmp_path):
    path = tmp_path / "antitrafficking.db"
    conn = sqlite3.connect(path)
    conn.execute("create table participants (id integer primary key, name text, kind text)")  # name: the default sort
    conn.executemany("insert into participants (name, kind) values (?, ?)",
                     ((f"n{i}", f"k{i % 7}") for i in range(400_000)))
    conn.commit()
    conn.close()
    return path


async def test_a_facet_that_timed_out_is_computed_in_the_background(slow_db):
    ds = site(slow_db, facet_time_limit_ms=1)
    first = await ds.client.get("/antitrafficking/participants.json?_facet=kind")
    assert first.status_code == 200, first.text
    assert "kind" not in first.json()["facet_results"]  # timed out
    cache = ds.get_database("antitrafficking")._facet_cache
    for _ in range(100):  # bounded wait for the background computation
        if cache.results:
            break
        await asyncio.sleep(0.05)
    second = await ds.client.get("/antitrafficking/participants.json?_facet=kind")
    assert sum(facet_counts(second).values()) == 400_000
    assert cache.background_runs == 1


async def test_facets_that_time_out_together_are_all_computed_in_turn(slow_db):
    ds = site(slow_db, facet_time_limit_ms=1)
    first = await ds.client.get("/antitrafficking/participants.json?_facet=kind&_facet=name")
    assert first.status_code == 200, first.text
    cache = ds.get_database("antitrafficking")._facet_cache
    for _ in range(200):  # bounded wait for both background computations
        if len(cache.results) == 2:
            break
        await asyncio.sleep(0.05)
    assert cache.background_runs == 2 and not cache.waiting
    second = await ds.client.get("/antitrafficking/participants.json?_facet=kind&_facet=name")
    facets = second.json()["facet_results"]
    assert sum(item["count"] for item in facets["kind"]["results"]) == 400_000
    assert facets["name"]["results"][0]["count"] == 1  # every name once


def counts_run(response):
    """The `select count(*)` statements a request ran (needs trace_debug and ?_trace=1)."""
    return [trace["sql"] for trace in response.json()["_trace"]["traces"] if trace["sql"].startswith("select count(*) from ")]


async def test_the_row_count_of_a_searched_page_is_run_once(built_db):
    ds = site(built_db, trace_debug=True)
    with sqlite3.connect(built_db) as conn:
        expected = conn.execute("select count(*) from events_fts where events_fts match 'shelters'").fetchone()[0]
    first = await ds.client.get("/antitrafficking/events.json?_search=shelters&_trace=1")
    second = await ds.client.get("/antitrafficking/events.json?_search=shelters&_trace=1")
    assert first.json()["filtered_table_rows_count"] == second.json()["filtered_table_rows_count"] == expected > 0
    assert len(counts_run(first)) == 1
    assert counts_run(second) == []


async def test_row_counts_of_a_mutable_database_are_run_every_time(built_db, tmp_path):
    copy = tmp_path / "antitrafficking.db"
    copy.write_bytes(built_db.read_bytes())
    ds = site(copy, immutable=False, trace_debug=True)
    for _ in range(2):
        response = await ds.client.get("/antitrafficking/events.json?_search=shelters&_trace=1")
        assert len(counts_run(response)) == 1


async def test_a_count_typed_into_the_sql_editor_is_not_kept(built_db):
    ds = site(built_db, trace_debug=True)
    with sqlite3.connect(built_db) as conn:
        expected = conn.execute("select count(*) from events").fetchone()[0]
    for _ in range(2):
        response = await ds.client.get("/antitrafficking.json?sql=select+count(*)+from+events&_trace=1")
        assert response.json()["rows"] == [[expected]]
        assert len(counts_run(response)) == 1


@pytest.mark.parametrize("where", ["abs(random()) % 2 = 0", "end_date < date('now')", "start_date < current_date"])
async def test_a_count_whose_answer_can_change_is_run_every_time(built_db, where):
    ds = site(built_db, trace_debug=True)
    for _ in range(2):
        response = await ds.client.get("/antitrafficking/events.json?" + urlencode({"_where": where, "_trace": "1"}))
        assert response.status_code == 200, response.text
        assert len(counts_run(response)) == 1


async def test_a_facet_whose_answer_can_change_is_not_kept(built_db):
    ds = site(built_db)
    response = await ds.client.get("/antitrafficking/participants.json?" + urlencode(
        {"_facet": "kind", "_where": "abs(random()) % 2 = 0"}))
    assert response.status_code == 200, response.text
    assert "kind" in response.json()["facet_results"]
    assert "_facet_cache" not in ds.get_database("antitrafficking").__dict__  # nothing was kept


# -- a visitor's own SQL never fills the cache (issue 12) ----------------------------------

def kept(ds):
    db = ds.get_database("antitrafficking")
    return {name: len(db.__dict__[name].results) for name in ("_facet_cache", "_count_cache") if name in db.__dict__}


@pytest.mark.parametrize("query", [
    # Shaped like a facet query, with the facet time limit: taken for one before.
    {"sql": "select zeroblob(3000) as value, count(*) as count from participants group by id", "_timelimit": "200"},
    {"sql": "select count(*) from participants"},
    {"sql": "select count(*) from participants", "_timelimit": "200"},
], ids=["facet-shaped with _timelimit=200", "count", "count with _timelimit=200"])
@pytest.mark.parametrize("spelling", ["sql", "%73ql"])
async def test_a_visitors_query_is_not_kept(built_db, query, spelling):
    ds = site(built_db)
    text = urlencode(query).replace("sql=", f"{spelling}=", 1)
    for _ in range(2):
        response = await ds.client.get(f"/antitrafficking.json?{text}")
        assert response.status_code == 200, response.text
    assert kept(ds) == {}


async def test_facets_and_counts_of_a_page_with_where_are_not_kept(built_db):
    ds = site(built_db)
    for spelling in ("_where", "_wh%65re"):
        response = await ds.client.get(f"/antitrafficking/participants.json?_facet=kind&{spelling}=length(name)>3")
        assert response.status_code == 200, response.text
        assert "kind" in response.json()["facet_results"]
    assert kept(ds) == {}


async def test_a_filtered_table_page_is_still_kept(built_db):
    ds = site(built_db)
    response = await ds.client.get("/antitrafficking/participants.json?_facet=kind&name__contains=a")
    assert response.status_code == 200
    assert kept(ds) == {"_facet_cache": 1, "_count_cache": 1}


class FakeResults:
    def __init__(self, rows):
        self.rows = rows


def test_the_cache_is_bounded_in_bytes(built_db):
    site(built_db)  # loads the plugin
    cache = facet_cache.ResultCache(max_entries=1000, max_bytes=1_000_000)
    for i in range(200):  # 200 results of ~30 KB: 6 MB if nothing were evicted
        cache.put((f"select {i}", ()), FakeResults([("x" * 1000, i)] * 30))
    assert cache.bytes <= 1_000_000
    assert 0 < len(cache.results) < 40
    assert cache.get(("select 199", ())) is not None  # the newest stay
    assert cache.get(("select 0", ())) is None
    assert cache.bytes == sum(size for _, size in cache.results.values())
    cache.put(("select big", ()), FakeResults([("x" * 200_000,)]))  # more than an eighth: not kept
    assert cache.get(("select big", ())) is None


async def test_long_facet_values_do_not_grow_the_cache_past_its_bound(built_db):
    ds = site(built_db)
    for i in range(30):  # facets of sources.text (KBs each) under many filters
        response = await ds.client.get(f"/antitrafficking/sources.json?_facet=text&_facet_size=max&id__not=x{i}")
        assert response.status_code == 200, response.text
    cache = ds.get_database("antitrafficking")._facet_cache
    assert len(cache.results) == 30
    assert cache.bytes <= facet_cache.MAX_BYTES
    assert cache.bytes == sum(size for _, size in cache.results.values())
