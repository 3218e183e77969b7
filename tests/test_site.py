"""The published site, in process: pages, downloads, views, canned queries, facets, search, the event page.

Expectations come from the built database (or the data package), so that
adding a release breaks none of them; the only facts of the real data taken
as given are those of the 2011 release itself (12-13 April 2011, 11 heads of
regional departments, the event ids, which are public URLs). The fictional
fixture (tests/fixtures/) shows the constructs the real data does not have
yet, and there the expected answers are written out.
"""

import csv
import io
import json
import re
import shutil
import sqlite3
from collections import Counter

import pytest
from datasette.utils import tilde_encode
from markupsafe import escape

from conftest import DATA, metadata, query, site_for

DB = "antitrafficking"
EVENT = "khujand-anti-trafficking-consultations-2011"
ROUNDTABLE = "khujand-anti-trafficking-roundtable-2011"
VISIT = "khujand-shelters-visit-2011"
SCHEMA_ORG_EVENT_STATUSES = {f"https://schema.org/{name}" for name in (
    "EventCancelled", "EventMovedOnline", "EventPostponed", "EventRescheduled", "EventScheduled")}


# ---- helpers ---------------------------------------------------------------------

def content_tables(path):
    """Every table and view users browse (FTS shadow tables excluded)."""
    return [row["name"] for row in query(path, "select name from sqlite_master where type in ('table', 'view') "
                                               "and name not like '%_fts%' and name not like 'sqlite_%' order by name")]


def views(path):
    return [row["name"] for row in query(path, "select name from sqlite_master where type = 'view' order by name")]


def primary_key(path, table):
    columns = sorted((row["pk"], row["name"]) for row in query(path, f'pragma table_info("{table}")') if row["pk"])
    return [name for _, name in columns]


def tree(path, event_id):
    """The event and every event below it, by an independent query."""
    return {row["id"] for row in query(path, """
        with recursive t(id) as (select ? union all select events.id from events join t on events.parent_id = t.id)
        select id from t""", (event_id,))}


async def get_json(site, name, **params):
    response = await site.client.get(f"/{DB}/{name}.json", params={**params, "_shape": "array"})
    assert response.status_code == 200, response.text
    return response.json()


def json_ld(html):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def agents(data):
    """Every actor node of an event's JSON-LD and of its sub-events, with the property it is under."""
    for event in [data] + data.get("subEvent", []):
        for prop in ("organizer", "attendee", "performer", "sponsor"):
            value = event.get(prop, [])
            for node in value if isinstance(value, list) else [value]:
                yield event, prop, node


def participant_id(node):
    return node["url"].rsplit("/participants/", 1)[1]


def as_list(value):
    return value if isinstance(value, list) else [value]


@pytest.fixture(scope="module")
def fixture_site_db(fixture_db, tmp_path_factory):
    """The fictional fixture under the database name metadata.yml configures."""
    path = tmp_path_factory.mktemp("fixture-site") / f"{DB}.db"
    shutil.copyfile(fixture_db, path)
    return path


@pytest.fixture(scope="module")
def fixture_site(fixture_site_db):
    return site_for(fixture_site_db)


# ---- every page, every download ---------------------------------------------------

async def test_every_table_page_answers_200(datasette, built_db):
    for table in content_tables(built_db):
        response = await datasette.client.get(f"/{DB}/{table}")
        assert response.status_code == 200, table


async def test_every_row_page_answers_200(datasette, built_db):
    checked, expected = 0, 0
    for table in content_tables(built_db):
        keys = primary_key(built_db, table)
        if not keys:
            continue  # views have no row pages
        rows = query(built_db, f'select * from "{table}"')
        expected += len(rows)
        for row in rows:
            path = ",".join(tilde_encode(str(row[key])) for key in keys)
            response = await datasette.client.get(f"/{DB}/{table}/{path}")
            assert response.status_code == 200, (table, path)
            checked += 1
    assert checked == expected > 0


@pytest.mark.parametrize("table", ["events", "participants", "event_participants", "locations", "mentions", "names"])
async def test_json_download_returns_every_row(datasette, built_db, table):
    rows = await get_json(datasette, table, _size="max")
    assert len(rows) == len(query(built_db, f"select * from {table}"))


async def test_csv_download_returns_every_row_with_header(datasette, built_db):
    response = await datasette.client.get(f"/{DB}/participants.csv?_size=max&_labels=off")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = query(built_db, "select * from participants")
    assert {row["id"] for row in rows} == {row["id"] for row in expected}
    assert len(rows) == len(expected)
    assert list(rows[0]) == list(expected[0])  # same columns, same order


async def test_whole_database_download_is_allowed(datasette):
    response = await datasette.client.get(f"/{DB}.db")
    assert response.status_code == 200
    assert response.content[:16] == b"SQLite format 3\x00"


# ---- the data dictionary -----------------------------------------------------------

async def test_column_descriptions_come_from_the_data_package(datasette, package):
    for table in package.tables:
        columns = datasette.table_metadata(DB, table.name)["columns"]
        assert columns == {field.name: field.description for field in table.stored_fields}, table.name


