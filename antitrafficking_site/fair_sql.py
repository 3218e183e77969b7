"""Keep the site fair under hostile load: visitors' own SQL never takes every
SQL thread, and no response sends more than a set number of bytes (issue 12).

Datasette runs every query on one of num_sql_threads threads (settings.json:
3), first come first served. A visitor's own SQL may hold a thread for the
whole time limit (a recursive CTE: one second, up to two), so three visitors
looping one stalled every page. This plugin, on documented hooks only:

* asgi_wrapper -- a request carrying visitor-written SQL (see visitor_sql:
  `sql` in any spelling of the key, `_where`, raw full-text expressions) runs
  only while one of max_concurrent slots is free, fewer than the SQL threads
  and the CPUs; up to `queue` more wait for a slot, in order, for at most
  queue_wait_s seconds; any other answers 503 at once, with Retry-After and
  a message (JSON for .json paths). Table pages, row pages, canned queries
  and the event page are not counted and always find a thread free of
  visitor SQL. Visitor SQL is CPU-bound, and a thread is not a CPU: while
  pages are in flight a slot rests after each request (visitor_share), so
  that bombs looping on it leave the CPU to the pages part of the time.
* asgi_wrapper -- no response body larger than max_body_mb (one message:
  replaced by a 400 before anything is sent) or, streamed (CSV), than
  max_stream_mb (cut, with a line saying so). Files (the database download,
  blobs: application/octet-stream) are bounded by their size instead.
  The first bound is result_budget.py, which refuses a query whose
  rows would take more than max_result_bytes in the output; this one is the
  last line, for what the rows become on the page.
* startup -- the settings are checked (max_concurrent below num_sql_threads).

Measured with bench/load_mixed.py --bombs 0,3,10 (`make load`); the figures
are in the README, "Deploying in public".

Settings, in metadata.yml (defaults in DEFAULTS):

    plugins:
      fair_sql:
        max_concurrent: 1

Per-client fairness (one visitor taking every slot) is the proxy's job: see
the README, "Deploying in public".
"""

import asyncio
import os
import time
import weakref
from collections import deque

import click
from datasette import hookimpl
from datasette.utils.asgi import Request

from .config import plugin_settings
from .responses import answer

DEFAULTS = {
    # Requests with visitor SQL running at once. None: one SQL thread and one CPU
    # left to the pages, that is num_sql_threads - 1 and CPUs - 1, at least 1
    # (visitor SQL is CPU-bound: on 2 CPUs two bombs would leave the pages none).
    "max_concurrent": None,
    # Requests with visitor SQL waiting for a slot, in order; the rest answer
    # 503 at once. A waiting request costs no thread and no CPU, and a client
    # that waits is not sending more requests.
    "queue": 16,
    # Longest wait for a slot (seconds) before a 503.
    "queue_wait_s": 5,
    # Share of a slot's time visitor SQL may use while pages are being answered:
    # after a request that held its slot t seconds with pages in flight, the slot
    # rests t * (1 / share - 1) seconds (0.5: as long again), so that bombs
    # looping on it leave the CPU to the pages half the time. 1: no rest.
    "visitor_share": 0.5,
    # Retry-After of a 503 (seconds).
    "retry_after_s": 2,
    # Largest body of a response sent in one message: JSON and HTML pages.
    # Above sql_limits' max_result_bytes (32 MB) plus the page around it.
    "max_body_mb": 40,
    # Largest streamed body (CSV with _stream); None: max_csv_mb + 1.
    "max_stream_mb": None,
}

# Query parameters whose value is SQL the visitor wrote: the database page and
# the SQL editor (`sql`; a canned query ignores it, but it is counted there too),
# a table's `_where` clauses.
SQL_KEYS = ("sql", "_where")


def visitor_sql(args):
    """The kind of visitor-written SQL a request carries (`args`: Datasette's
    own parsing of the query string, so `%73ql`, `s%71l` and repeated keys
    read as Datasette reads them), or None.

    Counted: `sql` (database page, SQL editor, .json/.csv), `_where` (table
    and view pages), and `_search` in raw mode (`_searchmode=raw`: an FTS5
    expression the visitor writes, which SQLite runs inside one step).
    Not counted, since Datasette checks or binds them: column names
    (`_sort`, `_col`, `_facet*`, `_label`, `_json`, filters' keys), filter
    values (bound parameters), `_through` (checked against the foreign
    keys), escaped `_search`, canned queries' parameters (bound)."""
    for key in SQL_KEYS:
        if any(value for value in args.getlist(key)):
            return key
    if args.get("_searchmode") == "raw" and any(key.startswith("_search") and key != "_searchmode" for key in args):
        return "_searchmode=raw"
    return None


def cpus():
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def settings(datasette):
    """DEFAULTS updated from metadata.yml's `plugins: fair_sql:`, checked."""
    return plugin_settings(datasette, "fair_sql", DEFAULTS, check=_complete)


def _complete(config, datasette):
    threads = datasette.setting("num_sql_threads") or 1
    if config["max_concurrent"] is None:
        config["max_concurrent"] = max(1, min(threads - 1, cpus() - 1))
    if not 0 < config["visitor_share"] <= 1:
        raise click.ClickException("metadata plugins: fair_sql: visitor_share must be above 0 and at most 1")
    if not 1 <= config["max_concurrent"] < max(2, threads):
        raise click.ClickException(
            f"metadata plugins: fair_sql: max_concurrent must be at least 1 and below num_sql_threads ({threads}), "
            "so that pages always find a free SQL thread")
    if config["max_stream_mb"] is None:
        config["max_stream_mb"] = (datasette.setting("max_csv_mb") or 100) + 1


