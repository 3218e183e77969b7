"""`make package` (issue 12, point 8): the container image serves what `make serve` serves.

The test runs the real `make package`, hence the real `datasette package`
(Datasette 0.65, in .venv), with a stand-in `docker` first on PATH. Datasette
writes the build context (a Dockerfile, metadata.json, the database, plugins/,
templates/) into a temporary directory and runs `docker build -t TAG .` there;
the stand-in copies that directory out, and the test reads it as Docker and
the image's shell would:

* `RUN pip install -U ...` installs Datasette and the plugins pyproject.toml
  pins, and nothing in the line is a shell redirection or operator;
* the CMD's `datasette serve` arguments are serve_args()'s (what `make serve`
  runs), except the differences listed in IMAGE_DIFFERENCES, each checked;
* metadata.json is metadata.yml, and plugins/, templates/ and the database are
  byte for byte the project's.

The checks are functions of the Dockerfile's text, so that the drift tests
below can show that each of them fails on a Dockerfile that drifted.
"""

import hashlib
import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import click
import pytest
import yaml

import datasette_args

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "antitrafficking.db"  # names the database in URLs and in metadata.yml: the image keeps it

STAND_IN_DOCKER = """#!/bin/sh
# Stand-in for docker (tests/test_package.py): `datasette package` runs
# `docker build -t TAG .` in the build context it wrote; keep both.
printf '%s\\n' "$@" > "$PACKAGE_DOCKER_ARGS"
cp -R . "$PACKAGE_CONTEXT"
"""

# How the image's `datasette serve` may differ from `make serve`'s, and why. Any
# other difference fails the test.
IMAGE_DIFFERENCES = {
    "host": (("0.0.0.0",), "the load balancer reaches each replica from outside the container"),
    "port": (("$PORT",), "ENV PORT in the Dockerfile (8001), which platforms such as Cloud Run set"),
    "inspect_file": (("inspect-data.json",), "written in the image by `RUN datasette inspect`, "
                                             "as `make serve` writes inspect.json"),
    "metadata": (("metadata.json",), "datasette package converts metadata.yml to JSON; "
                                     "the content is compared below"),
    # datasette package always adds --cors, with no option to leave it out: the
    # image answers with Access-Control-Allow-Origin: * (harmless here: public
    # data, no one signs in). To make the two identical, add --cors to serve_args()
    # and to the README's serve command, and remove this entry.
    "cors": ((), "datasette package always adds it"),
}
SHELL_OPERATORS = set("<>;&|()")

# SQLite as the Debian release of a python:*-<release> image ships it (the
# official Python images link Debian's libsqlite3).
DEBIAN_SQLITE = {"bullseye": (3, 34, 1), "bookworm": (3, 40, 1), "trixie": (3, 46, 1)}


# ---- reading the Dockerfile ---------------------------------------------------------

def instructions(dockerfile):
    """[(INSTRUCTION, rest of the line)] (datasette package writes one per line)."""
    found = []
    for line in dockerfile.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def shell_words(command):
    """The words sh makes of a command line; an operator or redirection stays a word of its own."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def pip_requirements(dockerfile):
    """What `RUN pip install -U ...` installs, as sh reads the line."""
    [line] = [rest for keyword, rest in instructions(dockerfile) if keyword == "RUN" and rest.startswith("pip install")]
    words = shell_words(line)
    operators = [word for word in words if set(word) & SHELL_OPERATORS and not word[0].isalnum()]
    assert not operators, (f"sh reads {operators} in {line!r} as redirections or operators: "
                           "each requirement must reach pip quoted (scripts/datasette_args.py install_flags)")
    assert words[:3] == ["pip", "install", "-U"], line
    return words[3:]


def serve_options(words):
    """{option: [values, ...]} of `datasette serve` arguments, read with the command's own
    click definitions (so an option's number of values is Datasette's), plus "files"."""
    from datasette.cli import serve

    arity = {}
    for param in serve.params:
        if isinstance(param, click.Option):
            for flag in param.opts + param.secondary_opts:
                arity[flag] = (param.name, 0 if param.is_flag else param.nargs)
    words, found, files = list(words), {}, []
    while words:
        word = words.pop(0)
        if word in arity:
            name, count = arity[word]
            found.setdefault(name, []).append(tuple(words[:count]))
            del words[:count]
        else:
            assert not word.startswith("-"), f"{word}: not an option of datasette serve"
            files.append(word)
    if files:
        found["files"] = [tuple(files)]
    for name in ("template_dir", "plugins_dir"):  # "templates/" and "templates" are one directory
        found[name] = [tuple(value.rstrip("/") for value in values) for values in found.get(name, [])]
    return found


def cmd_words(dockerfile):
    """The CMD's words (shell form: sh reads it; $PORT stays a word to expand)."""
    [line] = [rest for keyword, rest in instructions(dockerfile) if keyword == "CMD"]
    words = shell_words(line)
    assert words[:2] == ["datasette", "serve"], line
    return words[2:]


