#!/usr/bin/env python3
"""Print the Datasette arguments shared by `make serve`, `make package` and `make publish-*`.

The settings live in settings.json and the plugins in pyproject.toml; this
script turns them into command-line flags so the commands cannot drift. The
tests and the benchmarks import serve_args() to serve exactly as `make serve`.
Paths are relative to the repository root, where all of them run.

    python scripts/datasette_args.py settings   # --setting NAME VALUE ...
    python scripts/datasette_args.py install    # --install PLUGIN ... (for package/publish)
    python scripts/datasette_args.py files      # --metadata ... --plugins-dir ... --template-dir ...
    python scripts/datasette_args.py serve DB INSPECT_FILE HOST PORT   # all of `datasette serve`'s arguments
"""

import json
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
    """Everything after `datasette`: the database immutable (-i), its inspect file, our files and settings."""
    inspect = ["--inspect-file", str(inspect_file)] if inspect_file else []
    return ["serve", "-i", str(db), *inspect, *file_flags(), "--host", host, "--port", str(port), *setting_flags()]


def install_flags():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    flags = []
    for requirement in project["dependencies"]:
        if requirement.startswith("datasette-"):  # plugins; datasette itself is in the image
            flags += ["--install", requirement]
    return flags


if __name__ == "__main__":
    kinds = {"settings": setting_flags, "install": install_flags, "files": file_flags, "serve": serve_args}
    if len(sys.argv) < 2 or sys.argv[1] not in kinds:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(kinds)}}} [arguments]")
    try:
        print(shlex.join(kinds[sys.argv[1]](*sys.argv[2:])))
    except TypeError:
        sys.exit(f"usage: {sys.argv[0]} serve DB INSPECT_FILE HOST PORT")
