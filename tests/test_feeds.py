"""The Atom feed of new events (datasette-atom) and GeoJSON of places and events
(datasette-geojson), through the canned queries new_events, places_geojson and
events_geojson, in process on the built database. Expectations come from the data."""

import json
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, metadata, settings, site_for

DB = "antitrafficking"
ATOM = "{http://www.w3.org/2005/Atom}"
ORIGIN = "https://events.example.org"
FEED_SIZE = 100  # new_events' limit
MAX_ROWS = settings()["max_returned_rows"]  # what a canned query (a feed, a GeoJSON) returns at most


def scalar(path, sql):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def column(path, sql):
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute(sql)]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def site(built_db):
    return site_for(built_db)


@pytest.fixture(scope="module")
def public_site(built_db):
    """The site with its public origin configured, as SITE_URL sets it."""
    from datasette.app import Datasette

    configured = metadata()
    configured["plugins"]["site_origin"]["site_url"] = ORIGIN
    return Datasette(immutables=[str(built_db)], metadata=configured,
                     template_dir=str(ROOT / "templates"), settings=settings())


async def feed(site):
    response = await site.client.get(f"/{DB}/new_events.atom")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.content)


def newest_reported_events(path):
    """new_events' rule, computed here in Python: the events some source reports, newest
    first by start date, then end date (both descending), then id; the first FEED_SIZE."""
    conn = sqlite3.connect(path)
    try:
        reported = {row[0] for row in conn.execute("select row_id from mentions where table_name = 'events'")}
        events = [row for row in conn.execute("select id, start_date, end_date from events") if row[0] in reported]
    finally:
        conn.close()
    events.sort(key=lambda row: row[0])
    events.sort(key=lambda row: (row[1], row[2]), reverse=True)
    return [row[0] for row in events][:FEED_SIZE]


async def test_the_feed_is_atom_with_one_entry_per_event(site, built_db):
    root = await feed(site)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text == "New events (Atom feed)"
    entries = root.findall(f"{ATOM}entry")
    expected = newest_reported_events(built_db)
    assert len(entries) == len(expected) == min(scalar(built_db, "select count(*) from events"), FEED_SIZE)
    for entry in entries:
        for child in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{child}") is not None, child
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == len(ids)
    linked = [entry.find(f"{ATOM}link").get("href").rpartition("/")[2] for entry in entries]
    assert linked == expected  # the same events, in the same order


async def test_the_feed_keeps_the_newest_events_when_there_are_more(tmp_path, built_db):
    """Past FEED_SIZE events the feed holds the newest FEED_SIZE: more events, each
    reported by the first source, are added to a copy of the database."""
    path = tmp_path / f"{DB}.db"
    path.write_bytes(built_db.read_bytes())
    conn = sqlite3.connect(path)
    try:
        [(template,)] = conn.execute("select id from events order by id limit 1").fetchall()
        [(source_id,)] = conn.execute("select id from sources order by id limit 1").fetchall()
        columns = [row[1] for row in conn.execute("pragma table_info(events)")]
        chosen = ", ".join(f"'extra-' || n || '-' || {column}" if column == "id"
                           else f"date({column}, printf('%+d days', n))" if column in ("start_date", "end_date")
                           else "null" if column == "parent_id" else column for column in columns)
        mention_columns = [row[1] for row in conn.execute("pragma table_info(mentions)")]
        mention = ", ".join({"table_name": "'events'", "row_id": "'extra-' || n || '-' || :id",
                             "source_id": ":source"}.get(column, column) for column in mention_columns)
        for n in range(FEED_SIZE + 20):
            conn.execute(f"insert into events ({', '.join(columns)}) select {chosen} "
                         f"from (select :n as n, * from events where id = :id)", {"n": n - 60, "id": template})
            conn.execute(f"insert into mentions ({', '.join(mention_columns)}) select {mention} "
                         f"from (select :n as n, * from mentions where table_name = 'events' and row_id = :id "
                         f"and source_id = :source)", {"n": n - 60, "id": template, "source": source_id})
        conn.commit()
    finally:
        conn.close()
    assert scalar(path, "select count(*) from events") > FEED_SIZE
    entries = (await feed(site_for(path))).findall(f"{ATOM}entry")
    linked = [entry.find(f"{ATOM}link").get("href").rpartition("/")[2] for entry in entries]
    assert len(linked) == FEED_SIZE and linked == newest_reported_events(path)


