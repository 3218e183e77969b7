#!/usr/bin/env python3
"""A bounded mixed load against the site served as `make serve` serves it (issue 5).

    python bench/load_mixed.py                        # ~1,000,000 participation rows, 30 s, 8 clients
    python bench/load_mixed.py --rows 100000 --duration 10
    python bench/load_mixed.py --db path/to/antitrafficking.db --duration 30 --concurrency 8

The dataset is bench/generate.py's synthetic data (--rows participation rows:
rows/3 participants) built with build.py into bench/out/load_mixed/N/, kept
while the generator, the seed and N are unchanged; --db serves an existing
database instead. The server is `datasette serve -i DB --inspect-file ...`
with the project's metadata, plugins, templates and settings, run by the
serving environment's Python (.venv) when it exists, on 127.0.0.1 only.

For --duration seconds, --concurrency clients (one keep-alive connection
each) send a fixed mix: table pages, row pages (the event page included),
facets, canned queries and bad requests (SQL errors, string and blob bombs,
writes, oversized _size, too many facets, bad parameters, an off-site path,
now and then a query that runs into the time limit). Each request has an
expected status (200, 400 or 404); a visitor query refused with 503 by
antitrafficking_site/fair_sql.py (more at once than it runs) is counted apart, as fair.
The run stops by itself; the server is stopped by its process id.

Prints latency percentiles per kind, the statuses, the server's peak memory
and the tracebacks in its log; writes the same as JSON to
bench/out/load_mixed/result-N.json. A page that should answer 200 but ran
out of sql_time_limit_ms (400 "SQL query took too long") is counted apart:
the site is slow there, not wrong. Exit status 0 only with no 5xx, no
dropped connection and no other unexpected status.

Hostile load (issue 12), with --bombs 0,3,10 (`make load` does): one fresh
server per scenario, --concurrency normal clients (table pages, row pages,
the event page, facets, canned queries) alone, then beside 3 and beside 10
"bomb" clients, each looping without pause over a one-second recursive CTE
sent as ?sql=, as ?%73ql=, as table.json?_where= and to the HTML SQL editor,
and the query whose JSON would be 384 MB (an emoji printf). The first
--warmup seconds are not counted. Per scenario: normal pages' p50/p99/max,
their failures (any status but the expected one, the time limit included),
the bombs answered (400: time limit or too large) and refused (503), the
server's peak memory (VmHWM, and VmRSS sampled every 0.1 s) and the load
average before and after. Targets: normal p99 at most twice the no-bomb
baseline and under 2 s, no failure, server memory under 500 MB; the exit
status is 1 if one is missed. Writes bench/out/load_mixed/fair-N.json.
"""

import argparse
import contextlib
import hashlib
import http.client
import json
import multiprocessing
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from local_server import serving, serving_python  # noqa: E402  (serves as `make serve` does)
OUT = ROOT / "bench" / "out" / "load_mixed"
DB_NAME = "antitrafficking"
START_TIMEOUT = 180  # seconds for the server to answer (inspect and the startup check read the whole file)
REQUEST_TIMEOUT = 30


def log(message):
    print(message, file=sys.stderr, flush=True)


# -- the dataset --------------------------------------------------------------------------

def dataset(rows, seed):
    """bench/generate.py data built with build.py, reused while its inputs are unchanged."""
    participants = max(1000, rows // 3)
    work = OUT / str(participants)
    db = work / f"{DB_NAME}.db"
    stamp = {"participants": participants, "seed": seed,
             "generate.py": hashlib.sha256((ROOT / "bench" / "generate.py").read_bytes()).hexdigest()}
    stamp_file = work / "stamp.json"
    if db.exists() and stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp:
        log(f"reusing {db}")
        return db
    work.mkdir(parents=True, exist_ok=True)
    stamp_file.unlink(missing_ok=True)
    started = time.monotonic()
    log(f"generating {participants:,} participants ({participants * 3:,} participation rows) ...")
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--participants", str(participants),
                    "--seed", str(seed), "--out", str(work / "data")], check=True, stdout=subprocess.DEVNULL)
    log("building with build.py ...")
    subprocess.run([sys.executable, str(ROOT / "build.py"), "--data", str(work / "data"), "--output", str(db),
                    "--quiet"], check=True)
    stamp_file.write_text(json.dumps(stamp))
    log(f"dataset ready in {time.monotonic() - started:.0f} s")
    return db


# -- the server ---------------------------------------------------------------------------

