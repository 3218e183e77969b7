"""The dataset itself (issue 2): the CSV files in data/ checked against the data
package, the source text and the facts of the press release.

These tests read the files with the csv module directly, independently of the
pipeline/ code, so that a bug there cannot hide a problem in the data.
"""

import csv
import datetime
import json
import re
from pathlib import Path

import frictionless
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
SOURCE = DATA / "sources" / "000_fed3f1378e22d30f.txt"
SEED = ROOT / ".." / "shared" / "seeds" / "000_fed3f1378e22d30f.txt"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

CONSULTATIONS = "khujand-anti-trafficking-consultations-2011"
# Tajikistan's bounding box, generous by a few kilometres.
LATITUDE_RANGE = (36.6, 41.1)
LONGITUDE_RANGE = (67.3, 75.2)


def package():
    return json.loads((DATA / "datapackage.json").read_text(encoding="utf-8"))


def resources():
    return {resource["name"]: resource for resource in package()["resources"]}


def rows(name):
    """The rows of one table as dicts of strings ('' when empty)."""
    path = DATA / resources()[name]["path"]
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def as_list(value):
    return [value] if isinstance(value, str) else list(value)


def normalize_space(text):
    return " ".join(text.split())


def foreign_keys():
    """(table, column, other table, other column) for every foreign key in datapackage.json."""
    keys = []
    for name, resource in resources().items():
        for fk in resource["schema"].get("foreignKeys", []):
            (column,) = as_list(fk["fields"])
            (other_column,) = as_list(fk["reference"]["fields"])
            keys.append((name, column, fk["reference"]["resource"] or name, other_column))
    return keys


def by_id(name):
    return {row["id"]: row for row in rows(name)}


# -- the package as a whole ------------------------------------------------------


def test_frictionless_validates_the_data_package():
    report = frictionless.validate(str(DATA / "datapackage.json"))
    problems = report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.valid, problems
    assert problems == []


def test_every_table_of_the_package_has_rows():
    counts = {name: len(rows(name)) for name in resources()}
    assert counts == {
        "sources": 1, "locations": 7, "participants": 17, "events": 3,
        "event_participants": 17, "quotes": 1, "topics": 8, "event_topics": 8,
    }


def test_source_text_is_byte_identical_to_the_seed():
    if not SEED.is_file():
        pytest.fail(f"the seed {SEED.resolve()} is missing: cannot check that {SOURCE.relative_to(ROOT)} is its copy")
    assert SOURCE.read_bytes() == SEED.read_bytes()


def test_sources_table_points_at_the_source_text():
    (source,) = rows("sources")
    assert (source["id"], source["path"], source["published_date"]) == (
        "osce-tajikistan-2011-04-13", "sources/000_fed3f1378e22d30f.txt", "2011-04-13")


# -- verbatim evidence -------------------------------------------------------------


def verbatim_passages():
    """(table, row key, column, source_id, passage) for every evidence cell and every quote."""
    passages = []
    for name, resource in resources().items():
        columns = [field["name"] for field in resource["schema"]["fields"]]
        key = as_list(resource["schema"]["primaryKey"])
        for column in ("evidence", "text" if name == "quotes" else None):
            if column in columns:
                for row in rows(name):
                    passages.append((name, "/".join(row[k] for k in key), column, row["source_id"], row[column]))
    return passages


def test_every_evidence_cell_and_quote_is_verbatim_in_its_source():
    texts = {row["id"]: normalize_space((DATA / row["path"]).read_text(encoding="utf-8")) for row in rows("sources")}
    missing = [
        (table, key, column, passage)
        for table, key, column, source_id, passage in verbatim_passages()
        if normalize_space(passage) not in texts[source_id]
    ]
    assert missing == []


def test_verbatim_check_covers_every_table_with_evidence_and_the_quotes():
    checked = {(table, column) for table, _, column, _, _ in verbatim_passages()}
    assert checked == {
        ("locations", "evidence"), ("participants", "evidence"), ("events", "evidence"),
        ("event_participants", "evidence"), ("quotes", "evidence"), ("quotes", "text"),
        ("topics", "evidence"), ("event_topics", "evidence"),
    }
    assert all(passage.strip() for *_, passage in verbatim_passages())


# -- keys and hierarchy --------------------------------------------------------------


@pytest.mark.parametrize("table, column, other, other_column", foreign_keys(),
                         ids=lambda value: value if isinstance(value, str) else None)
