"""The SQLite side of the build: tables, bulk inserts, indexes, search, views.

Table definitions come from the data package (schema.py); this module adds
only what the site needs on top: indexes, full-text search and views.
"""

import hashlib
import importlib.metadata
import json
import re
import sqlite3

import sqlite_utils

from .schema import DERIVED_COLUMNS, SQL_TYPES

# Columns that canned queries and facets filter or sort on, besides foreign keys.
EXTRA_INDEXES = {
    "locations": [["kind"], ["name"]],
    "participants": [["kind"], ["name"]],
    "events": [["kind"], ["start_date"], ["date_precision"]],  # date_precision: a default facet in metadata.yml
    "sources": [["published_date"]],  # the default sort of the sources table
    "event_participants": [["role"]],
    "topics": [["name"]],
}

# Full-text search (FTS5, porter stemming) per table.
SEARCH_COLUMNS = {
    "sources": ["title", "text"],
    "events": ["name", "description"],
    "participants": ["name", "abbreviation", "title"],
    "locations": ["name"],
    "quotes": ["text"],
    "topics": ["name", "description"],
}

# Views that save users joins; every column they show has a clear name.
VIEWS = {
    "participations": """
select
  ep.event_id, e.name as event_name, e.start_date, e.end_date,
  ep.participant_id, p.name as participant_name, p.kind as participant_kind,
  ep.role, ep.evidence, ep.source_id
from event_participants ep
join events e on e.id = ep.event_id
join participants p on p.id = ep.participant_id
""",
    "events_on_map": """
select
  e.id, e.name, e.kind, e.start_date, e.end_date, e.date_precision,
  l.id as location_id, l.name as location_name,
  l.latitude, l.longitude, l.coordinate_precision
from events e
join locations l on l.id = e.location_id
where l.latitude is not null and l.longitude is not null
""",
    "evidence": """
select 'locations' as table_name, id as row_id, source_id, evidence from locations
union all select 'participants', id, source_id, evidence from participants
union all select 'events', id, source_id, evidence from events
union all select 'event_participants', event_id || '/' || participant_id || '/' || role, source_id, evidence from event_participants
union all select 'quotes', id, source_id, evidence from quotes
union all select 'topics', id, source_id, evidence from topics
union all select 'event_topics', event_id || '/' || topic_id, source_id, evidence from event_topics
""",
}

# Tables the build derives from the data, described here because no CSV declares them.
DERIVED_TABLES = {
    "source_paragraphs": ("Source paragraphs", "Each source text split into paragraphs, whitespace collapsed, to show the context of an evidence passage."),
    "participations": ("Participations", "View: each participation with the event's and the participant's names and the role."),
    "events_on_map": ("Events on the map", "View: each event with its location's name and coordinates, for the map."),
    "evidence": ("Evidence", "View: every row's evidence passage, with the table and row it supports."),
    "_tables": ("Tables", "Data dictionary: every table and what it holds."),
    "_columns": ("Columns", "Data dictionary: every column, its type, whether it is required, its allowed values and meaning."),
    "_build": ("Build", "What built this database: data package name, version and hash, tool versions."),
    "_build_files": ("Build input files", "Each input file's SHA-256, size and row count."),
}

# Descriptions of columns that appear only in derived tables and views; any
# other column of theirs takes the data package's description of its name.
DERIVED_COLUMN_DESCRIPTIONS = {
    "event_name": "The event's name (see events.name).",
    "participant_name": "The participant's name (see participants.name).",
    "participant_kind": "The participant's kind (see participants.kind).",
    "location_name": "The location's name (see locations.name).",
    "table_name": "The table a row belongs to.",
    "row_id": "The row's primary key; for tables with a compound key, its parts joined by '/'.",
    "paragraph": "The paragraph's position in the source text, from 1.",
    "text": "The text itself.",
    "column_name": "A column of that table.",
    "position": "The column's position in its table, from 1.",
    "type": "The column's type in the data package.",
    "required": "1 if the column may not be empty.",
    "allowed_values": "The values the column may take, when it has a fixed list.",
    "title": "A human-readable title.",
    "description": "What it holds.",
    "key": "Name of the recorded fact.",
    "value": "Its value.",
    "path": "File path relative to data/.",
    "sha256": "SHA-256 of the file's bytes.",
    "bytes": "The file's size in bytes.",
    "rows": "Data rows in the file (header excluded).",
}