def serve_differences(dockerfile, expected_words):
    """How the image's `datasette serve` differs from `expected_words` (serve_args()[1:]),
    beyond IMAGE_DIFFERENCES: a list of messages, empty when they agree."""
    image, local = serve_options(cmd_words(dockerfile)), serve_options(expected_words)
    problems = []
    for name, (value, _why) in IMAGE_DIFFERENCES.items():
        if image.get(name) != [value]:
            problems.append(f"{name}: the image has {image.get(name)}, expected {[value]}")
        if len(local.get(name, [])) != (1 if value else 0):
            problems.append(f"{name}: make serve has {local.get(name)}, expected {'one value' if value else 'none'}")
        image.pop(name, None)
        local.pop(name, None)
    for name in sorted(set(image) | set(local)):
        if image.get(name) != local.get(name):
            problems.append(f"{name}: the image serves with {image.get(name)}, make serve with {local.get(name)}")
    return problems


def pyproject_requirements():
    """Datasette and the datasette-* plugins, as pyproject.toml pins them."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return [requirement for requirement in dependencies
            if re.match(r"datasette(-[A-Za-z0-9._-]+)?(\W|$)", requirement)]


def install_differences(dockerfile):
    """How the image's pip line differs from pyproject.toml; empty when it installs the same."""
    installed = pip_requirements(dockerfile)
    if installed[:1] == ["datasette"]:
        installed = installed[1:]  # make_dockerfile always starts with it; the pin below constrains it
    expected = pyproject_requirements()
    if installed == expected:
        return []
    return [f"the image installs {installed}, pyproject.toml pins {expected}"]


def tree(directory):
    """{relative path: SHA-256} of every file under `directory` (no __pycache__)."""
    directory = Path(directory)
    return {str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*"))
            if path.is_file() and "__pycache__" not in path.parts}


def make_serve_words():
    """`make serve`'s `datasette serve` arguments, with the Makefile's defaults."""
    return datasette_args.serve_args(DB_NAME, "inspect.json", "127.0.0.1", 8001)[1:]


# ---- the real `make package` ----------------------------------------------------------

