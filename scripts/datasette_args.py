#!/usr/bin/env python3
"""Print the Datasette arguments shared by `make serve`, `make package` and `make publish-*`.

The settings live in settings.json and the plugins in pyproject.toml; this
script turns them into command-line flags so the commands cannot drift. The
tests and the benchmarks import serve_args() to serve exactly as `make serve`;
tests/test_package.py runs the real `datasette package` and checks that the
image's Dockerfile serves what serve_args() serves.
Paths are relative to the repository root, where all of them run.

    python scripts/datasette_args.py settings   # --setting NAME VALUE ...
    python scripts/datasette_args.py install    # --install REQUIREMENT ... (for package/publish)
    python scripts/datasette_args.py files      # --metadata ... --plugins-dir ... --template-dir ...
    python scripts/datasette_args.py serve DB INSPECT_FILE HOST PORT   # all of `datasette serve`'s arguments
    python scripts/datasette_args.py publish DATASETTE TARGET DB NAME_OPTION NAME   # a whole `datasette publish` command
"""

import json
import re
import shlex
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setting_flags():
    settings = json.loads((ROOT / "settings.json").read_text())
    flags = []
    for name, value in settings.items():
        text = ("on" if value else "off") if isinstance(value, bool) else str(value)
        flags += ["--setting", name, text]
    return flags


def file_flags():
    return ["--metadata", "metadata.yml", "--plugins-dir", "plugins", "--template-dir", "templates"]


def serve_args(db, inspect_file=None, host="127.0.0.1", port=8001):
    """Everything after `datasette`: the database immutable (-i), its inspect file, our files and settings.
    (The image `make package` builds serves with the same ones: tests/test_package.py.)"""
    inspect = ["--inspect-file", str(inspect_file)] if inspect_file else []
    return ["serve", "-i", str(db), *inspect, *file_flags(), "--host", host, "--port", str(port), *setting_flags()]


def requirements():
    """Datasette and its plugins as pyproject.toml pins them (not sqlite-utils: only the build uses it)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = []
    for requirement in project["dependencies"]:
        name = re.match(r"[A-Za-z0-9._-]*", requirement).group(0).lower()
        if name == "datasette" or name.startswith("datasette-"):
            wanted.append(requirement)
    return wanted


def install_flags():
    """--install for Datasette itself (the image's `pip install -U datasette` alone
    would take the newest release, whatever pyproject.toml pins) and each plugin.

    Each requirement is quoted for a shell: Datasette 0.65's make_dockerfile
    writes them unquoted into the Dockerfile's `RUN pip install -U ...`, where
    `>=0.18.2,<0.19` would be two redirections (tests/test_package.py reads the
    line as sh does)."""
    return [flag for requirement in requirements() for flag in ("--install", shlex.quote(requirement))]


def publish_command(datasette, target, db, name_option, name):
    """`datasette publish TARGET` with the same files, plugins and settings as `datasette package`."""
    return [datasette, "publish", target, db, *file_flags(), *install_flags(), name_option, name,
            "--extra-options", shlex.join(setting_flags())]


def shell_join(words):
    """shlex.join, but a word holding single quotes (a quoted requirement) is put in
    double quotes when that is safe: --install "'datasette>=0.65.5,<0.66'"."""
    def word(text):
        if "'" in text and not set(text) & set('"$`\\!'):
            return f'"{text}"'
        return shlex.quote(text)
    return " ".join(word(text) for text in words)


if __name__ == "__main__":
    kinds = {"settings": setting_flags, "install": install_flags, "files": file_flags, "serve": serve_args,
             "publish": publish_command}
    if len(sys.argv) < 2 or sys.argv[1] not in kinds:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(kinds)}}} [arguments]")
    try:
        print(shell_join(kinds[sys.argv[1]](*sys.argv[2:])))
    except TypeError:
        sys.exit(f"usage: {sys.argv[0]} serve DB INSPECT_FILE HOST PORT | publish DATASETTE TARGET DB NAME_OPTION NAME")
