"""`make package` (issue 12, point 8): the container image serves what `make serve` serves.

The image is the project's own Dockerfile (`datasette package` 0.65 always
builds on Debian bullseye, whose SQLite cannot open the database). The test
runs the real `make package` with a stand-in `docker` first on PATH, which
records its arguments and where it ran, then reads the Dockerfile and
.dockerignore as Docker would:

* the image installs this project (`pip install .`: pyproject.toml's pins and
  the plugin package, registered as in `make serve`'s environment) and nothing else;
* it copies every file the package and `datasette serve` need, and
  .dockerignore leaves none of them out;
* its CMD and `make serve` both run `scripts/datasette_args.py exec` with the
  same database and inspect file (only the host differs), and that command
  really serves the site with the plugins (run here on 127.0.0.1);
* its Debian release's SQLite can open the database.

The checks are functions of the files' text, so that the drift tests below
can show that each of them fails on an image that drifted.
"""

import fnmatch
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest

import datasette_args
from local_server import free_port, running

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "antitrafficking.db"  # names the database in URLs and in metadata.yml: the image keeps it
INSPECT_NAME = "inspect.json"

STAND_IN_DOCKER = """#!/bin/sh
# Stand-in for docker (tests/test_package.py): record the arguments and the directory.
printf '%s\\n' "$@" > "$PACKAGE_DOCKER_ARGS"
pwd > "$PACKAGE_DOCKER_DIR"
"""

# SQLite as the Debian release of a python:*-<release> image ships it (the
# official Python images link Debian's libsqlite3).
DEBIAN_SQLITE = {"bullseye": (3, 34, 1), "bookworm": (3, 40, 1), "trixie": (3, 46, 1)}


# ---- reading the files -----------------------------------------------------------------

def instructions(dockerfile):
    """[(INSTRUCTION, rest of the line)] (one instruction per line in ours)."""
    found = []
    for line in dockerfile.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def copied(dockerfile):
    """The paths (relative to the context) the COPY instructions take."""
    paths = []
    for keyword, rest in instructions(dockerfile):
        if keyword == "COPY":
            paths += rest.split()[:-1]
    return paths


def ignored(dockerignore, path):
    """True if a .dockerignore pattern leaves `path` (or a folder above it) out of the context."""
    patterns = [line.strip() for line in dockerignore.splitlines() if line.strip() and not line.startswith("#")]
    parts = Path(path).parts
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    return any(fnmatch.fnmatch(prefix, pattern.removeprefix("**/")) or fnmatch.fnmatch(prefix, pattern)
               for pattern in patterns for prefix in prefixes)


def needed_files():
    """What the image must hold: the project pip installs (pyproject.toml's readme,
    modules and packages), the script and files `datasette serve` is run with, the database."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    setuptools = project["tool"]["setuptools"]
    needed = ["pyproject.toml", project["project"]["readme"]]
    needed += [f"{module}.py" for module in setuptools["py-modules"]] + setuptools["packages"]
    flags = datasette_args.file_flags()
    for flag, value in zip(flags[::2], flags[1::2]):  # --metadata metadata.yml, --template-dir templates, ...
        needed.append(value.partition(":")[2] if flag == "--static" else value)  # --static MOUNT:DIR
    needed += ["scripts/datasette_args.py", "settings.json", DB_NAME]
    needed.append("releases")  # the manifests the changes page reads (plugins: changes_page: releases)
    return needed


def missing_files(dockerfile, dockerignore):
    """Files the image needs that it does not copy or that .dockerignore leaves out."""
    taken = copied(dockerfile)
    problems = []
    for path in needed_files():
        if not any(path == source or path.startswith(source.rstrip("/") + "/") for source in taken):
            problems.append(f"{path}: not copied into the image")
        elif ignored(dockerignore, path):
            problems.append(f"{path}: left out of the build context by .dockerignore")
    return problems


def install_problems(dockerfile):
    """The image must install the project itself, and only it: pyproject.toml's pins, no others."""
    runs = [shlex.split(rest) for keyword, rest in instructions(dockerfile) if keyword == "RUN"]
    installs = [words for words in runs if words[:2] == ["pip", "install"]]
    if len(installs) != 1:
        return [f"expected one pip install, found {installs}"]
    targets = [word for word in installs[0][2:] if not word.startswith("-")]
    return [] if targets == ["."] else [f"the image pip installs {targets}, expected only the project (.)"]


