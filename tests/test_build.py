"""build.py (issue 3): invalid input is reported as file:line: column: problem,
a failed or killed build leaves the previous database untouched, and a
successful build is reproducible and carries the package's keys, indexes,
full-text search, views and provenance.

Bad inputs are made from the real data package (see helpers_bad_data.py);
expectations about the built database come from the package and the CSVs, so
that a new release breaks none of them.
"""

import csv
import hashlib
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import build
from conftest import sha256
from helpers_bad_data import BOM, MENTIONS, DataDir, day_after, day_before, misspell, words_around

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
REAL = DataDir(DATA)  # read only: to name the parametrised cases


def temporary_files(directory):
    return sorted(path.name for path in Path(directory).glob(".*.tmp"))


@pytest.fixture
def workdir(tmp_path, data_copy, built_db, monkeypatch):
    """tmp_path as the current directory, holding data/ (a writable copy) and
    out.db (a previous build); returns the copy to break."""
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(built_db, tmp_path / "out.db")
    return DataDir(data_copy)


def run(*options):
    return build.main(["--data", "data", "--output", "out.db", *options])


def summary(count):
    return f"{count} error(s); out.db was not changed."


# -- one case per kind of invalid input: break the copy, return the expected error lines --

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


def described(columns):
    return f"{len(columns)}: {', '.join(columns)}"


def unquoted_comma(columns, count, column):
    return (f"row: {count} fields (expected {described(columns)}); "
            f"most likely an unquoted comma in {column!r}: put that value in double quotes")


@case
def too_many_fields(d):
    table = d.leaf_table()
    line = d.edit_rows(table, lambda rows: [rows[0] + ["one too many"]] + rows[1:])[0]
    columns = d.columns(table)
    # The surplus value is at the end, so the last column is the likeliest culprit
    # as long as it takes free text.
    assert d.fields(table)[-1]["type"] == "string" and not d.fields(table)[-1].get("constraints")
    return [f"{d.shown(table)}:{line}: {unquoted_comma(columns, len(columns) + 1, columns[-1])}"]


def prose_with_a_comma(d):
    """(table, column, row index) of the first searched (prose) value with a comma
    that is not in a row's last column: the comma's column must be found mid-row."""
    for table in d.resources:
        columns = d.columns(table)
        for column in d.searched_columns(table):
            if column not in columns[:-1]:
                continue  # a derived column (not in the CSV), or the last one
            for index, row in enumerate(d.rows(table)):
                if ", " in row[column] and '"' not in row[column] and "\n" not in row[column]:
                    return table, column, index
    raise LookupError("no searched value has a comma")


@case
def unquoted_comma_in_prose_mid_row(d):
    table, column, index = prose_with_a_comma(d)
    count = len(d.columns(table)) + d.rows(table)[index][column].count(",")
    line = d.unquote(table, index, column)
    return [f"{d.shown(table)}:{line}: {unquoted_comma(d.columns(table), count, column)}"]


@case
def too_few_fields(d):
    table = d.leaf_table()
    line = d.edit_rows(table, lambda rows: rows[:1] + [rows[1][:-1]] + rows[2:])[1]
    columns = d.columns(table)
    return [f"{d.shown(table)}:{line}: row: {len(columns) - 1} fields (expected {described(columns)})"]


@case
def unterminated_quote(d):
    table = d.leaf_table()
    line = d.append_line(table, '"never closed,' + ",".join("x" * (len(d.columns(table)) - 1)))
    return [f"{d.shown(table)}:{line}: row: unterminated quoted field starts on this line (expected a closing double quote)"]


def header_case(change, *problems):
    def broken(d):
        table = d.leaf_table()
        columns = d.columns(table)
        d.edit_header(table, change)
        return [f"{d.shown(table)}:1: header: {problem(columns)}" for problem in problems]

    return broken


def expected_columns(columns):
    return f"expected the columns of datapackage.json: {', '.join(columns)}"


CASES["duplicate_header"] = header_case(
    lambda header: [header[0], header[0], *header[2:]],
    lambda columns: f"duplicate column name {columns[0]!r} (expected each column once)",
    lambda columns: f"missing column {columns[1]!r} ({expected_columns(columns)})",
)
CASES["blank_header"] = header_case(
    lambda header: [header[0], "", *header[2:]],
    lambda columns: f"blank column name at position 2 (expected {', '.join(columns)})",
    lambda columns: f"missing column {columns[1]!r} ({expected_columns(columns)})",
)
CASES["header_missing_column"] = header_case(
    lambda header: header[:-1],
    lambda columns: f"missing column {columns[-1]!r} ({expected_columns(columns)})",
)
CASES["header_extra_column"] = header_case(
    lambda header: header + ["extra"],
    lambda columns: "unexpected column 'extra' (add it to datapackage.json first, or remove it)",
)
CASES["header_reordered_columns"] = header_case(
    lambda header: [header[1], header[0], *header[2:]],
    lambda columns: f"columns out of order (expected {', '.join(columns)})",
)