def peak_memory_mb(pid):
    with contextlib.suppress(OSError):
        status = Path(f"/proc/{pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
    return None


# -- the request mix ----------------------------------------------------------------------

def sample(db, seed):
    """Ids and words to request, drawn from the database."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rng = random.Random(seed)

    def ids(sql, count=200):
        values = [row[0] for row in conn.execute(sql)]
        return rng.sample(values, min(count, len(values)))

    picked = {
        "participant": ids("select id from participants"),
        "event": ids("select id from events where parent_id is null"),
        "sub_event": ids("select id from events where parent_id is not null"),
        "location": ids("select id from locations where parent_id is not null"),
        "topic": ids("select id from topics"),
        "word": ids("select name from topics", 50),
    }
    picked["word"] = [name.split()[-1] for name in picked["word"]]
    conn.close()
    return picked


def q(path, **params):
    return f"/{DB_NAME}{path}" + ("?" + urllib.parse.urlencode(params) if params else "")


def sql(query):
    return q(".json", sql=query)


LONG = "printf('%.*c', 190000, 'a')"
BAD = [  # (path, expected status)
    (sql("select nope from nowhere"), 400),
    (sql("select length(randomblob(999999999))"), 400),
    (sql("select length(printf('%.*c', 999999999, 'x'))"), 400),
    (sql(f"select length(trim({LONG}, printf('%.*c', 15000, 'b') || 'a'))"), 200),  # answered, quickly
    (sql("insert into participants (id) values ('x')"), 400),
    (sql("with x as (select 1) delete from events"), 400),
    (sql("select load_extension('/tmp/x.so')"), 400),
    (q("/participants.json", _size="5000"), 400),
    (q("/participants.json", _sort="nope"), 400),
    (q("/participants.json") + "?" + "&".join(["_facet=kind"] * 10), 400),
    (q("/events.json", _through="{"), 400),
    ("/\\example.com/", 404),
]
RUNAWAY = (sql("with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"), 400)


def request_mix(ids):
    """(kind, weight, function of a random.Random giving (path, expected status))."""
    def one(key):
        return lambda rng: rng.choice(ids[key])

    p, e, s, loc, t, w = (one(k) for k in ("participant", "event", "sub_event", "location", "topic", "word"))
    return [
        ("table", 25, lambda r: r.choice([
            (q("/participations", role=r.choice(["participant", "speaker", "organizer"]), _size="50"), 200),
            (q("/participants", kind=r.choice(["person", "office", "group", "organization"])), 200),
            (q("/events.json", kind=r.choice(["training", "meeting", "conference"]), _sort="start_date"), 200),
            (q("/event_participants", event_id=s(r)), 200),
            (q("/participants.json", parent_id=p(r)), 200),
        ])),
        ("row", 25, lambda r: r.choice([
            (q(f"/participants/{p(r)}"), 200),
            (q(f"/events/{e(r)}"), 200),  # the event page
            (q(f"/events/{s(r)}"), 200),
            (q(f"/locations/{loc(r)}"), 200),
            (q(f"/topics/{t(r)}.json"), 200),
        ])),
        ("facet", 12, lambda r: r.choice([
            (q("/event_participants", event_id=s(r), _facet="role"), 200),
            (q("/participants", kind="person", _facet="parent_id"), 200),
            (q("/events", location_id=loc(r)), 200),  # metadata facets: kind, date_precision, location_id
            (q("/participations", participant_id=p(r)), 200),  # metadata facets: role, participant_kind
        ])),
        ("canned", 20, lambda r: r.choice([
            (q("/event_roles", event_id=e(r)), 200),
            (q("/participant_profile.json", participant_id=p(r)), 200),
            (q("/place_activity", location_id=loc(r)), 200),
            (q("/search.json", q=w(r)), 200),
            (q("/row_evidence.json", table_name="participants", row_id=p(r)), 200),
        ])),
        ("bad", 17, lambda r: r.choice(BAD)),
        ("runaway", 1, lambda r: RUNAWAY),
    ]


# -- the load -----------------------------------------------------------------------------

def client(base, mix, seed, deadline, results, lock):
    rng = random.Random(seed)
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    kinds = [kind for kind, _, _ in mix]
    weights = [weight for _, weight, _ in mix]
    makers = {kind: make for kind, _, make in mix}
    connection = None
    mine = []
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        path, expected = makers[kind](rng)
        if connection is None:
            connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            status = response.status
            if response.getheader("connection", "").lower() == "close":
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as error:
            status, body = f"dropped: {type(error).__name__}", b""
            connection.close()
            connection = None
        if status == 400 and expected == 200 and b"SQL query took too long" in body:
            status = "400 time limit"  # the page ran out of sql_time_limit_ms: slow, not wrong
        elif status == 503 and b"Too many SQL queries at once" in body:
            status = "refused 503"  # visitor SQL beyond antitrafficking_site/fair_sql.py's limit: fair, not wrong
        mine.append((kind, path, expected, status, time.perf_counter() - started, len(body), started))
    if connection is not None:
        connection.close()
    with lock:
        results.extend(mine)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summarise(results, duration):
    kinds = {}
    for kind, path, expected, status, seconds, size, _ in results:
        kinds.setdefault(kind, []).append((path, expected, status, seconds))
    summary = {"requests": len(results), "per_second": round(len(results) / duration, 1), "kinds": {}}
    statuses = {}
    unexpected, slow = [], {}
    for kind, rows in kinds.items():
        ms = [seconds * 1000 for _, _, _, seconds in rows]
        summary["kinds"][kind] = {
            "requests": len(rows), "p50_ms": round(percentile(ms, 0.5), 1), "p90_ms": round(percentile(ms, 0.9), 1),
            "p99_ms": round(percentile(ms, 0.99), 1), "max_ms": round(max(ms), 1),
            "mean_ms": round(statistics.fmean(ms), 1)}
        for path, expected, status, _ in rows:
            statuses[str(status)] = statuses.get(str(status), 0) + 1
            if status == "refused 503" and ("sql=" in path or "_where=" in path):
                continue  # counted in statuses, not unexpected
            if status == "400 time limit":
                page = path.split("?")[0]
                slow[page] = slow.get(page, 0) + 1
            elif status != expected:
                unexpected.append({"path": path, "expected": expected, "status": status})
    all_ms = [row[4] * 1000 for row in results]
    summary["all"] = {"p50_ms": round(percentile(all_ms, 0.5), 1), "p90_ms": round(percentile(all_ms, 0.9), 1),
                      "p99_ms": round(percentile(all_ms, 0.99), 1), "max_ms": round(max(all_ms), 1)}
    summary["statuses"] = dict(sorted(statuses.items()))
    summary["server_errors"] = sum(n for s, n in statuses.items() if s.startswith("5"))
    summary["dropped"] = sum(n for s, n in statuses.items() if s.startswith("dropped"))
    summary["time_limit"] = statuses.get("400 time limit", 0)
    summary["time_limit_pages"] = dict(sorted(slow.items(), key=lambda item: -item[1]))
    summary["unexpected"] = len(unexpected)
    summary["unexpected_examples"] = unexpected[:10]
    return summary


# -- hostile load: normal clients beside bomb clients (issue 12) ---------------------------

NORMAL_KINDS = ("table", "row", "facet", "canned")
CTE = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
EMOJI = ("select printf('%.*c', 49999, char(128512)) "
         "from participants a, participants b, participants c limit 640")  # 384 MB of JSON unbounded
BOMBS = [  # (label, path): every way visitor SQL gets in
    ("?sql=", sql(CTE)),
    ("?%73ql=", f"/{DB_NAME}.json?%73ql=" + urllib.parse.quote(CTE)),
    ("_where=", q("/participants.json", _where=f"id in (select 'x' where ({CTE}) > 0)")),
    ("editor", q("", sql=CTE)),
    ("emoji", sql(EMOJI)),
]
MEMORY_TARGET_MB = 500
P99_TARGET_S = 2.0


def load_average():
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return None


def memory_mb(pid, field):
    with contextlib.suppress(OSError, AttributeError):
        status = Path(f"/proc/{pid}/status").read_text()
        return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024
    return None


def bomb_client(base, number, deadline, results, lock):
    """Loops over BOMBS without pause (a hostile client ignores Retry-After).
    Times are time.monotonic(), one clock for every process on Linux."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    connection, mine, n = None, [], number
    while time.monotonic() < deadline:
        label, path = BOMBS[n % len(BOMBS)]
        n += 1
        if connection is None:
            connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT)
        started = time.monotonic()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            size = len(response.read())
            status = response.status
            if response.getheader("connection", "").lower() == "close":
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as error:
            status, size = f"dropped: {type(error).__name__}", 0
            connection.close()
            connection = None
        mine.append((label, status, time.monotonic() - started, size, started))
    if connection is not None:
        connection.close()
    with lock:
        results.extend(mine)