@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """The build context `make package` hands to docker, and docker's arguments."""
    tmp = tmp_path_factory.mktemp("package")
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(STAND_IN_DOCKER)
    docker.chmod(0o755)
    context, docker_args = tmp / "context", tmp / "docker-args"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
           "PACKAGE_CONTEXT": str(context), "PACKAGE_DOCKER_ARGS": str(docker_args)}
    # Not reinstalling .venv when it exists: this is about the image, not the environment.
    keep_venv = ["-o", ".venv/.installed"] if (ROOT / ".venv" / ".installed").exists() else []
    result = subprocess.run(["make", "--no-print-directory", *keep_venv, "package", f"DB={tmp / DB_NAME}"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert context.is_dir(), f"datasette package did not run docker: {result.stdout}{result.stderr}"
    return {"context": context, "dockerfile": (context / "Dockerfile").read_text(),
            "docker_args": docker_args.read_text().splitlines(), "db": tmp / DB_NAME}


def test_make_package_runs_docker_build_with_the_tag(image):
    assert image["docker_args"] == ["build", "-t", "antitrafficking", "."]


def test_the_image_installs_datasette_and_the_plugins_pyproject_pins(image):
    assert install_differences(image["dockerfile"]) == []
    assert any(requirement.startswith("datasette-") for requirement in pyproject_requirements())


# Run in .venv: the distributions pyproject.toml's requirements bring in (their own
# requirements too, as pip installs them in the image), normalised names.
DEPENDENCY_CLOSURE = """
import importlib.metadata as metadata, json, re, sys
names, seen = json.loads(sys.argv[1]), set()
while names:
    name = re.sub(r"[-_.]+", "-", names.pop().lower())
    if name in seen:
        continue
    seen.add(name)
    try:
        requirements = metadata.requires(name) or []
    except metadata.PackageNotFoundError:
        continue
    names += [re.match(r"[A-Za-z0-9._-]+", r).group(0) for r in requirements if "extra ==" not in r]
print(json.dumps(sorted(seen)))
"""


def test_the_serving_environment_has_no_plugin_the_image_lacks():
    """`make serve` also loads every plugin installed in .venv: each must come with
    pyproject.toml's requirements, as it does in the image."""
    venv = ROOT / ".venv" / "bin"
    if not (venv / "datasette").exists():
        pytest.skip("no .venv (make creates it)")
    installed = json.loads(subprocess.run([str(venv / "datasette"), "plugins"], capture_output=True, text=True,
                                          check=True, timeout=120).stdout)
    names = [re.match(r"[A-Za-z0-9._-]+", requirement).group(0) for requirement in pyproject_requirements()]
    brought = set(json.loads(subprocess.run([str(venv / "python"), "-c", DEPENDENCY_CLOSURE, json.dumps(names)],
                                            capture_output=True, text=True, check=True, timeout=120).stdout))
    assert {re.sub(r"[-_.]+", "-", plugin["name"].lower()) for plugin in installed} <= brought


def test_the_image_serves_as_make_serve_does(image):
    assert serve_differences(image["dockerfile"], make_serve_words()) == []


def test_the_image_serves_the_settings_of_settings_json(image):
    settings = json.loads((ROOT / "settings.json").read_text())
    expected = [(name, ("on" if value else "off") if isinstance(value, bool) else str(value))
                for name, value in settings.items()]
    assert serve_options(cmd_words(image["dockerfile"]))["settings"] == expected


def test_the_image_inspects_and_serves_the_database_immutable(image):
    steps = instructions(image["dockerfile"])
    assert ("RUN", f"datasette inspect {DB_NAME} --inspect-file inspect-data.json") in steps
    assert serve_options(cmd_words(image["dockerfile"]))["immutable"] == [(DB_NAME,)]
    db = image["context"] / DB_NAME
    assert hashlib.sha256(db.read_bytes()).digest() == hashlib.sha256(image["db"].read_bytes()).digest()


def test_the_image_holds_the_same_metadata_plugins_and_templates(image):
    context = image["context"]
    assert json.loads((context / "metadata.json").read_text()) == yaml.safe_load((ROOT / "metadata.yml").read_text())
    assert tree(context / "plugins") == tree(ROOT / "plugins")
    assert tree(context / "templates") == tree(ROOT / "templates")
    assert tree(context / "plugins")  # not two empty directories
    assert sorted(path.name for path in context.iterdir()) == sorted(
        ["Dockerfile", "metadata.json", DB_NAME, "plugins", "templates"])


def test_the_image_python_is_one_pyproject_allows(image):
    [base] = [rest for keyword, rest in instructions(image["dockerfile"]) if keyword == "FROM"]
    version = tuple(int(part) for part in re.match(r"python:(\d+)\.(\d+)", base).groups())
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert version >= tuple(int(part) for part in re.match(r">=(\d+)\.(\d+)", requires).groups())


def sqlite_needed(db):
    """The oldest SQLite that can open the database and run the plugins' SQL."""
    import sqlite3

    needed = (3, 0, 0)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    schemas = [sql for (sql,) in conn.execute("select sql from sqlite_master where sql is not null")]
    conn.close()
    if any(re.search(r"\)[\s\w,]*\bSTRICT[\s\w,]*$", sql, re.I) for sql in schemas):
        needed = max(needed, (3, 37, 0))  # STRICT tables: older versions call the schema malformed
    sql_texts = [path.read_text() for path in (ROOT / "plugins").glob("*.py")] + [(ROOT / "metadata.yml").read_text()]
    if any("->>" in text for text in sql_texts):
        needed = max(needed, (3, 38, 0))  # the ->> operator
    return needed


@pytest.mark.xfail(strict=True, reason=(
    "datasette package 0.65 always builds FROM python:3.11.0-slim-bullseye, whose SQLite is 3.34.1: "
    "it cannot open STRICT tables (3.37) nor run ->> (3.38); see issue 12, point 8"))
def test_the_image_sqlite_can_open_the_database(image):
    [base] = [rest for keyword, rest in instructions(image["dockerfile"]) if keyword == "FROM"]
    release = next((name for name in DEBIAN_SQLITE if name in base), None)
    assert release, f"{base}: which SQLite does it ship? Add it to DEBIAN_SQLITE"
    assert DEBIAN_SQLITE[release] >= sqlite_needed(image["db"]), base


# ---- the checks fail when the image drifts ---------------------------------------------

def drifted(dockerfile, old, new):
    assert old in dockerfile, old
    return dockerfile.replace(old, new, 1)


def test_a_setting_missing_from_the_image_is_a_difference(image):
    dockerfile = drifted(image["dockerfile"], " --setting max_returned_rows 1000", "")
    assert any(problem.startswith("settings:") for problem in serve_differences(dockerfile, make_serve_words()))


def test_an_option_only_make_serve_has_is_a_difference(image):
    problems = serve_differences(image["dockerfile"], make_serve_words() + ["--crossdb"])
    assert problems == ["crossdb: the image serves with None, make serve with [()]"]


def test_another_database_or_templates_is_a_difference(image):
    for old, new in [(f"-i {DB_NAME}", "-i other.db"), ("--template-dir templates/", "--template-dir elsewhere/")]:
        assert serve_differences(drifted(image["dockerfile"], old, new), make_serve_words()), old


def test_an_unquoted_requirement_is_caught(image):
    """As `--install datasette-cluster-map>=0.18.2,<0.19` wrote it: sh would redirect, not install."""
    requirement = next(r for r in pyproject_requirements() if r.startswith("datasette-"))
    with pytest.raises(AssertionError, match="redirections or operators"):
        pip_requirements(drifted(image["dockerfile"], shlex.quote(requirement), requirement))


def test_a_plugin_missing_from_the_image_is_a_difference(image):
    requirement = next(r for r in pyproject_requirements() if r.startswith("datasette-"))
    assert install_differences(drifted(image["dockerfile"], " " + shlex.quote(requirement), ""))