def test_every_view_and_its_columns_are_described(built_db):
    from pipeline.views import VIEWS

    assert set(views(built_db)) == set(VIEWS)
    described = {row["table_name"]: row for row in query(built_db, "select * from _tables")}
    for name, view in VIEWS.items():
        assert described[name]["title"] == view["title"] and described[name]["description"] == view["description"]
        columns = query(built_db, "select column_name, description from _columns where table_name = ? order by position", (name,))
        assert [c["column_name"] for c in columns] == [r["name"] for r in query(built_db, f"pragma table_info({name})")]
        assert all(c["description"] for c in columns), (name, [c["column_name"] for c in columns if not c["description"]])


def test_the_entity_tables_of_entity_mentions_are_the_tables_names_refer_to(package, built_db, fixture_db):
    from pipeline.views import ENTITY_LABELS

    for table, column in ENTITY_LABELS.items():
        assert package.table(table).sourced and package.table(table).primary_key == ("id",)
        assert column in package.table(table).column_names
    for path in (built_db, fixture_db):
        named = {row["table_name"] for row in query(path, "select distinct table_name from names")}
        assert named <= set(ENTITY_LABELS), named - set(ENTITY_LABELS)


# ---- the views --------------------------------------------------------------------

def test_evidence_has_every_mention_with_its_source(built_db):
    rows = query(built_db, "select * from evidence")
    mentions = query(built_db, "select mentions.*, sources.title, sources.published_date from mentions "
                               "join sources on sources.id = mentions.source_id")
    assert len(rows) == len(mentions) > 0
    assert {(r["table_name"], r["row_id"], r["source_id"], r["source_title"], r["published_date"]) for r in rows} == {
        (m["table_name"], m["row_id"], m["source_id"], m["title"], m["published_date"]) for m in mentions}


def test_participations_has_every_participation_once(built_db, package):
    rows = query(built_db, "select * from participations")
    expected = query(built_db, f"select {package.table('event_participants').row_id_sql()} as row_id "
                               "from event_participants")
    assert sorted(row["row_id"] for row in rows) == sorted(row["row_id"] for row in expected)


def test_events_on_map_has_every_venue_with_coordinates(built_db):
    rows = query(built_db, "select event_id, location_id, latitude, longitude from events_on_map")
    expected = query(built_db, """select event_id, location_id, latitude, longitude from event_locations
        join locations on locations.id = location_id where role = 'venue' and latitude is not null""")
    assert sorted(map(tuple, map(dict.values, rows))) == sorted(map(tuple, map(dict.values, expected)))
    assert {row["event_id"] for row in rows} >= {EVENT, ROUNDTABLE, VISIT}


def test_event_status_latest_has_one_row_per_event(built_db):
    rows = query(built_db, "select event_id, status from event_status_latest")
    assert sorted(row["event_id"] for row in rows) == sorted(row["id"] for row in query(built_db, "select id from events"))
    statuses = {(row["event_id"], row["status"]) for row in query(built_db, "select * from event_statuses")}
    assert all((row["event_id"], row["status"]) in statuses for row in rows if row["status"])


def test_the_title_at_an_event_is_the_one_of_the_nearest_source(fixture_db):
    """Fixture: Malika Rahimzoda's post in 2016 and in 2024; her 2016 post held by Farrukh Nazarov in 2024."""
    rows = query(fixture_db, "select event_id, participant_id, title_at_event, title_source_id from participations "
                             "where participant_id in ('malika-rahimzoda', 'farrukh-nazarov', 'elena-vasquez')")
    assert {(r["event_id"], r["participant_id"]): (r["title_at_event"], r["title_source_id"]) for r in rows} == {
        ("seminar-on-victim-assistance-khujand-2016", "malika-rahimzoda"):
            ("Gender and Anti-Trafficking Officer", "fictional-2016-03-10"),
        ("seminar-on-victim-assistance-istaravshan-2016", "malika-rahimzoda"):
            ("Gender and Anti-Trafficking Officer", "fictional-2016-04-15"),
        ("action-plan-roundtable-dushanbe-2024", "malika-rahimzoda"):
            ("Head of the Human Dimension Department", "fictional-2024-02-08"),
        ("action-plan-roundtable-dushanbe-2024", "farrukh-nazarov"):
            ("Gender and Anti-Trafficking Officer", "fictional-2024-02-08"),
        ("action-plan-roundtable-dushanbe-2024", "elena-vasquez"):
            ("Head of the OSCE Programme Office in Dushanbe", "fictional-2024-02-08"),
    }


def test_a_later_status_replaces_an_earlier_one(fixture_db):
    """Fixture: the Istaravshan seminar was planned as of 10 March 2016 and held as of 15 April 2016."""
    [row] = query(fixture_db, "select * from event_status_latest where event_id = 'seminar-on-victim-assistance-istaravshan-2016'")
    assert (row["status"], row["status_source_id"], row["status_as_of"]) == ("held", "fictional-2016-04-15", "2016-04-15")


