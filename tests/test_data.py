"""The dataset itself: the CSV files checked against the rules data/datapackage.json
declares, and the facts of the 2011 press release.

Two kinds of test:

- Generic checks (GENERIC_CHECKS). Each rule comes from the data package: its
  types, constraints and keys (the compound ones too: a name's source must mention
  the entity), and its custom properties (x-sourced: every row has a mention;
  x-rowReference; x-verbatim; x-digestOf: the texts' SHA-256). They pin
  no row, so that the next release cannot break them. They run on data/ and on the
  fictional fixture here, and on data/ plus each fixture release in
  tests/test_fixture_release.py.
- Facts of the 2011 release (11 heads of regional departments, 12-13 April 2011,
  ...): the only tests that name rows of the real data. Each looks only at rows the
  2011 release supports, so that a later release adding rows cannot break them.

The files are read with the csv module, not with pipeline/, so that a bug there
cannot hide a problem in the data.
"""

import csv
import datetime
import hashlib
import json
import math
import re
from collections import Counter
from functools import cached_property
from pathlib import Path

import frictionless
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
PACKAGE = DATA / "datapackage.json"  # the one schema, for data/ and for the fixture alike
FIXTURE = ROOT / "tests" / "fixtures" / "data"
ROW_ID_SEPARATOR = "/"  # compound keys in mentions.row_id: "event/participant/role"
CHECKED_CONSTRAINTS = {"required", "unique", "pattern", "enum", "minimum", "maximum", "minLength", "maxLength"}
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def as_list(value):
    return [value] if isinstance(value, str) else list(value)


def normalize_space(text):
    return " ".join(text.split())


def contains_words(text, passage):
    """`passage` is in `text` word for word: whitespace-normalised, and as whole words
    (a passage that starts or ends inside a word does not count)."""
    passage = normalize_space(passage)
    if not passage:
        return False
    before = r"(?<![^\W_])" if passage[0].isalnum() else ""
    after = r"(?![^\W_])" if passage[-1].isalnum() else ""
    return re.search(before + re.escape(passage) + after, normalize_space(text)) is not None


class Dataset:
    """The CSV tables of one data directory, read against data/datapackage.json."""

    def __init__(self, directory):
        self.directory = Path(directory)
        self.package = json.loads(PACKAGE.read_text(encoding="utf-8"))
        self.resources = {resource["name"]: resource for resource in self.package["resources"]}
        self._rows = {}

    def __repr__(self):
        return f"Dataset({self.directory})"

    def path(self, name):
        return self.directory / self.resources[name]["path"]

    def header(self, name):
        with open(self.path(name), newline="", encoding="utf-8") as handle:
            return next(csv.reader(handle))

    def rows(self, name):
        """The rows of one table as dicts of strings ('' when empty)."""
        if name not in self._rows:
            with open(self.path(name), newline="", encoding="utf-8") as handle:
                self._rows[name] = list(csv.DictReader(handle))
        return self._rows[name]

    def fields(self, name):
        return self.resources[name]["schema"]["fields"]

    def primary_key(self, name):
        return as_list(self.resources[name]["schema"]["primaryKey"])

    def row_id(self, name, row):
        """The row's id as mentions.row_id writes it."""
        return ROW_ID_SEPARATOR.join(row[column] for column in self.primary_key(name))

    def row_ids(self, name):
        return {self.row_id(name, row) for row in self.rows(name)}

    def foreign_keys(self, name):
        """(columns, other table, other columns) for each foreign key of the table."""
        return [
            (as_list(fk["fields"]), fk["reference"]["resource"] or name, as_list(fk["reference"]["fields"]))
            for fk in self.resources[name]["schema"].get("foreignKeys", [])
        ]

    @property
    def sourced_tables(self):
        return [name for name, resource in self.resources.items() if resource.get("x-sourced")]

    @property
    def referencing_tables(self):
        """{table: (table column, row column)} for the tables whose rows point at rows of other tables."""
        return {name: (resource["x-rowReference"]["table"], resource["x-rowReference"]["row"])
                for name, resource in self.resources.items() if "x-rowReference" in resource}

    @cached_property
    def texts(self):
        """{source id: its text}, read from the file its row names."""
        (column,) = {field["x-digestOf"] for field in self.fields("sources") if "x-digestOf" in field}
        return {row["id"]: (self.directory / row[column]).read_text(encoding="utf-8")
                for row in self.rows("sources") if (self.directory / row[column]).is_file()}

    @cached_property
    def mentioning_sources(self):
        """{(table, row id): {source ids}}: which sources mention which row."""
        sources = {}
        for mention in self.rows("mentions"):
            sources.setdefault((mention["table_name"], mention["row_id"]), set()).add(mention["source_id"])
        return sources

    def supported_by(self, name, source_id):
        """The rows of a sourced table that a source supports."""
        return [row for row in self.rows(name)
                if source_id in self.mentioning_sources.get((name, self.row_id(name, row)), ())]


