"""Write a release manifest: releases/<version>.json, what this release is and what it changed.

    python scripts/release.py [--db antitrafficking.db] [--data data] [--releases releases]
                              [--date YYYY-MM-DD] [--replace]

`make release` runs it after `make build`. The manifest holds the data package's
version, the date (today unless --date), the database's SHA-256, each table's row
count, and the ids added, changed and removed per table since the previous
manifest (the one of the highest lower version; none: every row is added). To
tell a changed row from an unchanged one next time, it also keeps each row's
digest (the first 16 hex digits of the SHA-256 of its values): compact, and
enough to see any change.

A row's id is its primary key, the parts of a compound key joined as
the mentions table writes them (pipeline.schema.ROW_ID_SEPARATOR) (event/participant/role). Tables are the data
package's; derived tables and views follow from them.

The manifest of a version is written once: run again with the same data, it is
left as it is; with other data, the run stops (raise the version in
data/datapackage.json for a new release, or give --replace to rewrite it).
With the same rows but a database of other bytes (the build changed, e.g. a new
view, and the data did not), only the manifest's database_sha256 is rewritten,
so that it names the file `make build` makes today; the run says so.
"""

import argparse
import datetime
import hashlib
import json
import sqlite3
import sys
from pathlib import Path

# The project is installed (make's venv): the site reads these manifests with the
# same version order, and cites the database with the same digest.
from antitrafficking_site.changes_page import version_key
from antitrafficking_site.cite_block import file_sha256
from pipeline.schema import ROW_ID_SEPARATOR, load_package

DIGEST_LENGTH = 16  # hex digits: 64 bits, no accidental collision among a dataset's rows


class ReleaseError(Exception):
    """What stops a release: the message says what to do."""


def package_tables(data):
    """(version, [(table, primary key columns)]) from the data package."""
    package = load_package(Path(data))
    return package.version, [(table.name, list(table.primary_key)) for table in package.tables]


def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def row_digests(conn, table, key):
    """{row id: digest of the row's values} for every row of `table`."""
    cursor = conn.execute(f"select * from {quoted(table)} order by {', '.join(map(quoted, key))}")
    columns = [description[0] for description in cursor.description]
    positions = [columns.index(column) for column in key]
    digests = {}
    for row in cursor:
        row_id = ROW_ID_SEPARATOR.join(str(row[i]) for i in positions)
        # Column names in the digest too: a value moved to another column is a change.
        content = json.dumps(dict(zip(columns, row)), sort_keys=True, ensure_ascii=False, default=repr)
        digests[row_id] = hashlib.sha256(content.encode()).hexdigest()[:DIGEST_LENGTH]
    return digests


def manifests(releases):
    """Every manifest in `releases`, lowest version first."""
    found = [json.loads(path.read_text()) for path in Path(releases).glob("*.json")]
    return sorted(found, key=lambda manifest: version_key(manifest["version"]))


def previous_manifest(releases, version):
    lower = [m for m in manifests(releases) if version_key(m["version"]) < version_key(version)]
    return lower[-1] if lower else None


def diff(before, after):
    """Ids added, changed and removed from the {id: digest} `before` to `after`, sorted."""
    return {
        "added": sorted(set(after) - set(before)),
        "changed": sorted(row_id for row_id in set(after) & set(before) if after[row_id] != before[row_id]),
        "removed": sorted(set(before) - set(after)),
    }


def make_manifest(db, data, releases, date):
    version, tables = package_tables(data)
    previous = previous_manifest(releases, version)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        built_version = conn.execute("select value from _build where key = 'package_version'").fetchone()
        if built_version is None or built_version[0] != version:
            raise ReleaseError(f"{db} was built from version {built_version and built_version[0]}, "
                             f"{data}/datapackage.json is {version}: run make build first")
        entries = {}
        for table, key in tables:
            digests = row_digests(conn, table, key)
            before = ((previous or {}).get("tables", {}).get(table) or {}).get("row_digests", {})
            entries[table] = {"rows": len(digests), **diff(before, digests), "row_digests": digests}
    finally:
        conn.close()
    return {
        "version": version,
        "date": date,
        "previous_version": previous and previous["version"],
        "database_sha256": file_sha256(db),
        "tables": entries,
    }


def same_content(one, other):
    """The same rows: every table's row digests equal (the database file may differ)."""
    return {t: e["row_digests"] for t, e in one["tables"].items()} == {t: e["row_digests"] for t, e in other["tables"].items()}


def same_database(one, other):
    return one.get("database_sha256") == other.get("database_sha256")


def write(path, manifest):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")


def summary(manifest):
    changes = [f"{table}: +{len(e['added'])} ~{len(e['changed'])} -{len(e['removed'])}"
               for table, e in manifest["tables"].items() if e["added"] or e["changed"] or e["removed"]]
    since = f"since {manifest['previous_version']}" if manifest["previous_version"] else "first release"
    return f"release {manifest['version']} ({manifest['date']}, {since}): " + ("; ".join(changes) or "no row changed")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="antitrafficking.db", help="the built database")
    parser.add_argument("--data", default="data", help="the data package it was built from")
    parser.add_argument("--releases", default="releases", help="the directory of manifests")
    parser.add_argument("--date", type=datetime.date.fromisoformat, default=datetime.date.today(),
                        help="the release date, YYYY-MM-DD (default: today)")
    parser.add_argument("--replace", action="store_true", help="rewrite this version's manifest though its data changed")
    args = parser.parse_args(argv)

    try:
        manifest = make_manifest(args.db, args.data, args.releases, args.date.isoformat())
    except ReleaseError as error:
        print(error, file=sys.stderr)
        return 1
    path = Path(args.releases) / f"{manifest['version']}.json"
    if path.exists() and not args.replace:
        written = json.loads(path.read_text())
        if same_content(written, manifest) and same_database(written, manifest):
            print(f"{path}: release {manifest['version']} is already written with this data; left as it is")
            return 0
        if same_content(written, manifest):
            # Same version, same rows, other bytes: the build changed (a new view, an
            # index, another SQLite), the data did not. The manifest must name the file
            # the build makes now, or a download could not be checked against it; its
            # date and its changes stay those of the release.
            print(f"{path}: release {manifest['version']}: the database's SHA-256 rewritten, "
                  f"{written.get('database_sha256')} -> {manifest['database_sha256']}: the build changed, "
                  f"the data did not (every row digest is the same); the rest is left as it is")
            write(path, {**written, "database_sha256": manifest["database_sha256"]})
            return 0
        print(f"{path}: release {manifest['version']} was written with other data. Raise the version in "
              f"{args.data}/datapackage.json for a new release, or give --replace to rewrite this one.", file=sys.stderr)
        return 1
    write(path, manifest)
    print(f"{path}: {summary(manifest)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
