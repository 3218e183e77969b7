"""data/README.md, the editor's guide, is true: its commands work when pasted, its worked
example adds a release that passes the checks, its example rows are the fixture's, and
it covers every table of the package."""

import csv
import hashlib
import io
import re
import shutil
import subprocess
import sys

from conftest import DATA, FIXTURE, ROOT
from test_data import SOURCE_2011, Dataset

README = (DATA / "README.md").read_text(encoding="utf-8")
SCRATCH = "/tmp/data-try"  # the worked example's scratch copy of data/


def blocks(language):
    return re.findall(rf"^```{language}\n(.*?)^```", README, re.M | re.S)


def fixture_lines(name):
    return set((FIXTURE / f"{name}.csv").read_text(encoding="utf-8").splitlines())


def digest(directory):
    return {path.relative_to(directory): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(directory.rglob("*")) if path.is_file()}


def test_readme_names_every_table_of_the_package():
    missing = [name for name in Dataset(DATA).resources if f"`{name}`" not in README]
    assert missing == []


def test_example_rows_are_rows_of_the_fixture():
    """Each csv block starts with a table's header; its rows are lines of that fixture file."""
    headers = {",".join(Dataset(FIXTURE).header(name)): name for name in Dataset(FIXTURE).resources}
    examples = blocks("csv")
    assert len(examples) >= 10
    for block in examples:
        header, *lines = block.splitlines()
        assert header in headers, header
        assert set(lines) <= fixture_lines(headers[header]), headers[header]


def test_appended_rows_are_rows_of_the_fixture():
    appended = re.findall(r"^cat >> \S+/(\w+)\.csv <<'EOF'\n(.*?)^EOF$", README, re.M | re.S)
    assert len(appended) >= 15
    for name, lines in appended:
        assert set(lines.splitlines()) <= fixture_lines(name), name
        assert all(len(row) == len(Dataset(FIXTURE).header(name)) for row in csv.reader(io.StringIO(lines))), name


def data_as_of_2011(target):
    """A copy of data/ with only what the 2011 release brings: the data the worked example
    is written against. Once data/ has a later release with one of the example's ids
    (a Dushanbe, a topic), the example appended to data/ itself would repeat keys."""
    shutil.copytree(DATA, target)
    ds = Dataset(target)
    kept = {name: [row for row in ds.rows(name) if row["id"] == SOURCE_2011] if name == "sources"
            else [row for row in ds.rows(name) if row["source_id"] == SOURCE_2011] if name in ("mentions", "names")
            else ds.supported_by(name, SOURCE_2011)
            for name in ds.resources}
    headers = {name: ds.header(name) for name in ds.resources}
    for name, rows in kept.items():
        with open(ds.path(name), "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=headers[name], lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    (source,) = kept["sources"]
    for text in (target / "sources").iterdir():
        if text != target / source["path"]:
            text.unlink()
    return target


def test_the_commands_work_when_pasted(tmp_path):
    """Every sh block, in order, in one shell that stops at the first failure. Only two
    things differ from pasting: the scratch copy lives in tmp_path, and `make check`
    and .venv/bin/python are this interpreter (make would first install .venv)."""
    script = "\n".join(blocks("sh"))
    assert "cp -r data /tmp/data-try" in script
    base = data_as_of_2011(tmp_path / "data-2011")
    script = script.replace("cp -r data /tmp/data-try", f"cp -r {base} /tmp/data-try")
    script = script.replace(SCRATCH, str(tmp_path / "data-try")).replace(".venv/bin/python", sys.executable)
    script = re.sub(r"^make check$", f"{sys.executable} build.py --data data --check", script, flags=re.M)
    before = digest(DATA)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert digest(DATA) == before, "the README's commands changed data/"
    # The sha256sum it prints is the one the sources row it appends carries.
    assert hashlib.sha256((FIXTURE / "sources" / "fictional-2016-03-10.txt").read_bytes()).hexdigest() in done.stdout
    assert done.stderr.count("data is valid") == 2  # the worked example's copy, then data/ (make check)