REAL = Dataset(DATA)
DATASETS = {"data": REAL, "fixture": Dataset(FIXTURE)}


# -- generic checks: each returns a list of problems, empty when the data keeps the rule --


def headers_are_the_packages(ds):
    return [(name, ds.header(name)) for name in ds.resources
            if ds.header(name) != [field["name"] for field in ds.fields(name)]]


def value_problem(field, value):
    """Why `value` breaks the field's type or constraints, or None."""
    constraints = field.get("constraints", {})
    unchecked = set(constraints) - CHECKED_CONSTRAINTS
    if unchecked:
        return f"constraints {sorted(unchecked)} are not checked by these tests"
    if value == "":
        return "required but empty" if constraints.get("required") else None
    kind = field["type"]
    try:
        if kind == "integer":
            number = int(value) if re.fullmatch(r"-?[0-9]+", value) else None
            if number is None:
                return f"{value!r} is not an integer"
        elif kind == "number":
            number = float(value)
            if not math.isfinite(number):
                return f"{value!r} is not a finite number"
        elif kind == "date":
            if not ISO_DATE.fullmatch(value):
                return f"{value!r} is not an ISO date (YYYY-MM-DD)"
            datetime.date.fromisoformat(value)  # a real day, not 2012-02-30
        elif kind != "string":
            return f"type {kind!r} is not checked by these tests"
    except ValueError:
        return f"{value!r} is not a real {kind}"
    if "enum" in constraints and value not in constraints["enum"]:
        return f"{value!r} is not one of {constraints['enum']}"
    if "pattern" in constraints and not re.fullmatch(constraints["pattern"], value):
        return f"{value!r} does not match {constraints['pattern']}"
    if kind in ("integer", "number"):
        if "minimum" in constraints and number < constraints["minimum"]:
            return f"{value} is below the minimum {constraints['minimum']}"
        if "maximum" in constraints and number > constraints["maximum"]:
            return f"{value} is above the maximum {constraints['maximum']}"
    if len(value) < constraints.get("minLength", 0):
        return f"shorter than {constraints['minLength']} characters"
    if "maxLength" in constraints and len(value) > constraints["maxLength"]:
        return f"longer than {constraints['maxLength']} characters"
    return None


def values_keep_their_types_and_constraints(ds):
    problems = []
    for name in ds.resources:
        for field in ds.fields(name):
            for row in ds.rows(name):
                problem = value_problem(field, row[field["name"]])
                if problem:
                    problems.append((name, ds.row_id(name, row), field["name"], problem))
            if field.get("constraints", {}).get("unique"):
                values = Counter(row[field["name"]] for row in ds.rows(name) if row[field["name"]])
                problems += [(name, field["name"], value, "not unique") for value, count in values.items() if count > 1]
    return problems


def primary_keys_are_unique_and_complete(ds):
    problems = []
    for name in ds.resources:
        keys = Counter(tuple(row[column] for column in ds.primary_key(name)) for row in ds.rows(name))
        problems += [(name, key, "duplicate key") for key, count in keys.items() if count > 1]
        problems += [(name, key, "empty key part") for key in keys if "" in key]
    return problems


def compound_keys_of_sourced_rows_have_no_separator(ds):
    """mentions.row_id joins the key's parts with '/': a part holding one would be ambiguous."""
    return [(name, ds.row_id(name, row)) for name in ds.sourced_tables if len(ds.primary_key(name)) > 1
            for row in ds.rows(name) if any(ROW_ID_SEPARATOR in row[column] for column in ds.primary_key(name))]


