"""Adding a release breaks no test: data/ plus one fixture release, added as data/README.md
tells an editor to add one, passes the build's checks and every generic data check.

A release's rows are the rows it supports: its sources row, its mentions, the rows of
sourced tables it mentions, and its names rows (each name is a statement of one source,
like a mention: the release of 2024 that calls a name former adds a row). Rows whose
key data/ already has are reused, not added, as an editor reuses existing ids; this is
how the fixture's Khujand or OSCE Office become data/'s. Entity rows come in the
fixture's final reading (an editor revises an event's date_basis or description when a
later release says more, data/README.md); statements are each release's own.
"""

import csv
import shutil

import build
import pytest
from conftest import DATA, FIXTURE
from test_data import Dataset, generic_problems

RELEASES = ["fictional-2016-03-10", "fictional-2016-04-15", "fictional-2024-02-08"]


def release_rows(source_id):
    """{table: rows} that release `source_id` brings, from the fixture."""
    fixture = Dataset(FIXTURE)
    mentioned = {(row["table_name"], row["row_id"]) for row in fixture.rows("mentions") if row["source_id"] == source_id}

    def brought(name, row):
        if name == "sources":
            return row["id"] == source_id
        if name in ("mentions", "names"):  # statements of one source each
            return row["source_id"] == source_id
        if name in fixture.sourced_tables:
            return (name, fixture.row_id(name, row)) in mentioned
        raise AssertionError(f"{name}: neither sourced nor sources, mentions or names: which rows are a release's?")

    return {name: [row for row in fixture.rows(name) if brought(name, row)] for name in fixture.resources}


def add_release(data_dir, source_id):
    """Append release `source_id`'s new rows to the CSV files in data_dir and copy its text."""
    target = Dataset(data_dir)
    for name, new_rows in release_rows(source_id).items():
        existing = target.row_ids(name)
        path = target.path(name)
        if not path.read_bytes().endswith(b"\n"):  # so that the first new row starts a line
            path.write_bytes(path.read_bytes() + b"\n")
        with open(path, "a", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=target.header(name), lineterminator="\n")
            writer.writerows(row for row in new_rows if target.row_id(name, row) not in existing)
    (source,) = release_rows(source_id)["sources"]
    shutil.copy2(FIXTURE / source["path"], data_dir / source["path"])
    return data_dir


@pytest.fixture(params=RELEASES)
def data_with_release(request, tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    return add_release(tmp_path / "data", request.param), request.param


def test_each_release_brings_rows_of_its_own():
    """Else adding it would test nothing."""
    for source_id in RELEASES:
        brought = release_rows(source_id)
        assert len(brought["sources"]) == 1 and len(brought["mentions"]) >= 20, source_id
        assert len(brought["events"]) >= 1 and len(brought["event_participants"]) >= 3, source_id
        assert len(brought["names"]) >= 2, source_id


def test_adding_a_release_passes_the_builds_checks(data_with_release):
    data_dir, _ = data_with_release
    assert build.main(["--data", str(data_dir), "--check", "--quiet"]) == 0


def test_adding_a_release_passes_the_generic_data_checks(data_with_release):
    data_dir, source_id = data_with_release
    combined = Dataset(data_dir)
    assert generic_problems(combined) == {}
    # The release is in: its mentions are there, the old ones too.
    sources = {row["source_id"] for row in combined.rows("mentions")}
    assert {source_id, "osce-tajikistan-2011-04-13"} <= sources


def test_adding_a_release_keeps_the_2011_facts(data_with_release, monkeypatch):
    """The tests of the 2011 release's facts pass unchanged on the data with a release added."""
    import test_data

    data_dir, _ = data_with_release
    monkeypatch.setattr(test_data, "REAL", Dataset(data_dir))
    assert len(test_data.FACTS_OF_2011) >= 10
    for fact in test_data.FACTS_OF_2011:
        fact()


def test_a_broken_release_is_caught(tmp_path):
    """The same route fails when the release's text is not the one its sha256 names."""
    shutil.copytree(DATA, tmp_path / "data")
    data_dir = add_release(tmp_path / "data", RELEASES[0])
    text = data_dir / "sources" / f"{RELEASES[0]}.txt"
    text.write_bytes(text.read_bytes().replace(b"19 men", b"18 men"))
    assert build.main(["--data", str(data_dir), "--check", "--quiet"]) == 1
    assert "source_texts_match_their_sha256" in generic_problems(Dataset(data_dir))