def test_foreign_key_resolves(table, column, other, other_column):
    targets = {row[other_column] for row in rows(other)}
    dangling = [row[column] for row in rows(table) if row[column] and row[column] not in targets]
    assert dangling == []


def test_foreign_keys_are_read_from_the_package():
    assert len(foreign_keys()) == 20
    assert ("events", "parent_id", "events", "id") in foreign_keys()


@pytest.mark.parametrize("name", list(resources()))
def test_primary_keys_are_unique(name):
    key = as_list(resources()[name]["schema"]["primaryKey"])
    values = [tuple(row[k] for k in key) for row in rows(name)]
    assert len(values) == len(set(values))


@pytest.mark.parametrize("name", [name for name, r in resources().items()
                                  if any(f["name"] == "id" for f in r["schema"]["fields"])])
def test_ids_are_lowercase_slugs(name):
    bad = [row["id"] for row in rows(name) if not SLUG.match(row["id"])]
    assert bad == []


def test_every_id_column_value_is_a_slug():
    """Every column named id or *_id except the external ones holds slugs or nothing."""
    bad = []
    for name, resource in resources().items():
        for field in resource["schema"]["fields"]:
            column = field["name"]
            if (column == "id" or column.endswith("_id")) and column not in ("geonames_id", "wikidata_id"):
                bad += [(name, column, row[column]) for row in rows(name) if row[column] and not SLUG.match(row[column])]
    assert bad == []


def parent_chain(table, start):
    parents = {row["id"]: row["parent_id"] for row in rows(table)}
    chain, node = [], start
    while node:
        assert node not in chain, f"{table}: parent cycle through {node}"
        chain.append(node)
        node = parents[node]
    return chain


@pytest.mark.parametrize("table", ["locations", "participants", "events"])
def test_hierarchies_have_no_cycles(table):
    for row in rows(table):
        assert parent_chain(table, row["id"])[0] == row["id"]


def test_locations_hierarchy():
    assert parent_chain("locations", "khujand-shelters") == ["khujand-shelters", "khujand", "sughd-region", "tajikistan"]
    assert parent_chain("locations", "northern-tajikistan") == ["northern-tajikistan", "tajikistan"]


# -- dates -----------------------------------------------------------------------------


def date_cells():
    cells = []
    for name, resource in resources().items():
        for field in resource["schema"]["fields"]:
            if field["type"] == "date":
                cells += [(name, field["name"], row[field["name"]]) for row in rows(name)]
    return cells


def test_dates_are_iso():
    bad = []
    for table, column, value in date_cells():
        try:
            if not ISO_DATE.match(value):
                raise ValueError
            datetime.date.fromisoformat(value)
        except ValueError:
            bad.append((table, column, value))
    assert bad == []
    assert len(date_cells()) == 7  # published_date, and start/end of three events


def test_events_start_on_or_before_they_end():
    assert [e["id"] for e in rows("events") if e["start_date"] > e["end_date"]] == []


def test_sub_events_lie_within_their_parents():
    events = by_id("events")
    outside = [
        e["id"] for e in events.values()
        if e["parent_id"] and not (events[e["parent_id"]]["start_date"] <= e["start_date"]
                                   and e["end_date"] <= events[e["parent_id"]]["end_date"])
    ]
    assert outside == []


# -- places and external identifiers -----------------------------------------------------


def test_coordinates_lie_inside_tajikistan():
    located = [row for row in rows("locations") if row["latitude"] or row["longitude"]]
    assert len(located) == 4
    for row in located:
        assert LATITUDE_RANGE[0] <= float(row["latitude"]) <= LATITUDE_RANGE[1], row["id"]
        assert LONGITUDE_RANGE[0] <= float(row["longitude"]) <= LONGITUDE_RANGE[1], row["id"]


def test_countries_regions_and_areas_have_no_coordinates():
    broad = [row for row in rows("locations") if row["kind"] in ("country", "region", "area")]
    assert [row["id"] for row in broad] == ["tajikistan", "sughd-region", "northern-tajikistan"]
    assert {(row["latitude"], row["longitude"], row["coordinate_precision"]) for row in broad} == {("", "", "")}


def test_coordinates_always_come_with_their_precision():
    assert [row["id"] for row in rows("locations")
            if bool(row["latitude"]) != bool(row["coordinate_precision"])
            or bool(row["latitude"]) != bool(row["longitude"])] == []