@case
def non_utf8_byte(d):
    table = d.leaf_table()
    lines = d.path(table).read_bytes().split(b"\n")
    lines[2] = lines[2][:4] + b"\xff" + lines[2][5:]  # line 3, byte 5
    d.path(table).write_bytes(b"\n".join(lines))
    return [f"{d.shown(table)}:3: byte 5: invalid UTF-8 byte 0xff (expected UTF-8 text: re-save the file as UTF-8)"]


@case
def empty_file(d):
    table = d.leaf_table()
    d.path(table).write_bytes(b"")
    return [f"{d.shown(table)}: file: the file is empty (expected a header row naming the columns)"]


@case
def missing_required_value(d):
    table, field = d.first_field(lambda table, field: field.get("constraints", {}).get("required")
                                 and field["name"] not in d.primary_key(table)
                                 and field["name"] not in d.foreign_key_columns(table))
    line = d.set(table, 0, field["name"], "")
    return [f"{d.shown(table)}:{line}: {field['name']}: missing value (this column is required)"]


@case
def date_not_iso(d):
    table, field = d.first_field(lambda table, field: field["type"] == "date")
    line = d.set(table, 0, field["name"], "13 April 2011")
    return [f"{d.shown(table)}:{line}: {field['name']}: '13 April 2011' is not an ISO date (expected YYYY-MM-DD, e.g. 2011-04-13)"]


@case
def date_not_a_real_day(d):
    table, field = d.first_field(lambda table, field: field["type"] == "date")
    line = d.set(table, 0, field["name"], "2012-02-30")
    return [f"{d.shown(table)}:{line}: {field['name']}: '2012-02-30' is not a real day "
            "(expected a day from 01 to 29: February 2012 has 29 days)"]


@case
def date_with_no_such_month(d):
    table, field = d.first_field(lambda table, field: field["type"] == "date")
    line = d.set(table, 0, field["name"], "2011-13-01")
    return [f"{d.shown(table)}:{line}: {field['name']}: '2011-13-01' is not a real day (expected a month from 01 to 12, not 13)"]


@case
def text_in_integer_column(d):
    table, field = d.first_field(lambda table, field: field["type"] == "integer")
    line = d.set(table, 0, field["name"], "eleven")
    return [f"{d.shown(table)}:{line}: {field['name']}: 'eleven' is not an integer (expected digits only, e.g. 11)"]


@case
def value_outside_enum(d):
    table, field = d.first_field(lambda table, field: "enum" in field.get("constraints", {}))
    line = d.set(table, 0, field["name"], "not-in-the-list")
    allowed = ", ".join(field["constraints"]["enum"])
    return [f"{d.shown(table)}:{line}: {field['name']}: 'not-in-the-list' is not an allowed value (expected one of: {allowed})"]


@case
def numbers_above_maximum(d):
    """Latitude 91 and longitude 181: every bounded number column of the first table that has one."""
    table, _ = d.first_field(lambda table, field: field["type"] == "number" and "maximum" in field.get("constraints", {}))
    bounded = [field for field in d.fields(table) if field["type"] == "number" and "maximum" in field.get("constraints", {})]
    expected = []
    for field in bounded:
        highest = field["constraints"]["maximum"]
        line = d.set(table, 0, field["name"], str(highest + 1))
        expected.append(f"{d.shown(table)}:{line}: {field['name']}: {float(highest + 1)} is above the maximum (expected ≤ {highest})")
    assert [field["name"] for field in bounded] == ["latitude", "longitude"]
    return expected


def duplicate_key_case(single_column):
    def broken(d):
        table = next(name for name in d.resources if (len(d.primary_key(name)) == 1) == single_column
                     and len(d.rows(name)) >= 3)
        key = d.primary_key(table)
        row = d.rows(table)[1]
        lines = d.edit_rows(table, lambda rows: rows + [rows[1]])
        shown = ", ".join(f"{column}={row[column]!r}" for column in key)
        return [f"{d.shown(table)}:{lines[-1]}: {'/'.join(key)}: duplicate primary key {shown}, first on line {lines[1]} (expected each key once)"]

    return broken