# The table whose column descriptions a view's same-named columns take.
VIEW_BASE_TABLES = {"participations": "event_participants", "events_on_map": "events"}

# ANALYZE reads a sample of each index: enough for the query planner's
# choices here, and 1 s instead of 10 s at a million participants.
ANALYSIS_LIMIT_PRAGMA = "pragma analysis_limit = 1000"

# Pragmas for a throw-away build file: it is swapped in only when complete,
# so there is nothing to recover from and no need for a journal or fsyncs.
BUILD_PRAGMAS = (
    "pragma journal_mode = memory",  # not off: "rollback to" a savepoint needs a journal
    "pragma synchronous = off",
    "pragma locking_mode = exclusive",
    "pragma cache_size = -262144",  # 256 MiB of page cache
    "pragma foreign_keys = off",  # checked in Python while loading, then by foreign_key_check
    ANALYSIS_LIMIT_PRAGMA,
)


def quote_identifier(name):
    return '"' + name.replace('"', '""') + '"'


def open_build_database(path):
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in BUILD_PRAGMAS:
        conn.execute(pragma)
    return sqlite_utils.Database(conn)


def create_tables(db, package):
    """Create every table with its keys; a foreign key whose target table does
    not exist yet (sources.dateline_location_id <-> locations.source_id form a
    loop) is added once all tables exist."""
    deferred = []
    for table in package.tables:
        created = set(db.table_names()) | {table.name}
        columns = {field.name: SQL_TYPES[field.type] for field in table.fields}
        columns.update({name: str for name in DERIVED_COLUMNS.get(table.name, {})})
        foreign_keys = [(fk.column, fk.other_table, fk.other_column) for fk in table.foreign_keys]
        deferred += [(table.name, fk) for fk in foreign_keys if fk[1] not in created]
        db[table.name].create(
            columns,
            pk=table.primary_key[0] if len(table.primary_key) == 1 else table.primary_key,
            foreign_keys=[fk for fk in foreign_keys if fk[1] in created],
            not_null=[field.name for field in table.fields if field.required],
            strict=True,
        )
    for name, (column, other_table, other_column) in deferred:
        db[name].add_foreign_key(column, other_table, other_column)


def insert_statement(table):
    names = table.column_names + list(DERIVED_COLUMNS.get(table.name, {}))
    columns = ", ".join(quote_identifier(name) for name in names)
    marks = ", ".join("?" for _ in names)
    return f"insert into {quote_identifier(table.name)} ({columns}) values ({marks})"


def create_dictionary_tables(db, package):
    """Describe every table, view and column inside the database, so that a
    downloaded copy documents itself and Datasette can show the descriptions."""
    db["_tables"].create({"table_name": str, "title": str, "description": str}, pk="table_name", strict=True)
    db["_columns"].create(
        {"table_name": str, "column_name": str, "position": int, "type": str, "required": int,
         "allowed_values": str, "description": str},
        pk=("table_name", "column_name"), strict=True,
    )
    tables = [(t.name, t.title, t.description) for t in package.tables]
    tables += [(name, title, description) for name, (title, description) in DERIVED_TABLES.items()]
    db["_tables"].insert_all([{"table_name": n, "title": t, "description": d} for n, t, d in tables])
    rows = []
    for table in package.tables:
        for position, field in enumerate(table.fields, 1):
            rows.append({
                "table_name": table.name, "column_name": field.name, "position": position,
                "type": field.type, "required": int(field.required),
                "allowed_values": ", ".join(field.constraints.get("enum", [])) or None,
                "description": field.description,
            })
    for name in DERIVED_TABLES:
        for position, column in enumerate(db[name].columns, 1):
            rows.append({
                "table_name": name, "column_name": column.name, "position": position,
                "type": column.type.lower() or "any", "required": int(bool(column.notnull)),
                "allowed_values": None, "description": _derived_description(package, name, column.name),
            })
    for table_name, columns in DERIVED_COLUMNS.items():
        for offset, (name, description) in enumerate(columns.items(), 1):
            rows.append({
                "table_name": table_name, "column_name": name,
                "position": len(package.table(table_name).fields) + offset,
                "type": "string", "required": 0, "allowed_values": None, "description": description,
            })
    db["_columns"].insert_all(rows)