def foreign_keys_resolve(ds):
    """Every foreign key, single or compound. Only a key left wholly empty is not checked
    (an optional reference such as parent_id, not set); a compound key with one part
    filled must resolve whole, as Frictionless checks it: names (table_name, row_id,
    source_id) is always filled, so every name's source mentions the named row."""
    problems = []
    for name in ds.resources:
        for columns, other, other_columns in ds.foreign_keys(name):
            targets = {tuple(row[column] for column in other_columns) for row in ds.rows(other)}
            for row in ds.rows(name):
                value = tuple(row[column] for column in columns)
                if any(value) and value not in targets:
                    problems.append((name, ds.row_id(name, row), columns, value, f"not in {other}"))
    return problems


def every_sourced_row_has_a_mention(ds):
    return [(name, row_id) for name in ds.sourced_tables for row_id in sorted(ds.row_ids(name))
            if (name, row_id) not in ds.mentioning_sources]


def row_references_name_rows_of_sourced_tables(ds):
    problems = []
    for name, (table_column, row_column) in ds.referencing_tables.items():
        for row in ds.rows(name):
            table, row_id = row[table_column], row[row_column]
            if table not in ds.sourced_tables:
                problems.append((name, ds.row_id(name, row), f"{table!r} is not a sourced table"))
            elif row_id not in ds.row_ids(table):
                problems.append((name, ds.row_id(name, row), f"{row_id!r} is not a row of {table}"))
    return problems


def is_source_reference(ds, name, column):
    return any(columns == [column] and other == "sources" for columns, other, _ in ds.foreign_keys(name))


def verbatim_columns_are_verbatim(ds):
    """x-verbatim: "mentions" = in a source that mentions the row; a column holding a
    source id = in that source's text (mentions.evidence, names.name, names.evidence);
    any other column = within that column of the same row."""
    problems = []
    for name in ds.resources:
        for field in ds.fields(name):
            rule = field.get("x-verbatim")
            for row in ds.rows(name) if rule else ():
                value = row[field["name"]]
                if not value:
                    continue
                if rule == "mentions":
                    found = any(contains_words(ds.texts.get(source, ""), value)
                                for source in ds.mentioning_sources.get((name, ds.row_id(name, row)), ()))
                elif is_source_reference(ds, name, rule):
                    found = contains_words(ds.texts.get(row[rule], ""), value)
                else:
                    found = contains_words(row[rule], value)
                if not found:
                    problems.append((name, ds.row_id(name, row), field["name"], value, f"not verbatim ({rule})"))
    return problems


def source_texts_match_their_sha256(ds):
    """x-digestOf: the column holds the SHA-256 of the file another column names; this is
    the texts' integrity check, against the digest kept in the repository."""
    problems = []
    for name in ds.resources:
        for field in ds.fields(name):
            if "x-digestOf" not in field:
                continue
            for row in ds.rows(name):
                path = ds.directory / row[field["x-digestOf"]]
                if not path.is_file():
                    problems.append((name, ds.row_id(name, row), f"{path} is missing"))
                elif hashlib.sha256(path.read_bytes()).hexdigest() != row[field["name"]]:
                    problems.append((name, ds.row_id(name, row), f"{path.name} does not match its {field['name']}"))
    return problems


def every_source_text_has_a_source_row(ds):
    """A text nobody catalogued is a release half added."""
    (column,) = {field["x-digestOf"] for field in ds.fields("sources") if "x-digestOf" in field}
    listed = {(ds.directory / row[column]).resolve() for row in ds.rows("sources")}
    folders = {path.parent for path in listed}
    return sorted(str(path) for folder in folders for path in folder.iterdir() if path.resolve() not in listed)


def hierarchies_have_no_cycles(ds):
    problems = []
    for name in ds.resources:
        for columns, other, other_columns in ds.foreign_keys(name):
            if other != name:
                continue
            (column,), (key,) = columns, other_columns
            parents = {row[key]: row[column] for row in ds.rows(name)}
            for start in parents:
                seen, node = [], start
                while node and node not in seen:
                    seen.append(node)
                    node = parents.get(node, "")
                if node:
                    problems.append((name, start, "parent cycle", seen))
    return problems


