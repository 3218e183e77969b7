"""Adding releases breaks no test: the tests that take their cases from data/ pass
on a copy of the repository whose data/ has every fixture release added, one
after another, as data/README.md tells an editor to add one.

test_fixture_release.py checks the grown data itself; this runs the other test
modules on it, so that a test which holds only for today's rows (a count, an id,
a row that happens to be mentioned once) fails here, before an editor meets it.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_fixture_release import RELEASES, add_release

# The modules whose cases or expectations come from data/ (the browser, load and
# fault tests serve the same pages, and take minutes).
DATA_DRIVEN = [
    "tests/test_data.py", "tests/test_build.py", "tests/test_build_cascades.py",
    "tests/test_build_edge_cases.py", "tests/test_fixture_readme.py", "tests/test_site.py",
    "tests/test_external_ids.py", "tests/test_readme.py",
]
LEFT_OUT = {".git", ".venv", ".venv-test", "tests/screenshots", "bench/out", "bench/results"}


def copy_of_the_repository(target):
    def ignore(directory, names):
        relative = str(Path(directory).relative_to(ROOT))
        return {name for name in names if name == "__pycache__" or name.endswith(".db")
                or (name if relative == "." else f"{relative}/{name}") in LEFT_OUT}

    shutil.copytree(ROOT, target, ignore=ignore)
    return target


@pytest.mark.slow
def test_the_data_driven_tests_pass_with_every_fixture_release_added(tmp_path):
    repo = copy_of_the_repository(tmp_path / "repo")
    for source_id in RELEASES:
        add_release(repo / "data", source_id)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *DATA_DRIVEN],
        cwd=repo, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
