"""One mistake gives one error: a broken row or table does not make the rows that point at it fail too."""

import build


def error_lines(capsys):
    stderr = capsys.readouterr().err.splitlines()
    return [line for line in stderr if line.startswith("data")]


def run(data_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(data_copy.parent)
    return build.main(["--data", "data", "--output", str(tmp_path / "out.db"), "--quiet"])


def replace_line(path, starts_with, change):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.startswith(starts_with))
    lines[number] = change(lines[number])
    path.write_text("".join(lines), encoding="utf-8")
    return number + 1


def test_row_with_extra_field_keeps_its_key_for_references(data_copy, tmp_path, monkeypatch, capsys):
    line = replace_line(data_copy / "participants.csv", "iom,", lambda text: text.rstrip("\n") + ",extra\n")
    assert run(data_copy, tmp_path, monkeypatch) == 1
    assert error_lines(capsys) == [
        f"data/participants.csv:{line}: row: 13 fields (expected 12: id, name, abbreviation, kind, parent_id, title, "
        "headcount, based_in_id, wikidata_id, source_id, evidence, note)"
    ]


def test_bad_header_does_not_fail_references_to_the_table(data_copy, tmp_path, monkeypatch, capsys):
    replace_line(data_copy / "topics.csv", "id,", lambda text: text.replace("name", "title", 1))
    assert run(data_copy, tmp_path, monkeypatch) == 1
    errors = error_lines(capsys)
    assert all(error.startswith("data/topics.csv:1: header:") for error in errors), errors
    assert len(errors) == 2  # 'name' missing, 'title' unexpected


def test_event_ending_before_it_starts_is_one_error(data_copy, tmp_path, monkeypatch, capsys):
    line = replace_line(
        data_copy / "events.csv", "khujand-anti-trafficking-consultations-2011,",
        lambda text: text.replace("2011-04-12,2011-04-13", "2011-04-13,2011-04-12", 1),
    )
    assert run(data_copy, tmp_path, monkeypatch) == 1
    assert error_lines(capsys) == [
        f"data/events.csv:{line}: end_date: 2011-04-12 is before start_date 2011-04-13 "
        "(expected end_date on or after start_date)"
    ]


def test_blank_line_is_named_as_such(data_copy, tmp_path, monkeypatch, capsys):
    path = data_copy / "event_topics.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n", "\n\n", 1), encoding="utf-8")
    assert run(data_copy, tmp_path, monkeypatch) == 1
    assert error_lines(capsys) == ["data/event_topics.csv:2: row: blank line (expected 4 fields: delete the line)"]