CASES["duplicate_primary_key"] = duplicate_key_case(single_column=True)
CASES["duplicate_compound_primary_key"] = duplicate_key_case(single_column=False)


def missing_reference_case(pick):
    def broken(d):
        table, column, other = pick(d)
        line = d.set(table, 0, column, "no-such-id")
        return [f"{d.shown(table)}:{line}: {column}: 'no-such-id' is not an id in {other} (expected an existing {other}.id)"]

    return broken


def all_references(d):
    order = list(d.resources)
    return [(table, fk.column, fk.other, order.index(fk.other) < order.index(table))
            for table in d.resources for fk in d.single_foreign_keys(table) if fk.other != table]


# A foreign key to a table loaded later (checked at the end) and one to a table loaded before.
CASES["foreign_key_to_missing_id_in_later_table"] = missing_reference_case(
    lambda d: next((t, c, o) for t, c, o, earlier in all_references(d) if not earlier))
CASES["foreign_key_to_missing_id_in_earlier_table"] = missing_reference_case(
    lambda d: [(t, c, o) for t, c, o, earlier in all_references(d) if earlier][-1])


def parent_cycle_case(table):
    """Make the first row (a root) the child of its last descendant."""

    def broken(d):
        key, parent = d.primary_key(table)[0], d.parent_column(table)
        rows = d.rows(table)
        parents = {row[key]: row[parent] for row in rows}

        def chain(node):
            nodes = []
            while node:
                nodes.append(node)
                node = parents[node]
            return nodes

        root = rows[0][key]
        assert parents[root] == ""
        descendant = [row[key] for row in rows if row[key] != root and root in chain(row[key])][-1]
        line = d.set(table, 0, parent, descendant)
        cycle = " → ".join([root] + chain(descendant))
        return [f"{d.shown(table)}:{line}: {parent}: parent cycle {cycle} (expected a hierarchy without loops)"]

    return broken


for _table in REAL.resources:
    if REAL.parent_column(_table):
        CASES[f"parent_cycle_in_{_table}"] = parent_cycle_case(_table)


def not_verbatim_case(pick):
    def broken(d):
        table, column = pick(d)
        index = next(i for i, row in enumerate(d.rows(table)) if row[column])
        row = d.rows(table)[index]
        source_id = row[d.verbatim(table, column)]
        # A letter added at the end, not the last one changed: "2015" misspelled "201x"
        # would be as close to the "2016" of the same text, which the build may show.
        line = d.set(table, index, column, row[column] + "x")
        closest = words_around(d.source_text(source_id), row[column])
        return [f"{d.shown(table)}:{line}: {column}: not found in source {source_id!r} "
                f"(expected a passage copied word for word from the source; closest passage: {closest!r})"]

    return broken


def in_source_column(d, table, field):
    """The column a passage must be word for word in the source it names (x-verbatim
    naming a foreign key to sources): mentions.evidence."""
    return any(fk.columns == (field.get("x-verbatim"),) and fk.other == "sources" for fk in d.single_foreign_keys(table))


def in_source_fields(d):
    """(table, column) of every value that must be word for word in the source its row
    names, and that has a value in today's data (mentions.evidence, names.name...)."""
    return [(table, field["name"]) for table in d.resources for field in d.fields(table)
            if in_source_column(d, table, field) and any(row[field["name"]] for row in d.rows(table))]


for _table, _column in in_source_fields(REAL):
    CASES[f"{_table}_{_column}_not_in_its_source"] = not_verbatim_case(lambda d, t=_table, c=_column: (t, c))


# A second source for the copy, fictional, written for these tests.
OTHER_SOURCE = "fictional-release-for-the-build-tests"
OTHER_TEXT = """DUSHANBE, 1 June 2015 - FICTIONAL: written for the build tests, not a real release.

The Office held a seminar on referral mechanisms for victims of trafficking.
"""


@case
def evidence_word_for_word_in_another_source(d):
    d.add_source(OTHER_SOURCE, OTHER_TEXT)
    # A mention without a name as written, so that only its evidence is wrong.
    index = d.index(MENTIONS, name_as_written="")
    source_id = d.rows(MENTIONS)[index]["source_id"]
    line = d.set(MENTIONS, index, "evidence", "a seminar on referral mechanisms for victims of trafficking")
    return [f"{d.shown(MENTIONS)}:{line}: evidence: not found in source {source_id!r} (expected a passage copied word "
            f"for word from the source; it is word for word in source {OTHER_SOURCE!r}: is the source_id right?)"]


