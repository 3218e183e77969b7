"""The changes page, /changes: every release and what it changed.

`make release` (scripts/release.py) writes one manifest per release into the
repository's releases/ directory; the page (templates/pages/changes.html)
shows them newest first: version, date, the database's SHA-256, each table's
rows and the ids added, changed and removed since the release before.

The manifests are read once, at startup, from `plugins: changes_page:
releases` (a path relative to the directory the server runs in, as the
data/ directory Datasette serves at /data/ is): the Docker image copies
releases/ beside data/. A manifest that cannot be read stops the server with
a message rather than show a changes page with a release missing.
"""

import json
import weakref
from pathlib import Path

import click
from datasette import hookimpl

from .config import plugin_settings

TEMPLATE = "pages/changes.html"
DEFAULTS = {"releases": "releases"}
_loaded = weakref.WeakKeyDictionary()  # Datasette -> [release], newest first


@hookimpl
def startup(datasette):
    releases(datasette)


@hookimpl
def extra_template_vars(template, datasette):
    if template != TEMPLATE:
        return {}
    return {"releases": releases(datasette)}


def releases(datasette):
    if datasette not in _loaded:
        directory = Path(plugin_settings(datasette, "changes_page", DEFAULTS)["releases"])
        _loaded[datasette] = read_releases(directory)
    return _loaded[datasette]


def read_releases(directory):
    """Each manifest in `directory` as the page shows it (its row digests, kept
    for the next release's diff, left out), newest version first."""
    found = []
    for path in sorted(directory.glob("*.json")):
        try:
            manifest = json.loads(path.read_text())
            found.append(shown(manifest))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise click.ClickException(f"release manifest {path} cannot be read: {error!r}")
    return sorted(found, key=lambda release: version_key(release["version"]), reverse=True)


def shown(manifest):
    tables = [
        {"name": name, "rows": entry["rows"], "added": entry["added"], "changed": entry["changed"],
         "removed": entry["removed"]}
        for name, entry in manifest["tables"].items()
    ]
    return {
        "version": manifest["version"], "date": manifest["date"],
        "previous_version": manifest.get("previous_version"),
        "database_sha256": manifest["database_sha256"],
        "tables": tables,
        "rows": sum(table["rows"] for table in tables),
        "added": sum(len(table["added"]) for table in tables),
        "changed": sum(len(table["changed"]) for table in tables),
        "removed": sum(len(table["removed"]) for table in tables),
    }


def version_key(version):
    """Numeric parts compared as numbers (2.10.0 is newer than 2.9.0); scripts/release.py orders by it too."""
    parts = str(version).replace("-", ".").replace("+", ".").split(".")
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts]
