"""Inputs that once slipped through or crashed the build: each now gets one clear error."""

import json
import os

import pytest

import build


def run(data_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(data_copy.parent)
    return build.main(["--data", "data", "--output", str(tmp_path / "out.db"), "--quiet"])


def errors(capsys):
    return [line for line in capsys.readouterr().err.splitlines() if line.startswith(("data", "error"))]


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path, starts_with):
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(starts_with))


def test_whitespace_only_evidence_is_refused(data_copy, tmp_path, monkeypatch, capsys):
    path = data_copy / "topics.csv"
    edit(path, ",offering rent-free premises to be used for shelters for families at risk\n", ",   \n")
    assert run(data_copy, tmp_path, monkeypatch) == 1
    line = line_of(path, "rent-free-premises-for-shelters")
    assert errors(capsys) == [f"data/topics.csv:{line}: evidence: '   ' has leading or trailing whitespace (expected it removed)"]


def test_evidence_with_a_line_break_is_refused(data_copy, tmp_path, monkeypatch, capsys):
    path = data_copy / "participants.csv"
    edit(path, "11 heads of regional departments,", '"11 heads of\nregional departments",')
    assert run(data_copy, tmp_path, monkeypatch) == 1
    line = line_of(path, "heads-of-regional-departments")
    assert errors(capsys) == [f"data/participants.csv:{line}: evidence: has line breaks or repeated spaces "
                              "(expected words separated by single spaces, as in the other rows)"]


def test_evidence_must_be_whole_words(data_copy, tmp_path, monkeypatch, capsys):
    path = data_copy / "participants.csv"
    edit(path, "11 heads of regional departments,", "1 heads of regional departments,")
    assert run(data_copy, tmp_path, monkeypatch) == 1
    [error] = errors(capsys)
    assert error.startswith(f"data/participants.csv:{line_of(path, 'heads-of-regional-departments')}: evidence: not found in source")


def test_nul_byte_is_refused(data_copy, tmp_path, monkeypatch, capsys):
    path = data_copy / "events.csv"
    edit(path, "No organizer is stated.", "No organizer\x00 is stated.")
    assert run(data_copy, tmp_path, monkeypatch) == 1
    [error] = errors(capsys)
    assert error.startswith("data/events.csv:") and ": NUL byte (expected text: remove it)" in error


def test_source_path_outside_the_sources_folder_is_refused(data_copy, tmp_path, monkeypatch, capsys):
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("secret", encoding="utf-8")
    os.symlink(outside, data_copy / "sources" / "link.txt")
    edit(data_copy / "sources.csv", "sources/000_fed3f1378e22d30f.txt", "sources/link.txt")
    assert run(data_copy, tmp_path, monkeypatch) == 1
    assert errors(capsys)[0].startswith("data/sources.csv:2: path: 'sources/link.txt' cannot be read")


def test_source_path_that_is_a_directory_is_refused(data_copy, tmp_path, monkeypatch, capsys):
    (data_copy / "sources" / "folder.txt").mkdir()
    edit(data_copy / "sources.csv", "sources/000_fed3f1378e22d30f.txt", "sources/folder.txt")
    assert run(data_copy, tmp_path, monkeypatch) == 1
    assert errors(capsys)[0].startswith("data/sources.csv:2: path: 'sources/folder.txt' cannot be read: Is a directory")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda package: [], "expected a JSON object with a list of resources"),
        (lambda package: package["resources"][0]["schema"]["fields"][0].pop("name") and package, "resource 'sources': malformed"),
        (lambda package: package["resources"][1]["schema"]["fields"][0]["constraints"].update(pattern="[a-z") or package,
         "resource 'locations': invalid pattern"),
    ],
)
def test_malformed_data_package_gets_a_message_not_a_traceback(data_copy, tmp_path, monkeypatch, capsys, change, message):
    path = data_copy / "datapackage.json"
    path.write_text(json.dumps(change(json.loads(path.read_text(encoding="utf-8")))), encoding="utf-8")
    assert run(data_copy, tmp_path, monkeypatch) == 1
    [error] = errors(capsys)
    assert error.startswith("error: ") and message in error


def test_progress_shows_rows_and_rate_for_a_large_table(capsys):
    build.terminal_progress("participants", 200_000, 2.0, done=True)
    assert capsys.readouterr().err == "\r  participants: 200,000 rows (100,000 rows/s)\n"


def test_progress_stays_quiet_for_small_tables(capsys):
    build.terminal_progress("participants", 17, 0.01, done=True)
    assert capsys.readouterr().err == ""


def test_progress_only_on_a_terminal(data_copy, tmp_path, monkeypatch, capsys):
    shown = []
    monkeypatch.setattr(build, "terminal_progress", lambda *args: shown.append(args))
    monkeypatch.setattr(build.sys.stderr, "isatty", lambda: False)
    assert run(data_copy, tmp_path, monkeypatch) == 0
    assert shown == []
    monkeypatch.setattr(build.sys.stderr, "isatty", lambda: True)
    monkeypatch.chdir(data_copy.parent)
    assert build.main(["--data", "data", "--output", str(tmp_path / "again.db")]) == 0
    assert [args[0] for args in shown if args[3]] == [
        "sources", "locations", "participants", "events", "event_participants", "quotes", "topics", "event_topics"]