def verbatim_in_mentions_case(table, column):
    """A value that must be word for word in a source that mentions its row (quotes.text,
    memberships.title...), misspelled, in a row with one mentioning source (so that the
    message names one) and that no compound key points at (whose row would fail too)."""

    def broken(d):
        rows = d.rows(table)
        pointed_at = d.keys_pointed_at(table)
        index = next(i for i, row in enumerate(rows) if row[column] and len(set(d.mentioning_sources(table, row))) == 1
                     and tuple(row[key] for key in d.primary_key(table)) not in pointed_at)
        row = rows[index]
        (source_id,) = set(d.mentioning_sources(table, row))
        # A letter added at the end, not the last one changed: "2015" misspelled "201x"
        # would be as close to the "2016" of the same text, which the build may show.
        line = d.set(table, index, column, row[column] + "x")
        closest = words_around(d.source_text(source_id), row[column])
        return [f"{d.shown(table)}:{line}: {column}: not found in the source(s) that mention this row, {source_id!r} "
                f"(expected a passage copied word for word from the source; closest passage: {closest!r})"]

    return broken


for _table in REAL.resources:
    for _field in REAL.fields(_table):
        # Only columns with a value to misspell in today's data (honorifics may come later).
        if _field.get("x-verbatim") == "mentions" and any(row[_field["name"]] for row in REAL.rows(_table)):
            CASES[f"{_table}_{_field['name']}_not_in_a_mentioning_source"] = verbatim_in_mentions_case(_table, _field["name"])


def in_column_field(d):
    """(table, column, other column) of the first value that must be within another column of its row."""
    table, field = d.first_field(lambda t, f: f.get("x-verbatim") in d.columns(t) and not in_source_column(d, t, f))
    return table, field["name"], field["x-verbatim"]


@case
def name_as_written_not_in_its_evidence(d):
    table, column, other = in_column_field(d)
    index = next(i for i, row in enumerate(d.rows(table)) if row[column])
    wrong = misspell(d.rows(table)[index][column])
    line = d.set(table, index, column, wrong)
    return [f"{d.shown(table)}:{line}: {column}: {wrong!r} is not in this row's {other} (expected it word for word there)"]


def compound_key_case(table, fk):
    """A row whose compound foreign key names no row: a name taken from a second
    source that has no mention of the entity (names -> mentions)."""

    def broken(d):
        row = d.rows(table)[0]
        source_column = fk.columns[-1]
        assert (source_column,) in [single.columns for single in d.single_foreign_keys(table) if single.other == "sources"]
        # The second source holds the row's passages, so that only the key is wrong.
        passages = [row[f["name"]] for f in d.fields(table) if f.get("x-verbatim") == source_column and row[f["name"]]]
        d.add_source(OTHER_SOURCE, OTHER_TEXT + "".join(f"\n{passage}\n" for passage in passages))
        line = d.set(table, 0, source_column, OTHER_SOURCE)
        values = {**row, source_column: OTHER_SOURCE}
        shown = ", ".join(f"{column}={values[column]!r}" for column in fk.columns)
        return [f"{d.shown(table)}:{line}: {source_column}: {shown} is not in {fk.other} "
                f"(expected a row of {d.resources[fk.other]['path']} with the same {', '.join(fk.other_columns)}: add it there)"]

    return broken


for _table in REAL.resources:
    for _fk in REAL.compound_foreign_keys(_table):
        CASES[f"compound_foreign_key_of_{_table}_to_no_row"] = compound_key_case(_table, _fk)


def unsupported_row_case(compound_key):
    """A row of a sourced table whose mentions were all deleted."""

    def broken(d):
        table = next(t for t in d.sourced_tables() if (len(d.primary_key(t)) > 1) == compound_key and d.rows(t))
        row_id = d.row_id(table, d.rows(table)[0])
        d.remove_rows(MENTIONS, lambda mention: (mention["table_name"], mention["row_id"]) == (table, row_id))
        return [f"{d.shown(table)}:{d.lines(table)[0]}: row: no source supports this row (expected a row in "
                f"{d.resources[MENTIONS]['path']} with table_name {table!r}, row_id {row_id!r}, the source_id and the passage that says so)"]

    return broken


CASES["row_without_a_mention"] = unsupported_row_case(compound_key=False)
CASES["row_with_a_compound_key_without_a_mention"] = unsupported_row_case(compound_key=True)


@case
def mention_of_no_row(d):
    """A second mention of a row with its row_id mistyped: the first still supports it."""
    table = next(t for t in d.sourced_tables() if len(d.primary_key(t)) == 1 and d.rows(t))
    row_id = d.row_id(table, d.rows(table)[0])
    mention = d.mentions_of(table, row_id)[0]
    typo = misspell(row_id)
    line = d.append_row(MENTIONS, {**mention, "row_id": typo})
    return [f"{d.shown(MENTIONS)}:{line}: row_id: {typo!r} is not a row of {table} "
            f"(expected its {'/'.join(d.primary_key(table))}; did you mean {row_id!r}?)"]


