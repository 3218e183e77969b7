"""The published site, in process: pages, downloads, canned queries, facets, search, the event page."""

import csv
import io
import json
import re
import sqlite3

import pytest
from datasette.utils import tilde_encode

from conftest import metadata, site_for

DB = "antitrafficking"
EVENT = "khujand-anti-trafficking-consultations-2011"


def content_tables(path):
    """Every table and view users browse (FTS shadow tables excluded)."""
    conn = sqlite3.connect(path)
    names = [
        row[0]
        for row in conn.execute(
            "select name from sqlite_master where type in ('table', 'view') "
            "and name not like '%_fts%' and name not like 'sqlite_%' order by name"
        )
    ]
    conn.close()
    return names


def table_rows(path, table):
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = [dict(row) for row in conn.execute(f'select * from "{table}"')]
    conn.close()
    return rows


def primary_key(path, table):
    conn = sqlite3.connect(path)
    columns = sorted((row[5], row[1]) for row in conn.execute(f'pragma table_info("{table}")') if row[5])
    conn.close()
    return [name for _, name in columns]


async def test_every_table_page_answers_200(datasette, built_db):
    for table in content_tables(built_db):
        response = await datasette.client.get(f"/{DB}/{table}")
        assert response.status_code == 200, table


async def test_every_row_page_answers_200(datasette, built_db):
    checked = 0
    for table in content_tables(built_db):
        keys = primary_key(built_db, table)
        if not keys:
            continue  # views have no row pages
        for row in table_rows(built_db, table):
            path = ",".join(tilde_encode(str(row[key])) for key in keys)
            response = await datasette.client.get(f"/{DB}/{table}/{path}")
            assert response.status_code == 200, (table, path)
            checked += 1
    assert checked >= 70


async def test_json_download_returns_every_row(datasette, built_db):
    for table in ("events", "participants", "event_participants", "locations"):
        response = await datasette.client.get(f"/{DB}/{table}.json?_shape=array&_size=max")
        assert response.status_code == 200
        assert len(response.json()) == len(table_rows(built_db, table)), table


async def test_csv_download_returns_every_row_with_header(datasette, built_db):
    response = await datasette.client.get(f"/{DB}/participants.csv?_size=max&_labels=off")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = table_rows(built_db, "participants")
    assert len(rows) == len(expected)
    assert {row["id"] for row in rows} == {row["id"] for row in expected}
    assert list(rows[0]) == list(expected[0])  # same columns, same order


async def test_whole_database_download_is_allowed(datasette, built_db):
    response = await datasette.client.get(f"/{DB}.db")
    assert response.status_code == 200
    assert response.content[:16] == b"SQLite format 3\x00"


def canned_queries():
    return sorted(metadata()["databases"][DB]["queries"].items())


QUERY_PARAMS = {
    "event_roles": {"event_id": "khujand-anti-trafficking-roundtable-2011"},
    "place_activity": {"location_id": "sughd-region"},
    "participant_profile": {"participant_id": "maria-gratschew"},
    "search": {"q": "shelters"},
    "row_evidence": {"table_name": "participants", "row_id": "iom"},
}


def test_every_canned_query_has_a_title_description_and_test_parameters():
    for name, query in canned_queries():
        assert query["title"] and query["description"], name
        assert name in QUERY_PARAMS, f"add test parameters for canned query {name}"


@pytest.mark.parametrize("name", [name for name, _ in canned_queries()])
async def test_canned_query_runs_without_parameters(datasette, name):
    response = await datasette.client.get(f"/{DB}/{name}.json?_shape=array")
    assert response.status_code == 200, response.text
    html = await datasette.client.get(f"/{DB}/{name}")
    assert html.status_code == 200
    if name != "search":  # an empty search finds nothing, by design
        assert len(response.json()) > 0


@pytest.mark.parametrize("name", [name for name, _ in canned_queries()])
async def test_canned_query_runs_with_parameters(datasette, name):
    response = await datasette.client.get(f"/{DB}/{name}.json", params={**QUERY_PARAMS[name], "_shape": "array"})
    assert response.status_code == 200, response.text
    assert len(response.json()) > 0


