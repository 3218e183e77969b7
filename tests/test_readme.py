"""The README is true: its curl commands and local links answer when pasted, and its serve command
is `make serve`'s. (It gives no row counts: they would go stale with the next release.)"""

import re
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
