"""Release manifests (scripts/release.py, `make release`) and the changes page (/changes).

On temporary copies: the first manifest lists every row as added; after a row is
changed, one added and one removed in a copy of the data (rebuilt with build.py),
the next manifest names exactly those; the changes page shows every manifest."""

import csv
import json
import re
import shutil
import sqlite3

import pytest
from markupsafe import escape

import build
import release
from conftest import DATA, ROOT, metadata, settings, sha256

DATE = "2026-01-15"
NEXT_DATE = "2026-02-01"


def data_tables():
    package = json.loads((DATA / "datapackage.json").read_text())
    return {r["name"]: [r["schema"]["primaryKey"]] if isinstance(r["schema"]["primaryKey"], str)
            else r["schema"]["primaryKey"] for r in package["resources"]}


def ids(path, table, key):
    conn = sqlite3.connect(path)
    try:
        return sorted("/".join(map(str, row)) for row in conn.execute(f"select {', '.join(key)} from {table}"))
    finally:
        conn.close()


def write_release(db, data, releases, date, *extra):
    assert release.main(["--db", str(db), "--data", str(data), "--releases", str(releases), "--date", date, *extra]) == 0
    version = json.loads((data / "datapackage.json").read_text())["version"]
    return json.loads((releases / f"{version}.json").read_text())


def edit_csv(path, edit):
    with path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        fields, rows = reader.fieldnames, list(reader)
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=fields)
        writer.writeheader()
        writer.writerows(edit(rows))


def set_version(data, version):
    path = data / "datapackage.json"
    package = json.loads(path.read_text())
    package["version"] = version
    path.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n")


@pytest.fixture(scope="module")
def first(built_db, tmp_path_factory):
    releases = tmp_path_factory.mktemp("releases")
    return releases, write_release(built_db, DATA, releases, DATE)


def test_the_first_manifest_lists_every_row_as_added(first, built_db):
    _, manifest = first
    assert manifest["version"] == json.loads((DATA / "datapackage.json").read_text())["version"]
    assert manifest["date"] == DATE and manifest["previous_version"] is None
    assert manifest["database_sha256"] == sha256(built_db)
    assert set(manifest["tables"]) == set(data_tables())
    for table, key in data_tables().items():
        entry = manifest["tables"][table]
        expected = ids(built_db, table, key)
        assert entry["rows"] == len(expected)
        assert entry["added"] == expected and entry["changed"] == [] and entry["removed"] == []
        assert sorted(entry["row_digests"]) == expected


def test_a_second_run_with_the_same_data_leaves_the_manifest_as_it_is(first, built_db):
    releases, manifest = first
    path = releases / f"{manifest['version']}.json"
    before = path.read_text()
    assert release.main(["--db", str(built_db), "--data", str(DATA), "--releases", str(releases), "--date", NEXT_DATE]) == 0
    assert path.read_text() == before


@pytest.fixture(scope="module")
def second(first, tmp_path_factory):
    """A copy of the data with one participant changed, one name added and one
    removed, rebuilt, released as the next version on top of the first manifest."""
    releases, first_manifest = first
    work = tmp_path_factory.mktemp("next")
    data = work / "data"
    shutil.copytree(DATA, data)
    shutil.copytree(releases, work / "releases")
    changed = "osce-office-in-tajikistan"
    removed = next(row for row in csv.DictReader((data / "names.csv").open(encoding="utf-8"))
                   if row["table_name"] == "participants" and row["kind"] == "variant")
    participant = next(row for row in csv.DictReader((data / "participants.csv").open(encoding="utf-8"))
                       if row["id"] == "iom")
    # A participant's own name, given again as a names row, is found in its source.
    added = {**removed, "row_id": "iom", "name": participant["name"], "kind": "name", "evidence": "", "note": ""}

    def change(rows):
        for row in rows:
            if row["id"] == changed:
                row["note"] = "A note changed for the test."
        return rows

    edit_csv(data / "participants.csv", change)
    edit_csv(data / "names.csv", lambda rows: [row for row in rows if row != removed] + [added])
    set_version(data, "2.0.1")
    db = work / "antitrafficking.db"
    assert build.main(["--data", str(data), "--output", str(db), "--quiet"]) == 0
    manifest = write_release(db, data, work / "releases", NEXT_DATE)
    name_id = "/".join(added[c] for c in ("table_name", "row_id", "source_id", "name"))
    removed_id = "/".join(removed[c] for c in ("table_name", "row_id", "source_id", "name"))
    return work, manifest, {"participants": ([], [changed], []), "names": ([name_id], [], [removed_id])}


def test_the_next_manifest_names_exactly_the_rows_added_changed_and_removed(second, first):
    work, manifest, expected = second
    assert manifest["version"] == "2.0.1" and manifest["previous_version"] == first[1]["version"]
    assert manifest["database_sha256"] == sha256(work / "antitrafficking.db")
    for table, entry in manifest["tables"].items():
        assert (entry["added"], entry["changed"], entry["removed"]) == expected.get(table, ([], [], [])), table
    assert manifest["tables"]["names"]["rows"] == first[1]["tables"]["names"]["rows"]


