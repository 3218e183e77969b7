#!/usr/bin/env python3
"""Benchmark the build and the site on synthetic data; print one markdown table.

    python bench/run.py --participants 100000        # what `make bench` runs
    python bench/run.py --participants 1000000 --runs 3
    python bench/run.py --quick                       # 10 000 participants, 1 run, 1 s of load (about 3 min)
    python bench/run.py --only build                  # or: --only serve (reuses the last build)

Build: generate.py writes bench/out/N/data (kept while generate.py, the seed
and N are unchanged); then, side by side in one run and in a rotating order,
each way of loading it is timed (median of --runs) with the peak resident
memory of its processes (from wait4):

  1. build.py, validating everything (the database `make build` makes)
  2. sqlite-utils insert --csv, once per file (with the same primary keys)
  3. csvs-to-sqlite, all files at once (if installed)
  4. the sqlite3 shell's .import into tables created with build.py's schema:
     the practical floor (staged in a temporary table, so that empty cells
     become NULL as build.py stores them)
  4b. (4) plus build.py's indexes, full-text search, views and ANALYZE:
     build.py's output without its checks
  5. bench/python_load.py: Python's csv module and executemany into the same
     tables, no checks: the floor of any build that reads its CSV in Python

Serve: the database built by (1) is served as `make serve` serves it, and
wrk (or, without wrk, a threaded Python client) requests each endpoint for
--duration seconds at each --concurrency, rotating through sampled ids and
parameter values. Before the load, a second server with trace_debug records
the SQL each endpoint runs, and EXPLAIN QUERY PLAN reports full scans.

Results go to bench/results/<time>-<N>.md and .json (git-ignored).
"""

import argparse
import datetime
import html
import http.client
import itertools
import json
import os
import platform
import random
import re
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "scripts"))

from local_server import serving, serving_python, set_parent_death_signal  # noqa: E402  (as `make serve`)
from pipeline import loader  # noqa: E402
from pipeline.schema import load_package  # noqa: E402

DB_NAME = "antitrafficking"  # the name metadata.yml configures
BIG_TABLE_ROWS = 10_000  # a full scan of a table this big is reported
COMMAND_TIMEOUT = 3600  # seconds; any single benchmarked command
SERVER_START_TIMEOUT = 120
# Requests, one at a time, before an endpoint is measured: its first answers may
# start work the server then caches (facet counts that time out are computed in
# the background), and the benchmark measures the steady state.
WARM_UP_SECONDS = 3

# Goals from the issue, per endpoint kind: p99 at concurrency 8, in ms.
P99_GOAL_MS = {"row": 100, "filtered": 100, "canned": 100, "search": 100, "table": 500, "facet": 500}


# -- small helpers ----------------------------------------------------------------


def log(message):
    print(message, file=sys.stderr, flush=True)


def tool(name):
    """An executable from this Python's venv, else the serving venv, else PATH."""
    for candidate in (Path(sys.executable).parent / name, ROOT / ".venv" / "bin" / name):
        if candidate.exists():
            return str(candidate)
    return shutil.which(name)


def run_measured(steps, log_path):
    """Run the steps (argv, stdin path or None) one after another.

    Returns (wall seconds, peak RSS in MiB of the largest process, error or None,
    CPU seconds (user + system) of all the processes). On a machine shared with
    other jobs the wall time depends on their load; the CPU time much less so."""
    peak_kib, cpu, started = 0, 0.0, time.perf_counter()
    with open(log_path, "ab") as log_file:
        for argv, stdin_path in steps:
            stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
            try:
                process = subprocess.Popen(argv, stdin=stdin, stdout=log_file, stderr=log_file, cwd=ROOT,
                                           preexec_fn=set_parent_death_signal)
            finally:
                if stdin_path:
                    stdin.close()
            timer = threading.Timer(COMMAND_TIMEOUT, process.kill)
            timer.start()
            _, status, usage = os.wait4(process.pid, 0)
            timer.cancel()
            process.returncode = os.waitstatus_to_exitcode(status)
            peak_kib = max(peak_kib, usage.ru_maxrss)
            cpu += usage.ru_utime + usage.ru_stime
            if process.returncode != 0:
                return (time.perf_counter() - started, peak_kib / 1024,
                        f"{Path(argv[0]).name} exited {process.returncode} (see {log_path})", cpu)
    return time.perf_counter() - started, peak_kib / 1024, None, cpu


def fmt(value, digits=0):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


# -- the data set ---------------------------------------------------------------------


def dataset(participants, seed, out):
    """bench/out/N/data, generated unless an identical one is there."""
    data = out / "data"
    stamp = out / "data.stamp"
    wanted = json.dumps({"participants": participants, "seed": seed,
                         "generate.py": (BENCH / "generate.py").read_text(),
                         "datapackage.json": (ROOT / "data" / "datapackage.json").read_text()})
    if stamp.exists() and stamp.read_text() == wanted and (data / "datapackage.json").exists():
        log(f"reusing {data.relative_to(ROOT)}")
        return data
    if data.exists():
        shutil.rmtree(data)
    stamp.unlink(missing_ok=True)
    log(f"generating {participants:,} participants into {data.relative_to(ROOT)} ...")
    subprocess.run([sys.executable, str(BENCH / "generate.py"), "--participants", str(participants),
                    "--out", str(data), "--seed", str(seed)], check=True)
    stamp.write_text(wanted)
    return data


