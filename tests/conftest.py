"""Shared fixtures: the real dataset built once per session, and a Datasette client on it;
the fictional fixture dataset of tests/fixtures/data/, checked and built the same way."""

import hashlib
import json
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))  # datasette_args, local_server

import build  # noqa: E402  (the project's own build script)

DATA = ROOT / "data"
# Three fictional releases with their rows, exercising every construct of the model
# (tests/test_fixture.py). It holds CSV files and texts only: its schema is data/datapackage.json.
FIXTURE = ROOT / "tests" / "fixtures" / "data"


@pytest.fixture(scope="session")
def package():
    from pipeline.schema import load_package

    return load_package(DATA)


@pytest.fixture(scope="session")
def built_db(tmp_path_factory):
    """The real dataset, built with build.py exactly as `make build` does."""
    path = tmp_path_factory.mktemp("db") / "antitrafficking.db"
    assert build.main(["--data", str(DATA), "--output", str(path), "--quiet"]) == 0
    return path


def fixture_data_dir(target):
    """Make `target` a data directory of the fixture's CSV files and texts with the real
    data package beside them, so that the one schema declaration is data/datapackage.json."""
    target = Path(target)
    shutil.copytree(FIXTURE, target)
    shutil.copy2(DATA / "datapackage.json", target / "datapackage.json")
    return target


@pytest.fixture(scope="session")
def fixture_data(tmp_path_factory):
    """The fixture as a data directory (see fixture_data_dir); read only."""
    return fixture_data_dir(tmp_path_factory.mktemp("fixture") / "data")


@pytest.fixture(scope="session")
def fixture_db(fixture_data, tmp_path_factory):
    """The fixture, built with build.py exactly as `make build` builds data/."""
    path = tmp_path_factory.mktemp("fixture-db") / "fixture.db"
    assert build.main(["--data", str(fixture_data), "--output", str(path), "--quiet"]) == 0
    return path


@pytest.fixture
def data_copy(tmp_path):
    """A writable copy of data/ for tests that break it on purpose."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def settings():
    return json.loads((ROOT / "settings.json").read_text())


def metadata():
    return yaml.safe_load((ROOT / "metadata.yml").read_text())


def site_for(*databases, mutable=(), **setting_overrides):
    """An in-process Datasette configured as `make serve` configures it
    (databases immutable, as with `datasette serve -i`)."""
    from datasette.app import Datasette

    return Datasette(
        [str(db) for db in mutable],
        immutables=[str(db) for db in databases],
        metadata=metadata(),
        
        template_dir=str(ROOT / "templates"),
        settings={**settings(), **setting_overrides},
    )


def query(path, sql, params=()):
    """The rows of `sql` on the database at `path`, as dicts (opened and closed for the call)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def query_values(path, sql, params=()):
    """The rows of `sql` on the database at `path`, as tuples."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def datasette(built_db):
    """The site as `make serve` configures it, in process (no network)."""
    return site_for(built_db)
