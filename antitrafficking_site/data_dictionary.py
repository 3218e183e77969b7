"""Show the data package's table and column descriptions in Datasette.

The build copies every description from data/datapackage.json into the
database's `_tables` and `_columns` tables; this plugin hands them to
Datasette as metadata, so they are declared once (in the data package) and
travel with the database wherever it is published.

Datasette 0.65 has one place for a column's description, the table's
`columns` metadata, and datasette-reconcile 0.6.3 reads that same place as
the columns' labels: its `extend` request keys the properties by label and
looks them up by column name (`properties = {p["name"]: p}`, then
`properties[p["id"]]`), so any described column fails with a KeyError (a 500).
Its requests (under `/-/reconcile`) therefore get no column descriptions, and
a column's label there is its name; every other page keeps the descriptions.
An empty description is left out, so that no page shows "None" or a blank.
"""

import contextvars
import functools
import os
import weakref
import sqlite3

from datasette import hookimpl


# Datasette asks for metadata many times per page, by key, and deep-copies
# what it gets: hand the descriptions only to the lookups that show them.
DESCRIPTIVE_KEYS = {None, "databases", "title", "description", "columns"}
# Set for the requests whose reader takes `columns` for labels (see above).
RECONCILE_PATH = "/-/reconcile"
columns_as_labels = contextvars.ContextVar("columns_as_labels", default=False)


@hookimpl
def get_metadata(datasette, key, database, table):
    if key not in DESCRIPTIVE_KEYS:
        return {}
    with_columns = not columns_as_labels.get()
    databases = {}
    for name, db in datasette.databases.items():
        described = described_once(db) if not db.is_mutable else described_now(db)
        if described:
            databases[name] = {"tables": described if with_columns else without_columns(described)}
    return {"databases": databases}


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def label_columns_by_name(scope, receive, send):
            # A context variable, not a flag on the Datasette object: requests run
            # concurrently, and each sees only its own value.
            token = columns_as_labels.set(scope.get("type") == "http" and RECONCILE_PATH in scope.get("path", ""))
            try:
                await app(scope, receive, send)
            finally:
                columns_as_labels.reset(token)
        return label_columns_by_name
    return wrap


def without_columns(described):
    return {table: {k: v for k, v in entry.items() if k != "columns"} for table, entry in described.items()}


_described = weakref.WeakKeyDictionary()  # immutable Database -> its descriptions


def described_once(db):
    """An immutable database's descriptions, read at the first lookup: it cannot
    change while served (after a swap, the server keeps answering from the old file)."""
    if db not in _described:
        _described[db] = described_now(db)
    return _described[db]


def described_now(db):
    if not (db.path and os.path.exists(db.path)):
        return {}
    stat = os.stat(db.path)
    return describe(db.path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def describe(path, mtime_ns, size):
    """{table: {title, description, columns}} from the database's data dictionary
    (cached per file version); empty titles and descriptions are left out."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = conn.execute("select table_name, title, description from _tables").fetchall()
            columns = conn.execute("select table_name, column_name, description from _columns order by table_name, position").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return {}  # not one of our databases: nothing to describe
    described = {name: given(title=title, description=description) for name, title, description in tables}
    for table_name, column_name, description in columns:
        entry = described.setdefault(table_name, {})
        if given(description=description):
            entry.setdefault("columns", {})[column_name] = description
    return described


def given(**values):
    """The values that say something: not None, not blank."""
    return {key: value for key, value in values.items() if value is not None and str(value).strip()}