def periods_start_before_they_end(ds):
    """Every table with start_date and end_date; sub-events within their parent's dates."""
    problems = []
    for name in ds.resources:
        columns = {field["name"] for field in ds.fields(name)}
        if not {"start_date", "end_date"} <= columns:
            continue
        rows = {ds.row_id(name, row): row for row in ds.rows(name)}
        for row_id, row in rows.items():
            if row["start_date"] and row["end_date"] and row["start_date"] > row["end_date"]:
                problems.append((name, row_id, "ends before it starts"))
            parent = rows.get(row.get("parent_id", ""))
            if parent and not (parent["start_date"] <= row["start_date"] and row["end_date"] <= parent["end_date"]):
                problems.append((name, row_id, f"outside the dates of {row['parent_id']}"))
    return problems


def names_say_more_than_the_mention(ds):
    """names holds what a source says beyond the name its mention's passage writes
    (names' description in datapackage.json): a row of kind 'name', with no years and no
    passage, that repeats its source's mentions.name_as_written says nothing more."""
    written = {(row["table_name"], row["row_id"], row["source_id"], row["name_as_written"])
               for row in ds.rows("mentions") if row["name_as_written"]}
    return [ds.row_id("names", row) for row in ds.rows("names")
            if row["kind"] == "name" and not (row["used_from_year"] or row["used_until_year"] or row["evidence"])
            and (row["table_name"], row["row_id"], row["source_id"], row["name"]) in written]


def names_are_used_from_before_until(ds):
    return [(row["table_name"], row["row_id"], row["name"]) for row in ds.rows("names")
            if row["used_from_year"] and row["used_until_year"] and int(row["used_from_year"]) > int(row["used_until_year"])]


def series_positions_within_planned_counts(ds):
    planned = {row["id"]: row["planned_count"] for row in ds.rows("series")}
    return [(row["id"], row["series_position"], planned[row["series_id"]]) for row in ds.rows("events")
            if row["series_position"] and planned.get(row["series_id"])
            and int(row["series_position"]) > int(planned[row["series_id"]])]


def attendance_breakdowns_fit_their_totals(ds):
    return [row["id"] for row in ds.rows("attendance")
            if row["total"] and int(row["men"] or 0) + int(row["women"] or 0) > int(row["total"])]


def dateline_positions_count_from_one(ds):
    positions = {}
    for row in ds.rows("source_datelines"):
        positions.setdefault(row["source_id"], []).append(int(row["position"]))
    return [(source, sorted(found)) for source, found in positions.items()
            if sorted(found) != list(range(1, len(found) + 1))]


def coordinates_come_whole_and_only_for_points(ds):
    """Latitude, longitude and precision together; none for a country, region or area
    (a centroid would put a misleading pin on the map)."""
    problems = []
    for row in ds.rows("locations"):
        given = {bool(row["latitude"]), bool(row["longitude"]), bool(row["coordinate_precision"])}
        if len(given) > 1:
            problems.append((row["id"], "latitude, longitude and coordinate_precision go together"))
        if row["latitude"] and row["kind"] in ("country", "region", "area"):
            problems.append((row["id"], f"a {row['kind']} has no coordinates"))
    return problems


GENERIC_CHECKS = [
    headers_are_the_packages,
    values_keep_their_types_and_constraints,
    primary_keys_are_unique_and_complete,
    compound_keys_of_sourced_rows_have_no_separator,
    foreign_keys_resolve,
    every_sourced_row_has_a_mention,
    row_references_name_rows_of_sourced_tables,
    verbatim_columns_are_verbatim,
    names_say_more_than_the_mention,
    source_texts_match_their_sha256,
    every_source_text_has_a_source_row,
    hierarchies_have_no_cycles,
    periods_start_before_they_end,
    names_are_used_from_before_until,
    series_positions_within_planned_counts,
    attendance_breakdowns_fit_their_totals,
    dateline_positions_count_from_one,
    coordinates_come_whole_and_only_for_points,
]


def generic_problems(ds):
    """{check: its problems} for every generic check that finds any."""
    return {check.__name__: problems for check in GENERIC_CHECKS if (problems := check(ds))}


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("check", GENERIC_CHECKS, ids=lambda check: check.__name__)
def test_generic_check(check, dataset):
    assert check(DATASETS[dataset]) == []


# -- the generic checks can fail: each catches its fault in a copy of the fixture ------------


