#!/usr/bin/env python3
"""The `datasette serve` arguments shared by `make serve`, the container image, the tests and the benchmarks.

The settings live in settings.json; the plugins are the antitrafficking_site
package, which pyproject.toml registers with Datasette (installed, it is
loaded: no flag needed). This script turns the settings into flags so that
no two ways of serving can drift: `make serve` and the image's CMD both run
`exec`, the tests and the benchmarks import serve_args().
Paths are relative to the repository root (the image's /app), where all of them run.

    python scripts/datasette_args.py settings   # --setting NAME VALUE ...
    python scripts/datasette_args.py serve DB INSPECT_FILE HOST PORT   # all of `datasette serve`'s arguments
    python scripts/datasette_args.py exec DB INSPECT_FILE HOST [PORT]  # run it (PORT: $PORT, else 8001)
"""

import json
import os
import shlex
import sys
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
    """Our files, as flag-value pairs. `--static data:data` serves the data package as
    it is, for download: /data/datapackage.json, /data/events.csv, /data/sources/..."""
    return ["--metadata", "metadata.yml", "--template-dir", "templates", "--static", "data:data"]


def serve_args(db, inspect_file=None, host="127.0.0.1", port=8001):
    """Everything after `datasette`: the database immutable (-i), its inspect file, our files and settings."""
    inspect = ["--inspect-file", str(inspect_file)] if inspect_file else []
    return ["serve", "-i", str(db), *inspect, *file_flags(), "--host", host, "--port", str(port), *setting_flags()]


def exec_datasette(db, inspect_file, host, port=None):
    """Replace this process with `python -m datasette serve ...` (the same Python, so the same packages)."""
    port = port or os.environ.get("PORT") or "8001"
    os.chdir(ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "datasette", *serve_args(db, inspect_file, host, port)])


USAGE = f"usage: {sys.argv[0]} settings | serve DB INSPECT_FILE HOST PORT | exec DB INSPECT_FILE HOST [PORT]"

if __name__ == "__main__":
    kinds = {"settings": setting_flags, "serve": serve_args}
    try:
        if len(sys.argv) > 1 and sys.argv[1] == "exec":
            exec_datasette(*sys.argv[2:])
        elif len(sys.argv) > 1 and sys.argv[1] in kinds:
            print(shlex.join(kinds[sys.argv[1]](*sys.argv[2:])))
        else:
            sys.exit(USAGE)
    except TypeError:
        sys.exit(USAGE)
