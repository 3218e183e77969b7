"""The pages a visit starts from (issue 13, points 2-5), in process: the home page, search
as a journalist expects it, the canned queries (SQL hidden, pickers, ids as links), table
pages with the data first, and a "cite this" block on every page.

Expectations come from the built database, never from today's rows written out: the
shelter visit is found by SQL, the events' order is computed from their dates.
"""

import hashlib
import re
import sqlite3
from html import unescape

import pytest
from datasette.app import Datasette

from antitrafficking_site.home_page import MAX_TOP_EVENTS
from antitrafficking_site.query_pickers import MAX_CHOICES
from antitrafficking_site.search_results import snippet_parts
from antitrafficking_site.id_links import Schema
from conftest import DATA, ROOT, metadata, settings, site_for

DB = "antitrafficking"
MARK_START, MARK_END = "\ue000", "\ue001"  # what snippet() marks the matched words with
ORIGIN = "https://events.example.org"
INTERNAL_TABLES = ["_build", "_build_files", "_columns", "_tables", "source_paragraphs"]
ENTITY_TABLES = ["events", "participants", "locations", "sources", "topics", "documents", "series"]


def query(path, sql, params=()):
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def served_site(db, site_url=None):
    """The site as `make serve` serves it: with the data package under /data/
    (--static data:data) and, if given, a configured public origin."""
    config = metadata()
    if site_url is not None:
        config["plugins"]["site_origin"] = {"site_url": site_url}
    return Datasette(immutables=[str(db)], metadata=config, template_dir=str(ROOT / "templates"),
                     static_mounts=[("data", str(DATA))], settings=settings())


@pytest.fixture(scope="module")
def site(built_db):
    return served_site(built_db)


async def html(site, path, **params):
    response = await site.client.get(path, params=params or None)
    assert response.status_code == 200, (path, response.text[:500])
    return response.text


def links(page):
    return [unescape(href) for href in re.findall(r'href="([^"]+)"', page)]


def shelter_visit(db):
    """The event whose description mentions shelters, in Khujand."""
    [row] = query(db, "select id, name from events where description like '%shelters%' "
                      "and (name || ' ' || description) like '%Khujand%'")
    return row


# ---- the home page ----------------------------------------------------------------------

async def test_home_page_says_what_the_dataset_is_and_counts_its_entities_only(site, built_db):
    page = await html(site, "/")
    assert metadata()["title"] in page
    assert "Every row is supported by one or more sources" in page  # metadata.yml's description
    [(events,)] = [tuple(row.values()) for row in query(built_db, "select count(*) from events")]
    assert f">{events} event{'s' if events != 1 else ''}</a>" in page
    # Datasette's line counted the dictionary's rows ("216 rows in 13 tables, 177 rows in 31 hidden tables").
    assert "hidden table" not in page and " rows in " not in page


def home_page_events(db):
    """The home page's rule: the MAX_TOP_EVENTS newest top-level events (by start date,
    end date, then id), each with every event below it. (tops shown, all tops, events shown)"""
    tops = [row["id"] for row in query(db, "select id from events where parent_id is null "
                                           "order by start_date desc, end_date desc, id")]
    children = {}
    for row in query(db, "select id, parent_id from events where parent_id is not null"):
        children.setdefault(row["parent_id"], []).append(row["id"])
    shown, waiting = set(), list(tops[:MAX_TOP_EVENTS])
    while waiting:
        event_id = waiting.pop()
        shown.add(event_id)
        waiting.extend(children.get(event_id, []))
    return tops[:MAX_TOP_EVENTS], tops, shown


async def test_home_page_lists_the_newest_top_level_events_with_their_sub_events(site, built_db):
    page = await html(site, "/")
    section = page.split('id="events"', 1)[1].split("</section>", 1)[0]
    shown_tops, tops, shown = home_page_events(built_db)
    positions = [section.index(f'href="/{DB}/events/{event_id}"') for event_id in shown_tops]
    assert positions == sorted(positions)
    for row in query(built_db, "select id, parent_id from events"):
        if row["id"] not in shown:  # below a top-level event past the MAX_TOP_EVENTS newest
            assert f'href="/{DB}/events/{row["id"]}"' not in section, row["id"]
            continue
        assert f'href="/{DB}/events/{row["id"]}"' in section, row["id"]
        if row["parent_id"]:  # below its parent
            assert section.index(f'/events/{row["id"]}"') > section.index(f'/events/{row["parent_id"]}"')
    # Past the cap, the page says so and links to every event.
    assert (f"The {MAX_TOP_EVENTS} newest of {len(tops):,}" in section) == (len(tops) > MAX_TOP_EVENTS)


