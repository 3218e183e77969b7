"""The README is true: its curl commands and local links answer when pasted, its serve command is
`make serve`'s, and its row counts are those of the build."""

import re
import sqlite3
import urllib.request

import pytest

from local_server import ROOT, free_port, running, serve_command

README = (ROOT / "README.md").read_text(encoding="utf-8")
LOCAL = "http://127.0.0.1:8001"


def readme_urls():
    curls = re.findall(r"^curl (?:-O )?'([^']+)'", README, re.M)
    links = re.findall(r"\]\((http://127\.0\.0\.1:8001/[^)]+)\)", README)
    return curls + links


def test_readme_has_examples():
    assert len(re.findall(r"^curl ", README, re.M)) >= 4
    assert any("_shape=array" in url for url in readme_urls())
    assert any("sql=" in url for url in readme_urls())


@pytest.fixture(scope="module")
def site(built_db):
    port = free_port()
    with running(serve_command(built_db, port), port) as server:
        yield server.base


@pytest.mark.parametrize("url", readme_urls())
def test_readme_url_answers(site, url):
    assert url.startswith(LOCAL)
    with urllib.request.urlopen(site + url[len(LOCAL):], timeout=10) as response:
        assert response.status == 200
        body = response.read()
    assert body, url


def test_readme_serve_command_is_the_one_make_serve_runs():
    import shlex

    import datasette_args

    block = README.split("### The serve command", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    serve_line = next(line for line in block.replace("\\\n", " ").splitlines() if line.startswith("datasette serve"))
    expected = datasette_args.serve_args("antitrafficking.db", "inspect.json", "127.0.0.1", 8001)
    assert shlex.split(serve_line) == ["datasette", *expected]


def readme_row_counts():
    """{table: count} from the "rows today" column of the README's table of tables."""
    counts = {}
    for names, numbers in re.findall(r"^\| (`[^|]+`) \| ([0-9][0-9, ]*) \|", README, re.M):
        tables = re.findall(r"`(\w+)`", names)
        values = [int(number.replace(" ", "")) for number in numbers.split(",")]  # "1 234, 5"
        assert len(tables) == len(values), names
        counts.update(zip(tables, values))
    return counts


def test_readme_row_counts_are_those_of_the_build(built_db):
    counts = readme_row_counts()
    assert {"events", "participants", "event_participants", "sources"} <= set(counts)
    with sqlite3.connect(built_db) as conn:
        built = {table: conn.execute(f'select count(*) from "{table}"').fetchone()[0] for table in counts}
    assert counts == built