@pytest.fixture
def model_db(package, tmp_path):
    """An empty database of the real schema with the views, to put chosen rows in."""
    import sqlite_utils

    from pipeline import loader

    conn = sqlite3.connect(tmp_path / "model.db")
    db = sqlite_utils.Database(conn)
    loader.create_tables(db, package)
    loader.create_views(db)
    yield conn
    conn.close()


def insert(conn, table, **values):
    conn.execute(f"insert into {table} ({', '.join(values)}) values ({', '.join('?' for _ in values)})",
                 list(values.values()))


def add_source(conn, source_id, published):
    insert(conn, "sources", id=source_id, title=source_id, publisher="p", document_type="press release",
           published_date=published, language="en", sha256="0" * 64, path="sources/x.txt", text="")


def add_event(conn, event_id, start, end):
    insert(conn, "events", id=event_id, name=event_id, kind="meeting", start_date=start, end_date=end,
           date_precision="stated", date_basis="b", description="d")


def add_membership(conn, membership_id, title, source_id, start=None, end=None):
    insert(conn, "memberships", id=membership_id, participant_id="someone", title=title, start_date=start, end_date=end)
    insert(conn, "mentions", table_name="memberships", row_id=membership_id, source_id=source_id, evidence=title)


def test_the_title_at_an_event_keeps_to_the_membership_dates_and_prefers_the_later_of_two_equal_sources(model_db):
    conn = model_db
    for source_id, published in [("s-2010-01", "2010-01-01"), ("s-2010-07", "2010-07-01"), ("s-2012-05", "2012-05-01"),
                                 ("s-2012-06", "2012-06-01"), ("s-2013-01", "2013-01-01")]:
        add_source(conn, source_id, published)
    insert(conn, "participants", id="someone", name="Someone", kind="person")
    add_event(conn, "e-2010-04", "2010-04-01", "2010-04-01")
    add_event(conn, "e-2012-06", "2012-06-01", "2012-06-02")
    for event_id in ("e-2010-04", "e-2012-06"):
        insert(conn, "event_participants", event_id=event_id, participant_id="someone", role="participant")
    add_membership(conn, "january", "Officer", "s-2010-01")  # 90 days before the 2010 event
    add_membership(conn, "july", "Senior Officer", "s-2010-07")  # 91 days after it
    # Nearer to the 2012 event than "director", but over before it or begun after it:
    add_membership(conn, "ended", "Head", "s-2012-05", end="2012-05-31")
    add_membership(conn, "not yet", "Chief", "s-2012-06", start="2012-06-03")
    add_membership(conn, "director", "Director", "s-2013-01", start="2012-06-02", end="2012-06-02")  # overlaps its last day
    titles = dict(conn.execute("select event_id, title_at_event from participations"))
    assert titles == {"e-2010-04": "Officer", "e-2012-06": "Director"}
    conn.execute("update sources set published_date = '2010-06-30' where id = 's-2010-07'")  # now 90 days after
    assert dict(conn.execute("select event_id, title_membership_id from participations"))["e-2010-04"] == "july"


def test_the_latest_status_is_that_of_the_latest_source_and_a_tie_is_decided_by_the_status(model_db):
    conn = model_db
    add_source(conn, "march", "2016-03-10")
    add_source(conn, "april", "2016-04-15")
    add_event(conn, "seminar", "2016-04-14", "2016-04-14")
    for status, sources in [("planned", ["march", "april"]), ("held", ["april"]), ("cancelled", ["march"])]:
        insert(conn, "event_statuses", event_id="seminar", status=status)
        for source_id in sources:
            insert(conn, "mentions", table_name="event_statuses", row_id=f"seminar/{status}", source_id=source_id,
                   evidence=status)
    latest = conn.execute("select status, status_source_id, status_as_of from event_status_latest").fetchall()
    assert latest == [("held", "april", "2016-04-15")]  # held and planned as of April: what happened wins


def test_entity_mentions_says_under_which_names_each_source_mentions_an_entity(fixture_db):
    rows = query(fixture_db, "select source_id, name_in_source, name_kind from entity_mentions "
                             "where table_name = 'participants' and row_id = 'interagency-commission-on-combating-human-trafficking'")
    assert sorted(tuple(row.values()) for row in rows) == [
        ("fictional-2016-03-10", "Inter-agency Commission on Combating Trafficking in Human Beings under "
                                 "Tajikistan's Presidential Apparatus", "variant"),
        ("fictional-2016-04-15", "Interagency Commission on Combating Human Trafficking", "as written"),
        ("fictional-2024-02-08", "Inter-Ministerial Commission on Combating Trafficking in Human Beings", "variant"),
    ]
    rows = query(fixture_db, "select source_id, name_in_source, name_kind, used_from_year, used_until_year "
                             "from entity_mentions where row_id = 'osce-office-in-tajikistan' and source_id = 'fictional-2024-02-08'")
    assert sorted(tuple(row.values()) for row in rows) == [
        ("fictional-2024-02-08", "OSCE Office in Tajikistan", "former name", None, 2017),
        ("fictional-2024-02-08", "OSCE Programme Office in Dushanbe", "name", 2017, None),
    ]