async def test_each_entry_is_updated_as_of_its_latest_source(site, built_db):
    latest = dict(zip(
        column(built_db, "select row_id from mentions where table_name = 'events' group by row_id order by row_id"),
        column(built_db, "select max(sources.published_date) from mentions join sources on sources.id = mentions.source_id "
                         "where table_name = 'events' group by row_id order by row_id")))
    for entry in (await feed(site)).findall(f"{ATOM}entry"):
        event_id = entry.find(f"{ATOM}link").get("href").rpartition("/")[2]
        assert entry.find(f"{ATOM}updated").text.startswith(latest[event_id] + "T")


async def test_links_are_absolute_with_the_configured_site_url(public_site, built_db):
    entries = (await feed(public_site)).findall(f"{ATOM}entry")
    for entry in entries:
        for url in (entry.find(f"{ATOM}id").text, entry.find(f"{ATOM}link").get("href")):
            assert url.startswith(f"{ORIGIN}/{DB}/events/"), url
    page = await public_site.client.get(entries[0].find(f"{ATOM}link").get("href").removeprefix(ORIGIN))
    assert page.status_code == 200


async def test_without_a_site_url_links_stay_on_the_site(site):
    for entry in (await feed(site)).findall(f"{ATOM}entry"):
        assert entry.find(f"{ATOM}link").get("href").startswith(f"/{DB}/events/")


async def geojson(site, query):
    response = await site.client.get(f"/{DB}/{query}.geojson")
    assert response.status_code == 200, response.text
    data = json.loads(response.text)
    assert data["type"] == "FeatureCollection"
    return data["features"]


def assert_points(features):
    for feature in features:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Point"
        longitude, latitude = feature["geometry"]["coordinates"]
        assert -180 <= longitude <= 180 and -90 <= latitude <= 90


async def test_places_geojson_has_one_feature_per_place_with_coordinates(site, built_db):
    features = await geojson(site, "places_geojson")
    assert_points(features)
    expected = column(built_db, "select id from locations where latitude is not null and longitude is not null order by id")
    # At most max_returned_rows features: the first by id (metadata.yml's description says so).
    assert [f["properties"]["id"] for f in features] == expected[:MAX_ROWS]
    coordinates = dict(zip(expected, zip(
        column(built_db, "select longitude from locations where latitude is not null and longitude is not null order by id"),
        column(built_db, "select latitude from locations where latitude is not null and longitude is not null order by id"))))
    for feature in features:
        assert tuple(feature["geometry"]["coordinates"]) == coordinates[feature["properties"]["id"]]


async def test_events_geojson_has_one_feature_per_event_venue(site, built_db):
    features = await geojson(site, "events_geojson")
    assert_points(features)
    expected = column(built_db, "select event_id || '@' || location_id from events_on_map "
                                "order by start_date, event_id, location_id")
    # At most max_returned_rows features: the oldest (metadata.yml's description says so).
    assert [f"{f['properties']['event_id']}@{f['properties']['location_id']}" for f in features] == expected[:MAX_ROWS]


@pytest.mark.parametrize("path", ["new_events.atom", "places_geojson.geojson", "events_geojson.geojson",
                                  "new_events", "places_geojson", "events_geojson"])
async def test_feeds_carry_the_security_headers(site, path):
    response = await site.client.get(f"/{DB}/{path}")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
