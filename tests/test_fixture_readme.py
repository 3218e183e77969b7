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
from datetime import date

from conftest import DATA, FIXTURE, ROOT
from test_data import SOURCE_2011, Dataset

README = (DATA / "README.md").read_text(encoding="utf-8")
SCRATCH = "/tmp/data-try"  # the worked example's scratch copy of data/: its $D
SET_D = f"D={SCRATCH}"  # for a real release, D=data
COPY = f"rm -rf {SCRATCH} && cp -r data {SCRATCH}"  # skipped for a real release
EXAMPLE_SOURCE = "fictional-2016-03-10"  # the release the worked example adds
# Entity rows hold the curator's reading and may be revised by a later release;
# every other table holds statements, never edited (data/README.md).
ENTITY_TABLES = {"events", "participants", "locations", "series", "documents", "topics"}


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


def shown_rows(name):
    """{id: line} of the rows of table `name` that the README's csv blocks show."""
    header = ",".join(Dataset(FIXTURE).header(name))
    shown = {}
    for block in blocks("csv"):
        first, *lines = block.splitlines()
        if first == header:
            shown.update((row[0], line) for line, row in zip(lines, csv.reader(lines)))
    return shown


def later_release_dates():
    """'15 April 2016', ...: how a revision names a release published after the example's."""
    (added,) = [row for row in Dataset(FIXTURE).rows("sources") if row["id"] == EXAMPLE_SOURCE]
    dates = [date.fromisoformat(row["published_date"]) for row in Dataset(FIXTURE).rows("sources")
             if row["published_date"] > added["published_date"]]
    return [f"{day.day} {day:%B %Y}" for day in dates]


def test_appended_rows_are_rows_of_the_fixture():
    """Every row the worked example appends is a line of the fixture's files, except a row
    the guide shows revised by a later release. The fixture holds the reading after all
    its releases; the example adds the 10 March release with only what it says. So such
    a row must be an entity row (statements are never edited) with an `id`, a csv block
    must show its revision, that revision must be the fixture's line, and it must say in
    date_basis or note which later release it comes from."""
    appended = re.findall(r"^cat >> \"\$D/(\w+)\.csv\" <<'EOF'\n(.*?)^EOF$", README, re.M | re.S)
    assert len(appended) >= 15
    assert len(appended) == len(re.findall(r"^cat >> ", README, re.M)), "every cat >> appends to $D"
    revised = []
    for name, lines in appended:
        header = Dataset(FIXTURE).header(name)
        parsed = list(csv.reader(io.StringIO(lines)))
        assert all(len(row) == len(header) for row in parsed), name
        for line, row in zip(lines.splitlines(), parsed):
            if line in fixture_lines(name):
                continue
            assert name in ENTITY_TABLES and Dataset(FIXTURE).primary_key(name) == ["id"], (name, line)
            revision = shown_rows(name).get(row[0])
            assert revision is not None and revision != line, ("no revision shown", name, line)
            assert revision in fixture_lines(name), ("the revision is not the fixture's row", name, revision)
            (fields,) = csv.DictReader(io.StringIO(f"{','.join(header)}\n{revision}\n"))
            said = f"{fields.get('date_basis') or ''} {fields.get('note') or ''}"
            assert any(day in said for day in later_release_dates()), ("the revision names no release", revision)
            revised.append((name, row[0]))
    # The guide's example of a revision: the seminar announced on 10 March, held by 15 April.
    assert ("events", "seminar-on-victim-assistance-istaravshan-2016") in revised


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


def test_the_example_names_its_data_directory_once():
    """D is set once; only the scratch copy's own command names /tmp/data-try, so that
    D=data adds the release to data/ and can delete nothing."""
    lines = "\n".join(blocks("sh")).splitlines()
    assert [line for line in lines if SCRATCH in line] == [SET_D, COPY]
    assert "For a real release, `D=data`" in README.replace("\n", " ")
    assert all(f"{SCRATCH}/" not in line for line in lines)


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


def test_the_commands_add_a_release_to_data_itself(tmp_path):
    """What the guide says for a real release: D=data and no scratch copy. Here "data" is
    a copy cut down to the 2011 release, so data/ itself is left alone."""
    target = data_as_of_2011(tmp_path / "data")
    script = "\n".join(blocks("sh"))
    assert script.count(SET_D) == 1 and script.count(COPY) == 1
    script = script.replace(SET_D, f"D={target}").replace(COPY, "")
    script = script.replace(".venv/bin/python", sys.executable)
    script = re.sub(r"^make check$", f"{sys.executable} build.py --data data --check", script, flags=re.M)
    before = digest(DATA)
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert digest(DATA) == before, "the README's commands changed data/"
    assert (target / "sources" / f"{EXAMPLE_SOURCE}.txt").exists()
    assert EXAMPLE_SOURCE in {row["id"] for row in Dataset(target).rows("sources")}
    assert done.stderr.count("data is valid") == 2
