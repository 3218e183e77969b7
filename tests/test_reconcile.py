"""OpenRefine reconciliation of actors and places (datasette-reconcile, metadata.yml
plugins: reconcile), in process: every name an entity is known by finds it, and the
data extension (`extend`) answers the entity's columns.

The services' tables are views of every name per entity (pipeline/views.py:
participant_names, location_names).
"""

import json

import pytest

from conftest import query as rows, site_for

DB = "antitrafficking"
SERVICES = {"participants": "participant_names", "locations": "location_names"}

@pytest.fixture(scope="module")
def reconcile_db(built_db):
    return built_db


@pytest.fixture(scope="module")
def site(reconcile_db):
    return site_for(reconcile_db)


def known_by(path, table, name):
    """The ids of the entities of `table` that the data itself calls `name`: the
    entity's own name, a `names` row, or a passage's name_as_written."""
    return {row["id"] for row in rows(path, f"""
        select id from {table} where name = :name
        union select row_id from names where table_name = :table and name = :name
        union select row_id from mentions where table_name = :table and name_as_written = :name""",
        {"table": table, "name": name})}


async def reconcile(site, table, queries):
    response = await site.client.get(f"/{DB}/{SERVICES[table]}/-/reconcile",
                                     params={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.text
    return response.json()


def best(answer):
    return max(answer["result"], key=lambda candidate: candidate["score"])


@pytest.mark.parametrize("table, name", [
    ("participants", "IOM"),                                     # an abbreviation (names)
    ("participants", "International Organization for Migration"),  # its own name
    ("participants", "OSCE"),
    ("locations", "Penjikent"),
    ("locations", "KHUJAND"),                                    # as a dateline writes it (names)
    ("locations", "Sughd region"),                               # the text's second spelling
])
async def test_every_known_name_reconciles_to_its_entity(site, reconcile_db, table, name):
    expected = known_by(reconcile_db, table, name)
    assert len(expected) == 1, f"{name!r} names {expected} in the data: pick a name that names one entity"
    answer = (await reconcile(site, table, {"q0": {"query": name}}))["q0"]
    top = best(answer)
    assert top["id"] in expected and top["match"] is True and top["score"] == 100
    assert top["description"] == rows(reconcile_db, f"select name from {table} where id = ?", (top["id"],))[0]["name"]


async def test_a_column_of_names_reconciles_in_one_request(site, reconcile_db):
    """What OpenRefine sends for a column: a batch of queries, each answered by its key."""
    actors = ["IOM", "Maria Gratschew", "Organization for Security and Co-operation in Europe"]
    answers = await reconcile(site, "participants", {f"q{i}": {"query": name} for i, name in enumerate(actors)})
    for i, name in enumerate(actors):
        assert best(answers[f"q{i}"])["id"] in known_by(reconcile_db, "participants", name)
    places = ["Penjikent", "Khujand", "Istaravshan"]
    answers = await reconcile(site, "locations", {f"q{i}": {"query": name} for i, name in enumerate(places)})
    for i, name in enumerate(places):
        assert best(answers[f"q{i}"])["id"] in known_by(reconcile_db, "locations", name)


async def test_a_type_narrows_the_candidates(site, reconcile_db):
    kind = rows(reconcile_db, "select kind from participants where id = 'iom'")[0]["kind"]
    answer = (await reconcile(site, "participants", {"q0": {"query": "IOM", "type": kind}}))["q0"]
    assert best(answer)["id"] == "iom"
    other = next(row["kind"] for row in rows(reconcile_db, "select distinct kind from participants") if row["kind"] != kind)
    assert (await reconcile(site, "participants", {"q0": {"query": "IOM", "type": other}}))["q0"]["result"] == []


async def test_no_candidate_description_is_none(site):
    answers = await reconcile(site, "participants", {"q0": {"query": "Sughd"}, "q1": {"query": "OSCE"}})
    candidates = [c for answer in answers.values() for c in answer["result"]]
    assert candidates and all(c.get("description") not in (None, "", "None") for c in candidates)


async def test_the_manifest_offers_every_column_as_a_property_labelled_by_its_name(site, reconcile_db):
    response = await site.client.get(f"/{DB}/{SERVICES['participants']}/-/reconcile")
    assert response.status_code == 200
    manifest = response.json()
    settings = manifest["extend"]["property_settings"]
    columns = [row["name"] for row in rows(reconcile_db, f"pragma table_info({SERVICES['participants']})")]
    assert [p["name"] for p in settings] == columns
    assert all(p["label"] == p["name"] for p in settings)
    assert manifest["view"]["url"].endswith("/antitrafficking/participants/{{id}}")


@pytest.mark.parametrize("table, columns", [
    ("participants", ["name", "kind", "parent_id", "based_in_id", "wikidata_id"]),
    ("locations", ["name", "kind", "parent_id", "geonames_id", "wikidata_id", "latitude"]),
])
async def test_extend_answers_the_entities_columns(site, reconcile_db, table, columns):
    ids = [row["id"] for row in rows(reconcile_db, f"select id from {table} order by id")]
    extend = {"ids": ids, "properties": [{"id": column} for column in columns]}
    response = await site.client.get(f"/{DB}/{SERVICES[table]}/-/reconcile", params={"extend": json.dumps(extend)})
    assert response.status_code == 200, response.text
    data = response.json()
    assert [meta["id"] for meta in data["meta"]] == columns
    assert set(data["rows"]) == set(ids)
    expected = {row["id"]: row for row in rows(reconcile_db, f"select * from {table}")}
    for entity_id, values in data["rows"].items():
        for column in columns:
            (value,) = values[column][0].values()
            assert value == expected[entity_id][column], (entity_id, column)


async def test_property_suggestions_and_proposals_answer(site):
    response = await site.client.get(f"/{DB}/{SERVICES['locations']}/-/reconcile/extend/propose")
    assert response.status_code == 200
    assert {p["id"] for p in response.json()["properties"]} >= {"id", "name", "kind"}
    response = await site.client.get(f"/{DB}/{SERVICES['locations']}/-/reconcile/suggest/entity", params={"prefix": "Penj"})
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["result"]] == ["penjikent"]


async def test_only_the_configured_tables_are_services(site):
    for table in ("events", "sources", "participants", "names"):
        response = await site.client.get(f"/{DB}/{table}/-/reconcile")
        assert response.status_code == 404, (table, response.status_code)


async def test_table_pages_keep_their_column_descriptions(site):
    """The reconciliation API gets no column descriptions; every other page does."""
    page = await site.client.get(f"/{DB}/participants.json", params={"_extra": "columns"})
    assert page.status_code == 200
    described = site.table_metadata(DB, "participants").get("columns") or {}
    assert described and all(isinstance(text, str) and text.strip() and text != "None" for text in described.values())


async def test_openrefine_posts_its_queries(site):
    response = await site.client.post(f"/{DB}/{SERVICES['participants']}/-/reconcile",
                                      data={"queries": json.dumps({"q0": {"query": "IOM"}})})
    assert response.status_code == 200
    assert best(response.json()["q0"])["id"] == "iom"
