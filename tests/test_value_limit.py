"""One length limit for the build and the server (issue 12, point 6).

data/datapackage.json declares it once ("x-maxValueBytes"). build.py refuses
any CSV value or source text longer in UTF-8 and records the limit in the
database's _build table; antitrafficking_site/sql_limits.py reads it there for each
database (SQLITE_LIMIT_LENGTH and the start-up check), falling back to its
DEFAULTS only for a database that records none. `make serve` builds first,
and a failed build leaves the previous database and starts no server.
"""

import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess

import click
import pytest

import build
from conftest import ROOT, site_for
from helpers_bad_data import DataDir
from local_server import free_port

CYRILLIC = "ж"  # two bytes in UTF-8


def limit_of(d):
    return d.package["x-maxValueBytes"]


def free_text_field(d):
    """(table, column) of the first optional free-text column: no pattern, list, length or verbatim rule."""
    table, field = d.first_field(lambda table, field: field.get("type", "string") == "string"
                                 and not field.get("constraints") and "x-verbatim" not in field
                                 and "x-digestOf" not in field and table not in d.referenced_tables())
    return table, field["name"]


def too_long(size, limit):
    return (f"{size:,} bytes, too long (expected at most {limit:,} bytes in UTF-8: the longest value "
            "the site serves, x-maxValueBytes in datapackage.json)")


def run(data_copy, output, monkeypatch):
    monkeypatch.chdir(data_copy.parent)
    return build.main(["--data", "data", "--output", str(output), "--quiet"])


def errors(capsys):
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith(("data", "error"))]


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def previous(tmp_path, built_db, monkeypatch):
    """A previous good database at tmp_path/out.db, which a failed build must leave as it is."""
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(built_db, tmp_path / "out.db")
    return tmp_path / "out.db"


def test_the_limit_is_declared_once_in_the_data_package(package):
    raw = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert package.max_value_bytes == raw["x-maxValueBytes"]


@pytest.mark.parametrize("make_value", [
    lambda limit: CYRILLIC * 120_001,  # the 240 KB note: 120,001 characters, fewer than csv's default limit
    lambda limit: "x" * (limit + 1),
], ids=["240 KB of Cyrillic", "one byte over"])
def test_a_value_longer_than_the_limit_is_refused_by_file_line_and_column(data_copy, previous, capsys, monkeypatch,
                                                                           make_value):
    d = DataDir(data_copy)
    limit = limit_of(d)
    table, column = free_text_field(d)
    value = make_value(limit)
    line = d.set(table, 0, column, value)
    before = sha256(previous)
    assert run(data_copy, previous, monkeypatch) == 1
    size = len(value.encode())
    assert size > limit
    assert errors(capsys) == [f"{d.shown(table)}:{line}: {column}: {too_long(size, limit)}"]
    assert sha256(previous) == before


def test_a_source_text_longer_than_the_limit_is_refused(data_copy, previous, capsys, monkeypatch):
    d = DataDir(data_copy)
    limit = limit_of(d)
    [source_field] = d.derived_fields("sources")
    column = source_field["x-readFrom"]
    source = d.rows("sources")[0]
    (data_copy / source[column]).write_text("x" * 1_000_000, encoding="utf-8")  # the 1 MB source text
    before = sha256(previous)
    assert run(data_copy, previous, monkeypatch) == 1
    line = d.lines("sources")[0]
    assert errors(capsys) == [f"{d.shown('sources')}:{line}: {column}: {source[column]}: {too_long(1_000_000, limit)}"]
    assert sha256(previous) == before


async def test_a_value_at_the_limit_is_built_and_served(data_copy, tmp_path, capsys, monkeypatch):
    """Exactly the limit in bytes (more characters than csv's default field limit): the build
    takes it, records the limit, and the server starts on the file and reads the value."""
    d = DataDir(data_copy)
    limit = limit_of(d)
    table, column = free_text_field(d)
    d.set(table, 0, column, "x" * (limit - 2) + CYRILLIC)
    output = tmp_path / "antitrafficking.db"
    assert run(data_copy, output, monkeypatch) == 0, capsys.readouterr().err
    conn = sqlite3.connect(output)
    assert conn.execute("select value from _build where key = 'max_value_bytes'").fetchone() == (str(limit),)
    conn.close()
    ds = site_for(output)
    await ds.invoke_startup()  # the start-up check passes
    sql = f'select max(length(cast("{column}" as blob))) as size from "{table}"'
    response = await ds.client.get("/antitrafficking.json", params={"sql": sql, "_shape": "array"})
    assert response.status_code == 200, response.text
    assert response.json() == [{"size": limit}]
    response = await ds.client.get("/antitrafficking.json", params={"sql": f'select "{column}" from "{table}" where '
                                                                     f'length("{column}") = {limit - 1}'})
    assert response.status_code == 200, response.text  # the value itself, read under the limit
    sql = f'select max(length(cast("{column}" as blob))) as size from "{table}"'
    response = await ds.client.get("/antitrafficking.json", params={"sql": sql, "_shape": "array"})
    assert response.status_code == 200, response.text
    assert response.json() == [{"size": limit}]


