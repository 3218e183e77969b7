"""build.py (issue 3): invalid input is reported as file:line: column: problem,
a failed or killed build leaves the previous database untouched, and a
successful build is reproducible and carries the package's keys, indexes,
full-text search, views and provenance.

Bad inputs are made from the real data package (see helpers_bad_data.py).
"""

import csv
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
from helpers_bad_data import BOM, DataDir, day_after, day_before, misspell, words_around

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


@case
def too_many_fields(d):
    table = d.leaf_table()
    line = d.edit_rows(table, lambda rows: [rows[0] + ["one too many"]] + rows[1:])[0]
    columns = d.columns(table)
    return [f"{d.shown(table)}:{line}: row: {len(columns) + 1} fields (expected {described(columns)})"]


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
                                 and field["name"] not in dict(d.foreign_keys(table)))
    line = d.set(table, 0, field["name"], "")
    return [f"{d.shown(table)}:{line}: {field['name']}: missing value (this column is required)"]


@case
def date_not_iso(d):
    table, field = d.first_field(lambda table, field: field["type"] == "date")
    line = d.set(table, 0, field["name"], "13 April 2011")
    return [f"{d.shown(table)}:{line}: {field['name']}: '13 April 2011' is not an ISO date (expected YYYY-MM-DD, e.g. 2011-04-13)"]


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
    return [(table, column, other, order.index(other) < order.index(table))
            for table in d.resources for column, other in d.foreign_keys(table) if other != table]


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


def source_text(d, source_id):
    (source,) = [row for row in d.rows("sources") if row["id"] == source_id]
    return (d.root / source["path"]).read_text(encoding="utf-8")


def not_verbatim_case(pick):
    def broken(d):
        table, column = pick(d)
        row = d.rows(table)[0]
        line = d.set(table, 0, column, misspell(row[column]))
        closest = words_around(source_text(d, row["source_id"]), row[column])
        return [f"{d.shown(table)}:{line}: {column}: not found in source {row['source_id']!r} "
                f"(expected a passage copied word for word from the source; closest passage: {closest!r})"]

    return broken


CASES["evidence_not_in_source"] = not_verbatim_case(
    lambda d: (d.first_field(lambda table, field: field["name"] == "evidence")[0], "evidence"))
CASES["quote_text_not_in_source"] = not_verbatim_case(lambda d: ("quotes", "text"))


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
        assert db.execute("select count(*) from sources where id = 'osce-tajikistan-2011-04-13'").fetchone() == (1,)


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
SEARCHED = ["sources", "events", "participants", "quotes", "topics"]


@pytest.fixture(scope="module")
def db(built_db):
    connection = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    yield connection
    connection.close()


def csv_rows(table):
    with open(DATA / REAL.resources[table]["path"], newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("table", list(REAL.resources))
def test_table_is_strict(db, table):
    assert db.execute("select strict from pragma_table_list where name = ?", (table,)).fetchone() == (1,)


@pytest.mark.parametrize("table", list(REAL.resources))
def test_columns_types_not_null_and_primary_key_follow_the_package(db, table):
    info = db.execute(f'pragma table_info("{table}")').fetchall()
    expected = [(field["name"], SQL_TYPES[field["type"]], int(bool(field.get("constraints", {}).get("required"))))
                for field in REAL.fields(table)]
    if table == "sources":
        expected.append(("text", "TEXT", 0))
    assert [(name, kind, notnull) for _, name, kind, notnull, _, _ in info] == expected
    primary_key = sorted((position, name) for _, name, _, _, _, position in info if position)
    assert [name for _, name in primary_key] == REAL.primary_key(table)


@pytest.mark.parametrize("table", list(REAL.resources))
def test_foreign_keys_follow_the_package(db, table):
    declared = {(column, other, target) for _, _, other, column, target, *_ in
                db.execute(f'pragma foreign_key_list("{table}")')}
    assert declared == {(column, other, "id") for column, other in REAL.foreign_keys(table)}


@pytest.mark.parametrize("table", list(REAL.resources))
def test_every_foreign_key_column_leads_an_index(db, table):
    leading = set()
    for _, index, *_ in db.execute(f'pragma index_list("{table}")'):
        leading.add(db.execute(f'select name from pragma_index_info("{index}") where seqno = 0').fetchone()[0])
    assert {column for column, _ in REAL.foreign_keys(table)} - leading == set()


@pytest.mark.parametrize("table", SEARCHED)
def test_full_text_search_uses_fts5_with_porter_stemming(db, table):
    (sql,) = db.execute("select sql from sqlite_master where name = ?", (f"{table}_fts",)).fetchone()
    assert "USING FTS5" in sql
    assert "tokenize='porter'" in sql


def test_search_finds_inflected_forms(db):
    found = {row[0] for row in db.execute(
        "select events.id from events join events_fts on events_fts.rowid = events.rowid "
        "where events_fts match 'consultation'")}
    expected = {row["id"] for row in csv_rows("events")
                if "consultation" in (row["name"] + " " + row["description"]).lower()}
    assert found == expected
    assert len(found) == 2


def test_participations_view_has_a_row_per_participation(db):
    assert db.execute("select count(*) from participations").fetchone() == (len(csv_rows("event_participants")),)


def test_events_on_map_view_lists_located_events(db):
    located = {row["id"] for row in csv_rows("locations") if row["latitude"]}
    expected = sorted(row["id"] for row in csv_rows("events") if row["location_id"] in located)
    assert [row[0] for row in db.execute("select id from events_on_map order by id")] == expected
    assert len(expected) == 3


def test_evidence_view_has_a_row_per_cited_row(db):
    expected = sum(len(csv_rows(table)) for table in REAL.resources if "evidence" in REAL.columns(table))
    assert db.execute("select count(*) from evidence").fetchone() == (expected,)
    assert expected == 61


def test_build_records_the_package(db):
    recorded = dict(db.execute("select key, value from _build"))
    assert (recorded["package_name"], recorded["package_version"]) == (REAL.package["name"], REAL.package["version"])
    assert recorded["package_version"] == "0.1.0"


def test_build_records_each_file_with_its_hash_and_row_count(db):
    recorded = {path: (digest, rows) for path, digest, rows in db.execute("select path, sha256, rows from _build_files")}
    assert recorded == {
        resource["path"]: (sha256(DATA / resource["path"]), len(csv_rows(name)))
        for name, resource in REAL.resources.items()
    }


@pytest.mark.parametrize("table", list(REAL.resources))
def test_table_holds_every_csv_row(db, table):
    assert db.execute(f'select count(*) from "{table}"').fetchone() == (len(csv_rows(table)),)


def test_sources_text_is_the_files_text(db):
    for source_id, path, text in db.execute("select id, path, text from sources"):
        assert text == (DATA / path).read_text(encoding="utf-8")


def test_foreign_key_check_is_empty(db):
    assert db.execute("pragma foreign_key_check").fetchall() == []


# -- kill -9 in the middle of a build ------------------------------------------------------


def add_participants(data_dir, count):
    """Append `count` valid participants, copies of the first one under new ids."""
    path = Path(data_dir) / REAL.resources["participants"]["path"]
    with open(path, newline="", encoding="utf-8") as handle:
        header, first, *_ = list(csv.reader(handle))
    key = header.index("id")
    with open(path, "a", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for number in range(count):
            first[key] = f"synthetic-participant-{number}"
            writer.writerow(first)


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