@pytest.mark.parametrize("path", ["built_db", "fixture_db"])
def test_entity_mentions_has_every_mention_of_an_entity_and_every_other_name_once(request, path):
    from pipeline.views import ENTITY_LABELS

    path = request.getfixturevalue(path)
    marks = ", ".join("?" for _ in ENTITY_LABELS)
    mentions = query(path, f"select table_name, row_id, source_id, name_as_written as name from mentions "
                           f"where table_name in ({marks})", list(ENTITY_LABELS))
    names = query(path, "select table_name, row_id, source_id, name from names")
    expected = {tuple(row.values()) for row in mentions + names}
    rows = query(path, "select table_name, row_id, source_id, name_in_source, entity_name from entity_mentions")
    assert sorted(tuple(row.values())[:4] for row in rows) == sorted(expected)
    assert names and all(row["entity_name"] for row in rows)


# ---- canned queries -------------------------------------------------------------------

def canned_queries():
    return sorted(metadata()["databases"][DB]["queries"].items())


QUERY_PARAMS = {
    "event_roles": {"event_id": ROUNDTABLE},
    "place_activity": {"location_id": "khujand"},
    "participant_profile": {"participant_id": "maria-gratschew"},
    "search": {"q": "shelters"},
    "row_evidence": {"table_name": "participants", "row_id": "iom"},
    "new_events": {},
    "places_geojson": {},
    "events_geojson": {},
}


def test_every_canned_query_has_a_title_description_and_test_parameters():
    for name, canned in canned_queries():
        assert canned["title"] and canned["description"], name
        assert name in QUERY_PARAMS, f"add test parameters for canned query {name}"
        assert set(QUERY_PARAMS[name]) == set(re.findall(r"(?<!\w):([A-Za-z_]\w*)", canned["sql"])), name


@pytest.mark.parametrize("name", [name for name, _ in canned_queries()])
async def test_canned_query_runs_without_parameters(datasette, fixture_site, name):
    for site in (datasette, fixture_site):
        rows = await get_json(site, name)
        html = await site.client.get(f"/{DB}/{name}")
        assert html.status_code == 200
        if name != "search":  # an empty search finds nothing, by design
            assert len(rows) > 0


@pytest.mark.parametrize("name", [name for name, _ in canned_queries()])
async def test_canned_query_runs_with_parameters(datasette, name):
    assert len(await get_json(datasette, name, **QUERY_PARAMS[name])) > 0


async def test_event_roles_gives_every_participation_of_the_event_and_its_sub_events_with_each_source(datasette, built_db):
    rows = await get_json(datasette, "event_roles", event_id=EVENT)
    events = tree(built_db, EVENT)
    assert events >= {EVENT, ROUNDTABLE, VISIT}
    expected = query(built_db, f"""
        select event_id, participant_id, role, source_id from event_participants join mentions
          on mentions.table_name = 'event_participants' and row_id = event_id || '/' || participant_id || '/' || role
        where event_id in ({', '.join('?' for _ in events)})""", sorted(events))
    assert sorted((r["event_id"], r["participant_id"], r["role"], r["source_id"]) for r in rows) == sorted(
        tuple(row.values()) for row in expected)
    assert all(row["evidence"] and row["published_date"] for row in rows)


async def test_event_roles_says_the_title_held_at_each_event(fixture_site):
    rows = await get_json(fixture_site, "event_roles", event_id="action-plan-roundtable-dushanbe-2024")
    titles = {row["participant_id"]: row["title_at_event"] for row in rows}
    assert titles["malika-rahimzoda"] == "Head of the Human Dimension Department"
    assert titles["farrukh-nazarov"] == "Gender and Anti-Trafficking Officer"


async def test_place_activity_covers_the_places_below(datasette, built_db):
    region = query(built_db, "select parent_id from locations where id = 'khujand'")[0]["parent_id"]
    rows = await get_json(datasette, "place_activity", location_id=region)
    places = {row["id"] for row in query(built_db, """
        with recursive below(id) as (select ? union all select locations.id from locations join below on parent_id = below.id)
        select id from below""", (region,))}
    marks = ", ".join("?" for _ in places)
    events = {row["event_id"] for row in query(built_db, f"select event_id from event_locations where location_id in ({marks})",
                                                sorted(places))}
    actors = {row["id"] for row in query(built_db, f"select id from participants where based_in_id in ({marks})", sorted(places))}
    assert {row["row_id"] for row in rows if row["what"] == "place"} == places
    assert {row["row_id"] for row in rows if row["what"] == "event"} == events >= {EVENT, ROUNDTABLE, VISIT}
    assert {row["row_id"] for row in rows if row["what"] == "actor based here"} == actors
    assert all(row["source_id"] and row["evidence"] and row["sources"] >= 1 for row in rows)