async def test_home_page_has_search_map_questions_downloads_and_citation(site, built_db):
    page = await html(site, "/")
    assert re.search(rf'<form class="search-form" action="/{DB}/search" method="get">', page)
    assert 'id="home-map"' in page and "maxZoom: 7" in page  # the region, not zoom 19 on one point
    for name, canned in metadata()["databases"][DB]["queries"].items():
        assert f'href="/{DB}/{name}"' in page and str(canned["title"]) in unescape(page), name
    hrefs = links(page)
    assert "/data/datapackage.json" in hrefs and f"/{DB}.db" in hrefs
    for row in query(built_db, "select path from _build_files where path like '%.csv'"):
        assert f"/data/{row['path']}" in hrefs
    assert 'id="how-to-cite"' in page


async def test_every_link_on_the_home_page_answers(site, built_db):
    page = await html(site, "/")
    local = sorted({href for href in links(page) if href.startswith("/") and not href.startswith("//")})
    # At least the events shown, the canned questions and the downloads (none is left out).
    expected = ({f"/{DB}/events/{event_id}" for event_id in home_page_events(built_db)[2]}
                | {f"/{DB}/{name}" for name in metadata()["databases"][DB]["queries"]}
                | {f"/data/{row['path']}" for row in query(built_db, "select path from _build_files where path like '%.csv'")}
                | {"/data/datapackage.json", f"/{DB}.db"})
    assert expected <= set(local), sorted(expected - set(local))[:10]
    for href in local:
        response = await site.client.get(href)
        assert response.status_code == 200, href


async def test_home_page_without_an_events_database_still_answers(tmp_path):
    path = tmp_path / "other.db"
    sqlite3.connect(path).execute("create table t (x)").connection.close()
    response = await site_for(path).client.get("/")
    assert response.status_code == 200 and 'href="/other"' in response.text


# ---- internal tables out of the way --------------------------------------------------

def test_the_internal_tables_are_hidden_in_metadata():
    tables = metadata()["databases"][DB]["tables"]
    assert all(tables[name].get("hidden") is True for name in INTERNAL_TABLES)


async def test_the_database_page_lists_the_entity_tables_first_and_hides_the_internal_ones(site, built_db):
    page = await html(site, f"/{DB}")
    listed = re.findall(rf'<h3><a href="/{DB}/([^"?]+)">', page)
    assert not set(INTERNAL_TABLES) & set(listed)
    present = [table for table in ENTITY_TABLES if table in listed]
    assert listed[:len(present)] == present == ENTITY_TABLES
    [events] = query(built_db, "select description from _tables where table_name = 'events'")
    assert str(unescape(page)).count(events["description"]) == 1
    for table in INTERNAL_TABLES:  # hidden, not gone
        assert (await site.client.get(f"/{DB}/{table}")).status_code == 200


# ---- search --------------------------------------------------------------------------

