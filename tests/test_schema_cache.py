"""antitrafficking_site/schema_cache.py: schema questions about an immutable database are answered once."""

import shutil

from conftest import site_for


def counting_queries(db):
    """Count the calls that reach the database's SQL threads."""
    calls = []
    original = db.execute_fn

    async def execute_fn(fn):
        calls.append(fn)
        return await original(fn)

    db.execute_fn = execute_fn
    return calls


async def test_an_immutable_database_is_asked_once(built_db, package):
    db = site_for(built_db).get_database("antitrafficking")
    calls = counting_queries(db)
    first = await db.table_columns("events")
    asked = len(calls)
    second = await db.table_columns("events")
    assert first == second == package.table("events").column_names
    assert asked >= 1 and len(calls) == asked


async def test_each_table_gets_its_own_answer(built_db, package):
    db = site_for(built_db).get_database("antitrafficking")
    assert await db.table_columns("events") == package.table("events").column_names
    assert await db.table_columns("topics") == package.table("topics").column_names
    assert await db.primary_keys("event_participants") == list(package.table("event_participants").primary_key)


async def test_a_caller_changing_its_list_does_not_change_the_next_answer(built_db):
    db = site_for(built_db).get_database("antitrafficking")
    names = await db.table_names()
    expected = list(names)
    names.clear()
    assert await db.table_names() == expected


async def test_a_mutable_database_is_asked_every_time(built_db, tmp_path):
    copy = tmp_path / "antitrafficking.db"
    shutil.copyfile(built_db, copy)
    db = site_for(mutable=[copy]).get_database("antitrafficking")
    calls = counting_queries(db)
    await db.table_names()
    asked = len(calls)
    await db.table_names()
    assert asked >= 1
    assert len(calls) == 2 * asked


async def test_pages_are_unchanged_by_the_cache(built_db):
    ds = site_for(built_db)
    for _ in range(2):  # the second time from the cache
        page = await ds.client.get("/antitrafficking/event_participants?event_id=khujand-anti-trafficking-consultations-2011")
        assert page.status_code == 200
        assert "Maria Gratschew" in page.text


async def test_the_catalogue_refresh_stops_once_every_database_was_seen_immutable(built_db, tmp_path):
    immutable = site_for(built_db)
    await immutable.client.get("/antitrafficking/events.json")
    assert immutable._schemas_refreshed_for == tuple(sorted(immutable.databases))

    copy = tmp_path / "antitrafficking.db"
    shutil.copyfile(built_db, copy)
    mutable = site_for(mutable=[copy])
    await mutable.client.get("/antitrafficking/events.json")
    assert "_schemas_refreshed_for" not in mutable.__dict__  # refreshed on every request, as Datasette does