async def test_place_activity_says_who_runs_a_facility(fixture_site):
    rows = await get_json(fixture_site, "place_activity", location_id="sughd-region")
    run = [(row["row_id"], row["place_id"]) for row in rows if row["what"] == "facility run by"]
    assert run == [("safe-harbour", "safe-harbour-shelter")]
    origins = {row["row_id"] for row in rows if row["what"] == "event" and row["detail"] == "origin"}
    assert origins == {"seminar-on-victim-assistance-khujand-2016", "seminar-on-victim-assistance-istaravshan-2016"}


async def test_participant_profile_gives_titles_over_time_events_quotes_and_mentions(fixture_site):
    rows = await get_json(fixture_site, "participant_profile", participant_id="malika-rahimzoda")
    facts = Counter(row["fact"] for row in rows)
    assert facts == {"profile": 1, "membership": 3, "role: opened": 1, "role: speaker": 2, "said": 1,
                     "mentioned in": 3}
    memberships = [(row["date"], row["subject"]) for row in rows if row["fact"] == "membership"]
    assert sorted(memberships) == [("2016-03-10", "Gender and Anti-Trafficking Officer"),
                                   ("2016-04-15", "Gender and Anti-Trafficking Officer"),
                                   ("2024-02-08", "Head of the Human Dimension Department")]
    roles = {(row["related_id"], row["detail"]) for row in rows if row["fact"].startswith("role: ")}
    assert ("action-plan-roundtable-dushanbe-2024", "Head of the Human Dimension Department") in roles
    assert all(row["source_id"] and row["evidence"] for row in rows if row["fact"] != "member")


async def test_participant_profile_of_an_organisation_gives_its_names_and_the_posts_held_in_it(fixture_site):
    rows = await get_json(fixture_site, "participant_profile", participant_id="osce-office-in-tajikistan")
    posts = {(row["subject"], row["detail"]) for row in rows if row["fact"] == "post in it"}
    assert ("Farrukh Nazarov", "Gender and Anti-Trafficking Officer") in posts
    assert ("Malika Rahimzoda", "Gender and Anti-Trafficking Officer") in posts
    names = {row["subject"]: row["detail"] for row in rows if row["fact"] == "name"}
    assert names == {"OSCE Office in Tajikistan": "former name, until 2017",
                     "OSCE Programme Office in Dushanbe": "name, from 2017"}


async def test_row_evidence_gives_every_passage_with_its_paragraph(datasette, built_db):
    for table, row_id in [("participants", "heads-of-regional-departments"), ("attendance", None),
                          ("event_participants", f"{ROUNDTABLE}/heads-of-regional-departments/participant")]:
        row_id = row_id or query(built_db, f"select id from {table} limit 1")[0]["id"]
        rows = await get_json(datasette, "row_evidence", table_name=table, row_id=row_id)
        expected = query(built_db, "select source_id, evidence from mentions where table_name = ? and row_id = ?",
                         (table, row_id))
        assert sorted((r["source_id"], r["evidence"]) for r in rows) == sorted(tuple(m.values()) for m in expected)
        assert expected and all(r["evidence"] in r["paragraph_text"] for r in rows), (table, row_id)
    heads = await get_json(datasette, "row_evidence", table_name="memberships", row_id="heads-of-regional-departments")
    assert "11 heads of regional departments" in {row["evidence"] for row in heads}


async def test_row_evidence_lists_every_source_of_a_row(fixture_site, fixture_site_db):
    row_id = "seminar-on-victim-assistance-istaravshan-2016/planned"
    rows = await get_json(fixture_site, "row_evidence", table_name="event_statuses", row_id=row_id)
    assert [row["source_id"] for row in rows] == ["fictional-2016-03-10"]
    rows = await get_json(fixture_site, "row_evidence", table_name="series", row_id="seminars-on-assistance-to-victims-2016")
    assert [row["source_id"] for row in rows] == [row["source_id"] for row in query(
        fixture_site_db, "select source_id from mentions join sources on sources.id = source_id "
                         "where table_name = 'series' order by published_date")]


# ---- search ---------------------------------------------------------------------------

async def test_search_query_matches_every_word_in_any_order(datasette):
    rows = await get_json(datasette, "search", q="shelters Khujand")
    assert ("events", VISIT) in {(row["table_name"], row["row_id"]) for row in rows}
    # Ranked across every kind of entity, one row each (no longer events first).
    assert len({(row["table_name"], row["row_id"]) for row in rows}) == len(rows)


async def test_search_query_finds_stemmed_words_with_snippets(datasette):
    rows = await get_json(datasette, "search", q="trafficker")
    assert "sources" in {row["found_in"] for row in rows}
    assert any("\ue000traffickers\ue001" in row["snippet"] for row in rows)  # snippet()'s marks, U+E000/U+E001


async def test_search_query_finds_every_name_of_an_entity(datasette, fixture_site):
    rows = await get_json(datasette, "search", q="IOM")
    assert ("names", "participants", "iom") in {(row["found_in"], row["table_name"], row["row_id"]) for row in rows}
    rows = await get_json(fixture_site, "search", q="Inter-Ministerial Commission")
    assert ("participants", "interagency-commission-on-combating-human-trafficking") in {
        (row["table_name"], row["row_id"]) for row in rows if row["found_in"] == "names"}