EXPECTED_LOCATION_IDS = {
    # id: (name, geonames_id, wikidata_id, latitude, longitude)
    "tajikistan": ("Tajikistan", "1220409", "Q863", "", ""),
    "sughd-region": ("Sughd Region", "1221092", "Q241582", "", ""),
    "khujand": ("Khujand", "1514879", "", "40.28256", "69.62216"),
    "istaravshan": ("Istaravshan", "1220253", "", "39.9142", "69.00328"),
    "penjikent": ("Penjikent", "1220798", "", "39.49524", "67.60931"),
    "khujand-shelters": ("Two shelters in Khujand", "", "", "40.28256", "69.62216"),
}


def test_locations_carry_exactly_the_checked_external_ids_and_coordinates():
    found = {
        row["id"]: (row["name"], row["geonames_id"], row["wikidata_id"], row["latitude"], row["longitude"])
        for row in rows("locations")
        if row["geonames_id"] or row["wikidata_id"] or row["latitude"] or row["longitude"]
    }
    assert found == EXPECTED_LOCATION_IDS


def test_shelters_take_khujands_coordinates_at_city_precision():
    locations = by_id("locations")
    shelters, khujand = locations["khujand-shelters"], locations["khujand"]
    assert (shelters["latitude"], shelters["longitude"]) == (khujand["latitude"], khujand["longitude"])
    assert shelters["coordinate_precision"] == "city"


def test_participants_carry_exactly_the_checked_wikidata_ids():
    found = {row["id"]: row["wikidata_id"] for row in rows("participants") if row["wikidata_id"]}
    assert found == {"osce": "Q81299", "iom": "Q472311"}


def test_no_other_table_has_external_ids_or_coordinates():
    external = {"geonames_id", "wikidata_id", "latitude", "longitude", "coordinate_precision"}
    filled = []
    for name, resource in resources().items():
        if name in ("locations", "participants"):
            continue
        for field in resource["schema"]["fields"]:
            if field["name"] in external:
                filled += [(name, row["id"], field["name"]) for row in rows(name) if row[field["name"]]]
    assert filled == []


# -- key facts of the press release -------------------------------------------------------


def test_consultations_dates_organizer_and_place():
    consultations = by_id("events")[CONSULTATIONS]
    assert (consultations["start_date"], consultations["end_date"], consultations["organizer_id"],
            consultations["location_id"], consultations["parent_id"]) == (
        "2011-04-12", "2011-04-13", "osce-office-in-tajikistan", "khujand", "")


def test_consultations_organizer_is_also_listed_as_organizer_participant():
    organizers = [(row["event_id"], row["participant_id"]) for row in rows("event_participants") if row["role"] == "organizer"]
    assert organizers == [(CONSULTATIONS, "osce-office-in-tajikistan")]


def test_heads_of_regional_departments_number_eleven():
    assert by_id("participants")["heads-of-regional-departments"]["headcount"] == "11"


def test_only_the_heads_of_regional_departments_have_a_headcount():
    assert {row["id"]: row["headcount"] for row in rows("participants") if row["headcount"]} == {
        "heads-of-regional-departments": "11"}


def test_the_shelters_row_stands_for_two_shelters():
    assert {row["id"]: row["count"] for row in rows("locations")} == {
        "tajikistan": "1", "sughd-region": "1", "northern-tajikistan": "1", "khujand": "1",
        "istaravshan": "1", "penjikent": "1", "khujand-shelters": "2",
    }


def test_roundtable_is_chaired_by_the_head_of_the_interagency_commission():
    (roundtable,) = [e["id"] for e in rows("events") if e["kind"] == "roundtable"]
    chairs = [row["participant_id"] for row in rows("event_participants")
              if row["event_id"] == roundtable and row["role"] == "chair"]
    assert chairs == ["head-of-the-interagency-commission"]


def test_sub_events_are_part_of_the_consultations():
    assert {e["id"]: e["parent_id"] for e in rows("events")} == {
        CONSULTATIONS: "",
        "khujand-anti-trafficking-roundtable-2011": CONSULTATIONS,
        "khujand-shelters-visit-2011": CONSULTATIONS,
    }


def test_shelter_visit_takes_place_at_the_shelters():
    assert by_id("events")["khujand-shelters-visit-2011"]["location_id"] == "khujand-shelters"