def _derived_description(package, table_name, column_name):
    """A derived column's description: its own entry, else its base table's, else any table's."""
    if column_name in DERIVED_COLUMN_DESCRIPTIONS:
        return DERIVED_COLUMN_DESCRIPTIONS[column_name]
    candidates = [package.table(VIEW_BASE_TABLES[table_name])] if table_name in VIEW_BASE_TABLES else []
    for table in candidates + list(package.tables):
        if column_name in table.column_names:
            return table.field(column_name).description
    return ""


def record_build(db, package, files):
    """What built this database: package version and each input file's hash and row count."""
    db["_build"].create({"key": str, "value": str}, pk="key", strict=True)
    db["_build"].insert_all([
        {"key": "package_name", "value": package.name},
        {"key": "package_version", "value": package.version},
        {"key": "datapackage_sha256", "value": hashlib.sha256(
            json.dumps(package.raw, sort_keys=True).encode()).hexdigest()},
        {"key": "sqlite_utils_version", "value": importlib.metadata.version("sqlite-utils")},
    ])
    db["_build_files"].create({"path": str, "sha256": str, "bytes": int, "rows": int}, pk="path", strict=True)
    db["_build_files"].insert_all(files)


def create_source_paragraphs(db):
    """Split each source text into paragraphs (blank-line separated), whitespace
    collapsed, so that a query can show the paragraph an evidence passage is from."""
    db["source_paragraphs"].create(
        {"source_id": str, "paragraph": int, "text": str},
        pk=("source_id", "paragraph"), foreign_keys=[("source_id", "sources", "id")], strict=True,
    )
    def rows():  # one source at a time: memory does not grow with the number of sources
        for source_id, text in db.execute("select id, text from sources where text is not null order by id"):
            blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
            yield from ({"source_id": source_id, "paragraph": number, "text": block}
                        for number, block in enumerate((b for b in blocks if b), 1))

    db["source_paragraphs"].insert_all(rows())


def create_indexes(db, package):
    for table in package.tables:
        wanted = [[fk.column] for fk in table.foreign_keys]
        wanted += EXTRA_INDEXES.get(table.name, [])
        for columns in wanted:
            if list(table.primary_key[: len(columns)]) == columns:
                continue  # the primary key's own index already serves it
            db[table.name].create_index(columns, if_not_exists=True)


def create_search(db):
    for table, columns in SEARCH_COLUMNS.items():
        db[table].enable_fts(columns, fts_version="FTS5", tokenize="porter", create_triggers=False)


def create_views(db):
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip())


def integrity_problems(db):
    """Foreign keys checked again by SQLite, as a safety net under the checks made
    while loading; quick_check, not integrity_check: the indexes were just built
    by SQLite from the tables, and integrity_check's comparison of every index with
    its table took 27 s of the build at a million participants (quick_check 2.6 s)."""
    problems = [f"foreign key problem: {row}" for row in db.execute("pragma foreign_key_check").fetchall()]
    result = db.execute("pragma quick_check").fetchone()[0]
    if result != "ok":
        problems.append(f"quick_check: {result}")
    return problems


def finish(db):
    """Statistics for the query planner. No VACUUM: the tables are written in
    one pass and the indexes after them, so it saved 1.5 % of the file for
    17 s of the build at a million participants."""
    db.conn.execute("analyze")
    db.conn.close()