async def test_event_roles_includes_sub_events_and_roles(datasette):
    response = await datasette.client.get(f"/{DB}/event_roles.json", params={"event_id": EVENT, "_shape": "array"})
    rows = response.json()
    assert {row["event_id"] for row in rows} == {
        EVENT, "khujand-anti-trafficking-roundtable-2011", "khujand-shelters-visit-2011"}
    chair = [row["participant_id"] for row in rows if row["role"] == "chair"]
    assert chair == ["head-of-the-interagency-commission"]
    assert len(rows) == 17  # every participation row of the three events


async def test_place_activity_covers_places_below(datasette):
    response = await datasette.client.get(f"/{DB}/place_activity.json", params={"location_id": "sughd-region", "_shape": "array"})
    rows = response.json()
    events = {row["row_id"] for row in rows if row["what"] == "event"}
    assert events == {EVENT, "khujand-anti-trafficking-roundtable-2011", "khujand-shelters-visit-2011"}
    places = {row["row_id"] for row in rows if row["what"] == "place"}
    assert places == {"sughd-region", "khujand", "istaravshan", "penjikent", "khujand-shelters"}


async def test_participant_profile_shows_quote_and_roles(datasette):
    response = await datasette.client.get(f"/{DB}/participant_profile.json", params={"participant_id": "maria-gratschew", "_shape": "array"})
    facts = {row["fact"] for row in response.json()}
    assert facts == {"profile", "role: quoted", "said"}


async def test_row_evidence_gives_the_source_paragraph(datasette):
    response = await datasette.client.get(f"/{DB}/row_evidence.json", params={"table_name": "participants", "row_id": "heads-of-regional-departments", "_shape": "array"})
    [row] = response.json()
    assert row["evidence"] == "11 heads of regional departments"
    assert row["paragraph_text"].startswith("The consultations opened with a roundtable discussion")


@pytest.mark.parametrize(
    "table, word, expected_id",
    [
        ("sources", "Istaravshan", "osce-tajikistan-2011-04-13"),
        ("events", "roundtable", "khujand-anti-trafficking-roundtable-2011"),
        ("participants", "Gratschew", "maria-gratschew"),
        ("quotes", "comprehensive", "gratschew-dialogue-process"),
        ("topics", "rural", "public-education-in-rural-areas"),
        ("locations", "Penjikent", "penjikent"),
    ],
)
async def test_full_text_search_finds_a_word_in_each_table(datasette, table, word, expected_id):
    response = await datasette.client.get(f"/{DB}/{table}.json", params={"_search": word, "_shape": "array"})
    assert response.status_code == 200
    assert expected_id in [row["id"] for row in response.json()]


async def test_search_query_finds_stemmed_words_with_snippets(datasette):
    response = await datasette.client.get(f"/{DB}/search.json", params={"q": "trafficker", "_shape": "array"})
    rows = response.json()
    assert "sources" in {row["found_in"] for row in rows}
    assert any("[traffickers]" in row["snippet"] for row in rows)


async def test_search_query_survives_fts_syntax(datasette):
    response = await datasette.client.get(f"/{DB}/search.json", params={"q": 'shelters" OR "', "_shape": "array"})
    assert response.status_code == 200


async def test_home_page_searches_every_searchable_table(datasette):
    response = await datasette.client.get("/-/search", params={"q": "Khujand"})
    assert response.status_code == 200
    for table in ("sources", "events", "participants", "locations"):
        assert f"/{DB}/{table}?_search=Khujand" in response.text, table


async def test_facets_count_the_csv_rows(datasette):
    from collections import Counter

    from conftest import DATA

    with open(DATA / "participants.csv", encoding="utf-8") as handle:
        expected = Counter(row["kind"] for row in csv.DictReader(handle))
    response = await datasette.client.get(f"/{DB}/participants.json?_facet=kind")
    results = response.json()["facet_results"]["kind"]["results"]
    assert {item["value"]: item["count"] for item in results} == dict(expected)
    assert expected["group"] == 6 and expected["person"] == 1