def bomb_process(base, bombs, deadline, out):
    """The bomb clients, in a process of their own: their loops do not take the
    normal clients' GIL (which would count as the site's latency)."""
    results, lock = [], threading.Lock()
    threads = [threading.Thread(target=bomb_client, args=(base, n, deadline, results, lock)) for n in range(bombs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(results)


def scenario(db, serve_python, mix, bombs, args, log_path):
    """One fresh server; --concurrency normal clients beside `bombs` bomb clients."""
    normal, hostile, lock = [], [], threading.Lock()
    extra = [flag for name, value in args.setting for flag in ("--setting", name, value)]
    with serving(db, serve_python, timeout=START_TIMEOUT, log_path=log_path, extra=extra) as server:
        pid = server.process.pid
        load_before = load_average()
        rss = [memory_mb(pid, "VmRSS") or 0]
        started = time.monotonic()
        deadline = started + args.warmup + args.duration
        counted_from, bombs_counted_from = time.perf_counter() + args.warmup, started + args.warmup
        context = multiprocessing.get_context("fork")  # before any thread of this process starts
        out = context.Queue()
        bomber = context.Process(target=bomb_process, args=(server.base, bombs, deadline, out), daemon=True)
        if bombs:
            bomber.start()
        threads = [threading.Thread(target=client, args=(server.base, mix, args.seed * 1000 + n, deadline, normal, lock))
                   for n in range(args.concurrency)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads) and time.monotonic() < deadline + REQUEST_TIMEOUT + 10:
            rss.append(memory_mb(pid, "VmRSS") or 0)
            time.sleep(0.1)
        for thread in threads:
            thread.join(1)
        if bombs:
            with contextlib.suppress(Exception):
                hostile = out.get(timeout=REQUEST_TIMEOUT + 10)
            bomber.join(10)
            if bomber.is_alive():
                bomber.kill()  # our own child, by its handle
        peak = memory_mb(pid, "VmHWM")
        up = server.process.poll() is None
        load_after = load_average()
    normal = [row for row in normal if row[-1] >= counted_from]  # what started after the warm-up
    hostile = [row for row in hostile if row[-1] >= bombs_counted_from]
    ms = [row[4] * 1000 for row in normal]
    by_kind = {}
    for row in normal:
        by_kind.setdefault(row[0], []).append(row[4] * 1000)
    failures = [row for row in normal if row[3] != row[2]]
    statuses = {}
    for row in normal:
        statuses[str(row[3])] = statuses.get(str(row[3]), 0) + 1
    bomb_statuses = {}
    for label, status, *_ in hostile:
        bomb_statuses.setdefault(label, {}).setdefault(str(status), 0)
        bomb_statuses[label][str(status)] += 1
    refused = sum(1 for row in hostile if row[1] == 503)
    answered = sum(1 for row in hostile if isinstance(row[1], int) and row[1] in (200, 400))
    other = len(hostile) - refused - answered
    return {
        "bombs": bombs, "normal_clients": args.concurrency, "seconds": args.duration,
        "normal": {"requests": len(ms), "p50_ms": round(percentile(ms, 0.5), 1) if ms else None,
                   "p90_ms": round(percentile(ms, 0.9), 1) if ms else None,
                   "p99_ms": round(percentile(ms, 0.99), 1) if ms else None,
                   "max_ms": round(max(ms), 1) if ms else None,
                   "failures": len(failures), "statuses": dict(sorted(statuses.items())),
                   "kinds": {kind: {"requests": len(values), "p50_ms": round(percentile(values, 0.5), 1),
                                    "p99_ms": round(percentile(values, 0.99), 1), "max_ms": round(max(values), 1)}
                             for kind, values in sorted(by_kind.items())},
                   "slowest": [{"path": r[1], "ms": round(r[4] * 1000), "status": r[3]}
                               for r in sorted(normal, key=lambda r: -r[4])[:5]],
                   "failure_examples": [{"path": r[1], "expected": r[2], "status": r[3]} for r in failures[:5]]},
        "bomb": {"requests": len(hostile), "answered": answered, "refused_503": refused, "other": other,
                 "by_kind": bomb_statuses},
        "server": {"peak_rss_mb": round(peak, 1) if peak else None, "max_sampled_rss_mb": round(max(rss), 1),
                   "up_at_end": up},
        "load_average": {"before": load_before, "after": load_after},
    }


def fair_load(db, serve_python, ids, args, label):
    mix = [kind for kind in request_mix(ids) if kind[0] in NORMAL_KINDS]
    when = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    log(f"hostile load on {db}: {args.concurrency} normal clients, bombs {args.bombs}, settings {args.setting}, "
        f"{args.warmup:g} s warm-up + {args.duration:g} s each; {os.cpu_count()} CPUs; load {load_average()}")
    results = []
    for bombs in args.bombs:
        log(f"  scenario: {bombs} bomb clients ...")
        log_path = OUT / f"server-{label}-bombs{bombs}.log"
        log_path.write_text("")
        result = scenario(db, serve_python, mix, bombs, args, log_path)
        result["server_log_tracebacks"] = log_path.read_text(errors="replace").count("Traceback")
        results.append(result)
    baseline = next((r["normal"]["p99_ms"] for r in results if r["bombs"] == 0), None)
    missed = []
    print(f"\n{when}; {os.cpu_count()} CPUs; {args.concurrency} normal clients; "
          f"{args.duration:g} s per scenario after {args.warmup:g} s warm-up")
    print(f"{'bombs':>5} {'normal':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'fail':>5} "
          f"{'bomb req':>8} {'answered':>8} {'503':>6} {'other':>5} {'peak MB':>8} {'load before -> after'}")
    for r in results:
        n, b = r["normal"], r["bomb"]
        print(f"{r['bombs']:>5} {n['requests']:>7} {n['p50_ms']:>8} {n['p99_ms']:>8} {n['max_ms']:>8} "
              f"{n['failures']:>5} {b['requests']:>8} {b['answered']:>8} {b['refused_503']:>6} {b['other']:>5} "
              f"{max(r['server']['peak_rss_mb'] or 0, r['server']['max_sampled_rss_mb']):>8.0f} "
              f"{r['load_average']['before']} -> {r['load_average']['after']}")
        print("      normal p50/p99 ms by kind: " + "; ".join(
            f"{kind} {k['p50_ms']:.0f}/{k['p99_ms']:.0f}" for kind, k in n["kinds"].items()))
        for example in n["failure_examples"]:
            print(f"      failure: {example}")
        if b["by_kind"]:
            print("      bombs: " + "; ".join(f"{kind} {counts}" for kind, counts in b["by_kind"].items()))
        peak = max(r["server"]["peak_rss_mb"] or 0, r["server"]["max_sampled_rss_mb"])
        if n["failures"]:
            missed.append(f"{r['bombs']} bombs: {n['failures']} failures of normal pages")
        if b["other"]:
            missed.append(f"{r['bombs']} bombs: {b['other']} bomb requests neither answered nor refused")
        if not r["server"]["up_at_end"]:
            missed.append(f"{r['bombs']} bombs: the server died")
        if peak >= MEMORY_TARGET_MB:
            missed.append(f"{r['bombs']} bombs: server memory {peak:.0f} MB (target < {MEMORY_TARGET_MB})")
        if n["p99_ms"] is not None and n["p99_ms"] >= P99_TARGET_S * 1000:
            missed.append(f"{r['bombs']} bombs: normal p99 {n['p99_ms']} ms (target < {P99_TARGET_S * 1000:.0f})")
        if baseline and r["bombs"] and n["p99_ms"] is not None and n["p99_ms"] > 2 * baseline:
            missed.append(f"{r['bombs']} bombs: normal p99 {n['p99_ms']} ms, more than twice the baseline {baseline}")
        if r["server_log_tracebacks"]:
            missed.append(f"{r['bombs']} bombs: {r['server_log_tracebacks']} tracebacks in the server log")
    print("targets (normal p99 <= 2x baseline and < 2 s, no failures, memory < 500 MB): "
          + ("met" if not missed else "MISSED: " + "; ".join(missed)))
    (OUT / f"fair-{label}.json").write_text(json.dumps(
        {"when": when, "cpus": os.cpu_count(), "database": str(db), "scenarios": results, "missed": missed}, indent=2))
    return 0 if not missed else 1


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--rows", type=int, default=1_000_000, help="participation rows of the synthetic dataset (default 1,000,000)")
    parser.add_argument("--db", type=Path, help="serve this database instead of the synthetic one")
    parser.add_argument("--duration", type=float, default=30, help="seconds of load (default 30)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients at once (default 8)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--python", default=None, help="Python that runs the server (default: .venv's, else this one)")
    parser.add_argument("--bombs", type=lambda text: [int(n) for n in text.split(",")], default=None,
                        help="hostile load instead: one scenario per number of bomb clients, e.g. 0,3,10 (0: the baseline)")
    parser.add_argument("--warmup", type=float, default=3, help="seconds not counted at the start of each hostile scenario")
    parser.add_argument("--setting", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a Datasette --setting for the server beyond settings.json's, e.g. num_sql_threads 4")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.concurrency < 1:
        parser.error("--duration and --concurrency must be positive")
    if args.bombs is not None and (any(n < 0 for n in args.bombs) or args.bombs[0] != 0):
        parser.error("--bombs: numbers of bomb clients, the first 0 (the baseline), e.g. 0,3,10")
    if args.db and (args.db.name != f"{DB_NAME}.db" or not args.db.is_file()):
        parser.error(f"--db must be an existing file called {DB_NAME}.db (the name metadata.yml configures)")
    serve_python = args.python or serving_python()
    db = args.db.resolve() if args.db else dataset(args.rows, args.seed)
    OUT.mkdir(parents=True, exist_ok=True)
    label = "db-" + hashlib.sha256(str(db).encode()).hexdigest()[:8] if args.db else str(max(1000, args.rows // 3))
    ids = sample(db, args.seed)
    if args.bombs is not None:
        return fair_load(db, serve_python, ids, args, label)
    log_path = OUT / f"server-{label}.log"
    log_path.write_text("")  # serving() appends: the tracebacks counted below are this run's only
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        participation_rows = conn.execute("select count(*) from event_participants").fetchone()[0]
    mix = request_mix(ids)
    extra = [flag for name, value in args.setting for flag in ("--setting", name, value)]
    with serving(db, serve_python, timeout=START_TIMEOUT, log_path=log_path, extra=extra) as server:
        base, process = server.base, server.process
        memory_before = peak_memory_mb(process.pid)
        log(f"serving {db} ({participation_rows:,} participation rows) at {base}; "
            f"{args.concurrency} clients for {args.duration:g} s ...")
        results, lock = [], threading.Lock()
        started = time.monotonic()
        deadline = started + args.duration
        threads = [threading.Thread(target=client, args=(base, mix, args.seed * 1000 + n, deadline, results, lock))
                   for n in range(args.concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(args.duration + REQUEST_TIMEOUT + 10)
        elapsed = time.monotonic() - started
        memory_after = peak_memory_mb(process.pid)
    server_log = log_path.read_text(errors="replace")
    summary = summarise(results, elapsed)
    summary.update({
        "database": str(db), "participation_rows": participation_rows, "duration_s": round(elapsed, 1),
        "concurrency": args.concurrency, "server_python": serve_python,
        "server_peak_memory_mb": {"before_load": memory_before, "after_load": memory_after},
        "server_log_tracebacks": server_log.count("Traceback"), "server_log_bytes": len(server_log),
    })
    (OUT / f"result-{label}.json").write_text(json.dumps(summary, indent=2))
    print(f"\n{participation_rows:,} participation rows, {args.concurrency} clients, {elapsed:.0f} s: "
          f"{summary['requests']:,} requests ({summary['per_second']}/s)")
    print(f"{'kind':<8} {'requests':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for kind, row in summary["kinds"].items():
        print(f"{kind:<8} {row['requests']:>8} {row['p50_ms']:>8} {row['p90_ms']:>8} {row['p99_ms']:>8} {row['max_ms']:>8}")
    row = summary["all"]
    print(f"{'all':<8} {summary['requests']:>8} {row['p50_ms']:>8} {row['p90_ms']:>8} {row['p99_ms']:>8} {row['max_ms']:>8}")
    print(f"statuses {summary['statuses']}; 5xx {summary['server_errors']}; dropped {summary['dropped']}; "
          f"pages that hit the time limit {summary['time_limit']}; unexpected {summary['unexpected']}; server peak memory {memory_before and round(memory_before)} -> "
          f"{memory_after and round(memory_after)} MB; tracebacks in its log {summary['server_log_tracebacks']}")
    for page, count in summary["time_limit_pages"].items():
        print(f"  time limit: {page} ({count})")
    for example in summary["unexpected_examples"]:
        print(f"  unexpected: {example}")
    ok = summary["server_errors"] == 0 and summary["dropped"] == 0 and summary["unexpected"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