async def test_search_query_finds_each_name_a_passage_writes(fixture_site, fixture_db):
    """The names of mentions.name_as_written too, not only those of the names table
    (the entity once, from its best match: its own table's when its own name matches)."""
    written = query(fixture_db, "select distinct table_name, row_id, name_as_written from mentions "
                                "where name_as_written is not null")
    assert written
    for row in written:
        table_name, row_id, name = row["table_name"], row["row_id"], row["name_as_written"]
        rows = await get_json(fixture_site, "search", q=name)
        assert (table_name, row_id) in {(r["table_name"], r["row_id"]) for r in rows}, name


async def test_search_query_finds_documents_and_series(fixture_site):
    rows = await get_json(fixture_site, "search", q="returning home")
    assert ("documents", "iom-study-returning-home") in {(row["table_name"], row["row_id"]) for row in rows}
    rows = await get_json(fixture_site, "search", q="seminars victims")
    assert ("series", "seminars-on-assistance-to-victims-2016") in {(row["table_name"], row["row_id"]) for row in rows}


@pytest.mark.parametrize("q", ['shelters" OR "', '"', "NEAR(", "*", "a:b", "  shelters   Khujand  "])
async def test_search_query_survives_fts_syntax(datasette, q):
    response = await datasette.client.get(f"/{DB}/search.json", params={"q": q, "_shape": "array"})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "table, word, expected_id",
    [
        ("sources", "Istaravshan", "osce-tajikistan-2011-04-13"),
        ("events", "roundtable", ROUNDTABLE),
        ("participants", "Gratschew", "maria-gratschew"),
        ("quotes", "comprehensive", "gratschew-dialogue-process"),
        ("topics", "rural", "public-education-in-rural-areas"),
        ("locations", "Penjikent", "penjikent"),
        ("memberships", "Officer", "maria-gratschew-gender-and-anti-trafficking-officer-2011"),
        ("documents", "plan", "national-action-plan-to-combat-human-trafficking"),
    ],
)
async def test_full_text_search_finds_a_word_in_each_table(datasette, table, word, expected_id):
    rows = await get_json(datasette, table, _search=word)
    assert expected_id in [row["id"] for row in rows]


async def test_home_page_searches_every_searchable_table(datasette, built_db):
    searchable = [row["name"][:-4] for row in query(built_db, "select name from sqlite_master where type = 'table' "
                                                              "and sql like '%USING FTS5%'")]
    assert {"sources", "events", "participants", "locations", "names"} <= set(searchable)
    response = await datasette.client.get("/-/search", params={"q": "Khujand"})
    assert response.status_code == 200
    for table in searchable:
        assert f"/{DB}/{table}?_search=Khujand" in response.text, table


# ---- table pages ----------------------------------------------------------------------