async def test_default_facets_from_metadata_appear(datasette):
    response = await datasette.client.get(f"/{DB}/event_participants")
    assert 'data-column="role"' in response.text
    assert "facet-role" in response.text


async def test_foreign_keys_show_labels(datasette):
    response = await datasette.client.get(f"/{DB}/events")
    assert '<a href="/antitrafficking/locations/khujand">Khujand</a>' in response.text
    assert '<a href="/antitrafficking/participants/osce-office-in-tajikistan">OSCE Office in Tajikistan</a>' in response.text


async def test_column_descriptions_come_from_the_data_package(datasette, package):
    events = package.table("events")
    columns = datasette.table_metadata(DB, "events")["columns"]
    assert columns == {field.name: field.description for field in events.fields}


def json_ld(html):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


async def test_event_page_embeds_schema_org_event(datasette):
    response = await datasette.client.get(f"/{DB}/events/{EVENT}")
    assert response.status_code == 200
    data = json_ld(response.text)
    assert data["@type"] == "Event"
    assert (data["startDate"], data["endDate"]) == ("2011-04-12", "2011-04-13")
    assert data["location"]["name"] == "Khujand"
    assert data["location"]["geo"] == {"@type": "GeoCoordinates", "latitude": 40.28256, "longitude": 69.62216}
    assert data["location"]["containedInPlace"]["containedInPlace"]["sameAs"] == "https://www.wikidata.org/wiki/Q863"
    assert data["organizer"]["name"] == "OSCE Office in Tajikistan"
    assert [sub["name"] for sub in data["subEvent"]] == ["Opening roundtable discussion", "Visit to two shelters in Khujand"]
    visit = data["subEvent"][1]
    assert {"https://www.wikidata.org/wiki/Q81299", "https://www.wikidata.org/wiki/Q472311"} <= {a.get("sameAs") for a in visit["attendee"]}


async def test_event_page_links_are_the_row_urls_datasette_builds(built_db):
    site = site_for(built_db, base_url="/data/")  # as behind a proxy that serves the site under /data/
    page = (await site.client.get(f"/{DB}/events/{EVENT}")).text
    for table, row_id in [("locations", "khujand"), ("participants", "osce-office-in-tajikistan"),
                          ("events", "khujand-anti-trafficking-roundtable-2011"), ("topics", "national-action-plan")]:
        url = site.urls.row(DB, table, tilde_encode(row_id))
        assert url.startswith("/data/")
        assert f'<a href="{url}">' in page
    assert json_ld(page)["organizer"]["url"] == "http://localhost" + site.urls.row(DB, "participants", "osce-office-in-tajikistan")


async def test_sub_event_page_points_to_its_parent(datasette):
    response = await datasette.client.get(f"/{DB}/events/khujand-anti-trafficking-roundtable-2011")
    data = json_ld(response.text)
    assert data["superEvent"]["name"] == "Regional anti-trafficking consultations in northern Tajikistan"
    assert data["startDate"] == data["endDate"] == "2011-04-12"
    chair = [a for a in data["attendee"] if a["name"].startswith("Head of the Interagency")]
    assert len(chair) == 1


async def test_event_page_groups_participants_by_role_and_highlights_evidence(datasette):
    html = (await datasette.client.get(f"/{DB}/events/khujand-anti-trafficking-roundtable-2011")).text
    assert '<h3 class="role">Chair</h3>' in html
    assert '<h3 class="role">Participant</h3>' in html
    assert "<mark>11 heads of regional departments" in html or "<mark>The consultations opened with a roundtable discussion" in html
    assert html.count('<li class="participant">') == 8


async def test_about_page_answers(datasette):
    response = await datasette.client.get("/about")
    assert response.status_code == 200
    assert "What it is not" in response.text