class Slots:
    """At most `limit` holders at once and at most `queue` waiting, in order.
    Plain futures of the running loop, so one Datasette can serve from
    several event loops in turn (the tests do)."""

    def __init__(self, limit, queue, share=1.0):
        self.limit, self.queue, self.share = limit, queue, share
        self.active = 0
        self.waiting = deque()
        self.refused = 0
        self.pages = 0  # other requests in flight

    async def acquire(self, timeout):
        """True once a slot is held (call release), False if none came in time or the queue is full."""
        if self.active < self.limit and not self.waiting:
            self.active += 1
            return True
        if len(self.waiting) >= self.queue:
            self.refused += 1
            return False
        waiter = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
            return True
        except asyncio.TimeoutError:
            if waiter.done() and not waiter.cancelled():
                return True  # handed a slot as the wait ran out
            waiter.cancel()
            self.refused += 1
            return False
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot, but this request is being cancelled
            else:
                waiter.cancel()
            raise
        finally:
            if waiter in self.waiting:
                self.waiting.remove(waiter)

    def release_after(self, held):
        """Release a slot held `held` seconds: at once, or after its rest while pages are in flight."""
        rest = min(held * (1 / self.share - 1), 10) if self.pages and self.share < 1 else 0
        if rest > 0.001:
            asyncio.get_running_loop().call_later(rest, self.release)
        else:
            self.release()

    def release(self):
        """Hand the slot to the next live waiter, or free it."""
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                try:
                    waiter.set_result(None)
                    return  # the slot passes on: active stays the same
                except RuntimeError:  # its event loop is closed
                    continue
        self.active -= 1


_slots = weakref.WeakKeyDictionary()


def slots(datasette):
    if datasette not in _slots:
        config = settings(datasette)
        _slots[datasette] = Slots(config["max_concurrent"], config["queue"], config["visitor_share"])
    return _slots[datasette]


def bounded_send(send, max_body, max_stream, as_json):
    """`send` that holds back the response start until the first body message,
    answers 400 instead of a one-message body over max_body, and cuts a
    stream after max_stream bytes, ending it with a line that says so."""
    start = None
    sent = 0
    state = "start"  # start -> body | stream | file | done

    async def guarded(message):
        nonlocal start, sent, state
        kind = message["type"]
        if kind == "http.response.start":
            start = message
            headers = {k.lower(): v for k, v in message.get("headers", [])}
            if headers.get(b"content-type", b"").startswith(b"application/octet-stream"):
                state = "file"  # the database download or a blob: bounded by its size
                await send(message)
            return
        if kind != "http.response.body" or state in ("file", "done"):
            if state != "done":
                await send(message)
            return
        body = message.get("body", b"")
        more = message.get("more_body", False)
        if state == "start":
            if not more:
                state = "done"
                if len(body) > max_body:
                    return await answer(
                        send, 400, f"Response too large: more than {max_body:,} bytes; "
                        "select fewer rows or columns, or shorter values", as_json)
                await send(start)
                return await send(message)
            state = "stream"
            await send(start)
        sent += len(body)
        if sent > max_stream:
            state = "done"
            keep = max(0, len(body) - (sent - max_stream))
            await send({"type": "http.response.body", "more_body": True, "body": body[:keep]})
            note = f"\n\nThe response was cut here: it is larger than this server sends ({max_stream:,} bytes).\n"
            return await send({"type": "http.response.body", "body": note.encode(), "more_body": False})
        await send(message)

    return guarded


@hookimpl(tryfirst=True)
def asgi_wrapper(datasette):
    # tryfirst: the innermost wrapper, so the others (bad_requests' bad-parameter
    # answers and headers) see its answers and no refused request takes a slot.
    def wrap(app):
        async def fair(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            config = settings(datasette)
            path = scope.get("path", "")
            as_json = path.endswith(".json")
            send = bounded_send(send, int(config["max_body_mb"] * 1024 * 1024),
                                int(config["max_stream_mb"] * 1024 * 1024), as_json)
            kind = visitor_sql(Request(scope, receive).args)
            pool = slots(datasette)
            if kind is None:
                pool.pages += 1
                try:
                    return await app(scope, receive, send)
                finally:
                    pool.pages -= 1
            if not await pool.acquire(config["queue_wait_s"]):
                return await answer(
                    send, 503,
                    f"Too many SQL queries at once (?{kind}): this server runs {pool.limit} visitor-written "
                    f"{'query' if pool.limit == 1 else 'queries'} at a time. Try again in "
                    f"{config['retry_after_s']} s; tables, rows and the ready-made queries answer meanwhile.",
                    as_json, [(b"retry-after", str(config["retry_after_s"]).encode()),
                              (b"cache-control", b"no-store")])
            started = time.monotonic()
            try:
                await app(scope, receive, send)
            finally:
                pool.release_after(time.monotonic() - started)
        return fair
    return wrap


@hookimpl
def startup(datasette):
    settings(datasette)  # refuse a bad configuration at start, not at the first request
