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

from .schema import SQL_TYPES
from .views import VIEW_COLUMN_DESCRIPTIONS, VIEWS

# Tables the build derives from the data, described here because no CSV declares them.
DERIVED_TABLES = {
    "source_paragraphs": ("Source paragraphs", "Each source text split into paragraphs, whitespace collapsed, to show the context of an evidence passage."),
    "_tables": ("Tables", "Data dictionary: every table and what it holds."),
    "_columns": ("Columns", "Data dictionary: every column, its type, whether it is required, its allowed values, whether it is verbatim, searched or indexed, and its meaning."),
    "_build": ("Build", "What built this database: data package name, version and hash, tool versions, the longest value allowed (max_value_bytes)."),
    "_build_files": ("Build input files", "Each input file's SHA-256, size and row count."),
}

# Descriptions of columns that appear only in derived tables; any other column
# of theirs, or of a view, takes the data package's description of its name.
DERIVED_COLUMN_DESCRIPTIONS = {
    "table_name": "The table a row belongs to.",
    "row_id": "The row's primary key; for tables with a compound key, its parts joined by '/'.",
    "paragraph": "The paragraph's position in the source text, from 1.",
    "text": "The text itself.",
    "column_name": "A column of that table.",
    "position": "The column's position in its table, from 1.",
    "type": "The column's type in the data package.",
    "required": "1 if the column may not be empty.",
    "allowed_values": "The values the column may take, when it has a fixed list.",
    "verbatim": "Where the value must be found word for word: 'mentions' (a source that mentions the row) or another column.",
    "searched": "1 if the column is in the table's full-text index.",
    "indexed": "1 if the column leads an index.",
    "title": "A human-readable title.",
    "description": "What it holds.",
    "key": "Name of the recorded fact.",
    "value": "Its value.",
    "path": "File path relative to data/.",
    "sha256": "SHA-256 of the file's bytes.",
    "bytes": "The file's size in bytes.",
    "rows": "Data rows in the file (header excluded).",
}

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
    "pragma foreign_keys = off",  # checked by the build's anti-joins (see integrity_problems)
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
    not exist yet is added once all tables exist. Compound foreign keys
    (mentions -> names) are checked by the build, not declared to SQLite:
    sqlite-utils declares single-column keys only."""
    deferred = []
    for table in package.tables:
        created = set(db.table_names()) | {table.name}
        columns = {field.name: SQL_TYPES[field.type] for field in table.stored_fields}
        foreign_keys = [(fk.column, fk.other_table, fk.other_columns[0]) for fk in table.single_foreign_keys]
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
    names = [field.name for field in table.stored_fields]
    columns = ", ".join(quote_identifier(name) for name in names)
    marks = ", ".join("?" for _ in names)
    return f"insert into {quote_identifier(table.name)} ({columns}) values ({marks})"


def create_dictionary_tables(db, package):
    """Describe every table, view and column inside the database, so that a
    downloaded copy documents itself and Datasette can show the descriptions."""
    db["_tables"].create({"table_name": str, "title": str, "description": str}, pk="table_name", strict=True)
    db["_columns"].create(
        {"table_name": str, "column_name": str, "position": int, "type": str, "required": int,
         "allowed_values": str, "verbatim": str, "searched": int, "indexed": int, "description": str},
        pk=("table_name", "column_name"), strict=True,
    )
    tables = [(t.name, t.title, t.description) for t in package.tables]
    tables += [(name, title, description) for name, (title, description) in DERIVED_TABLES.items()]
    tables += [(name, view["title"], view["description"]) for name, view in VIEWS.items()]
    db["_tables"].insert_all([{"table_name": n, "title": t, "description": d} for n, t, d in tables])
    indexed = {(table, columns[0]) for table, columns in wanted_indexes(package)}
    rows = []
    for table in package.tables:
        for position, field in enumerate(table.stored_fields, 1):
            rows.append({
                "table_name": table.name, "column_name": field.name, "position": position,
                "type": field.type, "required": int(field.required),
                "allowed_values": ", ".join(field.constraints.get("enum", [])) or None,
                "verbatim": field.verbatim, "searched": int(field.searched),
                "indexed": int((table.name, field.name) in indexed or table.primary_key[:1] == (field.name,)),
                "description": field.description,
            })
    for name in list(DERIVED_TABLES) + list(VIEWS):
        for position, column in enumerate(db[name].columns, 1):
            rows.append({
                "table_name": name, "column_name": column.name, "position": position,
                "type": column.type.lower() or "any", "required": int(bool(column.notnull)),
                "allowed_values": None, "verbatim": None, "searched": 0, "indexed": 0,
                "description": _derived_description(package, name, column.name),
            })
    db["_columns"].insert_all(rows)


def _derived_description(package, table_name, column_name):
    """A derived column's description: its own entry, else the described table's
    (a view of one table's rows, VIEWS[name]["describes"]), else the first table's with that column."""
    # A view's own descriptions apply to views only: a view's "role" or "status"
    # must not relabel a derived table's column of the same name.
    own = VIEW_COLUMN_DESCRIPTIONS if table_name in VIEWS else DERIVED_COLUMN_DESCRIPTIONS
    if column_name in own:
        return own[column_name]
    described = VIEWS.get(table_name, {}).get("describes")
    if described and column_name in {field.name for field in package.table(described).stored_fields}:
        return package.table(described).field(column_name).description
    for table in package.tables:
        if column_name in {field.name for field in table.stored_fields}:
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
        # x-maxValueBytes: every value was checked against it; the server reads it
        # here as its length limit for this database (antitrafficking_site/sql_limits.py).
        {"key": "max_value_bytes", "value": str(package.max_value_bytes)},
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


def wanted_indexes(package):
    """(table, columns) for every foreign key and every x-indexed column, except
    where the primary key's own index already serves it."""
    for table in package.tables:
        wanted = [list(fk.columns) for fk in table.foreign_keys]
        wanted += [[field.name] for field in table.stored_fields if field.indexed]
        for columns in wanted:
            if list(table.primary_key[: len(columns)]) != columns:
                yield table.name, columns


def create_indexes(db, package):
    for table, columns in wanted_indexes(package):
        db[table].create_index(columns, if_not_exists=True)


def create_search(db, package):
    """FTS5 with porter stemming over each table's x-searched columns."""
    for table in package.tables:
        columns = [field.name for field in table.stored_fields if field.searched]
        if columns:
            db[table.name].enable_fts(columns, fts_version="FTS5", tokenize="porter", create_triggers=False)


def create_views(db):
    for name, view in VIEWS.items():
        db.create_view(name, view["sql"].strip())


def integrity_problems(db):
    """quick_check, as a safety net under the build's own checks: the b-trees, NOT NULL
    and STRICT types of the file as written. Not integrity_check: the indexes were
    just built by SQLite from the tables, and comparing every index with its table took
    27 s of the build at a million participants (quick_check 2.6 s).

    No foreign_key_check: it cannot find anything. Every single-column foreign key
    value of every stored row was looked up (ingest.py, an anti-join) in the key table
    of the table it names, which holds the keys of all that table's rows, stored or
    not; and a database is written only when no row had an error, so only when every
    row was stored: the key tables then hold exactly the stored keys. The one foreign
    key the build adds (source_paragraphs.source_id) is made from sources' own ids.
    Compound foreign keys are not declared to SQLite (create_tables), so it would not
    check those anyway; ingest.check_compound_key does."""
    result = db.execute("pragma quick_check").fetchone()[0]
    return [] if result == "ok" else [f"quick_check: {result}"]


def finish(db):
    """Statistics for the query planner. No VACUUM: the tables are written in
    one pass and the indexes after them, so it saved 1.5 % of the file for
    17 s of the build at a million participants."""
    db.conn.execute("analyze")
    db.conn.close()
