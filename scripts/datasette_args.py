#!/usr/bin/env python3
"""Print the Datasette arguments shared by `make serve`, `make package` and `make publish-*`.

The settings live in settings.json and the plugins in pyproject.toml; this
script turns them into command-line flags so the three commands cannot drift.

    python scripts/datasette_args.py settings   # --setting NAME VALUE ...
    python scripts/datasette_args.py install    # --install PLUGIN ... (for package/publish)
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


def install_flags():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    flags = []
    for requirement in project["dependencies"]:
        if requirement.startswith("datasette-"):  # plugins; datasette itself is in the image
            flags += ["--install", requirement]
    return flags


if __name__ == "__main__":
    kinds = {"settings": setting_flags, "install": install_flags}
    if len(sys.argv) != 2 or sys.argv[1] not in kinds:
        sys.exit(f"usage: {sys.argv[0]} {{{'|'.join(kinds)}}}")
    print(shlex.join(kinds[sys.argv[1]]()))
