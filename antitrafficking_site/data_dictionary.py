"""Show the data package's table and column descriptions in Datasette.

The build copies every description from data/datapackage.json into the
database's `_tables` and `_columns` tables; this plugin hands them to
Datasette as metadata, so they are declared once (in the data package) and
travel with the database wherever it is published.
"""

import functools
import os
import sqlite3

from datasette import hookimpl


# Datasette asks for metadata many times per page, by key, and deep-copies
# what it gets: hand the descriptions only to the lookups that show them.
DESCRIPTIVE_KEYS = {None, "databases", "title", "description", "columns"}


@hookimpl
def get_metadata(datasette, key, database, table):
    if key not in DESCRIPTIVE_KEYS:
        return {}
    databases = {}
    for name, db in datasette.databases.items():
        described = described_once(db) if not db.is_mutable else described_now(db)
        if described:
            databases[name] = {"tables": described}
    return {"databases": databases}


def described_once(db):
    """An immutable database's descriptions, read at the first lookup: it cannot
    change while served (after a swap, the server keeps answering from the old file)."""
    if "_data_dictionary" not in db.__dict__:
        db._data_dictionary = described_now(db)
    return db._data_dictionary


def described_now(db):
    if not (db.path and os.path.exists(db.path)):
        return {}
    stat = os.stat(db.path)
    return describe(db.path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def describe(path, mtime_ns, size):
    """{table: {description, columns}} from the database's data dictionary (cached per file version)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = conn.execute("select table_name, title, description from _tables").fetchall()
            columns = conn.execute("select table_name, column_name, description from _columns order by table_name, position").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return {}  # not one of our databases: nothing to describe
    described = {name: {"title": title, "description": description, "columns": {}} for name, title, description in tables}
    for table_name, column_name, description in columns:
        described.setdefault(table_name, {"columns": {}})["columns"][column_name] = description
    return described