@case
def mention_of_a_table_without_sources(d):
    """A mention for a row of a table without x-sourced (names, which carry their own source)."""
    table = [t for t in d.resources if t not in d.sourced_tables() and t != MENTIONS][-1]
    line = d.append_row(MENTIONS, {**d.rows(MENTIONS)[0], "table_name": table})
    return [f"{d.shown(MENTIONS)}:{line}: table_name: {table!r} is not a table with sources "
            f"(expected one of: {', '.join(d.sourced_tables())})"]


@case
def source_text_differs_from_its_sha256(d):
    table = next(t for t in d.resources if any(f.get("x-digestOf") for f in d.fields(t)))
    digest = next(f for f in d.fields(table) if f.get("x-digestOf"))
    source = d.rows(table)[0]
    path = d.root / source[digest["x-digestOf"]]
    path.write_bytes(path.read_bytes() + b"\n")  # one byte more, as an editor's save may add
    found = hashlib.sha256(path.read_bytes()).hexdigest()
    return [f"{d.shown(table)}:{d.lines(table)[0]}: {digest['name']}: {source[digest['x-digestOf']]} has SHA-256 {found}, "
            f"not the recorded {source[digest['name']]} (expected the text byte for byte as published: restore the file, "
            "or if it was re-copied from the publisher on purpose, record the new hash)"]


@case
def value_longer_than_max_length(d):
    # maxLength is in no field of today's package: add it to one that has a minLength.
    table, field = d.first_field(lambda table, field: "minLength" in field.get("constraints", {}))
    value = d.rows(table)[0][field["name"]]
    field["constraints"]["maxLength"] = len(value) - 1
    d.save_package()
    return [f"{d.shown(table)}:{d.lines(table)[0]}: {field['name']}: {len(value):,} characters, too long "
            f"(expected at most {len(value) - 1:,})"]


def dated_table(d):
    """The table with a start and an end date, and those two columns."""
    for table in d.resources:
        dates = [field["name"] for field in d.fields(table) if field["type"] == "date"]
        if len(dates) == 2:
            return table, *dates
    raise LookupError("no table has two date columns")


@case
def end_date_before_start_date(d):
    table, start, end = dated_table(d)
    key, parent = d.primary_key(table)[0], d.parent_column(table)
    rows = d.rows(table)
    # A row nothing points at, so that no sub-event is affected too.
    index = next(i for i, row in enumerate(rows) if all(other[parent] != row[key] for other in rows))
    earlier = day_before(rows[index][start])
    line = d.set(table, index, end, earlier)
    return [f"{d.shown(table)}:{line}: {end}: {earlier} is before {start} {rows[index][start]} (expected {end} on or after {start})"]


@case
def sub_event_outside_parent_dates(d):
    table, start, end = dated_table(d)
    key, parent = d.primary_key(table)[0], d.parent_column(table)
    rows = d.rows(table)
    by_key = {row[key]: row for row in rows}
    index = next(i for i, row in enumerate(rows) if row[parent])
    child, mother = rows[index], by_key[rows[index][parent]]
    later = day_after(mother[end])
    line = d.set(table, index, end, later)
    return [f"{d.shown(table)}:{line}: {start}/{end}: {child[start]}..{later} lies outside its parent {mother[key]!r} "
            f"({mother[start]}..{mother[end]}) (expected a sub-event within its parent's dates)"]


@pytest.mark.parametrize("name", list(CASES))
def test_invalid_input_is_named_and_leaves_the_previous_database(name, workdir, capsys):
    before = sha256("out.db")
    expected = CASES[name](workdir)
    assert run() == 1
    assert capsys.readouterr().err.splitlines() == expected + [summary(len(expected))]
    assert sha256("out.db") == before
    assert temporary_files(".") == []


def test_the_cases_cover_the_three_hierarchies():
    assert [name for name in CASES if name.startswith("parent_cycle")] == [
        "parent_cycle_in_locations", "parent_cycle_in_participants", "parent_cycle_in_events"]


def test_failed_build_without_previous_database_creates_nothing(workdir, capsys):
    Path("out.db").unlink()
    value_outside_enum(workdir)
    assert run() == 1
    assert sorted(path.name for path in Path(".").iterdir()) == ["data"]


