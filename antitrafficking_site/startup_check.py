"""Refuse to serve a database that is not what the build made, and pin it.

At startup, a database file that fails `pragma quick_check`, holds a value
longer than the length limit (unreadable under it) or other row counts than
its --inspect-file is refused with a clear message (the check reads the
whole file: about 2 s for 800 MB). Every SQL thread then opens its
connection at once, so a running server answers from the file it started
with even after the file is replaced, until it is restarted (see the README,
"Deploying in public"); until then the database download, which Datasette
reads from the path, answers 503 rather than send the new file beside pages
from the old one.
"""

import asyncio
import contextlib
import os
import sqlite3
import threading
import weakref

import click
from datasette import hookimpl

from .responses import answer
from .sql_limits import recorded_value_limit, settings

def check_file(path, max_value_bytes, inspected=None):
    """None if `path` is a sound SQLite database every value of which can be
    read under the length limit, and whose tables hold the row counts in
    `inspected` (the --inspect-file's entry for it, if any); otherwise what
    is wrong with it."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        return f"cannot be opened ({error})"
    try:
        problems = [row[0] for row in conn.execute("pragma quick_check(5)")]
        if problems != ["ok"]:
            return "fails SQLite's integrity check (pragma quick_check): " + "; ".join(problems)
        max_value_bytes = recorded_value_limit(conn) or max_value_bytes  # as prepare_connection
        tables = conn.execute("select name from sqlite_master where type = 'table' "
                              "and name not like 'sqlite_%' and sql not like 'create virtual%'").fetchall()
        for (table,) in tables:
            problem = check_table(conn, table, max_value_bytes, inspected)
            if problem:
                return problem
    except sqlite3.DatabaseError as error:
        return f"is not a sound SQLite database ({error})"
    finally:
        conn.close()
    return None


def check_table(conn, table, max_value_bytes, inspected):
    """Row count against the inspect file and longest value against the limit,
    in one pass over the table (a full read of a big table costs seconds)."""
    quoted = '"' + table.replace('"', '""') + '"'
    columns = [row[1] for row in conn.execute(f"pragma table_info({quoted})")]
    lengths = "".join(', max(length(cast("{}" as blob)))'.format(c.replace('"', '""')) for c in columns)
    count, *sizes = conn.execute(f"select count(*){lengths} from {quoted}").fetchone()
    expected = ((inspected or {}).get("tables") or {}).get(table, {}).get("count")
    if expected is not None and count != expected:
        # Datasette would show the inspect file's counts beside the file's rows.
        return (f"has {count:,} rows in {table} but the --inspect-file says {expected:,}: "
                "the inspect file is from another build; run `datasette inspect` again (make serve does)")
    for column, size in zip(columns, sizes):
        if size is not None and size > max_value_bytes:
            return (f"holds a value of {size:,} bytes in {table}.{column}, more than the {max_value_bytes:,} "
                    "a query may read (its x-maxValueBytes, or metadata.yml's plugins: sql_limits: max_value_bytes "
                    "for a database that records none)")
    return None


@hookimpl
def startup(datasette):
    async def inner():
        config = settings(datasette)
        for db in list(datasette.databases.values()):
            if db.is_memory or not db.path:
                continue
            stat = os.stat(db.path)
            _downloads.setdefault(datasette, {})[f"/{db.route or db.name}.db"] = (db.path, stat.st_dev, stat.st_ino)
            if config["startup_check"]:
                inspected = (datasette.inspect_data or {}).get(db.name)
                problem = await asyncio.get_running_loop().run_in_executor(
                    None, check_file, db.path, config["max_value_bytes"], inspected)
                if problem:
                    raise click.ClickException(
                        f"{db.path} {problem}. Not serving it: rebuild it (make build) or restore the previous file.")
            await pin_connections(datasette, db)
    return inner


# Datasette -> {download path: (file, device, inode) when the server started}
_downloads = weakref.WeakKeyDictionary()


def replaced_since_startup(path, device, inode):
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return True
    return (stat.st_dev, stat.st_ino) != (device, inode)


async def pin_connections(datasette, db):
    """Open `db` in every SQL thread now. Datasette opens a thread's connection
    at its first query, so after the file is replaced (build.py's swap) some
    threads would answer from the old file and some from the new one."""
    threads = datasette.setting("num_sql_threads")
    if not threads or datasette.executor is None:
        return
    barrier = threading.Barrier(threads)

    def hold(conn):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=10)
        conn.execute("select count(*) from sqlite_master").fetchone()

    await asyncio.gather(*(db.execute_fn(hold) for _ in range(threads)))


@hookimpl(tryfirst=True)  # inside security_headers' wrapper, which adds the headers
def asgi_wrapper(datasette):
    def wrap(app):
        async def download_guard(scope, receive, send):
            path = scope.get("path", "") if scope["type"] == "http" else None
            if path in _downloads.get(datasette, {}) and replaced_since_startup(*_downloads[datasette][path]):
                # The pages still answer from the file the server started with (see
                # pin_connections); the download would send the new one.
                return await answer(send, 503, "The database is being updated; try again in a minute")
            return await app(scope, receive, send)
        return download_guard
    return wrap
