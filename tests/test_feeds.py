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


async def test_the_feed_is_atom_with_one_entry_per_event(site, built_db):
    root = await feed(site)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}title").text == "New events (Atom feed)"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == min(scalar(built_db, "select count(*) from events"), FEED_SIZE)
    for entry in entries:
        for child in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{child}") is not None, child
    ids = [entry.find(f"{ATOM}id").text for entry in entries]
    assert len(set(ids)) == len(ids)
    linked = {entry.find(f"{ATOM}link").get("href").rpartition("/")[2] for entry in entries}
    assert linked == set(column(built_db, "select id from events"))


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
    assert [f["properties"]["id"] for f in features] == expected
    coordinates = dict(zip(expected, zip(
        column(built_db, "select longitude from locations where latitude is not null and longitude is not null order by id"),
        column(built_db, "select latitude from locations where latitude is not null and longitude is not null order by id"))))
    for feature in features:
        assert tuple(feature["geometry"]["coordinates"]) == coordinates[feature["properties"]["id"]]


async def test_events_geojson_has_one_feature_per_event_venue(site, built_db):
    features = await geojson(site, "events_geojson")
    assert_points(features)
    expected = column(built_db, "select event_id || '@' || location_id from events_on_map")
    assert sorted(f"{f['properties']['event_id']}@{f['properties']['location_id']}" for f in features) == sorted(expected)


@pytest.mark.parametrize("path", ["new_events.atom", "places_geojson.geojson", "events_geojson.geojson",
                                  "new_events", "places_geojson", "events_geojson"])
async def test_feeds_carry_the_security_headers(site, path):
    response = await site.client.get(f"/{DB}/{path}")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