def test_utf8_byte_order_marks_are_accepted_silently(workdir, capsys):
    for table in workdir.resources:
        workdir.path(table).write_bytes(BOM + workdir.path(table).read_bytes())
    Path("out.db").unlink()
    assert run("--quiet") == 0
    assert capsys.readouterr().err == ""
    with sqlite3.connect("out.db") as db:
        assert db.execute("select count(*) from sources").fetchone() == (len(workdir.rows("sources")),)


def test_errors_in_two_files_are_reported_in_one_run(workdir, capsys):
    first = value_outside_enum(workdir)
    second = text_in_integer_column(workdir)
    assert first[0].split(":")[0] != second[0].split(":")[0]  # two different files
    assert run() == 1
    assert capsys.readouterr().err.splitlines() == first + second + [summary(2)]


def test_max_errors_caps_the_listing(workdir, capsys):
    table, field = workdir.first_field(lambda table, field: field["type"] == "integer")
    lines = [workdir.set(table, index, field["name"], "eleven") for index in range(5)]
    assert run("--max-errors", "2") == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{workdir.shown(table)}:{lines[0]}: {field['name']}: 'eleven' is not an integer (expected digits only, e.g. 11)",
        f"{workdir.shown(table)}:{lines[1]}: {field['name']}: 'eleven' is not an integer (expected digits only, e.g. 11)",
        "... and 3 more errors not shown (fix the ones above and run again)",
        summary(5),
    ]


def test_check_on_valid_data_writes_nothing(workdir, capsys):
    Path("out.db").write_bytes(b"an older database")
    assert run("--check") == 0
    assert capsys.readouterr().err.startswith("data is valid in ")
    assert Path("out.db").read_bytes() == b"an older database"
    assert temporary_files(".") == []


def test_check_creates_no_output_directory(workdir, capsys):
    assert build.main(["--data", "data", "--output", "new/out.db", "--check"]) == 0
    assert sorted(path.name for path in Path(".").iterdir()) == ["data", "out.db"]


def test_check_on_invalid_data_reports_and_writes_nothing(workdir, capsys):
    before = sha256("out.db")
    expected = value_outside_enum(workdir)
    assert run("--check") == 1
    assert capsys.readouterr().err.splitlines() == expected + [summary(1)]
    assert sha256("out.db") == before
    assert temporary_files(".") == []


def test_help_documents_the_options_and_exits_0(capsys):
    with pytest.raises(SystemExit) as exit:
        build.main(["--help"])
    assert exit.value.code == 0
    usage = capsys.readouterr().out
    for option in ("--data DIR", "--output FILE", "--check"):
        assert option in usage


