"""SQLite limits on every connection of the site (prepare_connection).

Anyone may send any read-only SQL. Datasette's time limit bounds time, not
memory, and is checked between loop iterations only:

    select length(randomblob(999999999))            1 GB and seconds

So every connection gets: the longest string or blob a query may make or
read (max_value_bytes), the longest LIKE/GLOB pattern and SQL text, no
ATTACH; at most max_function_calls function calls (max_pattern_calls
LIKE/GLOB) in one statement (call_budget); a cap on the bytes one query
returns (result_budget); stand-ins for the costly built-ins
(safe_functions); and no automatic indexes.

A refused query answers 400 with SQLite's "string or blob too big" or the
messages of call_budget and result_budget. Every limit can be changed in
metadata.yml:

    plugins:
      sql_limits:
        max_sql_bytes: 200000

except the length limit of a database build.py made: that is the data
package's x-maxValueBytes, recorded in its _build table (max_value_bytes
here applies to databases that record none).
"""

import sqlite3

from datasette import hookimpl

from .call_budget import CallBudget
from .config import plugin_settings
from .result_budget import result_budget
from .safe_functions import SafeFunctions

DEFAULTS = {
    # Longest string or blob a query may make or read (SQLITE_LIMIT_LENGTH), for
    # a database that does not record its own: build.py records data/datapackage.json's
    # x-maxValueBytes, which it checked every value against, in the _build table,
    # and that value wins (value_limit below), so the build and the server agree.
    # The longest value stored today is a 2 KB source text; the benchmark's
    # synthetic sources are about 4 KB.
    "max_value_bytes": 200_000,
    # Longest LIKE/GLOB pattern (SQLITE_LIMIT_LIKE_PATTERN_LENGTH). LIKE costs
    # (text length x pattern length): at most ~25 ms a call with the above.
    "max_like_pattern": 100,
    # Longest SQL text (SQLITE_LIMIT_SQL_LENGTH); canned queries are < 3 KB.
    "max_sql_bytes": 100_000,
    # Function calls in one statement, LIKE/GLOB among them.
    "max_function_calls": 200,
    "max_pattern_calls": 20,
    # Bytes one query's rows may take in the output (JSON, HTML or CSV), counted
    # as an upper bound of what is sent (result_budget: an emoji is 12 bytes of
    # JSON): Datasette holds up to max_returned_rows rows, each up to
    # max_value_bytes, several times over while it renders them.
    "max_result_bytes": 32 * 1024 * 1024,
    # Facets one request may ask for (_facet, _facet_array, _facet_date...).
    "max_facets": 5,
    # Check each database file with `pragma quick_check` before serving it.
    "startup_check": True,
}

def settings(datasette):
    """DEFAULTS updated from metadata.yml's `plugins: sql_limits:`."""
    return plugin_settings(datasette, "sql_limits", DEFAULTS)


def recorded_value_limit(conn):
    """The x-maxValueBytes build.py checked this database's values against and
    recorded in its _build table; None for a database without one."""
    try:
        row = conn.execute("select value from _build where key = 'max_value_bytes'").fetchone()
    except sqlite3.Error:  # no _build table: not built by build.py
        return None
    return int(row[0]) if row and str(row[0]).isdigit() else None


def value_limit(conn, config):
    """The length limit for a connection: its database's recorded one, else the configured one."""
    return recorded_value_limit(conn) or config["max_value_bytes"]


@hookimpl
def prepare_connection(conn, database, datasette):
    config = settings(datasette)
    max_value_bytes = value_limit(conn, config)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, max_value_bytes)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, config["max_like_pattern"])
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, config["max_sql_bytes"])
    if not (datasette.crossdb and database == "_memory"):
        conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    SafeFunctions(max_value_bytes).install(conn)
    CallBudget(config["max_function_calls"], config["max_pattern_calls"]).install(conn)
    conn.row_factory = result_budget(config["max_result_bytes"])
    # Every lookup the site makes has its index (tests/test_query_plans.py). An
    # automatic index is SQLite guessing otherwise from sampled statistics: on
    # the 5,000-participant benchmark it builds one over all of event_participants
    # for each event_roles request rather than use the primary key (issue 12), and
    # for a visitor's own SQL it would build one per request over a whole table.
    conn.execute("pragma automatic_index = off")
