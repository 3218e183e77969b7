"""Drop-down choices for a canned query's parameters, where there are few values.

Datasette 0.65 gives every parameter a text box; a reader does not know the
slugs. templates/query-antitrafficking.html shows a <select> instead for:

    table_name       the tables the mentions support rows of
    an enum column   its allowed values, in the data package's order (the
                     build keeps them in _columns.allowed_values): role, kind...
    an id            (event_id, location_id, participant_id: a foreign-key
                     name, see id_links) the entity's rows by name, when it
                     has at most MAX_CHOICES of them; beyond that, the text box

Each list is read once per immutable database: it cannot change while served.
"""

import re
import weakref

from . import id_links

MAX_CHOICES = 200

# The distinct table names through the primary key (table_name, row_id,
# source_id): one index seek per table, not a scan of every mention.
MENTIONED_TABLES_SQL = """
    with recursive mentioned(name) as (
      select min(table_name) from mentions
      union all
      select (select min(table_name) from mentions where table_name > mentioned.name)
      from mentioned where mentioned.name is not null
    )
    select name, name from mentioned where name is not null
"""
ENUMS_SQL = "select column_name, allowed_values from _columns where coalesce(allowed_values, '') != ''"
TABLE_EXISTS_SQL = "select name from sqlite_master where type = 'table' and name = :name"

# Datasette -> {(database, parameter): [(value, label)] or None}
_choices = weakref.WeakKeyDictionary()


# A parameter is :name with name starting with a letter or an underscore, as
# SQLite's own; not "::" (a cast elsewhere), nor ":30" in a string literal such as
# '12:30', nor "x:y" inside a word.
PARAMETER = re.compile(r"(?<!\w):([A-Za-z_]\w*)")


def parameters(sql):
    return list(dict.fromkeys(PARAMETER.findall(sql)))


async def pickers(datasette, database, sql):
    """{parameter: [(value, label)]} for the parameters of `sql` that have few values."""
    db = datasette.get_database(database)
    known = _choices.setdefault(datasette, {})
    found = {}
    for name in parameters(sql):
        key = (database, name)
        if key not in known or db.is_mutable:
            known[key] = await choices(datasette, db, name)
        if known[key]:
            found[name] = known[key]
    return found


async def choices(datasette, db, name):
    if name == "table_name" and await exists(db, "mentions"):
        return [tuple(row) for row in (await db.execute(MENTIONED_TABLES_SQL)).rows]
    enum = await enum_values(db, name)
    if enum:
        return [(value, value) for value in enum]
    schema = await id_links.schema(datasette, db.name)
    target = schema.targets.get(name)
    if target:
        return await entity_choices(datasette, db, target)
    return None


async def exists(db, table):
    return bool((await db.execute(TABLE_EXISTS_SQL, {"name": table})).rows)


async def enum_values(db, column):
    """A column's allowed values when every table that has a column of that name allows the same ones."""
    if not await exists(db, "_columns"):
        return None
    enums = {row["allowed_values"] for row in (await db.execute(ENUMS_SQL)).rows if row["column_name"] == column}
    if len(enums) != 1:
        return None
    return [value.strip() for value in enums.pop().split(",") if value.strip()]


async def entity_choices(datasette, db, table):
    """(id, label) of each row of `table` by label, or None when there are too many to list."""
    label = (datasette.table_metadata(db.name, table) or {}).get("label_column") or "id"
    quoted_label = '"' + label.replace('"', '""') + '"'
    rows = (await db.execute(
        f'select id, {quoted_label} from "{table}" order by {quoted_label}, id limit {MAX_CHOICES + 1}')).rows
    if len(rows) > MAX_CHOICES:
        return None
    return [(row[0], f"{row[1]} ({row[0]})" if label != "id" else row[0]) for row in rows]