def test_unknown_option_is_bad_usage(capsys):
    with pytest.raises(SystemExit) as exit:
        build.main(["--no-such-option"])
    assert exit.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_missing_data_directory_is_bad_usage(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit:
        build.main(["--data", "missing", "--output", "out.db"])
    assert exit.value.code == 2
    assert "--data missing: not a directory" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_output_that_is_a_directory_is_bad_usage(workdir, capsys):
    with pytest.raises(SystemExit) as exit:
        build.main(["--data", "data", "--output", "data"])
    assert exit.value.code == 2
    assert "--output data: is a directory" in capsys.readouterr().err


def test_build_is_reproducible(tmp_path):
    outputs = [tmp_path / "one.db", tmp_path / "two.db"]
    for output in outputs:
        assert build.main(["--data", str(DATA), "--output", str(output), "--quiet"]) == 0
    assert sha256(outputs[0]) == sha256(outputs[1])


def test_build_replaces_the_previous_database(workdir, capsys):
    Path("out.db").write_bytes(b"an older database")
    assert run("--quiet") == 0
    with sqlite3.connect("out.db") as db:
        assert db.execute("pragma integrity_check").fetchone() == ("ok",)


# -- the built database ----------------------------------------------------------------

SQL_TYPES = {"string": "TEXT", "date": "TEXT", "integer": "INTEGER", "number": "REAL"}
SEARCHED = [table for table in REAL.resources if REAL.searched_columns(table)]


@pytest.fixture(scope="module")
def db(built_db):
    connection = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    yield connection
    connection.close()


def csv_rows(table):
    with open(DATA / REAL.resources[table]["path"], newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def index_columns(db, table):
    """The columns of each index of the table (the primary key's included), in order."""
    return [[column for _, _, column in db.execute(f'select seqno, cid, name from pragma_index_info("{index}") order by seqno')]
            for _, index, *_ in db.execute(f'pragma index_list("{table}")')]


def leading_columns(db, table):
    return {columns[0] for columns in index_columns(db, table)}


@pytest.mark.parametrize("table", list(REAL.resources))
def test_table_is_strict(db, table):
    assert db.execute("select strict from pragma_table_list where name = ?", (table,)).fetchone() == (1,)


@pytest.mark.parametrize("table", list(REAL.resources))
def test_columns_types_not_null_and_primary_key_follow_the_package(db, table):
    info = db.execute(f'pragma table_info("{table}")').fetchall()
    # The CSV's columns, then the ones the build derives (sources.text), which may be empty.
    expected = [(field["name"], SQL_TYPES[field["type"]], int(bool(field.get("constraints", {}).get("required"))))
                for field in REAL.fields(table)]
    expected += [(field["name"], SQL_TYPES[field["type"]], 0) for field in REAL.derived_fields(table)]
    assert [(name, kind, notnull) for _, name, kind, notnull, _, _ in info] == expected
    primary_key = sorted((position, name) for _, name, _, _, _, position in info if position)
    assert [name for _, name in primary_key] == REAL.primary_key(table)


def test_sources_get_their_derived_text_column():
    assert [field["name"] for field in REAL.derived_fields("sources")] == ["text"]


@pytest.mark.parametrize("table", list(REAL.resources))
def test_single_column_foreign_keys_are_declared_in_sqlite(db, table):
    declared = {(column, other, target) for _, _, other, column, target, *_ in
                db.execute(f'pragma foreign_key_list("{table}")')}
    # sqlite-utils declares single-column keys only; the build checks the compound ones.
    assert declared == {(fk.column, fk.other, fk.other_columns[0]) for fk in REAL.single_foreign_keys(table)}


@pytest.mark.parametrize("table", list(REAL.resources))
def test_every_foreign_key_leads_an_index(db, table):
    indexes = index_columns(db, table)
    for fk in REAL.foreign_keys(table):
        assert any(columns[: len(fk.columns)] == list(fk.columns) for columns in indexes), fk


def test_a_compound_foreign_key_is_covered():
    assert any(REAL.compound_foreign_keys(table) for table in REAL.resources)


@pytest.mark.parametrize("table", list(REAL.resources))
def test_indexed_columns_lead_an_index(db, table):
    assert set(REAL.indexed_columns(table)) - leading_columns(db, table) == set()


def test_full_text_tables_are_exactly_those_of_the_searched_columns(db):
    virtual = {name for (name,) in db.execute("select name from sqlite_master where sql like 'CREATE VIRTUAL TABLE%'")}
    assert virtual == {f"{table}_fts" for table in SEARCHED}
    for table in SEARCHED:
        assert [row[1] for row in db.execute(f'pragma table_info("{table}_fts")')] == REAL.searched_columns(table)


@pytest.mark.parametrize("table", SEARCHED)
def test_full_text_search_uses_fts5_with_porter_stemming(db, table):
    (sql,) = db.execute("select sql from sqlite_master where name = ?", (f"{table}_fts",)).fetchone()
    assert "USING FTS5" in sql
    assert "tokenize='porter'" in sql


def test_search_finds_inflected_forms(db):
    found = {row[0] for row in db.execute(
        "select events.id from events join events_fts on events_fts.rowid = events.rowid "
        "where events_fts match 'consultation'")}
    # Porter stemming: 'consultation' also finds 'consultations', 'consulted'...
    expected = {row["id"] for row in csv_rows("events")
                if any(re.search(r"\bconsult", row[column], re.IGNORECASE) for column in REAL.searched_columns("events"))}
    assert found == expected
    assert found  # the 2011 release is about consultations


@pytest.mark.parametrize("table", list(REAL.resources))
def test_columns_dictionary_follows_the_package(db, table):
    recorded = db.execute("select column_name, type, required, allowed_values, verbatim, searched from _columns "
                          "where table_name = ? order by position", (table,)).fetchall()
    assert recorded == [
        (field["name"], field["type"], int(bool(field.get("constraints", {}).get("required"))),
         ", ".join(field.get("constraints", {}).get("enum", [])) or None,
         field.get("x-verbatim"), int(bool(field.get("x-searched"))))
        for field in REAL.stored_fields(table)
    ]


@pytest.mark.parametrize("table", list(REAL.resources))
def test_columns_dictionary_says_which_columns_lead_an_index(db, table):
    indexed = {name for name, flag in db.execute("select column_name, indexed from _columns where table_name = ?", (table,)) if flag}
    assert indexed == leading_columns(db, table)
    assert set(REAL.indexed_columns(table)) <= indexed


def test_participations_view_has_a_row_per_participation(db):
    assert db.execute("select count(*) from participations").fetchone() == (len(csv_rows("event_participants")),)


def test_events_on_map_view_lists_each_located_venue(db):
    located = {row["id"] for row in csv_rows("locations") if row["latitude"]}
    expected = sorted((row["event_id"], row["location_id"]) for row in csv_rows("event_locations")
                      if row["role"] == "venue" and row["location_id"] in located)
    assert db.execute("select event_id, location_id from events_on_map order by 1, 2").fetchall() == expected
    assert expected  # the 2011 consultations were in Khujand


def test_evidence_view_has_a_row_per_mention(db):
    keys = REAL.primary_key(MENTIONS)
    expected = sorted(tuple(row[column] for column in keys) for row in csv_rows(MENTIONS))
    assert db.execute(f"select {', '.join(keys)} from evidence order by 1, 2, 3").fetchall() == expected


def test_build_records_the_package(db):
    recorded = dict(db.execute("select key, value from _build"))
    assert (recorded["package_name"], recorded["package_version"]) == (REAL.package["name"], REAL.package["version"])


def test_build_records_each_file_with_its_hash_and_row_count(db):
    recorded = {path: (digest, rows) for path, digest, rows in db.execute("select path, sha256, rows from _build_files")}
    assert recorded == {
        resource["path"]: (sha256(DATA / resource["path"]), len(csv_rows(name)))
        for name, resource in REAL.resources.items()
    }


@pytest.mark.parametrize("table", list(REAL.resources))
def test_table_holds_every_csv_row(db, table):
    assert db.execute(f'select count(*) from "{table}"').fetchone() == (len(csv_rows(table)),)


def test_derived_columns_hold_the_files_text(db):
    for table in REAL.resources:
        for field in REAL.derived_fields(table):
            for path, text in db.execute(f'select "{field["x-readFrom"]}", "{field["name"]}" from "{table}"'):
                assert text == (DATA / path).read_text(encoding="utf-8")


def test_foreign_key_check_is_empty(db):
    assert db.execute("pragma foreign_key_check").fetchall() == []


# -- kill -9 in the middle of a build ------------------------------------------------------


def add_participants(data_dir, count):
    """Append `count` valid participants, copies of the first one under new ids, each
    with a copy of its first mention (without a name as written, which names would lack)."""
    d = DataDir(data_dir)
    first = d.rows("participants")[0]
    mention = d.mentions_of("participants", d.row_id("participants", first))[0]
    for table, row, key in (("participants", first, "id"), (MENTIONS, {**mention, "name_as_written": ""}, "row_id")):
        header = d.columns(table)
        with open(d.path(table), "a", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            for number in range(count):
                writer.writerow([f"synthetic-participant-{number}" if column == key else row[column] for column in header])


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting {seconds} s for {what}"
        time.sleep(0.01)  # a polling interval, not a timing assumption


@pytest.mark.slow
def test_sigkill_mid_build_leaves_previous_database_and_no_temporary_file(tmp_path, data_copy, built_db):
    add_participants(data_copy, 150_000)
    output = tmp_path / "out.db"
    shutil.copyfile(built_db, output)
    before = sha256(output)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build.py"), "--data", str(data_copy), "--output", str(output), "--quiet"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    sizes = []

    def temporary_file_grew():
        assert process.poll() is None, "the build finished before it could be killed: make the input larger"
        for path in tmp_path.glob(".out.db.*.tmp"):
            try:
                sizes.append(path.stat().st_size)
            except FileNotFoundError:
                pass
        return len(sizes) > 1 and sizes[-1] > sizes[0]

    try:
        wait_for(temporary_file_grew, 60, "the temporary database to appear and grow")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert process.returncode == -signal.SIGKILL
    wait_for(lambda: temporary_files(tmp_path) == [], 10, "the watchdog to remove the temporary file")
    assert sha256(output) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data", "out.db"]


def test_derived_tables_keep_their_own_column_descriptions(db):
    """A view's column descriptions never relabel a derived table's column of the same name."""
    from pipeline.loader import DERIVED_COLUMN_DESCRIPTIONS, DERIVED_TABLES

    rows = db.execute("select table_name, column_name, description from _columns where table_name in (%s)"
                      % ", ".join("?" for _ in DERIVED_TABLES), list(DERIVED_TABLES)).fetchall()
    described = [(t, c, d) for t, c, d in rows if c in DERIVED_COLUMN_DESCRIPTIONS]
    assert described
    assert [(t, c) for t, c, d in described if d != DERIVED_COLUMN_DESCRIPTIONS[c]] == []