def warm(data):
    """Read every input once, so that no case pays for a cold page cache."""
    for path in sorted(data.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                while handle.read(1 << 20):
                    pass


# -- build benchmark ----------------------------------------------------------------------


def table_schema_sql(package):
    """The CREATE TABLE statements build.py uses, from the same code (loader.create_tables)."""
    db = loader.open_build_database(":memory:")
    loader.create_tables(db, package)
    names = [table.name for table in package.tables]
    sql = {name: db.execute("select sql from sqlite_master where name = ?", [name]).fetchone()[0] for name in names}
    db.conn.close()
    return sql


def search_columns(package):
    """{table: [columns]} of the package's x-searched columns (build.py's FTS5 tables)."""
    found = {}
    for table in package.tables:
        columns = [field.name for field in table.stored_fields if field.searched]
        if columns:
            found[table.name] = columns
    return found


def post_processing_sql(reference_db, package):
    """build.py's indexes, search tables, views and ANALYZE, as SQL for the sqlite3 shell."""
    conn = sqlite3.connect(reference_db)
    statements = [row[0] + ";" for row in conn.execute(
        "select sql from sqlite_master where type = 'index' and sql is not null "
        "and tbl_name in (%s)" % ",".join("?" * len(package.tables)), [t.name for t in package.tables])]
    for table, columns in search_columns(package).items():
        create = conn.execute("select sql from sqlite_master where name = ?", [f"{table}_fts"]).fetchone()[0]
        listed = ", ".join(loader.quote_identifier(c) for c in columns)
        statements += [create + ";", f"insert into {loader.quote_identifier(table + '_fts')} (rowid, {listed}) "
                                     f"select rowid, {listed} from {loader.quote_identifier(table)};"]
    statements += [row[0] + ";" for row in conn.execute("select sql from sqlite_master where type = 'view'")]
    conn.close()
    return statements + [loader.ANALYSIS_LIMIT_PRAGMA + ";", "analyze;"]


def sqlite3_script(package, data, schema, extra=()):
    lines = [".bail on", "pragma journal_mode = off;", "pragma synchronous = off;",
             "pragma cache_size = -262144;", "pragma foreign_keys = off;"]
    lines += [schema[table.name] + ";" for table in package.tables]
    lines.append("begin;")
    for table in package.tables:
        stage = loader.quote_identifier("stage_" + table.name)
        columns = table.column_names
        lines.append(f"create temp table {stage} ({', '.join(loader.quote_identifier(c) + ' text' for c in columns)});")
        lines.append(f".import --csv --skip 1 --schema temp {shlex.quote(str(data / table.path))} stage_{table.name}")
        listed = ", ".join(loader.quote_identifier(c) for c in columns)
        nulls = ", ".join(f"nullif({loader.quote_identifier(c)}, '')" for c in columns)
        lines.append(f"insert into main.{loader.quote_identifier(table.name)} ({listed}) select {nulls} from temp.{stage};")
        lines.append(f"drop table temp.{stage};")
    lines.append("commit;")
    lines += list(extra)
    return "\n".join(lines) + "\n"


# csvs-to-sqlite keeps each file's table name as an attribute of its pandas DataFrame
# (`df.table_name = ...`): for a file with a column of that name (v2's mentions and
# names), pandas assigns the column instead, and csvs-to-sqlite fails binding it.
CSVS_TO_SQLITE_RESERVED = {"table_name": "table_name_"}


def csvs_to_sqlite_inputs(package, data, directory):
    """The CSV files for csvs-to-sqlite: data's own, except that a file with a column
    csvs-to-sqlite cannot take gets a copy with only that header renamed (same bytes
    otherwise, same table name). Made before the timed runs."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in package.tables:
        source = data / table.path
        if not set(table.column_names) & set(CSVS_TO_SQLITE_RESERVED):
            paths.append(source)
            continue
        target = directory / Path(table.path).name
        with open(source, "rb") as reader, open(target, "wb") as writer:
            header = reader.readline().decode("utf-8").rstrip("\r\n").split(",")
            header = [CSVS_TO_SQLITE_RESERVED.get(name, name) for name in header]
            writer.write((",".join(header) + "\n").encode("utf-8"))
            shutil.copyfileobj(reader, writer, 1 << 20)
        paths.append(target)
    return paths


def build_cases(package, data, work, reference_db):
    """name -> (description, function(output path) -> steps)."""
    python = sys.executable
    cases = {}
    cases["build.py"] = ("1. build.py (validates everything)", lambda out: [
        ([python, str(ROOT / "build.py"), "--data", str(data), "--output", str(out), "--quiet"], None)])
    sqlite_utils = tool("sqlite-utils")
    if sqlite_utils:
        def sqlite_utils_steps(out):
            steps = []
            for table in package.tables:
                pks = [arg for column in table.primary_key for arg in ("--pk", column)]
                steps.append(([sqlite_utils, "insert", str(out), table.name, str(data / table.path), "--csv", *pks, "--silent"], None))
            return steps
        cases["sqlite-utils"] = ("2. sqlite-utils insert --csv, per file", sqlite_utils_steps)
    csvs_to_sqlite = tool("csvs-to-sqlite")
    if csvs_to_sqlite:
        inputs = csvs_to_sqlite_inputs(package, data, work / "csvs-to-sqlite-input")
        cases["csvs-to-sqlite"] = ("3. csvs-to-sqlite", lambda out: [
            ([csvs_to_sqlite, *[str(path) for path in inputs], str(out)], None)])
    sqlite3_cli = shutil.which("sqlite3")
    if sqlite3_cli:
        schema = table_schema_sql(package)
        floor = work / "floor.sql"
        floor.write_text(sqlite3_script(package, data, schema))
        full = work / "floor-post.sql"
        full.write_text(sqlite3_script(package, data, schema, post_processing_sql(reference_db, package)))
        cases["sqlite3"] = ("4. sqlite3 .import (floor)", lambda out: [([sqlite3_cli, str(out)], floor)])
        cases["sqlite3+post"] = ("4b. sqlite3 .import + build.py's indexes, FTS, ANALYZE",
                                 lambda out: [([sqlite3_cli, str(out)], full)])
    cases["python"] = ("5. Python csv + executemany, no checks", lambda out: [
        ([python, str(BENCH / "python_load.py"), str(data), str(out)], None)])
    return cases


def count_rows(db_path, package):
    conn = sqlite3.connect(db_path)
    try:
        return sum(conn.execute(f"select count(*) from {loader.quote_identifier(t.name)}").fetchone()[0]
                   for t in package.tables)
    finally:
        conn.close()


def key_set_memory(data):
    """What Ingest keeps in memory by design, measured with tracemalloc in a child process:
    the key sets of referenced tables, the parent maps, the dates of dated rows (events,
    memberships with both dates), each table's array of CSV line numbers (4 bytes a row);
    and the source texts. Mirrors pipeline/ingest.py's Ingest.load_table."""
    code = r"""
import array, csv, sys, tracemalloc
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from pipeline.schema import load_package
from pipeline.evidence import normalize_space
data = Path(sys.argv[2])
package = load_package(data)
csv.field_size_limit(1 << 30)
tracemalloc.start()
keys, parents, dates, lines = {}, {}, {}, {}
for table in package.tables:
    names = table.column_names
    keep = table.name in package.referenced_tables
    pk = names.index(table.primary_key[0])
    parent = names.index(table.parent_key.column) if table.parent_key else None
    dated = {"start_date", "end_date"} <= set(names)
    ks = keys.setdefault(table.name, set()) if keep else None
    ps = parents.setdefault(table.name, {}) if parent is not None else None
    ds = dates.setdefault(table.name, {}) if dated else None
    ls = lines.setdefault(table.name, array.array("I"))
    with open(data / table.path, newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle); next(rows)
        for line, row in enumerate(rows, 2):
            ls.append(line)
            if ks is not None:
                ks.add(row[pk])
            if ps is not None:
                ps[row[pk]] = row[parent] or None
            if ds is not None and row[names.index("start_date")] and row[names.index("end_date")]:
                ds[row[pk]] = (row[names.index("start_date")], row[names.index("end_date")], line)
sets = tracemalloc.get_traced_memory()[0]
texts = {}
with open(data / "sources.csv", newline="", encoding="utf-8") as handle:
    rows = csv.DictReader(handle)
    for row in rows:
        texts[row["id"]] = normalize_space((data / row["path"]).read_text(encoding="utf-8"))
print(sets, tracemalloc.get_traced_memory()[0] - sets)
"""
    output = subprocess.run([sys.executable, "-c", code, str(ROOT), str(data)], check=True,
                            capture_output=True, text=True).stdout.split()
    return int(output[0]) / 2**20, int(output[1]) / 2**20


PHASES_CODE = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
import build
from pipeline import atomic, ingest, loader
phases = {}
def timed(owner, name, label):
    original = getattr(owner, name, None)
    if original is None:  # renamed in pipeline/: that phase is left out, not the run
        return
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            phases[label] = phases.get(label, 0) + time.perf_counter() - started
    setattr(owner, name, wrapper)
# Ingest.run: each file staged, checked step by step and inserted, then the checks over whole tables.
timed(ingest.Ingest, "load_table", "read, check and insert rows")
# Its steps (included in the line above): staging, then the staged checks and the INSERT ... SELECT.
timed(ingest, "stage_file", "load: staging (csv into temporary tables)")
for name, label in [("check_values", "load: values"), ("check_row_passages", "load: passages in sources and columns"),
                    ("insert_rows", "load: INSERT ... SELECT into the typed tables")]:
    timed(ingest.Ingest, name, label)
for name, label in [("check_later_references", "forward references"), ("check_parent_cycles", "parent cycles"),
                    ("check_dates_within_parents", "dates within parents"),
                    ("check_row_reference", "row references (mentions, names)"),
                    ("check_compound_key", "compound foreign keys (names -> mentions)"),
                    ("check_has_mention", "every row has a mention"),
                    ("check_verbatim_in_mentioning_sources", "verbatim in a mentioning source")]:
    timed(ingest.Ingest, name, label)
for name, label in [("create_source_paragraphs", "source_paragraphs"), ("create_indexes", "indexes"),
                    ("create_search", "full-text search"), ("create_views", "views + data dictionary"),
                    ("create_dictionary_tables", "views + data dictionary"),
                    ("integrity_problems", "quick_check"), ("finish", "ANALYZE")]:
    timed(loader, name, label)
timed(atomic, "_flush_to_disk", "fsync")
started = time.perf_counter()
code = build.main(["--data", sys.argv[2], "--output", sys.argv[3], "--quiet"])
phases["total (in process)"] = time.perf_counter() - started
print(json.dumps(phases))
sys.exit(code)
"""


def build_phases(data, work):
    """Where build.py's time goes: one extra, instrumented run (not part of the medians)."""
    target = work / "phases.db"
    output = subprocess.run([sys.executable, "-c", PHASES_CODE, str(ROOT), str(data), str(target)],
                            capture_output=True, text=True, cwd=ROOT)
    target.unlink(missing_ok=True)
    lines = [line for line in output.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def build_benchmark(package, data, out, runs, results):
    work = out / "build"
    work.mkdir(parents=True, exist_ok=True)
    final_db = out / f"{DB_NAME}.db"
    log_path = work / "commands.log"
    log_path.write_text("")
    log("reference build (validates the data, warms the page cache; not timed)")
    warm(data)
    seconds, peak, error, _ = run_measured([([sys.executable, str(ROOT / "build.py"), "--data", str(data),
                                           "--output", str(final_db), "--quiet"], None)], log_path)
    if error:
        sys.exit(f"build.py rejected the synthetic data: {error}\n{log_path.read_text()[-3000:]}")
    expected_rows = count_rows(final_db, package)
    cases = build_cases(package, data, work, final_db)
    names = list(cases)
    timings = {name: [] for name in names}
    peaks = {name: [] for name in names}
    cpu_times = {name: [] for name in names}
    loads = []  # the 1-minute load average before each measured command: how shared the machine was
    errors = {}
    for run in range(runs):
        order = names[run % len(names):] + names[: run % len(names)]
        for name in order:
            if name in errors:
                continue
            target = final_db if name == "build.py" else work / f"{slug(name)}.db"
            if name != "build.py":
                target.unlink(missing_ok=True)
            log(f"  run {run + 1}/{runs}: {name} ...")
            loads.append(os.getloadavg()[0])
            seconds, peak, error, cpu = run_measured(cases[name][1](target), log_path)
            if error is None and count_rows(target, package) != expected_rows:
                error = f"loaded {count_rows(target, package):,} rows, expected {expected_rows:,}"
            if error:
                errors[name] = error
                log(f"    failed: {error}")
                continue
            timings[name].append(seconds)
            peaks[name].append(peak)
            cpu_times[name].append(cpu)
            log(f"    {seconds:.2f} s (CPU {cpu:.2f} s, load {loads[-1]:.1f}), peak {peak:,.0f} MiB")
            if name != "build.py":
                target.unlink(missing_ok=True)
    log("build.py phases (one instrumented run)")
    phases = build_phases(data, work)
    log("measuring the key sets (tracemalloc)")
    key_sets, texts = key_set_memory(data)
    floor = statistics.median(timings["sqlite3"]) if timings.get("sqlite3") else None
    floor_cpu = statistics.median(cpu_times["sqlite3"]) if cpu_times.get("sqlite3") else None
    rows = []
    for name in names:
        median = statistics.median(timings[name]) if timings[name] else None
        median_cpu = statistics.median(cpu_times[name]) if cpu_times[name] else None
        rows.append({
            "case": name, "description": cases[name][0], "runs": timings[name], "peaks_mib": peaks[name],
            "cpu_runs": cpu_times[name], "median_cpu_s": median_cpu,
            "median_s": median, "peak_mib": max(peaks[name]) if peaks[name] else None,
            "rows_per_s": expected_rows / median if median else None,
            "ratio_to_floor": median / floor if median and floor else None,
            "cpu_ratio_to_floor": median_cpu / floor_cpu if median_cpu and floor_cpu else None, "error": errors.get(name),
        })
    results["build"] = {"rows": expected_rows, "cases": rows, "key_sets_mib": key_sets, "source_texts_mib": texts,
                        "load_average": {"min": min(loads), "median": statistics.median(loads), "max": max(loads)} if loads else None,
                        "phases_s": phases,
                        "db_bytes": final_db.stat().st_size}
    return final_db


def slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# -- serve benchmark -------------------------------------------------------------------------


def get(url, timeout=60):
    request = urllib.request.Request(url, headers={"Accept-Encoding": "identity"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (OSError, http.client.HTTPException) as error:
        # e.g. Datasette's ?_trace=1 breaks responses over 256 KB off mid-body
        return None, str(error).encode()


class Sampler:
    """Deterministic samples of real values from the built database."""

    def __init__(self, db_path, package, seed):
        self.conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        self.package = package
        self.rng = random.Random(seed)

    def values(self, table, column, count):
        """Up to `count` non-null values of a column (or SQL expression) at random rowids."""
        expression = column if " " in column or "(" in column else loader.quote_identifier(column)
        table_sql = loader.quote_identifier(table)
        top = self.conn.execute(f"select max(rowid) from {table_sql}").fetchone()[0] or 0
        found, tries = [], 0
        while len(found) < count and tries < count * 20 and top:
            tries += 1
            row = self.conn.execute(f"select {expression} from {table_sql} where rowid = ?",
                                    [self.rng.randint(1, top)]).fetchone()
            if row and row[0] is not None:
                found.append(row[0])
        return found

    def row_ids(self, table, count):
        """Row ids as the evidence view writes them (compound keys joined with '/')."""
        keys = self.package.table(table).primary_key
        if len(keys) == 1:
            return self.values(table, keys[0], count)
        return self.values(table, " || '/' || ".join(loader.quote_identifier(c) for c in keys), count)


def search_words():
    # Names (rare), topic words (common) and phrases: what people type.
    return ["Gratschew", "Rakhimova", "Nurlan", "shelters", "referral mechanism", "labour migration",
            "child trafficking", "prosecutor", "Fergana", "victims", "border", "compensation"]


def canned_parameters(sql, package, sampler, count):
    """count dicts of values for the :named parameters of a canned query, chosen from the data."""
    bare = re.sub(r"'(?:[^']|'')*'", "''", sql)
    names = sorted(set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", bare)))
    fk_targets = {fk.column: fk.other_table for t in package.tables for fk in t.foreign_keys}
    columns = {c: t.name for t in reversed(package.tables) for c in t.column_names}
    evidence_tables = [t.name for t in package.sourced_tables]  # what mentions.table_name may name
    rng = random.Random(f"canned-{sql}")
    picks = []
    pools = {}
    for name in names:
        if name in ("q", "query", "search", "term", "text"):
            pools[name] = search_words()
        elif name == "table_name":
            pools[name] = evidence_tables
        elif name == "row_id":
            pools[name] = None  # chosen with table_name below
        elif name in fk_targets:
            target = fk_targets[name]
            pools[name] = sampler.values(target, package.table(target).primary_key[0], count)
        elif name == "id" or name.endswith("_id") and name[:-3] + "s" in [t.name for t in package.tables]:
            target = name[:-3] + "s" if name != "id" else package.tables[0].name
            pools[name] = sampler.values(target, package.table(target).primary_key[0], count)
        elif name in columns:
            pools[name] = sampler.values(columns[name], name, count)
        else:
            pools[name] = [""]
    row_ids = {}
    for i in range(count):
        params = {}
        for name in names:
            if pools[name] is None:
                continue
            params[name] = pools[name][i % len(pools[name])] if pools[name] else ""
        if "row_id" in names:
            table = params.get("table_name") or rng.choice(evidence_tables)
            if table not in row_ids:
                row_ids[table] = sampler.row_ids(table, count) or [""]
            params["row_id"] = row_ids[table][i % len(row_ids[table])]
        picks.append(params)
    return picks


def endpoints(package, db_path, seed, count):
    """(name, kind, [paths]) for every endpoint the issue lists."""
    base = f"/{DB_NAME}"
    sampler = Sampler(db_path, package, seed)
    people = sampler.values("participants", "id", count)
    events = sampler.values("events", "id", count)
    mentioned = [pair.split("\x1f") for pair in sampler.values("mentions", "table_name || char(31) || row_id", count)]
    words = search_words()
    out = [
        ("/-/versions.json (ceiling)", "ceiling", ["/-/versions.json"]),
        ("table: events", "table", [f"{base}/events"]),
        ("table: participants", "table", [f"{base}/participants"]),
        ("table: event_participants", "table", [f"{base}/event_participants"]),
        ("row: participants/<id>", "row", [f"{base}/participants/{quote(p)}" for p in people]),
        ("row: events/<id>", "row", [f"{base}/events/{quote(e)}" for e in events]),
        ("filtered: event_participants?event_id=", "filtered", [f"{base}/event_participants?event_id={quote(e)}" for e in events]),
        ("filtered: event_participants?participant_id=", "filtered",
         [f"{base}/event_participants?participant_id={quote(p)}" for p in people]),
        ("facet: participants?_facet=kind", "facet", [f"{base}/participants?_facet=kind"]),
        ("facet: events?_facet=kind", "facet", [f"{base}/events?_facet=kind"]),
        ("search: events?_search=", "search", [f"{base}/events?_search={quote(w)}" for w in words]),
        ("search: participants?_search=", "search", [f"{base}/participants?_search={quote(w)}" for w in words]),
        # v2: mentions is the biggest table; a row's passages are found by (table_name, row_id).
        ("table: mentions", "table", [f"{base}/mentions"]),
        ("filtered: mentions?table_name=&row_id=", "filtered",
         [f"{base}/mentions?table_name={quote(t)}&row_id={quote(r)}" for t, r in mentioned]),
    ]
    metadata = load_metadata()
    queries = (metadata.get("databases", {}).get(DB_NAME, {}) or {}).get("queries", {}) or {}
    for name, spec in queries.items():
        sql = spec if isinstance(spec, str) else spec.get("sql", "")
        if not isinstance(spec, str) and spec.get("write"):
            continue
        picks = canned_parameters(sql, package, sampler, count)
        paths = [f"{base}/{quote(name)}" + (f"?{urllib.parse.urlencode(p)}" if p else "") for p in picks]
        out.append((f"canned: {name}", "canned", paths or [f"{base}/{quote(name)}"]))
    return out


def quote(text):
    return urllib.parse.quote(str(text), safe="")


def load_metadata():
    path = ROOT / "metadata.yml"
    if not path.exists():
        return {}
    import yaml

    return yaml.safe_load(path.read_text()) or {}


def as_json_path(path):
    split = urllib.parse.urlsplit(path)
    return urllib.parse.urlunsplit(split._replace(path=split.path + ".json"))


def with_trace(path):
    return path + ("&" if "?" in path else "?") + "_trace=1"


def traced_statements(text, database=DB_NAME):
    """(sql, params) of each statement run on `database`, from a page fetched with
    ?_trace=1 (JSON, or HTML with the trace at its end); None if it carries no trace.
    tests/test_query_plans.py uses it too."""
    try:
        trace = json.loads(text).get("_trace")
    except (ValueError, AttributeError):  # HTML, or a JSON list (?_shape=array)
        match = re.search(r"<pre>(\{.*\})</pre></body>", text, re.S)
        trace = json.loads(html.unescape(match.group(1))) if match else None
    if not trace:
        return None
    return [(t["sql"], t.get("params")) for t in trace.get("traces", [])
            if t.get("sql") and t.get("database", database) == database]


def traced_sql(server, path):
    """The SQL statements (with parameters) Datasette ran for a page, from ?_trace=1."""
    for candidate in (path, as_json_path(path)):
        status, body = get(server.url(with_trace(candidate)))
        statements = traced_statements(body.decode("utf-8", "replace"))
        if statements is not None:
            return status, statements
    return status, []


def query_plan_problems(db_path, statements, big_tables):
    """Full scans of big tables in EXPLAIN QUERY PLAN, and statements that could not be explained."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        from datasette.utils import escape_fts
    except ImportError:
        def escape_fts(query):
            return query
    conn.create_function("escape_fts", 1, escape_fts)  # Datasette's own SQL function
    problems, notes, plans = [], [], []
    for sql, params in statements:
        if not re.match(r"\s*(with|select)\b", sql, re.I) or "sqlite_master" in sql or "pragma_" in sql:
            continue
        if re.search(r"\bin \(\)", sql):
            continue  # an empty list: SQLite never runs the scan it plans
        try:
            plan = conn.execute("explain query plan " + sql, params or {}).fetchall()
        except sqlite3.Error as error:
            problems.append(f"could not explain ({error}): {sql[:120]}")
            continue
        aliases = {alias.lower(): table.lower() for table, alias in re.findall(r"\b(?:from|join)\s+\[?\"?(\w+)\"?\]?\s+(?:as\s+)?(\w+)", sql, re.I)}
        lines = [row[3] for row in plan]
        plans.append((sql, lines))
        for detail in lines:
            match = re.match(r"(SCAN|BLOOM FILTER ON) (\w+)(.*)", detail)
            if not match:
                continue
            name, rest = match.group(2).lower(), match.group(3)
            table = aliases.get(name, name)
            if table not in big_tables:
                continue
            shown = f"`{detail}` in: {' '.join(sql.split())[:140]}"
            if match.group(1) == "BLOOM FILTER ON":
                # Built by reading every row of the table, for each run of the statement (or of a recursive step).
                problems.append(f"Bloom filter over all of {table} ({big_tables[table]:,} rows): {shown}")
            elif "COVERING INDEX" in rest:
                # Whole-index scans: facet counts, or bounded by a LIMIT (e.g. "order by id limit 1").
                notes.append(f"index-only scan of {table} (a facet count, or bounded by a LIMIT?): {shown}")
            elif "USING INDEX" in rest and (re.search(r"\blimit\s+\d+\s*(offset\s+\d+\s*)?$", sql, re.I) or re.search(
                    rf"\(\s*select\b[^()]*\bfrom\s+{re.escape(table)}\b[^()]*\blimit\s+\d+\s*\)", sql, re.I)):
                # A table page, or a subquery such as (select ... order by published_date desc limit 1):
                # rows read in index order until the LIMIT is reached.
                notes.append(f"ordered scan of {table} stopped by the LIMIT: {shown}")
            else:
                # "SCAN t" or "SCAN t USING INDEX i": every row, the latter in index order (to avoid a sort).
                problems.append(f"full scan of {table} ({big_tables[table]:,} rows): {shown}")
    conn.close()
    return problems, notes, plans


def wrk_load(server, paths, concurrency, duration, work):
    paths_file = work / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    command = [shutil.which("wrk"), "-t1", f"-c{concurrency}", f"-d{max(1, round(duration))}s", "--timeout", "30s",
               "-s", str(BENCH / "wrk_report.lua"), server.url(""), "--", str(paths_file)]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120).stdout
    report = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    seconds = report["duration_us"] / 1e6
    return {"requests": report["requests"], "req_per_s": report["requests"] / seconds,
            "p50_ms": report["p50_us"] / 1000, "p95_ms": report["p95_us"] / 1000, "p99_ms": report["p99_us"] / 1000,
            "max_ms": report["max_us"] / 1000,
            "non_2xx": report["status_errors"],
            "errors": report["connect_errors"] + report["read_errors"] + report["write_errors"] + report["timeouts"]}


def python_load(server, paths, concurrency, duration, work):
    """A bounded threaded client, for machines without wrk (less precise above ~1000 req/s)."""
    import http.client

    deadline = time.monotonic() + duration
    latencies, bad, errors, lock = [], [0], [0], threading.Lock()

    def worker(offset):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        i = offset
        while time.monotonic() < deadline:
            path = paths[i % len(paths)]
            i += 1
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
                with lock:
                    errors[0] += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - started)
                if not 200 <= status < 300:
                    bad[0] += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + 60)
    seconds = time.monotonic() - started
    latencies.sort()

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))] * 1000 if latencies else None

    return {"requests": len(latencies), "req_per_s": len(latencies) / seconds, "p50_ms": percentile(50),
            "p95_ms": percentile(95), "p99_ms": percentile(99), "max_ms": percentile(100), "non_2xx": bad[0], "errors": errors[0]}


def serve_benchmark(package, db_path, out, seed, duration, concurrencies, samples, results):
    work = out / "serve"
    work.mkdir(parents=True, exist_ok=True)
    log_path = work / "datasette.log"
    log_path.write_text("")
    targets = endpoints(package, db_path, seed, samples)
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    big = {t.name: n for t in package.tables
           if (n := conn.execute(f"select count(*) from {loader.quote_identifier(t.name)}").fetchone()[0]) >= BIG_TABLE_ROWS}
    tables = {row[0] for row in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    for name in ("source_paragraphs",):
        if name in tables:
            big.setdefault(name, conn.execute(f"select count(*) from {name}").fetchone()[0])
    conn.close()

    log("query plans: tracing every endpoint's SQL (a second server with trace_debug)")
    checks = []
    with serving(db_path, serving_python(), SERVER_START_TIMEOUT, log_path, extra=["--setting", "trace_debug", "1"]) as server:
        for name, kind, paths in targets:
            if kind == "ceiling":
                continue
            statements = []
            for path in paths[:3]:
                statements += traced_sql(server, path)[1]
            problems, notes, plans = query_plan_problems(db_path, statements, big)
            checks.append({"endpoint": name, "kind": kind, "statements": len(statements),
                           "problems": sorted(set(problems)), "index_scans": sorted(set(notes)), "plans": plans})
    results["query_plans"] = checks

    load = wrk_load if shutil.which("wrk") else python_load
    results["load_generator"] = "wrk (Debian)" if load is wrk_load else "python threads (bench/run.py)"
    rows = []
    with serving(db_path, serving_python(), SERVER_START_TIMEOUT, log_path) as server:
        log(f"serving {db_path.relative_to(ROOT)} on {server.url('')}; warming up and checking each endpoint (answers 200) before measuring it")
        for name, kind, paths in targets:
            statuses = {}
            warm_until, each_path_once = time.monotonic() + WARM_UP_SECONDS, min(len(paths), 20)
            for count, path in enumerate(itertools.cycle(paths)):
                if count >= each_path_once and time.monotonic() >= warm_until:
                    break
                status, _ = get(server.url(path))
                statuses[status] = statuses.get(status, 0) + 1
            bad = {s: n for s, n in statuses.items() if s != 200}
            if bad:
                log(f"  {name}: statuses {statuses} (expected 200)")
            for concurrency in concurrencies:
                log(f"  {name}, c={concurrency}, {duration} s ...")
                measured = load(server, paths, concurrency, duration, work)
                measured.update({"endpoint": name, "kind": kind, "concurrency": concurrency,
                                 "precheck_statuses": statuses, "paths": len(paths)})
                rows.append(measured)
    ceilings = {r["concurrency"]: r["req_per_s"] for r in rows if r["kind"] == "ceiling"}
    for row in rows:
        ceiling = ceilings.get(row["concurrency"])
        row["ratio_to_ceiling"] = row["req_per_s"] / ceiling if ceiling else None
    results["serve"] = rows


# -- the report ----------------------------------------------------------------------------


def machine():
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    sqlite_cli = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()[:1] if shutil.which("sqlite3") else ["–"]
    versions = {}
    for package in ("datasette", "sqlite-utils", "csvs-to-sqlite", "pandas"):
        try:
            import importlib.metadata

            versions[package] = importlib.metadata.version(package)
        except Exception:
            versions[package] = "not installed"
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0] if shutil.which("wrk") else "–"
    return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(memory, 1), "python": platform.python_version(),
            "sqlite_python": sqlite3.sqlite_version, "sqlite_cli": sqlite_cli[0], "packages": versions,
            "wrk": wrk.strip(), "platform": platform.platform()}


def build_goal(row, by_case, participants):
    if row["error"]:
        return "failed: " + row["error"]
    if row["case"] != "build.py" or row["median_s"] is None:
        return ""
    notes = []
    for other in ("sqlite-utils", "csvs-to-sqlite"):
        if by_case.get(other) and by_case[other]["median_s"]:
            faster = row["median_s"] < by_case[other]["median_s"]
            notes.append(f"{'✓' if faster else '✗'} faster than {other}")
    if row["ratio_to_floor"]:
        within = row["ratio_to_floor"] <= 2
        notes.append(f"{'✓' if within else '✗'} ≤ 2× floor" + ("" if participants >= 1_000_000 else " (goal set at 1M)"))
    return "; ".join(notes)


def serve_goal(row):
    notes = []
    goal = P99_GOAL_MS.get(row["kind"])
    if goal and row["concurrency"] == 8 and row["p99_ms"] is not None:
        notes.append(f"{'✓' if row['p99_ms'] < goal else '✗'} p99 < {goal} ms")
    if row["non_2xx"] or row["errors"]:
        notes.append(f"✗ {row['non_2xx']} non-2xx, {row['errors']} errors")
    return "; ".join(notes)


def markdown(results):
    participants = results["participants"]
    lines = [
        f"Benchmarks at {participants:,} participants ({results.get('build', {}).get('rows', 0):,} rows), "
        f"{results['started']}, {results['machine']['nproc']} × {results['machine']['cpu']}, "
        f"{results['machine']['ram_gib']} GiB, Python {results['machine']['python']}, SQLite {results['machine']['sqlite_python']} "
        f"(CLI {results['machine']['sqlite_cli']}); load: {results.get('load_generator', '–')}."
        + (f" Load average (1 min) before the build runs: {build_load['min']:.1f} to {build_load['max']:.1f},"
           f" median {build_load['median']:.1f}, on {results['machine']['nproc']} cores."
           if (build_load := (results.get("build") or {}).get("load_average")) else ""),
        "",
        "| benchmark | case | c | median | rows/s or req/s | p50 ms | p95 ms | p99 ms | peak MiB | ratio | goals |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    build = results.get("build")
    if build:
        by_case = {row["case"]: row for row in build["cases"]}
        for row in build["cases"]:
            runs = len(row["runs"])
            lines.append(
                f"| build | {row['description']} | | {fmt(row['median_s'], 2)} s ({runs} run{'s' if runs != 1 else ''}; "
                f"CPU {fmt(row.get('median_cpu_s'), 2)} s) | "
                f"{fmt(row['rows_per_s'])} rows/s | | | | {fmt(row['peak_mib'])} | "
                f"{fmt(row['ratio_to_floor'], 2)}{'×' if row['ratio_to_floor'] else ''} floor "
                f"(CPU {fmt(row.get('cpu_ratio_to_floor'), 2)}×) | {build_goal(row, by_case, participants)} |")
        build_row = by_case.get("build.py")
        if build_row and build_row["peak_mib"]:
            lines.append(
                f"| build | build.py memory by design: FK key sets, parent maps, dates, line numbers {fmt(build['key_sets_mib'])} MiB"
                f" + source texts {fmt(build['source_texts_mib'])} MiB | | | | | | | "
                f"{fmt(build_row['peak_mib'] - build['key_sets_mib'] - build['source_texts_mib'])} | | peak minus these |")
        if build.get("phases_s"):
            shown = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in build["phases_s"].items())
            lines.append(f"| build | build.py phases (one extra instrumented run): {shown} | | | | | | | | | |")
    for row in results.get("serve", []):
        lines.append(
            f"| serve | {row['endpoint']} | {row['concurrency']} | | {fmt(row['req_per_s'])} req/s | {fmt(row['p50_ms'], 1)} | "
            f"{fmt(row['p95_ms'], 1)} | {fmt(row['p99_ms'], 1)} | | "
            f"{fmt(row['ratio_to_ceiling'], 2) if row['kind'] != 'ceiling' else '1.00'} of ceiling | {serve_goal(row)} |")
    checks = results.get("query_plans")
    if checks:
        lines += ["", "Query plans (EXPLAIN QUERY PLAN of the SQL each endpoint ran, traced with ?_trace=1):", ""]
        for check in checks:
            if check["problems"]:
                lines.append(f"- {check['endpoint']}: ✗ " + "; ".join(check["problems"]))
            else:
                lines.append(f"- {check['endpoint']}: ✓ no full scan of a big table ({check['statements']} statements)")
            for note in check["index_scans"]:
                lines.append(f"  - {note}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=100_000, metavar="N", help="synthetic size (default 100000)")
    parser.add_argument("--runs", type=int, help="build runs per case (default 5, or 3 at ≥ 1M participants)")
    parser.add_argument("--duration", type=float, help="seconds of load per endpoint and concurrency (default 10)")
    parser.add_argument("--concurrency", default="8,32", help="comma-separated (default 8,32)")
    parser.add_argument("--samples", type=int, default=200, help="ids and parameter values rotated through per endpoint")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=["build", "serve"], help="run one half (serve reuses the last build)")
    parser.add_argument("--quick", action="store_true", help="10 000 participants, 1 run, 1 s of load: a smoke test of about 3 min")
    args = parser.parse_args(argv)
    if args.quick:
        args.participants = 10_000 if args.participants == 100_000 else args.participants
        args.runs = args.runs or 1
        args.duration = args.duration or 1
        args.samples = min(args.samples, 50)
    args.runs = args.runs or (3 if args.participants >= 1_000_000 else 5)
    args.duration = args.duration or 10
    concurrencies = [int(c) for c in args.concurrency.split(",")]

    out = BENCH / "out" / str(args.participants)
    out.mkdir(parents=True, exist_ok=True)
    results_dir = BENCH / "results"
    results_dir.mkdir(exist_ok=True)
    started = datetime.datetime.now().astimezone()
    results = {"participants": args.participants, "started": started.strftime("%Y-%m-%d %H:%M %Z"),
               "machine": machine(), "args": vars(args)}
    package = load_package(ROOT / "data")
    data = dataset(args.participants, args.seed, out)
    db_path = out / f"{DB_NAME}.db"
    if args.only != "serve":
        db_path = build_benchmark(package, data, out, args.runs, results)
    elif not db_path.exists():
        sys.exit(f"{db_path} does not exist: run without --only serve first")
    if args.only != "build":
        serve_benchmark(package, db_path, out, args.seed, args.duration, concurrencies, args.samples, results)

    report = markdown(results)
    stem = results_dir / f"{started.strftime('%Y%m%d-%H%M%S')}-{args.participants}"
    stem.with_suffix(".md").write_text(report)
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str))
    print(report)
    log(f"wrote {stem.relative_to(ROOT)}.md and .json in {(datetime.datetime.now().astimezone() - started).total_seconds():.0f} s")


if __name__ == "__main__":
    main()
