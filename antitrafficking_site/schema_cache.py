"""Answer Datasette's schema questions once per immutable database.

Datasette 0.65 asks SQLite about the schema several times for every page
(table and view names, hidden tables, columns, primary and foreign keys,
full-text tables, label columns), each question a round trip to an SQL
thread; it re-reads the schema version of every database on every request;
and its table permission check deep-copies the whole metadata each time. A
database served immutable (`-i`) cannot change, nor can the metadata of a
running server, so these wrappers (installed by patches.py) keep those answers for the life
of the process. Mutable databases (Datasette's own _internal among them) are asked
every time, as before.

In process at 100 000 participants (CPU per request, two runs each) it took
a participant's row page from 11-12 to 7-8 ms, a filtered event_participants
page from 23-29 to 14-15 ms and the events table page from 39-41 to 30-34 ms.
"""

import functools

# Database methods whose answers depend only on the schema.
SCHEMA_QUESTIONS = [
    "table_names", "view_names", "hidden_table_names", "get_all_foreign_keys", "table_exists",
    "table_columns", "table_column_details", "primary_keys", "fts_table", "foreign_keys_for_table",
    "label_column_for_table", "get_table_definition", "get_view_definition",
]


def remembered(name, ask):
    """`ask`, answered once per immutable database and arguments."""

    @functools.wraps(ask)
    async def answer(db, *args):
        if db.is_mutable:
            return await ask(db, *args)
        answers = db.__dict__.setdefault("_schema_answers", {})
        key = (name, *args)
        if key not in answers:
            answers[key] = await ask(db, *args)
        found = answers[key]
        return list(found) if isinstance(found, list) else found  # callers may change a list they get

    return answer


def refresh_schemas_once(refresh):
    """Datasette's catalogue refresh, skipped once it has seen every database immutable."""

    @functools.wraps(refresh)
    async def refresh_schemas(ds):
        served = tuple(sorted(ds.databases))
        if ds.__dict__.get("_schemas_refreshed_for") == served:
            return
        await refresh(ds)
        if all(not db.is_mutable for name, db in ds.databases.items() if name != "_internal"):
            ds._schemas_refreshed_for = served

    return refresh_schemas


def table_permission_once(allows):
    """The table permission check, once per (database, table): the metadata is fixed while serving."""

    @functools.wraps(allows)
    def table_permission_allows(ds, database, table):
        answers = ds.__dict__.setdefault("_table_permission_answers", {})
        if (database, table) not in answers:
            answers[(database, table)] = allows(ds, database, table)
        return answers[(database, table)]

    return table_permission_allows