async def search_json(site, q):
    response = await site.client.get(f"/{DB}/search.json", params={"q": q, "_shape": "array"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("q", ["shelters Khujand", "Khujand shelters", "shelter khuj", "  SHELTERS \t Khujand "])
async def test_search_matches_every_word_as_a_prefix_in_any_order(site, built_db, q):
    visit = shelter_visit(built_db)
    rows = await search_json(site, q)
    assert ("events", visit["id"]) in {(row["table_name"], row["row_id"]) for row in rows}


async def test_search_requires_every_word(site):
    assert await search_json(site, "shelters zzzzunknownword") == []


async def test_search_gives_one_ranked_result_per_entity_without_scores(site, built_db):
    rows = await search_json(site, "Khujand")
    keys = [(row["table_name"], row["row_id"]) for row in rows]
    assert len(keys) == len(set(keys)) > 1
    assert len({row["table_name"] for row in rows}) > 1  # across kinds of entity
    assert set(rows[0]) == {"found_in", "table_name", "row_id", "name", "snippet"}  # no bm25 column
    assert all(row["name"] and MARK_START in row["snippet"] and MARK_END in row["snippet"] for row in rows)


async def test_search_results_page_links_each_result_to_a_page_that_answers_with_its_snippet(site, built_db):
    visit = shelter_visit(built_db)
    page = await html(site, f"/{DB}/search", q="shelters Khujand")
    results = re.findall(r'<li class="search-result">(.*?)</li>', page, re.S)
    assert results
    assert any(f'href="/{DB}/events/{visit["id"]}">{visit["name"]}</a>' in unescape(result) for result in results)
    for result in results:
        assert "<mark>" in result
        [href] = re.findall(r'<a class="result-link" href="([^"]+)"', result)
        assert (await site.client.get(href)).status_code == 200, href
    assert not re.search(r"-\d+\.\d{3,}", page.split('class="search-results"', 1)[1])  # no raw bm25


@pytest.mark.parametrize("q", ['shelters" OR "', '"', "NEAR(", "*", "a:b", "^x", "shelters AND", "-", "", "   "])
async def test_search_keeps_visitor_input_out_of_fts_syntax(site, q):
    response = await site.client.get(f"/{DB}/search", params={"q": q})
    assert response.status_code == 200, response.text[:300]
    assert "fts5" not in response.text


async def test_search_finds_entities_of_every_kind_in_the_fixture(fixture_db, tmp_path):
    path = tmp_path / f"{DB}.db"  # the database name metadata.yml configures
    path.write_bytes(fixture_db.read_bytes())
    site = site_for(path)
    found = {}
    for q in ["seminars victims", "returning home", "Inter-Ministerial Commission", "Khujand"]:
        for row in await search_json(site, q):
            found.setdefault(row["table_name"], set()).add(row["row_id"])
    assert "seminars-on-assistance-to-victims-2016" in found["series"]
    assert "iom-study-returning-home" in found["documents"]
    assert "interagency-commission-on-combating-human-trafficking" in found["participants"]
    assert {"events", "locations", "sources"} <= set(found)


def test_snippet_markers_become_marked_parts():
    assert snippet_parts(f"…two {MARK_START}shelters{MARK_END} in {MARK_START}Khujand{MARK_END} [sic]") == [
        ("…two ", False), ("shelters", True), (" in ", False), ("Khujand", True), (" [sic]", False)]
    assert snippet_parts("[shelters] in [Khujand]") == [("[shelters] in [Khujand]", False)]  # brackets are text
    assert snippet_parts(f"a{MARK_END}b{MARK_START}") == [("ab", False)]  # a stray marker is dropped
    assert snippet_parts(None) == []


def test_no_searched_text_holds_a_snippet_marker(built_db):
    """The markers are private-use characters so that no text can be taken for one."""
    for (fts,) in [tuple(row.values()) for row in query(
            built_db, "select name from sqlite_master where type = 'table' and name like '%\\_fts' escape '\\'")]:
        table = fts[:-len("_fts")]
        columns = [row["name"] for row in query(built_db, f'select name from pragma_table_info("{fts}")')]
        hits = " or ".join(f'instr("{c}", char(57344)) or instr("{c}", char(57345))' for c in columns)
        assert query(built_db, f'select count(*) as n from "{table}" where {hits}') == [{"n": 0}], fts


@pytest.fixture(scope="module")
def bracketed_db(built_db, tmp_path_factory):
    """A copy of the database whose shelter visit's description holds "[sic]" and markup,
    its full-text index rebuilt."""
    path = tmp_path_factory.mktemp("bracketed") / f"{DB}.db"
    path.write_bytes(built_db.read_bytes())
    visit = shelter_visit(built_db)
    conn = sqlite3.connect(path)
    try:
        conn.execute("update events set description = description || ' Two [sic] shelters <b>and</b> [more].' "
                     "where id = ?", (visit["id"],))
        conn.execute("insert into events_fts(events_fts) values ('rebuild')")
        conn.commit()
    finally:
        conn.close()
    return path, visit


async def test_a_bracket_in_a_text_is_not_taken_for_a_matched_word(bracketed_db):
    path, visit = bracketed_db
    site = site_for(path)
    [row] = [row for row in await search_json(site, "shelters") if row["row_id"] == visit["id"]]
    assert "[sic]" in row["snippet"] and f"{MARK_START}shelters{MARK_END}" in row["snippet"]  # the JSON's
    [row] = [row for row in await search_json(site, "shelters sic") if row["row_id"] == visit["id"]]
    assert f"[{MARK_START}sic{MARK_END}]" in row["snippet"]  # a matched word inside brackets
    page = await html(site, f"/{DB}/search", q="shelters")
    [result] = [r for r in re.findall(r'<li class="search-result">(.*?)</li>', page, re.S)
                if f'/events/{visit["id"]}"' in r]
    snippet = re.search(r'<p class="snippet">(.*?)</p>', result, re.S).group(1)
    assert "[sic]" in snippet and "[more]" in snippet and "<mark>sic</mark>" not in snippet
    assert "<mark>shelters</mark>" in snippet
    assert "&lt;b&gt;and&lt;/b&gt;" in snippet and "<b>" not in snippet  # the rest escaped
    assert MARK_START not in page and MARK_END not in page


# ---- canned queries ------------------------------------------------------------------

CANNED = sorted(metadata()["databases"][DB]["queries"].items())


@pytest.mark.parametrize("name, canned", CANNED, ids=[name for name, _ in CANNED])
async def test_canned_query_hides_its_sql_and_is_titled_by_its_title(site, name, canned):
    assert canned.get("hide_sql") is True
    page = await html(site, f"/{DB}/{name}")
    assert re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip() == str(canned["title"])
    assert 'id="sql-editor"' not in page and 'id="sql-query"' not in page
    shown = await html(site, f"/{DB}/{name}", _show_sql="1")
    assert 'id="sql-editor"' in shown or 'id="sql-query"' in shown


async def test_a_parameter_with_few_values_is_a_picker(site, built_db):
    page = await html(site, f"/{DB}/event_roles")
    picker = re.search(r'<select id="qp\d+" name="event_id">(.*?)</select>', page, re.S)
    events = {row["id"] for row in query(built_db, "select id from events")}
    if len(events) <= MAX_CHOICES:  # every event, by name
        assert picker, "event_id should be a <select>"
        offered = set(re.findall(r'<option value="([^"]+)"', picker.group(1)))
        assert offered == events
    else:  # too many to list: a text box
        assert not picker and re.search(r'<input type="text" id="qp\d+" name="event_id"', page)
    page = await html(site, f"/{DB}/row_evidence")
    picker = re.search(r'<select id="qp\d+" name="table_name">(.*?)</select>', page, re.S)
    assert set(re.findall(r'<option value="([^"]+)"', picker.group(1))) == {
        row["table_name"] for row in query(built_db, "select distinct table_name from mentions")}
    # The chosen value stays selected, and a free-text parameter stays a text box.
    page = await html(site, f"/{DB}/row_evidence", table_name="participants", row_id="iom")
    assert '<option value="participants" selected>' in page
    assert re.search(r'<input type="text" id="qp\d+" name="row_id" value="iom">', page)


async def test_a_value_that_is_not_a_choice_is_shown_as_the_one_the_query_ran_with(site):
    """Not "(left empty)" while the results are those of another value."""
    page = await html(site, f"/{DB}/row_evidence", table_name="no<such>table", row_id="iom")
    picker = re.search(r'<select id="qp\d+" name="table_name">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)" selected>', picker) == ["no&lt;such&gt;table"]
    assert "<such>" not in picker  # escaped
    assert '<option value="">(left empty)</option>' in picker  # not selected
    page = await html(site, f"/{DB}/row_evidence", table_name="", row_id="iom")
    picker = re.search(r'<select id="qp\d+" name="table_name">(.*?)</select>', page, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)" selected>', picker) == [""]


async def test_ids_in_canned_query_results_link_to_their_pages(site, built_db):
    visit = shelter_visit(built_db)
    page = await html(site, f"/{DB}/event_roles", event_id=visit["id"])
    participants = {row["participant_id"] for row in query(
        built_db, "select participant_id from event_participants where event_id = ?", (visit["id"],))}
    assert participants
    for participant in participants:
        assert f'<a class="id-link" href="/{DB}/participants/{participant}">{participant}</a>' in page
    assert f'<a class="id-link" href="/{DB}/events/{visit["id"]}">' in page
    linked = set(re.findall(r'<a class="id-link" href="([^"]+)"', page))
    for href in linked:
        assert (await site.client.get(href)).status_code == 200, href


async def test_polymorphic_ids_link_through_the_column_naming_their_table(site, built_db):
    page = await html(site, f"/{DB}/row_evidence", table_name="participants", row_id="iom")
    assert f'<a class="id-link" href="/{DB}/participants/iom">iom</a>' in page
    page = await html(site, f"/{DB}/place_activity", location_id="khujand")
    assert f'<a class="id-link" href="/{DB}/locations/khujand">khujand</a>' in page
    # A compound row id of a statement table is not an entity: not linked.
    row_id = query(built_db, "select row_id from mentions where table_name = 'event_participants' limit 1")[0]["row_id"]
    page = await html(site, f"/{DB}/row_evidence", table_name="event_participants", row_id=row_id)
    assert 'class="id-link" href="/antitrafficking/event_participants/' not in page


async def test_ids_in_views_link_but_table_pages_keep_datasettes_links(site, built_db):
    page = await html(site, f"/{DB}/participations")
    [event_id] = {row["event_id"] for row in query(built_db, "select event_id from participations limit 1")}
    assert f'<a class="id-link" href="/{DB}/events/{event_id}">' in page
    page = await html(site, f"/{DB}/event_participants")
    assert 'class="id-link"' not in page  # Datasette links foreign keys with their labels itself


def test_the_naming_rule_comes_from_the_foreign_keys():
    schema = Schema([("event_id", "events"), ("source_id", "sources"), ("parent_id", "events"),
                     ("parent_id", "locations"), ("name_id", "_columns")], views=["v"])
    assert schema.target("event_id", ()) == ("table", "events")
    assert schema.target("title_source_id", ()) == ("table", "sources")
    assert schema.target("parent_id", ()) is None  # two targets
    assert schema.target("name_id", ()) is None  # not an entity table
    assert schema.target("row_id", ("table_name", "row_id")) == ("column", "table_name")
    assert schema.target("related_id", ("related_id", "related_table")) == ("column", "related_table")


# ---- table pages: the data first ------------------------------------------------------

@pytest.mark.parametrize("table", ENTITY_TABLES + ["event_participants", "mentions", "participations"])
async def test_table_pages_show_rows_before_the_dictionary(site, built_db, table):
    page = await html(site, f"/{DB}/{table}")
    [(count,)] = [tuple(row.values()) for row in query(built_db, f'select count(*) from "{table}"')]
    dictionary = page.index('<details class="data-dictionary">')
    assert '<dl class="column-descriptions">' in page[dictionary:]
    assert '<dl class="column-descriptions">' not in page[:dictionary]
    if count:
        assert page.index('<table class="rows-and-columns">') < dictionary


# ---- the "cite this" block --------------------------------------------------------------

def database_sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def cite_block(site, path):
    page = await html(site, path)
    match = re.search(r'<div class="cite-this" id="cite-this">(.*?)</div>', page, re.S)
    assert match, f"no cite block on {path}"
    return unescape(match.group(1))


def cited_pages(db):
    visit = shelter_visit(db)
    return ["/", f"/{DB}", f"/{DB}/events", f"/{DB}/participants", f"/{DB}/events/{visit['id']}",
            f"/{DB}/participants/iom", f"/{DB}/event_roles?event_id={visit['id']}", f"/{DB}/search?q=shelters", "/about"]


async def test_every_page_cites_title_version_digest_url_and_licence(site, built_db):
    digest = database_sha256(built_db)
    [version] = query(built_db, "select value from _build where key = 'package_version'")
    for path in cited_pages(built_db):
        block = await cite_block(site, path)
        assert metadata()["title"] in block, path
        assert f"version {version['value']}" in block, path
        assert digest in block, path
        assert f'href="{path}">{path}</a>' in block, path  # root-relative without a site_url
        assert metadata()["license"] in block and metadata()["license_url"] in block, path


async def test_the_cited_url_starts_with_the_configured_site_url_whatever_the_host(built_db):
    site = served_site(built_db, site_url=ORIGIN)
    response = await site.client.get(f"/{DB}/events", headers={"host": "evil.example"})
    block = response.text.split('<div class="cite-this"', 1)[1].split("</div>", 1)[0]
    assert f'href="{ORIGIN}/{DB}/events">{ORIGIN}/{DB}/events</a>' in block
    assert "evil.example" not in block


async def test_the_first_page_already_cites_the_digest(built_db):
    """The digest is computed at startup, before the first page (pages are cached)."""
    site = served_site(built_db)
    assert database_sha256(built_db) in await cite_block(site, "/")


def site_with_releases(db, directory):
    config = metadata()
    config["plugins"]["changes_page"] = {"releases": str(directory)}
    return Datasette(immutables=[str(db)], metadata=config, template_dir=str(ROOT / "templates"), settings=settings())


async def test_the_cite_block_dates_the_release_of_this_very_database(built_db, tmp_path):
    """The date is the release manifest's whose version and database digest are those served;
    a database no release describes gets no date."""
    import json

    [version] = query(built_db, "select value from _build where key = 'package_version'")
    manifest = {"version": version["value"], "date": "2031-05-06", "previous_version": None, "tables": {}}
    for directory, digest in ((tmp_path / "this", database_sha256(built_db)), (tmp_path / "other", "0" * 64)):
        directory.mkdir()
        (directory / f"{version['value']}.json").write_text(json.dumps({**manifest, "database_sha256": digest}))
    assert ", released 2031-05-06 [data set]" in await cite_block(site_with_releases(built_db, tmp_path / "this"), "/")
    assert "released" not in await cite_block(site_with_releases(built_db, tmp_path / "other"), "/")