def cmd_words(dockerfile):
    [line] = [rest for keyword, rest in instructions(dockerfile) if keyword == "CMD"]
    return json.loads(line)  # exec form: no shell between Docker and the command


def make_serve_words():
    """The command `make serve` ends with, as make would run it."""
    result = subprocess.run(["make", "--no-print-directory", "-n", "serve"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=True)
    last = result.stdout.strip().splitlines()[-1]
    return shlex.split(last.removeprefix("exec "))


def serve_problems(dockerfile, make_words):
    """How the image's command differs from make serve's, beyond the host."""
    image, local = cmd_words(dockerfile), make_words
    problems = []
    if image[1:3] != ["scripts/datasette_args.py", "exec"] or local[1:3] != ["scripts/datasette_args.py", "exec"]:
        problems.append(f"both must run scripts/datasette_args.py exec: the image runs {image}, make serve {local}")
    if image[3:5] != local[3:5]:
        problems.append(f"the image serves {image[3:5]}, make serve {local[3:5]} (database, inspect file)")
    if image[5:] != ["0.0.0.0"]:
        problems.append(f"the image must listen on 0.0.0.0 with $PORT, not {image[5:]}")
    inspects = [shlex.split(rest) for keyword, rest in instructions(dockerfile) if keyword == "RUN"
                and rest.startswith("datasette inspect")]
    if inspects != [["datasette", "inspect", image[3], "--inspect-file", image[4]]]:
        problems.append(f"the image must inspect {image[3:5]} before it serves: {inspects}")
    return problems


def base_sqlite(dockerfile):
    [base] = [rest for keyword, rest in instructions(dockerfile) if keyword == "FROM"]
    release = next((name for name in DEBIAN_SQLITE if name in base), None)
    assert release, f"{base}: which SQLite does it ship? Add it to DEBIAN_SQLITE"
    return DEBIAN_SQLITE[release]


def sqlite_needed(db):
    """The oldest SQLite that can open the database and run the site's SQL."""
    import sqlite3

    needed = (3, 0, 0)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    schemas = [sql for (sql,) in conn.execute("select sql from sqlite_master where sql is not null")]
    conn.close()
    if any(re.search(r"\)[\s\w,]*\bSTRICT[\s\w,]*$", sql, re.I) for sql in schemas):
        needed = max(needed, (3, 37, 0))  # STRICT tables: older versions call the schema malformed
    sql_texts = [path.read_text() for path in (ROOT / "antitrafficking_site").glob("*.py")]
    sql_texts += [(ROOT / "metadata.yml").read_text(), *schemas]
    if any("->>" in text for text in sql_texts):
        needed = max(needed, (3, 38, 0))  # the ->> operator
    return needed


# ---- the real `make package` ----------------------------------------------------------

@pytest.fixture(scope="module")
def package(tmp_path_factory, built_db):
    tmp = tmp_path_factory.mktemp("package")
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(STAND_IN_DOCKER)
    docker.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PACKAGE_DOCKER_ARGS": str(tmp / "args"), "PACKAGE_DOCKER_DIR": str(tmp / "dir")}
    # Not reinstalling .venv when it exists: this is about the image, not the environment.
    keep_venv = ["-o", ".venv/.installed"] if (ROOT / ".venv" / ".installed").exists() else []
    result = subprocess.run(["make", "--no-print-directory", *keep_venv, "package", f"DB={tmp / DB_NAME}"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return {"args": (tmp / "args").read_text().splitlines(), "dir": (tmp / "dir").read_text().strip(),
            "dockerfile": (ROOT / "Dockerfile").read_text(), "dockerignore": (ROOT / ".dockerignore").read_text(),
            "db": built_db}


def test_make_package_builds_the_repository_dockerfile_with_the_tag(package):
    assert package["args"] == ["build", "-t", "antitrafficking", "."]
    assert Path(package["dir"]).resolve() == ROOT


def test_the_image_installs_the_project_and_nothing_else(package):
    assert install_problems(package["dockerfile"]) == []


def test_the_image_holds_every_file_it_serves(package):
    assert missing_files(package["dockerfile"], package["dockerignore"]) == []


def test_the_image_serves_as_make_serve_does(package):
    assert serve_problems(package["dockerfile"], make_serve_words()) == []


def test_the_image_sqlite_can_open_the_database(package):
    assert base_sqlite(package["dockerfile"]) >= sqlite_needed(package["db"])


def test_the_image_python_is_one_pyproject_allows(package):
    [base] = [rest for keyword, rest in instructions(package["dockerfile"]) if keyword == "FROM"]
    version = tuple(int(part) for part in re.match(r"python:(\d+)\.(\d+)", base).groups())
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert version >= tuple(int(part) for part in re.match(r">=(\d+)\.(\d+)", requires).groups())


def test_the_images_command_serves_the_site_with_its_plugins(built_db, tmp_path):
    """The CMD's `datasette_args.py exec`, run here as the image runs it (PORT from
    the environment), on 127.0.0.1: the site answers, with this project's plugins."""
    port = free_port()
    inspect_file = tmp_path / INSPECT_NAME
    subprocess.run([sys.executable, "-m", "datasette", "inspect", str(built_db), "--inspect-file", str(inspect_file)],
                   cwd=ROOT, check=True, timeout=120)
    command = ["env", f"PORT={port}", sys.executable, "scripts/datasette_args.py", "exec", str(built_db),
               str(inspect_file), "127.0.0.1"]
    with running(command, port) as server:
        with urllib.request.urlopen(f"{server.base}/-/plugins.json", timeout=10) as response:
            plugins = json.load(response)
        with urllib.request.urlopen(f"{server.base}/-/settings.json", timeout=10) as response:
            settings = json.load(response)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    ours = [plugin for plugin in plugins if plugin["name"] == project["name"]]
    assert len(ours) == len(project["entry-points"]["datasette"])  # each module of the package, loaded
    expected = json.loads((ROOT / "settings.json").read_text())
    assert {name: settings[name] for name in expected} == expected


# ---- the checks fail when the image drifts ---------------------------------------------

def drifted(text, old, new):
    assert old in text, old
    return text.replace(old, new, 1)


def test_a_file_the_image_does_not_copy_is_found(package):
    dockerfile = drifted(package["dockerfile"], "COPY templates templates\n", "")
    assert missing_files(dockerfile, package["dockerignore"]) == ["templates: not copied into the image"]


def test_a_file_dockerignore_leaves_out_is_found(package):
    assert missing_files(package["dockerfile"], package["dockerignore"] + "\nmetadata.yml\n") == [
        "metadata.yml: left out of the build context by .dockerignore"]


def test_another_requirement_in_the_image_is_found(package):
    dockerfile = drifted(package["dockerfile"], "pip install --no-cache-dir .", "pip install --no-cache-dir . datasette-vega")
    assert install_problems(dockerfile) == ["the image pip installs ['.', 'datasette-vega'], expected only the project (.)"]


def test_another_database_or_host_in_the_image_is_found(package):
    for old, new in [(f'"{DB_NAME}"', '"other.db"'), ('"0.0.0.0"', '"0.0.0.0", "9000"')]:
        assert serve_problems(drifted(package["dockerfile"], old, new), make_serve_words()), old


def test_an_old_debian_base_is_found(package):
    dockerfile = drifted(package["dockerfile"], "slim-bookworm", "slim-bullseye")
    assert base_sqlite(dockerfile) < sqlite_needed(package["db"])


def test_the_image_serves_as_a_user_that_is_not_root(package):
    users = [rest for keyword, rest in instructions(package["dockerfile"]) if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