def build_with_limit(data_copy, tmp_path, limit, monkeypatch):
    d = DataDir(data_copy)
    d.package["x-maxValueBytes"] = limit
    d.save_package()
    output = tmp_path / "antitrafficking.db"
    assert run(data_copy, output, monkeypatch) == 0
    return output


async def length_allowed(ds, size):
    """Whether a query may make a value of `size` bytes on this server."""
    response = await ds.client.get("/antitrafficking.json", params={"sql": f"select length(zeroblob({size})) as n",
                                                                     "_shape": "array"})
    assert response.status_code in (200, 400), response.text
    return response.status_code == 200


async def test_the_server_takes_its_limit_from_the_database(data_copy, tmp_path, monkeypatch):
    output = build_with_limit(data_copy, tmp_path, 150_000, monkeypatch)
    conn = sqlite3.connect(output)
    assert conn.execute("select value from _build where key = 'max_value_bytes'").fetchone() == ("150000",)
    conn.close()
    ds = site_for(output)
    await ds.invoke_startup()
    assert await length_allowed(ds, 150_000)
    assert not await length_allowed(ds, 150_001)  # the plugin's default (200,000) would allow it


async def test_the_start_up_check_takes_its_limit_from_the_database(data_copy, tmp_path, monkeypatch):
    output = build_with_limit(data_copy, tmp_path, 150_000, monkeypatch)
    table, column = free_text_field(DataDir(data_copy))
    conn = sqlite3.connect(output)  # as if edited after the build
    conn.execute(f'update "{table}" set "{column}" = printf(\'%.*c\', 160000, \'x\') where rowid = 1')
    conn.commit()
    conn.close()
    with pytest.raises(click.ClickException, match=f"holds a value of 160,000 bytes in {table}.{column}, "
                                                   "more than the 150,000"):
        await site_for(output).invoke_startup()


async def test_a_database_that_records_no_limit_gets_the_plugins_default(tmp_path):
    path = tmp_path / "antitrafficking.db"
    conn = sqlite3.connect(path)
    conn.execute("create table t (a)")
    conn.commit()
    conn.close()
    ds = site_for(path)
    await ds.invoke_startup()
    assert await length_allowed(ds, 200_000)
    assert not await length_allowed(ds, 200_001)


@pytest.mark.parametrize("change, message", [
    (lambda package: package.pop("x-maxValueBytes"), "x-maxValueBytes: missing (expected the longest value"),
    (lambda package: package.update({"x-maxValueBytes": "200000"}), "x-maxValueBytes: '200000' is not a byte count"),
    (lambda package: package.update({"x-maxValueBytes": 0}), "x-maxValueBytes: 0 is not a byte count"),
    (lambda package: package.update({"x-maxValueBytes": True}), "x-maxValueBytes: True is not a byte count"),
    (lambda package: package.update({"x-maxValueByte": 1}),
     "unknown package property x-maxValueByte (expected one of x-maxValueBytes)"),
])
def test_a_missing_or_malformed_limit_is_refused_by_name(data_copy, previous, capsys, monkeypatch, change, message):
    d = DataDir(data_copy)
    change(d.package)
    d.save_package()
    assert run(data_copy, previous, monkeypatch) == 1
    [error] = errors(capsys)
    assert error.startswith("error: data/datapackage.json: ") and message in error, error


def test_make_serve_with_a_too_long_value_keeps_the_previous_database_and_starts_no_server(data_copy, tmp_path, built_db):
    db, inspect = tmp_path / "antitrafficking.db", tmp_path / "inspect.json"
    shutil.copyfile(built_db, db)
    inspect.write_text('{"previous": true}')
    before = (sha256(db), db.stat().st_ino)
    d = DataDir(data_copy)
    table, column = free_text_field(d)
    line = d.set(table, 0, column, CYRILLIC * 120_001)
    port = free_port()
    keep_venv = ["-o", ".venv/.installed"] if (ROOT / ".venv" / ".installed").exists() else []
    command = ["make", "--no-print-directory", *keep_venv, "serve", f"DB={db}", f"DATA={data_copy}",
               f"INSPECT={inspect}", "HOST=127.0.0.1", f"PORT={port}"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    try:
        output, _ = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)  # the group this test started: make and what it ran
        output, _ = process.communicate()
        pytest.fail(f"make serve did not stop on invalid data; it served:\n{output}")
    assert process.returncode != 0, output
    assert f"{data_copy}/{d.resources[table]['path']}:{line}: {column}: 240,002 bytes, too long" in output
    assert (sha256(db), db.stat().st_ino) == before
    assert inspect.read_text() == '{"previous": true}'
    assert "datasette serve" not in output and "Uvicorn running" not in output
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0
