"""The entity pages (actor, place, source, topic, document, series): in process, on the real
data and on the fictional fixture. Expectations come from the database by SQL, never counts
written out; the JSON-LD is read with extruct, a maintained structured-data extractor, offline."""

import re
import shutil
import sqlite3
from html import unescape
from urllib.parse import quote_plus

import extruct
import pytest
from datasette.utils import tilde_encode
from markupsafe import escape

from conftest import site_for
from test_base_url import own as own_site_urls, site as configured_site, urls as urls_in
from test_site import query

DB = "antitrafficking"
ENTITY_TABLES = {"participants": "name", "locations": "name", "sources": "title", "topics": "name",
                 "documents": "title", "series": "name"}


@pytest.fixture(scope="module")
def fixture_site_db(fixture_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("entity-fixture") / f"{DB}.db"  # the name metadata.yml configures
    shutil.copyfile(fixture_db, path)
    return path


@pytest.fixture(scope="module", params=["real", "fixture"])
def data(request, built_db, fixture_site_db):
    """(site, database path) for the real data and for the fictional fixture."""
    path = built_db if request.param == "real" else fixture_site_db
    return site_for(path), path


async def page(site, table, row_id):
    response = await site.client.get(site.urls.row(DB, table, tilde_encode(row_id)))
    assert response.status_code == 200, (table, row_id)
    return response.text


def heading(html):
    match = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    return unescape(re.sub(r"<sup.*?</sup>|<[^>]+>", "", match.group(1))).strip()


def json_ld(html):
    [data] = extruct.extract(html, base_url="http://localhost/", syntaxes=["json-ld"], uniform=False)["json-ld"]
    return data


def section(html, section_id):
    return html.split(f'<section id="{section_id}">')[1].split("</section>")[0]


def links_in(html):
    return re.findall(r'<a href="(/[^"#]*)"', html)


def ids(path, table):
    return [row["id"] for row in query(path, f"select id from {table} order by id")]


# ---- every page ------------------------------------------------------------------

@pytest.mark.parametrize("table", ENTITY_TABLES)
async def test_every_entity_page_answers_with_its_name_as_heading_and_json_ld(data, table):
    site, path = data
    for row in query(path, f"select id, {ENTITY_TABLES[table]} as label from {table}"):
        html = await page(site, table, row["id"])
        assert heading(html) == row["label"]
        assert f"<title>{escape(row['label'])}</title>" in html
        assert json_ld(html)["@id"].endswith(f"/{table}/{tilde_encode(row['id'])}")
        assert '<details class="all-columns">' in html  # Datasette's row table, behind a click


async def test_every_link_of_every_entity_page_answers(data):
    site, path = data
    seen = set()
    for table in ENTITY_TABLES:
        for row_id in ids(path, table):
            for url in links_in(await page(site, table, row_id)):
                if url.startswith(f"/{DB}/") and url.count("/") == 3 and url not in seen:
                    seen.add(url)
                    assert (await site.client.get(url)).status_code == 200, url
    assert seen


# ---- actors ------------------------------------------------------------------------

async def test_an_actor_page_shows_its_names_posts_events_and_quotes(data):
    site, path = data
    for actor in query(path, "select * from participants"):
        html = await page(site, "participants", actor["id"])
        names = {row["name"] for row in query(path, """
            select name from names where table_name = 'participants' and row_id = :id union
            select name_as_written from mentions where table_name = 'participants' and row_id = :id
              and name_as_written is not null""", actor)}
        shown = {unescape(name) for name in re.findall(r'<li class="name"><strong>([^<]+)</strong>', html)}
        assert shown == names, actor["id"]
        memberships = query(path, "select * from memberships where participant_id = :id", actor)
        assert html.count('<li class="membership">') == len(memberships)
        for row in memberships:
            assert escape(row["title"]) in html
            assert f'/participants/{tilde_encode(row["organization_id"])}"' in section(html, "posts")
        events = section(html, "events")
        participations = query(path, "select * from event_participants where participant_id = :id", actor)
        assert events.count('<li class="participation">') == len(participations)
        for row in participations:
            assert f'href="/{DB}/events/{tilde_encode(row["event_id"])}"' in events
        for quote in query(path, "select * from quotes where speaker_id = :id", actor):
            assert escape(quote["text"]) in section(html, "quotes")
        if actor["based_in_id"]:
            assert f'/locations/{tilde_encode(actor["based_in_id"])}"' in html.split('<dd class="based-in">')[1]
        if actor["wikidata_id"]:
            assert f'href="https://www.wikidata.org/wiki/{actor["wikidata_id"]}"' in html


async def test_an_actor_page_lists_the_sources_that_mention_it_and_cites_each_fact(data):
    site, path = data
    for actor in query(path, "select id from participants"):
        html = await page(site, "participants", actor["id"])
        sources = {row["source_id"] for row in query(
            path, "select source_id from mentions where table_name = 'participants' and row_id = :id", actor)}
        listed = set(re.findall(r'<li class="mentioned-in">.*?<a href="/[^"]+/sources/([^"]+)"', html, re.S))
        assert listed == sources
        cited = set(re.findall(r'<a class="cite" href="#source-(\d+)"', html))
        articles = set(re.findall(r'<article class="source" id="source-(\d+)">', html))
        assert cited and cited == articles
        for passage in query(path, """select evidence from mentions where table_name = 'participants' and row_id = :id
            union select evidence from mentions where table_name = 'event_participants' and row_id in
              (select event_id || '/' || participant_id || '/' || role from event_participants where participant_id = :id)""",
                             actor):
            assert f'<q class="passage">{escape(passage["evidence"])}</q>' in html


async def test_actor_json_ld_types_each_kind_of_actor_as_the_event_page_does(data):
    site, path = data
    for actor in query(path, "select * from participants"):
        ld = json_ld(await page(site, "participants", actor["id"]))
        if actor["kind"] in ("person", "office", "individual"):
            assert ld["@type"] == "Person"
        if actor["kind"] == "organization":
            assert ld["@type"] == "Organization"
        if actor["kind"] == "group":  # neither one organisation nor one person
            assert "@type" not in ld and ld["name"] == actor["name"]
        if actor["kind"] in ("office", "individual"):  # no made-up name for an unnamed holder
            assert "name" not in ld
        if actor["kind"] == "office":
            assert ld["jobTitle"]
        if actor["wikidata_id"]:
            assert ld["sameAs"] == f"https://www.wikidata.org/wiki/{actor['wikidata_id']}"


async def test_a_renamed_organisation_shows_its_names_with_their_years(fixture_site_db):
    site = site_for(fixture_site_db)
    html = await page(site, "participants", "osce-office-in-tajikistan")
    for row in query(fixture_site_db, "select * from names where row_id = 'osce-office-in-tajikistan'"):
        entry = html.split(f'<li class="name"><strong>{escape(row["name"])}</strong>')[1].split("</li>")[0]
        for year in (row["used_from_year"], row["used_until_year"]):
            if year:
                assert str(year) in entry
    assert "then called OSCE Programme Office in Dushanbe" in section(html, "events")


# ---- places ------------------------------------------------------------------------

async def test_a_place_page_shows_the_hierarchy_the_events_below_it_and_who_is_based_there(data):
    site, path = data
    for place in query(path, "select * from locations"):
        html = await page(site, "locations", place["id"])
        below = query(path, """with recursive tree(id) as (select :id union all
            select locations.id from locations join tree on locations.parent_id = tree.id) select id from tree""", place)
        below_ids = [row["id"] for row in below]
        marks = ", ".join("?" for _ in below_ids)
        above = query(path, """with recursive chain(id) as (select parent_id from locations where id = :id union all
            select parent_id from locations join chain on locations.id = chain.id) select id from chain
            where id is not null""", place)
        kind_line = html.split('<p class="place-kind">')[1].split("</p>")[0]
        assert [url.rsplit("/", 1)[1] for url in links_in(kind_line)] == [tilde_encode(row["id"]) for row in above]
        children = query(path, "select id from locations where parent_id = :id", place)
        assert html.count('<li class="place-below">') == len(children)
        events = query(path, f"select * from event_locations where location_id in ({marks})", below_ids)
        assert section(html, "events").count('<li class="event-here">') == len(events)
        for row in events:
            assert f'/events/{tilde_encode(row["event_id"])}"' in section(html, "events")
        based = query(path, f"select id from participants where based_in_id in ({marks})", below_ids)
        assert html.count('<li class="based-here">') == len(based)
        if place["operator_id"]:
            assert f'/participants/{tilde_encode(place["operator_id"])}"' in html.split('<dd class="operator">')[1]
        if place["geonames_id"]:
            assert f'href="https://www.geonames.org/{place["geonames_id"]}"' in html
        if place["wikidata_id"]:
            assert f'href="https://www.wikidata.org/wiki/{place["wikidata_id"]}"' in html
        mapped = query(path, f"select id from locations where id in ({marks}) and latitude is not null", below_ids)
        markers = re.search(r"const markers = (\[.*?\]);", html).group(1)
        assert markers.count('"latitude"') == len(mapped)


async def test_place_json_ld_is_a_place_with_its_containing_places_and_address(data):
    site, path = data
    for place in query(path, "select * from locations"):
        ld = json_ld(await page(site, "locations", place["id"]))
        assert ld["@type"] == "Place" and ld["name"] == place["name"]
        if place["latitude"] is not None:
            assert ld["geo"] == {"@type": "GeoCoordinates", "latitude": place["latitude"], "longitude": place["longitude"]}
        if place["parent_id"]:
            assert ld["containedInPlace"]["url"].endswith(f"/locations/{tilde_encode(place['parent_id'])}")
            assert ld["address"]["@type"] == "PostalAddress"
        same_as = ld.get("sameAs", [])
        same_as = same_as if isinstance(same_as, list) else [same_as]
        assert (f"https://www.geonames.org/{place['geonames_id']}" in same_as) == bool(place["geonames_id"])


# ---- sources -----------------------------------------------------------------------

def marks(html):
    """(text, [urls]) of each mark of the source text: the mark's own link and the ↗ after it."""
    text = html.split('<section id="text">')[1].split("</section>")[0]
    found = []
    for match in re.finditer(r'<mark class="cited">(.*?)</mark>(<sup class="cited-by">.*?</sup>)?', text, re.S):
        found.append((unescape(re.sub(r"<[^>]+>", "", match.group(1))),
                      re.findall(r'href="([^"]+)"', match.group(1) + (match.group(2) or ""))))
    return found


async def test_a_source_page_marks_every_cited_passage_and_links_each_to_an_existing_page(data):
    site, path = data
    for source in query(path, "select * from sources"):
        html = await page(site, "sources", source["id"])
        found = marks(html)
        assert found
        for row in query(path, "select * from mentions where source_id = :id", source):
            passage = " ".join(row["evidence"].split())
            assert any(passage in text for text, _ in found), passage
        for url in {url for _, urls in found for url in urls}:
            assert (await site.client.get(url)).status_code == 200, url
        assert all(urls for _, urls in found)  # every mark leads somewhere
        for text, _ in found:
            assert text in " ".join(source_text(path, source["id"]).split())


def source_text(path, source_id):
    return query(path, "select text from sources where id = ?", (source_id,))[0]["text"]


async def test_a_source_page_links_each_cited_row_to_the_page_of_what_it_is_about(data):
    site, path = data
    for source in query(path, "select * from sources"):
        html = await page(site, "sources", source["id"])
        supported = set(re.findall(r'<li class="supported"><a href="([^"]+)"', section(html, "supports")))
        expected = set()
        for row in query(path, "select table_name, row_id from mentions where source_id = :id", source):
            table, key = row["table_name"], row["row_id"]
            if table in ("events", "participants", "locations", "series", "documents", "topics"):
                expected.add(site.urls.row(DB, table, tilde_encode(key)))
            elif table.startswith("event_"):
                expected.add(site.urls.row(DB, "events", tilde_encode(key.split("/")[0])))
        assert expected <= supported


async def test_a_source_page_gives_the_original_address_and_its_basis(data):
    site, path = data
    for source in query(path, "select * from sources"):
        html = await page(site, "sources", source["id"])
        original = html.split('<dd class="original">')[1].split("</dd>")[0]
        if source["url"]:
            assert f'<a href="{escape(source["url"])}"' in original
        else:
            assert "address not known" in original
        if source["url_basis"]:
            assert str(escape(source["url_basis"])) in original
        ld = json_ld(html)
        assert ld["@type"] == "CreativeWork"
        assert ld["datePublished"] == source["published_date"]
        assert ld["publisher"]["name"] == source["publisher"]
        assert ld["url"] == (source["url"] or ld["@id"])


# ---- topics, documents, series ---------------------------------------------------------

CATALOGUE_EVENTS = {
    "topics": "select event_id from event_topics where topic_id = :id",
    "documents": "select event_id from event_documents where document_id = :id",
    "series": "select id as event_id from events where series_id = :id",
}


@pytest.mark.parametrize("table", CATALOGUE_EVENTS)
async def test_a_topic_document_or_series_page_lists_its_events(data, table):
    site, path = data
    for row_id in ids(path, table):
        html = await page(site, table, row_id)
        events = query(path, CATALOGUE_EVENTS[table], {"id": row_id})
        listed = section(html, "events")
        assert listed.count('<li class="event-of-it">') == len(events)
        for row in events:
            assert f'href="/{DB}/events/{tilde_encode(row["event_id"])}"' in listed
        ld = json_ld(html)
        if table == "series":
            assert ld["@type"] == "EventSeries"
            assert len(ld.get("subEvent", [])) == len(events)
        else:
            assert [event["url"].rsplit("/", 1)[1] for event in ld.get("subjectOf", [])] == \
                   sorted({tilde_encode(row["event_id"]) for row in events},
                          key=[e["url"].rsplit("/", 1)[1] for e in ld.get("subjectOf", [])].index)


async def test_topic_and_document_json_ld_types(data):
    site, path = data
    for topic in ids(path, "topics"):
        assert json_ld(await page(site, "topics", topic))["@type"] == "DefinedTerm"
    types = {"report": "Report", "study": "Report", "law": "Legislation"}  # event_json_ld.DOCUMENT_TYPES
    for document in query(path, "select id, kind from documents"):
        assert json_ld(await page(site, "documents", document["id"]))["@type"] == types.get(document["kind"], "CreativeWork")


# ---- URLs ------------------------------------------------------------------------------

async def test_entity_page_urls_come_from_the_configured_site_url_never_the_host(built_db, monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    origin = "https://events.example.org"
    # A base_url prefix that is not one of the site's own mounts (/data/ serves the data package).
    site = configured_site(built_db, origin, base_url="/explore/")
    response = await site.client.get("/antitrafficking/participants/osce", headers={"host": "evil.example"})
    assert response.status_code == 200
    html = response.text
    assert "evil.example" not in html
    ld = json_ld(html)
    own = [url for url in own_site_urls(urls_in(ld)) if "geonames.org" not in url]
    assert len(own) > 1
    assert all(url.startswith(f"{origin}/explore/{DB}/") for url in own), own
    assert ld["@id"] == origin + site.urls.row(DB, "participants", "osce") == f"{origin}/explore/{DB}/participants/osce"
    # The page's own links are root-relative, under the prefix.
    assert f'<a href="/explore/{DB}/participants/osce-office-in-tajikistan">' in html


# ---- bounded lists -----------------------------------------------------------------------

BOUNDED = {  # table: (module, the statement rows SQL, the list's CSS class, where the rest is)
    "participants": ("actor_page", "select participant_id as id, count(*) as n from event_participants group by 1",
                     "participation", "/{db}/participations?participant_id={id}"),
    "topics": ("catalogue_pages", "select topic_id as id, count(*) as n from event_topics group by 1",
               "event-of-it", "/{db}/event_topics?topic_id={id}"),
    "documents": ("catalogue_pages", "select document_id as id, count(*) as n from event_documents group by 1",
                  "event-of-it", "/{db}/event_documents?document_id={id}"),
    "series": ("catalogue_pages", "select series_id as id, count(*) as n from events where series_id is not null group by 1",
               "event-of-it", "/{db}/events?series_id={id}&amp;_sort=series_position"),
    "sources": ("source_page", "select source_id as id, count(*) as n from mentions group by 1",
                "supported", "/{db}/mentions?source_id={id}"),
}


@pytest.fixture(scope="module")
def longer_lists_db(fixture_db, tmp_path_factory):
    """The fixture with one more row, so that every kind of list has one longer than one:
    no document of the fixture is discussed at two events (a test database; the build
    would ask for the row's source)."""
    path = tmp_path_factory.mktemp("longer-lists") / f"{DB}.db"
    shutil.copyfile(fixture_db, path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("insert into event_documents (event_id, document_id, role) values "
                     "('seminar-on-victim-assistance-istaravshan-2016', 'national-action-plan-2022-2024', 'discussed')")
    conn.close()
    return path


@pytest.mark.parametrize("table", BOUNDED)
async def test_a_long_list_shows_its_first_rows_how_many_there_are_and_where_the_rest_are(
        built_db, longer_lists_db, monkeypatch, table):
    from antitrafficking_site import actor_page, catalogue_pages, source_page

    module, counted, item, rest = BOUNDED[table]
    monkeypatch.setattr({"actor_page": actor_page, "catalogue_pages": catalogue_pages,
                         "source_page": source_page}[module], "LIST_LIMIT", 1)
    # Over the real data and the fixture together: a list longer than one may be in either.
    cases = [(site_for(path), path, row) for path in (built_db, longer_lists_db)
             for row in query(path, counted) if row["n"] > 1]
    assert cases, f"no {table} row with more than one in the data or longer_lists_db: add one there"
    for site, path, row in cases:
        html = await page(site, table, row["id"])
        note = f'<p class="more">The first 1 of {row["n"]:,}: <a href="{rest.format(db=DB, id=quote_plus(row["id"]))}">'
        assert note in html, (table, row["id"])
        if table != "sources":  # a source's list is of pages, several rows to a page
            assert html.count(f'<li class="{item}">') == 1
        ld = json_ld(html)
        if table == "series":
            assert isinstance(ld["subEvent"], list) and len(ld["subEvent"]) == 1
            if query(path, "select planned_count from series where id = ?", (row["id"],))[0]["planned_count"]:
                assert f'planned, {row["n"]} reported' in html  # the count, not the list's length


async def test_a_long_place_page_bounds_its_lists_map_and_json_ld(data, monkeypatch):
    from antitrafficking_site import place_page

    monkeypatch.setattr(place_page, "LIST_LIMIT", 1)
    site, path = data
    tested = 0
    for place in query(path, "select id from locations"):
        tree = [row["id"] for row in query(path, """with recursive tree(id) as (select :id union all
            select locations.id from locations join tree on locations.parent_id = tree.id) select id from tree""", place)]
        marks = ", ".join("?" for _ in tree)
        events = query(path, f"select count(*) as n from event_locations where location_id in ({marks})", tree)[0]["n"]
        if len(tree) < 3 and events < 2:
            continue
        tested += 1
        html = await page(site, "locations", place["id"])
        assert section(html, "events").count('<li class="event-here">') == min(events, 1)
        activity = f'/{DB}/place_activity?location_id={quote_plus(place["id"])}'
        if events > 1:
            assert f'<p class="more">The first 1 of {events:,}: <a href="{activity}">' in section(html, "events")
            assert len(json_ld(html)["event"]) == 1
        assert html.count('<li class="place-below">') <= 1
        markers = re.search(r"const markers = (\[.*?\]);", html).group(1)
        assert markers.count('"latitude"') <= 2  # the place and the one nearest below it
        if len(tree) > 2:
            assert "The map shows the 1 places nearest below this one" in html
    assert tested
