"""Every patch of a Datasette internal the site makes, in one place.

Everything else in this package uses Datasette 0.65's documented plugin
hooks. For the needs below there is no hook, so these replace or wrap an
internal. Each entry of PATCHES says what it patches, why, and the upstream
issue where there is one. CHECKED_SOURCES holds the SHA-256 (first 16 hex
digits) of the source of every internal patched, as it was when the patch was
written and checked; tests/test_patches.py fails when Datasette's source
differs, so that an upgrade makes someone look at each patch again instead
of wrapping code that is no longer what the patch assumes.

apply() runs once per process, at the first Datasette's startup (the hook
below): Datasette loads this module through the package's entry point while
it is still importing datasette.app, so the classes are not there yet.
"""

import contextlib
import hashlib
import inspect
import pkgutil
import sqlite3
import sys
import time
from dataclasses import dataclass

from datasette import hookimpl

from . import facet_cache, schema_cache
from .call_budget import CALL_BUDGETS, refusal
from .sql_limits import settings

# SQLite instructions between two checks of the time limit (Datasette: 1,000).
# The check runs at the end of each loop iteration, so this bounds how many
# rows of expensive calls one check lets through.
PROGRESS_OPCODES = 100


@dataclass(frozen=True)
class Patch:
    target: str  # what is replaced or wrapped
    internals: tuple  # the functions whose source the patch depends on (keys of CHECKED_SOURCES)
    why: str
    upstream: str


PATCHES = [
    Patch("datasette.handle_exception.rich = None",
          ("datasette.handle_exception.handle_exception",),
          "With `rich` importable, Datasette prints every failed request's traceback with its "
          "local variables: megabytes of log per bad query on a public site.",
          "simonw/datasette#1416 (added the rich tracebacks; no setting to turn them off)"),
    Patch("sqlite3.enable_callback_tracebacks(False)",
          ("datasette.utils.sqlite",),
          "Datasette turns callback tracebacks on at import; every query call_budget refuses "
          "would print one.",
          "no upstream issue known"),
    Patch("datasette.database.Database.execute (errors)",
          ("datasette.database.Database.execute", "datasette.database.Database.execute_fn"),
          "The table view answers sqlite3.DataError ('string or blob too big', the length "
          "limit) with a 500 and a traceback, an OperationalError with a 400; and the "
          "authorizer's refusal needs call_budget's message.",
          "no upstream issue known"),
    Patch("datasette.database.sqlite_timelimit",
          ("datasette.utils.sqlite_timelimit",),
          "Datasette checks its time limit every 1,000 SQLite instructions; PROGRESS_OPCODES "
          "checks more often, and each query starts with a fresh call budget.",
          "simonw/datasette#1679 (how often the time limit is checked)"),
    Patch("datasette.database.Database.execute (facet_cache)",
          ("datasette.database.Database.execute",),
          "No hook sees query results: facet and count queries of table pages of an immutable "
          "database are answered from facet_cache's bounded caches.",
          "no upstream issue known"),
    Patch("datasette.database.Database schema methods, Datasette.refresh_schemas and "
          "Datasette._table_permission_allows (schema_cache)",
          (*(f"datasette.database.Database.{name}" for name in schema_cache.SCHEMA_QUESTIONS),
           "datasette.app.Datasette.refresh_schemas", "datasette.app.Datasette._table_permission_allows"),
          "Each page asks the schema of an immutable database several times over, and the "
          "permission check deep-copies the metadata; schema_cache answers once.",
          "no upstream issue known"),
]

