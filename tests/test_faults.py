"""Faults around a served database (issue 5): a build killed mid-load, the
update procedure (build to the same path with build.py's atomic swap, then
restart), and files the server must refuse to serve. Each test runs a real
`datasette serve` the way `make serve` does (see test_security.serving)."""

import concurrent.futures
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import DATA, ROOT, sha256
from local_server import free_port, serve_command, serving, stop

def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


PARTICIPANTS = len(read_csv(DATA / "participants.csv"))


def append_csv(path, rows):
    with open(path, newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with open(path, "a", newline="", encoding="utf-8") as handle:
        csv.DictWriter(handle, fieldnames=header, lineterminator="\n").writerows(rows)


def add_participants(data_dir, count):
    """Append `count` valid participants: copies of the first under new ids, each
    with a copy of its mention (every participant needs a source)."""
    data_dir = Path(data_dir)
    first = read_csv(data_dir / "participants.csv")[0]
    mention = next(row for row in read_csv(data_dir / "mentions.csv")
                   if row["table_name"] == "participants" and row["row_id"] == first["id"])
    ids = [f"added-participant-{number}" for number in range(count)]
    append_csv(data_dir / "participants.csv", (dict(first, id=row_id) for row_id in ids))
    append_csv(data_dir / "mentions.csv", (dict(mention, row_id=row_id) for row_id in ids))


def build_to(data_dir, output):
    return subprocess.Popen([sys.executable, str(ROOT / "build.py"), "--data", str(data_dir), "--output", str(output),
                             "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def counts(server):
    """What each kind of page says about the participants."""
    def get(path, expected=(200,)):
        status, _, body = server.get(path)
        assert status in expected, path
        return status, body.decode("utf-8")

    database = json.loads(get("/antitrafficking.json")[1])
    return {
        "database page": next(t["count"] for t in database["tables"] if t["name"] == "participants"),
        "table page": int(re.search(r"<h3>([\d,]+) rows?", get("/antitrafficking/participants")[1]).group(1)),
        "table json": json.loads(get("/antitrafficking/participants.json?_size=1")[1])["filtered_table_rows_count"],
        "sql": json.loads(get("/antitrafficking.json?sql=select+count(*)+from+participants")[1])["rows"][0][0],
        "csv": len(get("/antitrafficking/participants.csv?_size=max")[1].splitlines()) - 1,
        "added participant's page": get("/antitrafficking/participants/added-participant-0", (200, 404))[0],
    }


def everywhere(count):
    return {"database page": count, "table page": count, "table json": count, "sql": count, "csv": count,
            "added participant's page": 200 if count > PARTICIPANTS else 404}


def counts_under_load(server, rounds=12):
    """counts() from six clients at once, so that every SQL thread answers some."""
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        return list(pool.map(lambda _: counts(server), range(rounds)))


@pytest.fixture
def served(built_db, tmp_path):
    path = tmp_path / "antitrafficking.db"
    shutil.copyfile(built_db, path)
    return path


@pytest.fixture
def new_data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    add_participants(data, 3)
    return data


# -- kill -9 of a build while the server serves the database --------------------------------

def test_build_killed_mid_load_leaves_the_served_database_and_its_answers(served, tmp_path):
    data = tmp_path / "big-data"
    shutil.copytree(DATA, data)
    add_participants(data, 150_000)
    before = sha256(served)
    with serving(served) as server:
        assert counts(server) == everywhere(PARTICIPANTS)
        build = build_to(data, served)
        try:
            sizes = []
            deadline = time.monotonic() + 60
            while not (len(sizes) > 1 and sizes[-1] > sizes[0]):  # the build is loading rows
                assert build.poll() is None, "the build finished before it could be killed"
                assert time.monotonic() < deadline, "the build's temporary file never grew"
                sizes += [p.stat().st_size for p in served.parent.glob(".antitrafficking.db.*.tmp")]
                counts(server)
        finally:
            build.send_signal(signal.SIGKILL)
            build.wait()
        assert build.returncode == -signal.SIGKILL
        assert counts_under_load(server) == [everywhere(PARTICIPANTS)] * 12
    assert sha256(served) == before


# -- the update procedure: build to the same path (atomic swap), then restart -------------------

def test_swap_without_restart_keeps_answering_from_the_old_file_on_every_page(served, new_data):
    with serving(served) as server:
        assert server.get("/antitrafficking.json?sql=select+1")[0] == 200  # one SQL thread has been used
        assert build_to(new_data, served).wait(120) == 0
        assert counts_under_load(server) == [everywhere(PARTICIPANTS)] * 12


def test_download_after_a_swap_waits_for_the_restart(served, new_data):
    with serving(served) as server:
        status, _, body = server.get("/antitrafficking.db")
        assert (status, hashlib.sha256(body).hexdigest()) == (200, sha256(served))
        assert build_to(new_data, served).wait(120) == 0
        status, headers, body = server.get("/antitrafficking.db")
    assert status == 503
    assert body == b"The database is being updated; try again in a minute\n"


def test_restart_after_a_swap_serves_the_new_counts_on_every_page(served, new_data):
    with serving(served) as server:
        assert counts(server) == everywhere(PARTICIPANTS)
        assert build_to(new_data, served).wait(120) == 0
    with serving(served) as server:  # what `make serve` does: inspect again, then serve
        assert counts_under_load(server) == [everywhere(PARTICIPANTS + 3)] * 12


# -- files the server refuses to serve ------------------------------------------------------------

def refusal(db, extra=(), timeout=30):
    """Start `datasette serve` on `db`; return (exit status, output) once it exits by itself."""
    port = free_port()
    process = subprocess.Popen(serve_command(db, port) + list(extra), cwd=ROOT, start_new_session=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(process)
        pytest.fail(f"the server did not refuse {db} within {timeout} s")
    return process.returncode, output.decode("utf-8", "replace")


def corrupt_a_page(path):
    """Overwrite one b-tree page of the participants table with garbage."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("pragma page_size").fetchone()[0]
    root = conn.execute("select rootpage from sqlite_master where name = 'participants'").fetchone()[0]
    conn.close()
    with open(path, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(os.urandom(page_size))


def truncate(path):
    with open(path, "r+b") as handle:
        handle.truncate(os.path.getsize(path) // 2)


def overwrite_header(path):
    with open(path, "r+b") as handle:
        handle.write(b"not a database at all")


@pytest.mark.parametrize("corrupt", [corrupt_a_page, truncate, overwrite_header],
                         ids=["garbage in a page", "truncated", "no SQLite header"])
def test_corrupted_database_is_refused_at_start(served, corrupt):
    corrupt(served)
    status, output = refusal(served)
    assert status == 1
    assert f"Error: {served} " in output
    assert "Not serving it: rebuild it (make build) or restore the previous file." in output
    assert "Uvicorn running" not in output


def test_value_longer_than_the_length_limit_is_refused_at_start(served):
    conn = sqlite3.connect(served)
    conn.execute("update sources set text = text || printf('%.*c', 200000, 'x')")
    conn.commit()
    conn.close()
    status, output = refusal(served)
    assert status == 1
    assert "holds a value of 202," in output and "bytes in sources.text, more than the 200,000" in output


def test_inspect_file_from_another_build_is_refused_at_start(served, new_data, tmp_path):
    inspect_file = tmp_path / "inspect.json"
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(served), "--inspect-file", str(inspect_file)],
                   check=True, timeout=60, capture_output=True)
    assert build_to(new_data, served).wait(120) == 0
    status, output = refusal(served, ["--inspect-file", str(inspect_file)])
    assert status == 1
    assert f"has {PARTICIPANTS + 3} rows in participants but the --inspect-file says {PARTICIPANTS}" in output