def test_a_database_built_from_another_version_is_refused(second, tmp_path, capsys):
    work, manifest, _ = second
    data = tmp_path / "data"
    shutil.copytree(work / "data", data)
    set_version(data, "2.0.2")
    releases = tmp_path / "releases"
    shutil.copytree(work / "releases", releases)
    assert release.main(["--db", str(work / "antitrafficking.db"), "--data", str(data), "--releases", str(releases)]) == 1
    assert "run make build first" in capsys.readouterr().err
    assert not (releases / "2.0.2.json").exists()


def test_a_changed_release_is_not_overwritten_without_replace(second, tmp_path):
    work, manifest, _ = second
    releases = tmp_path / "releases"
    shutil.copytree(work / "releases", releases)
    path = releases / f"{manifest['version']}.json"
    tampered = json.loads(path.read_text())
    tampered["tables"]["events"]["row_digests"] = {}
    path.write_text(json.dumps(tampered))
    args = ["--db", str(work / "antitrafficking.db"), "--data", str(work / "data"), "--releases", str(releases)]
    assert release.main(args) == 1
    assert json.loads(path.read_text()) == tampered
    assert release.main(args + ["--replace"]) == 0
    assert json.loads(path.read_text())["tables"]["events"]["row_digests"] == manifest["tables"]["events"]["row_digests"]


def site_with_releases(db, releases):
    from datasette.app import Datasette

    configured = metadata()
    configured["plugins"]["changes_page"] = {"releases": str(releases)}
    return Datasette(immutables=[str(db)], metadata=configured, template_dir=str(ROOT / "templates"), settings=settings())


def cell_numbers(html, version, table):
    section = html.split(f'id="release-{version}"', 1)[1].split("</section>", 1)[0]
    row = re.search(rf'<tr data-table="{table}">(.*?)</tr>', section, re.S).group(1)
    return [int(n) for n in re.findall(r'<td class="number">(\d+)</td>', row)]


async def test_the_changes_page_shows_each_manifest_with_its_counts(second):
    work, newest, _ = second
    site = site_with_releases(work / "antitrafficking.db", work / "releases")
    response = await site.client.get("/changes")
    assert response.status_code == 200
    html = response.text
    manifests = [json.loads(p.read_text()) for p in (work / "releases").glob("*.json")]
    assert len(manifests) == 2
    assert html.index("Release 2.0.1") < html.index("Release 2.0.0")  # newest first
    for manifest in manifests:
        assert f"Release {manifest['version']}, {manifest['date']}" in html
        assert manifest["database_sha256"] in html
        for table, entry in manifest["tables"].items():
            assert cell_numbers(html, manifest["version"], table) == [
                entry["rows"], len(entry["added"]), len(entry["changed"]), len(entry["removed"])]
    for row_id in newest["tables"]["participants"]["changed"] + newest["tables"]["names"]["removed"]:
        assert str(escape(row_id)) in html
    assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_the_changes_page_without_releases_says_so(built_db, tmp_path):
    site = site_with_releases(built_db, tmp_path)
    response = await site.client.get("/changes")
    assert response.status_code == 200
    assert "No release has been written yet" in response.text


def test_the_repository_holds_the_manifest_of_the_current_version():
    version = json.loads((DATA / "datapackage.json").read_text())["version"]
    manifest = json.loads((ROOT / "releases" / f"{version}.json").read_text())
    assert manifest["version"] == version
    assert set(manifest["tables"]) == set(data_tables())


def test_with_the_same_rows_and_other_database_bytes_only_the_digest_is_rewritten(first, built_db, tmp_path, capsys):
    """The build changed (e.g. a new view) and the data did not: same version, same
    row digests, another database file. The manifest then names today's file; its
    date and its changes stay those of the release."""
    releases = tmp_path / "releases"
    shutil.copytree(first[0], releases)
    path = releases / f"{first[1]['version']}.json"
    stale = {**json.loads(path.read_text()), "database_sha256": "0" * 64}
    path.write_text(json.dumps(stale, indent=1, ensure_ascii=False) + "\n")
    args = ["--db", str(built_db), "--data", str(DATA), "--releases", str(releases), "--date", NEXT_DATE]
    assert release.main(args) == 0
    assert "the build changed, the data did not" in capsys.readouterr().out
    rewritten = json.loads(path.read_text())
    assert rewritten == {**stale, "database_sha256": sha256(built_db)}
    assert rewritten["date"] == DATE  # not the run's
    # Run again: now the same in every respect, left as it is.
    before = path.read_text()
    assert release.main(args) == 0
    assert "already written" in capsys.readouterr().out and path.read_text() == before


def test_the_committed_manifest_holds_the_current_data(built_db):
    """releases/<version>.json's row digests are those of the database build.py makes
    from data/ today. Its database_sha256 is not compared: the file's bytes change
    with the build (a new view, an index, another SQLite) while the data stays the
    same, and any later change to the build would make this test fail though the
    release is right; `make release` rewrites that digest (see the test above)."""
    version = json.loads((DATA / "datapackage.json").read_text())["version"]
    manifest = json.loads((ROOT / "releases" / f"{version}.json").read_text())
    conn = sqlite3.connect(f"file:{built_db}?mode=ro", uri=True)
    try:
        for table, key in data_tables().items():
            entry = manifest["tables"][table]
            digests = release.row_digests(conn, table, key)
            assert entry["row_digests"] == digests, table
            assert entry["rows"] == len(digests), table
    finally:
        conn.close()