# sha256(inspect.getsource(internal))[:16], as checked against Datasette 0.65.5.
CHECKED_SOURCES = {
    "datasette.handle_exception.handle_exception": "45b9c60d62bbdee3",
    "datasette.utils.sqlite": "d089eaa34249b23d",
    "datasette.database.Database.execute": "ca06bc52502e3eb7",
    "datasette.database.Database.execute_fn": "61975ff13b908396",
    "datasette.utils.sqlite_timelimit": "4b6a09eec37bc96c",
    "datasette.database.Database.table_names": "fe7cbdac317bdb23",
    "datasette.database.Database.view_names": "5bd1f19aae57bf20",
    "datasette.database.Database.hidden_table_names": "3fa45f5c913a77e1",
    "datasette.database.Database.get_all_foreign_keys": "b15efa97ea40e95a",
    "datasette.database.Database.table_exists": "1d78756a69e6b9db",
    "datasette.database.Database.table_columns": "11c1998c5927a394",
    "datasette.database.Database.table_column_details": "3e50f576659e08fb",
    "datasette.database.Database.primary_keys": "8f722709b37dcb3f",
    "datasette.database.Database.fts_table": "eb5dded14ff85449",
    "datasette.database.Database.foreign_keys_for_table": "e396d1883ced8060",
    "datasette.database.Database.label_column_for_table": "a4dd2f3dcc5d01da",
    "datasette.database.Database.get_table_definition": "f607b63f290cf689",
    "datasette.database.Database.get_view_definition": "d4fcb542175a7cf4",
    "datasette.app.Datasette.refresh_schemas": "1ed61152e4156174",
    "datasette.app.Datasette._table_permission_allows": "b165e240f8c461d4",
}

ORIGINALS = {}  # internal name -> the object before apply() patched it


def source_digest(obj):
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()[:16]


def _remember_originals():
    for patch in PATCHES:
        for name in patch.internals:
            ORIGINALS.setdefault(name, pkgutil.resolve_name(name))


@contextlib.contextmanager
def sqlite_timelimit(conn, ms):
    """Datasette's time limit (utils.sqlite_timelimit), checked every
    PROGRESS_OPCODES instructions, and a fresh function-call budget."""
    budget = CALL_BUDGETS.get(id(conn))
    if budget is not None:
        budget.reset()
    deadline = time.perf_counter() + ms / 1000

    def handler():
        return 1 if time.perf_counter() >= deadline else 0

    conn.set_progress_handler(handler, 1 if ms <= 20 else PROGRESS_OPCODES)
    try:
        yield
    finally:
        conn.set_progress_handler(None, 0)


def translated_errors(execute):
    """Database.execute, with the errors a visitor's query causes raised as
    the OperationalError Datasette answers with a 400."""

    async def execute_with_clear_errors(self, *args, **kwargs):
        try:
            return await execute(self, *args, **kwargs)
        except sqlite3.DataError as error:
            raise sqlite3.OperationalError(*error.args) from None
        except sqlite3.DatabaseError as error:
            message = str(error.args[0]) if error.args else ""
            if message.startswith("not authorized to use function: "):
                raise sqlite3.OperationalError(refusal(message, settings(self.ds))) from None
            raise

    return execute_with_clear_errors


_applied = False


def apply():
    global _applied
    if _applied:
        return
    import datasette.app
    import datasette.database
    import datasette.handle_exception

    _applied = True
    _remember_originals()
    Database, Datasette = datasette.database.Database, datasette.app.Datasette

    datasette.handle_exception.rich = None
    if getattr(sys.excepthook, "__module__", "").startswith("rich"):
        sys.excepthook = sys.__excepthook__
    sqlite3.enable_callback_tracebacks(False)

    # facet_cache outermost: a cached answer costs no SQL thread at all.
    Database.execute = facet_cache.cached_execute(translated_errors(Database.execute))
    datasette.database.sqlite_timelimit = sqlite_timelimit

    for name in schema_cache.SCHEMA_QUESTIONS:
        setattr(Database, name, schema_cache.remembered(name, getattr(Database, name)))
    Datasette.refresh_schemas = schema_cache.refresh_schemas_once(Datasette.refresh_schemas)
    Datasette._table_permission_allows = schema_cache.table_permission_once(Datasette._table_permission_allows)



@hookimpl(tryfirst=True)  # before the other plugins' startup work, which runs queries
def startup(datasette):
    apply()
