"""What the readers' pages share: the queries several pages run, and small helpers.

The pages (event_page, entity_page, home_page...) gather their rows with a
few indexed queries each; the ones several of them need, and the helpers to
run them, live here.
"""

import json

from markupsafe import Markup

from pipeline.schema import ROW_ID_SEPARATOR


# A place and the places that contain it, nearest first. Each step looks its
# parent up in a subquery: written as a join, SQLite 3.40 builds a Bloom
# filter over all of locations at every step (20 ms at 100 000 locations,
# against 0.04 ms; tests/test_query_plans.py checks the plan).
PLACE_CHAIN_SQL = """
    with recursive chain(id, depth) as (
      select :location_id, 0
      union all
      select (select parent_id from locations where id = chain.id), chain.depth + 1 from chain
      where (select parent_id from locations where id = chain.id) is not null
    )
    select locations.* from chain join locations on locations.id = chain.id order by chain.depth
"""


# The ids a statement is about arrive as one JSON array: one statement, and
# each id looked up through an index (json_each is the loop's outer table).
STATUSES_SQL = """
    select event_status_latest.* from json_each(:ids) as wanted
    cross join event_status_latest on event_status_latest.event_id = wanted.value
"""


# Every name of the entities: the ones their passages write, and the others
# their sources give (with the years of use, where a source says).
NAMES_SQL = """
    select row_id, name, kind, used_from_year, used_until_year from names
    where table_name = :table and row_id in (select value from json_each(:ids))
    union
    select row_id, name_as_written, 'as written', null, null from mentions
    where table_name = :table and row_id in (select value from json_each(:ids)) and name_as_written is not null
    order by row_id, name
"""


# The order of an enum as data/datapackage.json declares it (the build copies
# each column's allowed values into _columns): roles are listed in that order.
ALLOWED_VALUES_SQL = """
    select allowed_values from _columns where table_name = :table and column_name = :column
"""


async def rows(db, sql, params):
    return [dict(row) for row in (await db.execute(sql, params)).rows]


async def first(db, sql, params):
    found = await rows(db, sql, params)
    return found[0] if found else None


def ids_json(ids):
    return json.dumps(list(ids))


async def allowed_values(db, table, column):
    """A column's enum, in the data package's order."""
    found = await first(db, ALLOWED_VALUES_SQL, {"table": table, "column": column})
    return [value.strip() for value in ((found or {}).get("allowed_values") or "").split(",") if value.strip()]


def row_id(*key):
    """A row's id as mentions.row_id writes it: its key's values, joined (pipeline.schema)."""
    return ROW_ID_SEPARATOR.join(str(part) for part in key)


def rank(order, value):
    return order.index(value) if value in order else len(order)


def safe_json(data, indent=None):
    # "<" escaped so that no value can close a <script> element early.
    return Markup(json.dumps(data, ensure_ascii=False, indent=indent).replace("<", "\\u003c"))