def broken_fixture(tmp_path, table, edit):
    """A copy of the fixture whose table `table` went through edit(rows) -> rows."""
    from conftest import fixture_data_dir

    ds = Dataset(fixture_data_dir(tmp_path / "data"))
    header, rows = ds.header(table), edit([dict(row) for row in ds.rows(table)])
    with open(ds.path(table), "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return Dataset(ds.directory)


def set_cell(table_rows, column, value, where):
    for row in table_rows:
        if where(row):
            row[column] = value
    return table_rows


FAULTS = [
    # (check, table, edit)
    ("every_sourced_row_has_a_mention",
     "mentions", lambda rows: [row for row in rows if row["table_name"] != "attendance"]),
    ("verbatim_columns_are_verbatim",  # x-verbatim "source_id"
     "mentions", lambda rows: set_cell(rows, "evidence", "was held today in Dushanbe", lambda row: row["row_id"] == "khujand")),
    ("verbatim_columns_are_verbatim",  # x-verbatim "evidence"
     "mentions", lambda rows: set_cell(rows, "name_as_written", "Istaravshan", lambda row: row["row_id"] == "khujand")),
    ("verbatim_columns_are_verbatim",  # x-verbatim "mentions"
     "memberships", lambda rows: set_cell(rows, "title", "Senior Gender Officer", lambda row: True)),
    ("verbatim_columns_are_verbatim",  # x-verbatim "source_id": the 2024 name given to the 2016 release
     "names", lambda rows: set_cell(rows, "name", "Inter-Ministerial Commission on Combating Trafficking in Human Beings",
                                    lambda row: row["name"].startswith("Inter-agency"))),
    ("verbatim_columns_are_verbatim",  # x-verbatim "source_id" on names.evidence
     "names", lambda rows: set_cell(rows, "evidence", "The Office took its present name in 2018",
                                    lambda row: row["kind"] == "former name")),
    ("foreign_keys_resolve",  # names -> mentions: the April 2016 text writes Tajikistan; it does not mention the Government
     "names", lambda rows: rows + [{**rows[0], "table_name": "participants", "row_id": "government-of-tajikistan",
                                    "source_id": "fictional-2016-04-15", "name": "Tajikistan", "note": ""}]),
    ("foreign_keys_resolve",  # a compound key with an empty part is checked, not skipped
     "names", lambda rows: set_cell(rows, "source_id", "", lambda row: row["name"] == "IOM")),
    ("names_say_more_than_the_mention",
     "names", lambda rows: rows + [{**rows[0], "table_name": "participants", "row_id": "iom", "kind": "name",
                                    "source_id": "fictional-2016-04-15", "note": "",
                                    "name": "International Organization for Migration"}]),
    ("foreign_keys_resolve",
     "event_participants", lambda rows: set_cell(rows, "participant_id", "unknown-actor", lambda row: row["role"] == "opened")),
    ("row_references_name_rows_of_sourced_tables",
     "mentions", lambda rows: set_cell(rows, "row_id", "samarkand", lambda row: row["row_id"] == "penjikent")),
    ("values_keep_their_types_and_constraints",
     "events", lambda rows: set_cell(rows, "end_date", "2016-02-30", lambda row: row["series_position"] == "1")),
    ("values_keep_their_types_and_constraints",
     "event_participants", lambda rows: set_cell(rows, "role", "moderator", lambda row: row["role"] == "opened")),
    ("primary_keys_are_unique_and_complete",
     "event_topics", lambda rows: rows + rows[:1]),
    ("hierarchies_have_no_cycles",
     "locations", lambda rows: set_cell(rows, "parent_id", "khujand", lambda row: row["id"] == "tajikistan")),
    ("periods_start_before_they_end",
     "events", lambda rows: set_cell(rows, "start_date", "2016-03-11", lambda row: row["kind"] == "visit")),
    ("names_are_used_from_before_until",
     "names", lambda rows: set_cell(rows, "used_from_year", "2018", lambda row: row["kind"] == "former name")),
    ("series_positions_within_planned_counts",
     "events", lambda rows: set_cell(rows, "series_position", "8", lambda row: row["series_position"] == "2")),
    ("attendance_breakdowns_fit_their_totals",
     "attendance", lambda rows: set_cell(rows, "total", "30", lambda row: row["men"] == "19")),
    ("dateline_positions_count_from_one",
     "source_datelines", lambda rows: set_cell(rows, "position", "3", lambda row: row["location_id"] == "khujand")),
    ("coordinates_come_whole_and_only_for_points",
     "locations", lambda rows: set_cell(rows, "latitude", "38.5", lambda row: row["kind"] == "country")),
]


@pytest.mark.parametrize("check_name, table, edit", FAULTS, ids=[f"{check}-{table}" for check, table, _ in FAULTS])
def test_generic_check_catches_its_fault(tmp_path, check_name, table, edit):
    check = next(check for check in GENERIC_CHECKS if check.__name__ == check_name)
    assert check(broken_fixture(tmp_path, table, edit)) != []


def test_sha256_check_catches_a_changed_byte(tmp_path):
    from conftest import fixture_data_dir

    ds = Dataset(fixture_data_dir(tmp_path / "data"))
    text = ds.directory / ds.rows("sources")[0]["path"]
    text.write_bytes(text.read_bytes().replace(b"32 participants", b"33 participants"))
    assert len(source_texts_match_their_sha256(ds)) == 1


def test_a_text_without_a_source_row_is_caught(tmp_path):
    from conftest import fixture_data_dir

    ds = Dataset(fixture_data_dir(tmp_path / "data"))
    (ds.directory / "sources" / "forgotten.txt").write_text("PRESS RELEASE", encoding="utf-8")
    assert every_source_text_has_a_source_row(ds) == [str((ds.directory / "sources" / "forgotten.txt").resolve())]


def test_whole_words_only():
    assert contains_words("on how to combat  human\ntrafficking in northern Tajikistan", "human trafficking in")
    assert not contains_words("on how to combat human trafficking in northern Tajikistan", "rafficking in nor")


# -- the package as a whole ---------------------------------------------------------------


@pytest.fixture(params=["data", "fixture"])
def package_path(request):
    return PACKAGE if request.param == "data" else request.getfixturevalue("fixture_data") / "datapackage.json"


def test_frictionless_validates_the_data_package(package_path):
    report = frictionless.validate(str(package_path))
    assert report.flatten(["rowNumber", "fieldName", "type", "note"]) == []
    assert report.valid


def test_every_resource_has_a_csv_file_and_every_csv_file_a_resource():
    assert sorted(path.name for path in DATA.glob("*.csv")) == sorted(r["path"] for r in REAL.resources.values())


def test_the_package_declares_the_custom_properties_the_checks_rely_on():
    """Without them the generic checks above would check nothing."""
    assert "mentions" in REAL.resources and len(REAL.sourced_tables) >= 10
    assert set(REAL.referencing_tables) == {"mentions"}
    # A name is a statement of one source, which must mention the entity it names.
    assert (["table_name", "row_id", "source_id"], "mentions", ["table_name", "row_id", "source_id"]) in (
        REAL.foreign_keys("names"))
    assert REAL.primary_key("names") == ["table_name", "row_id", "source_id", "name"]
    rules = {(name, field["name"]): field["x-verbatim"]
             for name in REAL.resources for field in REAL.fields(name) if "x-verbatim" in field}
    assert rules[("mentions", "evidence")] == rules[("names", "name")] == rules[("names", "evidence")] == "source_id"
    assert rules[("mentions", "name_as_written")] == "evidence"
    assert rules[("quotes", "text")] == "mentions"
    assert any("x-digestOf" in field for field in REAL.fields("sources"))


# -- facts of the 2011 press release ------------------------------------------------------

SOURCE_2011 = "osce-tajikistan-2011-04-13"
CONSULTATIONS = "khujand-anti-trafficking-consultations-2011"
ROUNDTABLE = "khujand-anti-trafficking-roundtable-2011"
SHELTERS_VISIT = "khujand-shelters-visit-2011"


FACTS_OF_2011 = []


def fact_of_2011(test):
    """Register a test of the 2011 release's facts: tests/test_fixture_release.py runs them
    again on data/ plus a fixture release."""
    FACTS_OF_2011.append(test)
    return test


def from_2011(table):
    return REAL.supported_by(table, SOURCE_2011)


@fact_of_2011
def test_the_2011_release_is_catalogued_with_its_text():
    (source,) = [row for row in REAL.rows("sources") if row["id"] == SOURCE_2011]
    assert (source["published_date"], source["path"], source["sha256"]) == (
        "2011-04-13", "sources/000_fed3f1378e22d30f.txt",
        "6f657d357800560e77b45d7f26027f514e21376275c1662390265216161f6675")
    assert "KHUJAND, Tajikistan, 13 April 2011" in REAL.texts[SOURCE_2011]


@fact_of_2011
def test_the_2011_dateline_is_khujand():
    assert [(row["location_id"], row["position"]) for row in from_2011("source_datelines")] == [("khujand", "1")]


@fact_of_2011
def test_consultations_ran_12_to_13_april_2011_in_khujand():
    (consultations,) = [row for row in from_2011("events") if row["id"] == CONSULTATIONS]
    assert (consultations["start_date"], consultations["end_date"], consultations["parent_id"]) == (
        "2011-04-12", "2011-04-13", "")
    places = {(row["location_id"], row["role"]) for row in from_2011("event_locations") if row["event_id"] == CONSULTATIONS}
    assert places == {("khujand", "venue"), ("northern-tajikistan", "area")}


@fact_of_2011
def test_consultations_were_organized_by_the_osce_office():
    organizers = [(row["event_id"], row["participant_id"]) for row in from_2011("event_participants")
                  if row["role"] in ("organizer", "co-organizer")]
    assert organizers == [(CONSULTATIONS, "osce-office-in-tajikistan")]


@fact_of_2011
def test_heads_of_regional_departments_number_eleven():
    counts = [(row["event_id"], row["participant_id"], row["total"]) for row in from_2011("attendance")]
    assert counts == [(ROUNDTABLE, "heads-of-regional-departments", "11")]


@fact_of_2011
def test_roundtable_is_chaired_by_the_head_of_the_interagency_commission():
    chairs = [row["participant_id"] for row in from_2011("event_participants")
              if row["event_id"] == ROUNDTABLE and row["role"] == "chair"]
    assert chairs == ["head-of-the-interagency-commission"]
    (office,) = [row for row in from_2011("memberships") if row["participant_id"] == "head-of-the-interagency-commission"]
    assert (office["organization_id"], office["title"]) == (
        "interagency-commission-on-combating-human-trafficking",
        "Head of the Interagency Commission on Combating Human Trafficking")


@fact_of_2011
def test_roundtable_and_shelters_visit_are_part_of_the_consultations():
    parents = {row["id"]: row["parent_id"] for row in from_2011("events")}
    assert parents == {CONSULTATIONS: "", ROUNDTABLE: CONSULTATIONS, SHELTERS_VISIT: CONSULTATIONS}


@fact_of_2011
def test_every_2011_event_was_held():
    assert sorted((row["event_id"], row["status"]) for row in from_2011("event_statuses")) == [
        (CONSULTATIONS, "held"), (ROUNDTABLE, "held"), (SHELTERS_VISIT, "held")]


@fact_of_2011
def test_the_shelters_visit_was_to_one_row_standing_for_two_shelters_in_khujand():
    venues = [row["location_id"] for row in from_2011("event_locations") if row["event_id"] == SHELTERS_VISIT]
    assert venues == ["khujand-shelters"]
    (shelters,) = [row for row in from_2011("locations") if row["id"] == "khujand-shelters"]
    assert (shelters["kind"], shelters["parent_id"], shelters["count"]) == ("facility", "khujand", "2")


@fact_of_2011
def test_maria_gratschew_was_gender_and_anti_trafficking_officer_in_2011():
    titles = [(row["participant_id"], row["organization_id"], row["title"]) for row in from_2011("memberships")
              if row["participant_id"] == "maria-gratschew"]
    assert titles == [("maria-gratschew", "osce-office-in-tajikistan", "Gender and Anti-trafficking Officer")]


@fact_of_2011
def test_the_media_and_civil_society_groups_came_from_three_cities():
    groups = {row["id"]: row["based_in_id"] for row in from_2011("participants")
              if row["id"].startswith("media-and-civil-society-organizations-from-")}
    assert sorted(groups.values()) == ["istaravshan", "khujand", "penjikent"]
    roundtable = {row["participant_id"] for row in from_2011("event_participants") if row["event_id"] == ROUNDTABLE}
    assert set(groups) <= roundtable


@fact_of_2011
def test_the_khujand_shelters_lie_in_khujand_in_sughd_in_tajikistan():
    parents = {row["id"]: row["parent_id"] for row in from_2011("locations")}
    chain, node = [], "khujand-shelters"
    while node:
        chain.append(node)
        node = parents[node]
    assert chain == ["khujand-shelters", "khujand", "sughd-region", "tajikistan"]