async def test_facets_count_the_csv_rows(datasette):
    with open(DATA / "participants.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    response = await datasette.client.get(f"/{DB}/participants.json?_facet=kind")
    results = response.json()["facet_results"]["kind"]["results"]
    assert {item["value"]: item["count"] for item in results} == dict(Counter(row["kind"] for row in rows))


TABLE_SETTINGS = sorted(metadata()["databases"][DB]["tables"].items())


@pytest.mark.parametrize("table, settings", TABLE_SETTINGS, ids=[table for table, _ in TABLE_SETTINGS])
async def test_table_settings_from_metadata_apply(datasette, built_db, table, settings):
    assert table in content_tables(built_db), f"metadata.yml configures {table}, which the database does not have"
    response = await datasette.client.get(f"/{DB}/{table}.json")
    assert response.status_code == 200
    data = response.json()
    assert set(data["facet_results"]) == set(settings.get("facets", []))
    if "sort" in settings:
        assert data["human_description_en"].endswith(f"sorted by {settings['sort']}")
    if "sort_desc" in settings:
        assert data["human_description_en"].endswith(f"sorted by {settings['sort_desc']} descending")
    if "label_column" in settings:
        assert settings["label_column"] in data["columns"] or table in views(built_db)


def label_links(package, built_db):
    """(table, foreign key column, target table, label column) for each foreign key whose target has a label column."""
    labels = {table: settings["label_column"] for table, settings in TABLE_SETTINGS if "label_column" in settings}
    return [(table.name, fk.column, fk.other_table, labels[fk.other_table])
            for table in package.tables for fk in table.single_foreign_keys if fk.other_table in labels
            and query(built_db, f'select 1 from "{table.name}" where "{fk.column}" is not null limit 1')]


async def test_foreign_keys_show_labels(datasette, package, built_db):
    links = label_links(package, built_db)
    assert {("event_participants", "participant_id"), ("event_locations", "location_id")} <= {(t, c) for t, c, _, _ in links}
    for table, column, other, label in links:
        [row] = await get_json(datasette, table, _size=1, _labels="on", **{f"{column}__notblank": 1})
        value = row[column]["value"]
        [target] = query(built_db, f'select "{label}" from "{other}" where id = ?', (value,))
        page = (await datasette.client.get(f"/{DB}/{table}", params={f"{column}__exact": value})).text
        assert f'<a href="/{DB}/{other}/{tilde_encode(value)}">{escape(target[label])}</a>' in page, (table, column)


# ---- the event page ---------------------------------------------------------------------

async def event_page(site, event_id):
    response = await site.client.get(f"/{DB}/events/{event_id}")
    assert response.status_code == 200
    return response.text


async def test_event_page_embeds_schema_org_event(datasette, built_db):
    data = json_ld(await event_page(datasette, EVENT))
    assert data["@type"] == "Event"
    assert (data["startDate"], data["endDate"]) == ("2011-04-12", "2011-04-13")
    [status] = query(built_db, "select status from event_status_latest where event_id = ?", (EVENT,))
    assert data["eventStatus"] in SCHEMA_ORG_EVENT_STATUSES
    assert data["eventStatus"].endswith("EventCancelled") == (status["status"] == "cancelled")
    venues = query(built_db, "select locations.* from event_locations join locations on locations.id = location_id "
                             "where event_id = ? and role = 'venue'", (EVENT,))
    locations = as_list(data["location"])
    assert sorted(place["name"] for place in locations) == sorted(venue["name"] for venue in venues)
    khujand = next(place for place in locations if place["url"].endswith("/locations/khujand"))
    assert khujand["geo"] == {"@type": "GeoCoordinates", "latitude": 40.28256, "longitude": 69.62216}
    assert khujand["address"]["addressLocality"] == "Khujand"
    organizers = query(built_db, "select participant_id from event_participants where event_id = ? "
                                 "and role in ('organizer', 'co-organizer')", (EVENT,))
    assert sorted(participant_id(node) for node in as_list(data["organizer"])) == sorted(
        row["participant_id"] for row in organizers)
    children = query(built_db, "select name from events where parent_id = ? order by start_date, id", (EVENT,))
    assert [sub["name"] for sub in data["subEvent"]] == [row["name"] for row in children]


async def test_event_json_ld_types_each_kind_of_actor_carefully(datasette, fixture_site, built_db, fixture_db):
    """People and offices are Persons, an office's holder without a made-up name; a group is no Organization."""
    seen = set()
    for site, path, event_id in [(datasette, built_db, EVENT), (fixture_site, fixture_db, "seminar-on-victim-assistance-khujand-2016")]:
        data = json_ld(await event_page(site, event_id))
        kinds = {row["id"]: row for row in query(path, "select id, kind, name from participants")}
        for _, _, node in agents(data):
            actor = kinds[participant_id(node)]
            seen.add(actor["kind"])
            if actor["kind"] in ("person", "office", "individual"):
                assert node["@type"] == "Person"
            if actor["kind"] == "organization":
                assert node["@type"] == "Organization"
            if actor["kind"] == "group":
                assert "@type" not in node and node["name"] == actor["name"]
            if actor["kind"] == "office":
                assert "name" not in node and node["jobTitle"]
            if actor["kind"] == "individual":
                assert "name" not in node and node["description"] == actor["name"]
    assert seen == {"person", "office", "individual", "organization", "group"}


async def test_event_json_ld_gives_the_job_title_as_of_the_event(fixture_site, fixture_db):
    for event_id in ("seminar-on-victim-assistance-khujand-2016", "action-plan-roundtable-dushanbe-2024"):
        data = json_ld(await event_page(fixture_site, event_id))
        titles = {row["participant_id"]: row["title_at_event"] for row in query(
            fixture_db, "select * from participations where event_id = ?", (event_id,))}
        people = [(node, participant_id(node)) for event, _, node in agents(data) if node.get("@type") == "Person"]
        assert people
        for node, actor in people:
            assert node.get("jobTitle") == titles[actor], actor
    data = json_ld(await event_page(fixture_site, "action-plan-roundtable-dushanbe-2024"))
    [head] = [node for _, _, node in agents(data) if node.get("name") == "Elena Vasquez"]
    assert head["honorificPrefix"] == "Ambassador"


async def test_event_json_ld_gives_every_other_name(datasette, built_db, fixture_site):
    data = json_ld(await event_page(datasette, ROUNDTABLE))
    names = {}
    for row in query(built_db, "select row_id, name from names where table_name = 'participants' union "
                               "select row_id, name_as_written from mentions where table_name = 'participants' "
                               "and name_as_written is not null"):
        names.setdefault(row["row_id"], set()).add(row["name"])
    named = [node for _, _, node in agents(data) if "name" in node]
    assert any(len(names.get(participant_id(node), ())) > 1 for node in named)
    for node in named:
        assert set(node.get("alternateName", [])) == names.get(participant_id(node), set()) - {node["name"]}
    # A renamed organisation goes by the name it had in the event's year.
    data = json_ld(await event_page(fixture_site, "action-plan-roundtable-dushanbe-2024"))
    [organizer] = as_list(data["organizer"])
    assert (organizer["name"], organizer["alternateName"]) == ("OSCE Programme Office in Dushanbe", ["OSCE Office in Tajikistan"])


async def test_event_json_ld_links_the_series_and_the_documents(fixture_site):
    data = json_ld(await event_page(fixture_site, "seminar-on-victim-assistance-khujand-2016"))
    assert data["superEvent"] == {"@type": "EventSeries", "name": "Seminars on assistance to victims of human trafficking",
                                  "url": "/antitrafficking/series/seminars-on-assistance-to-victims-2016"}
    data = json_ld(await event_page(fixture_site, "action-plan-roundtable-dushanbe-2024"))
    assert {work["name"] for work in data["workFeatured"]} == {
        "National action plan to combat trafficking in human beings", "Draft plan for 2025–2027"}


async def test_event_page_links_are_the_row_urls_datasette_builds(built_db):
    site = site_for(built_db, base_url="/data/")  # as behind a proxy that serves the site under /data/
    page = await event_page(site, EVENT)
    for table, row_id in [("locations", "khujand"), ("participants", "osce-office-in-tajikistan"),
                          ("events", ROUNDTABLE), ("topics", "national-action-plan")]:
        url = site.urls.row(DB, table, tilde_encode(row_id))
        assert url.startswith("/data/")
        assert f'<a href="{url}">' in page
    organizer = as_list(json_ld(page)["organizer"])[0]
    # Root-relative: no site_url is configured (tests/test_base_url.py), and never the Host header's.
    assert organizer["url"] == site.urls.row(DB, "participants", participant_id(organizer))


async def test_sub_event_page_points_to_its_parent(datasette, built_db):
    data = json_ld(await event_page(datasette, ROUNDTABLE))
    [parent] = query(built_db, "select events.name from events join events child on child.parent_id = events.id "
                               "where child.id = ?", (ROUNDTABLE,))
    assert data["superEvent"]["name"] == parent["name"]
    assert data["startDate"] == data["endDate"] == "2011-04-12"


async def test_event_page_lists_who_took_part_in_the_event_and_its_sub_events_by_role(datasette, built_db, package):
    html = await event_page(datasette, EVENT)
    events = sorted(tree(built_db, EVENT))
    rows = query(built_db, f"select distinct role, participant_id from event_participants "
                           f"where event_id in ({', '.join('?' for _ in events)})", events)
    order = package.table("event_participants").field("role").constraints["enum"]
    roles = sorted({row["role"] for row in rows}, key=order.index)
    assert re.findall(r'<h3 class="role">([^<]+)</h3>', html) == [role.capitalize() for role in roles]
    assert html.count('<li class="participant">') == len(rows)
    assert "Opening roundtable discussion</a>" in html.split('<section id="participants">')[1].split("</section>")[0]


async def test_event_page_shows_the_counts(datasette, fixture_site):
    html = await event_page(datasette, ROUNDTABLE)
    assert re.search(r'heads-of-regional-departments">Heads of regional departments</a></td>\s*<td>this event</td>\s*'
                     r'<td class="total">11</td>', html)
    html = await event_page(fixture_site, "seminar-on-victim-assistance-khujand-2016")
    assert re.search(r'<td class="total">32</td>\s*<td class="men">19</td>\s*<td class="women">13</td>', html)
    assert "number 1 of 7 planned in" in html


def citations_and_sources(html):
    cited = set(re.findall(r'<a class="cite" href="#source-(\d+)"', html))
    sources = dict(re.findall(r'<article class="source" id="source-(\d+)">\s*<h3>\[\d+\] <a href="[^"]*/sources/([^"]+)"', html))
    return cited, sources


async def test_every_fact_on_the_event_page_cites_a_source_shown_with_its_passages(datasette, built_db):
    html = await event_page(datasette, EVENT)
    cited, sources = citations_and_sources(html)
    assert cited and cited == set(sources)
    [mention] = query(built_db, "select evidence from mentions where table_name = 'events' and row_id = ?", (EVENT,))
    assert f"<mark>{escape(mention['evidence'])}" in html
    assert re.search(r'<li class="participant"><a href="[^"]+">[^<]+</a><sup class="cites">', html)


async def test_an_event_page_with_several_sources_shows_each_with_its_passages(fixture_site, fixture_site_db):
    html = await event_page(fixture_site, "seminar-on-victim-assistance-istaravshan-2016")
    cited, sources = citations_and_sources(html)
    assert cited == set(sources) and len(sources) >= 2
    dates = dict((row["id"], row["published_date"]) for row in query(fixture_site_db, "select id, published_date from sources"))
    assert [dates[sources[number]] for number in sorted(sources, key=int)] == sorted(dates[s] for s in sources.values())
    for number in sources:
        section = html.split(f'id="source-{number}">')[1].split("</article>")[0]
        assert "<mark>" in section, number
    status = html.split('<dd class="status">')[1].split("</dd>")[0]
    assert status.startswith("held,") and "as of 2016-04-15" in status and "earlier: planned" in status


async def test_about_page_answers(datasette):
    response = await datasette.client.get("/about")
    assert response.status_code == 200
    assert "What it is not" in response.text
