"""Ids in query results and views as links to the entity's row page.

Datasette links a table's own foreign keys, but not the ids a canned query,
a visitor's SQL or a view returns: those come out as plain slugs. This
render_cell hook links them, without a query per cell: which column names
point at which entity table is read once per database from its SQLite
foreign keys (the build mirrors data/datapackage.json's foreignKeys), so
`participant_id` -> participants, `event_id` -> events and so on.

    column                          links to
    a foreign-key name (event_id)   that key's table (a name two tables share
                                    for different targets, parent_id, is not linked)
    a longer name ending in one     the same: title_source_id -> sources
    row_id beside table_name        the row of table_name (mentions' convention)
    X_id beside X_table             the row of X_table (related_id, related_table)

Only values of the entity tables below are linked, and only outside their
own table pages, where Datasette links keys (with labels) itself.
"""

import weakref

from datasette import hookimpl
from datasette.utils import tilde_encode
from markupsafe import Markup, escape

# The tables whose rows are pages a reader wants to open.
ENTITY_TABLES = ("events", "participants", "locations", "sources", "topics", "documents", "series", "quotes")

# sqlite_master unaliased: tests/test_query_plans.py lets the catalogue be scanned by name.
FOREIGN_KEYS_SQL = """
    select foreign_key."from" as column_name, foreign_key."table" as target
    from sqlite_master, pragma_foreign_key_list(sqlite_master.name) as foreign_key
    where sqlite_master.type = 'table'
"""
VIEWS_SQL = "select name from sqlite_master where type = 'view'"

# Datasette -> {database name: Schema}; each immutable database's read once.
_schemas = weakref.WeakKeyDictionary()


class Schema:
    """What a database's foreign keys say about where a column's ids live."""

    def __init__(self, foreign_keys, views):
        targets = {}
        for column, target in foreign_keys:
            targets.setdefault(column, set()).add(target)
        # One target per name, and an entity table: parent_id means three things.
        self.targets = {column: found.pop() for column, found in targets.items()
                        if len(found) == 1 and next(iter(found)) in ENTITY_TABLES}
        self.views = set(views)

    def target(self, column, row_columns):
        """The table `column`'s values are ids of, or a column of the row naming it, or None."""
        if column == "row_id" and "table_name" in row_columns:
            return ("column", "table_name")
        if column.endswith("_id") and column[:-3] + "_table" in row_columns:
            return ("column", column[:-3] + "_table")
        name = column
        while name:  # title_source_id -> source_id
            if name in self.targets:
                return ("table", self.targets[name])
            name = name.partition("_")[2]
        return None


async def schema(datasette, database):
    known = _schemas.setdefault(datasette, {})
    if database not in known:
        db = datasette.get_database(database)
        foreign_keys = [tuple(row) for row in (await db.execute(FOREIGN_KEYS_SQL)).rows]
        views = [row[0] for row in (await db.execute(VIEWS_SQL)).rows]
        found = Schema(foreign_keys, views)
        if db.is_mutable:
            return found  # its schema may change: read again next time
        known[database] = found
    return known[database]


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    if not isinstance(value, str) or not value or not column.endswith("_id"):
        return None

    async def link():
        found = await schema(datasette, database)
        if table is not None and table not in found.views:
            return None  # a table page: Datasette links its keys itself
        row_columns = row.keys() if hasattr(row, "keys") else ()
        target = found.target(column, row_columns)
        if target is None:
            return None
        kind, name = target
        target_table = row[name] if kind == "column" else name
        if target_table not in ENTITY_TABLES:
            return None
        url = datasette.urls.row(database, target_table, tilde_encode(value))
        return Markup('<a class="id-link" href="{}">{}</a>').format(url, escape(value))

    return link
