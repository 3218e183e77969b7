"""One mistake gives one error: a broken row or table does not make the rows that
point at it fail too (its children, its mentions, its names), and a broken mention
does not make the row it supports "unsupported".

Rows to break are chosen from the data package and the CSVs (helpers_bad_data.py).
"""

from pathlib import Path

import pytest

import build
from helpers_bad_data import MENTIONS, DataDir, misspell

REAL = DataDir(Path(__file__).resolve().parent.parent / "data")  # read only: to name the parametrised cases


def error_lines(capsys):
    stderr = capsys.readouterr().err.splitlines()
    return [line for line in stderr if line.startswith("data")]


def only_error(capsys):
    """The one error line of the run, failing with all of them if there are more."""
    errors = error_lines(capsys)
    assert len(errors) == 1, errors
    return errors[0]


def run(data_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(data_copy.parent)
    return build.main(["--data", "data", "--output", str(tmp_path / "out.db"), "--quiet"])


def replace_line(path, starts_with, change):
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, line in enumerate(lines) if line.startswith(starts_with))
    lines[number] = change(lines[number])
    path.write_text("".join(lines), encoding="utf-8")
    return number + 1


def referenced_row(d, table):
    """The first row of `table` whose id another table's foreign key holds."""
    named = {row[fk.column] for other in d.resources for fk in d.single_foreign_keys(other)
             if fk.other == table and other != table for row in d.rows(other)}
    return next(row for row in d.rows(table) if row[d.primary_key(table)[0]] in named)


def test_row_with_extra_field_keeps_its_key_for_references(data_copy, tmp_path, monkeypatch, capsys):
    d = DataDir(data_copy)
    key = referenced_row(d, "participants")["id"]
    line = replace_line(d.path("participants"), f"{key},", lambda text: text.rstrip("\n") + ",extra\n")
    columns = d.columns("participants")
    assert run(data_copy, tmp_path, monkeypatch) == 1
    # Its events, mentions and names are not reported: only the row itself.
    assert error_lines(capsys) == [
        f"data/participants.csv:{line}: row: {len(columns) + 1} fields (expected {len(columns)}: {', '.join(columns)}); "
        f"most likely an unquoted comma in {columns[-1]!r}: put that value in double quotes"
    ]


@pytest.mark.parametrize("table", sorted(REAL.referenced_tables()))
def test_bad_header_does_not_fail_references_to_the_table(table, data_copy, tmp_path, monkeypatch, capsys):
    d = DataDir(data_copy)
    second = d.columns(table)[1]
    d.edit_header(table, lambda header: [*header[:1], "renamed", *header[2:]])
    assert run(data_copy, tmp_path, monkeypatch) == 1
    assert error_lines(capsys) == [
        f"data/{d.resources[table]['path']}:1: header: missing column {second!r} "
        f"(expected the columns of datapackage.json: {', '.join(d.columns(table))})",
        f"data/{d.resources[table]['path']}:1: header: unexpected column 'renamed' (add it to datapackage.json first, or remove it)",
    ]


def test_event_ending_before_it_starts_is_one_error(data_copy, tmp_path, monkeypatch, capsys):
    """Its sub-events are not also reported as outside its dates."""
    d = DataDir(data_copy)
    events = d.rows("events")
    index = next(i for i, row in enumerate(events) if row["start_date"] < row["end_date"]
                 and any(other["parent_id"] == row["id"] for other in events))
    start, end = events[index]["start_date"], events[index]["end_date"]
    d.set("events", index, "start_date", end)
    line = d.set("events", index, "end_date", start)
    assert run(data_copy, tmp_path, monkeypatch) == 1
    assert error_lines(capsys) == [
        f"data/events.csv:{line}: end_date: {start} is before start_date {end} (expected end_date on or after start_date)"
    ]


def test_blank_line_is_named_as_such(data_copy, tmp_path, monkeypatch, capsys):
    d = DataDir(data_copy)
    table = "event_topics"
    text = d.path(table).read_text(encoding="utf-8")
    d.path(table).write_text(text.replace("\n", "\n\n", 1), encoding="utf-8")
    assert run(data_copy, tmp_path, monkeypatch) == 1
    assert error_lines(capsys) == [
        f"data/event_topics.csv:2: row: blank line (expected {len(d.columns(table))} fields: delete the line)"]


# -- mentions ---------------------------------------------------------------------------


def singly_mentioned(d, table, cited=False):
    """(index, row, its only mention) of the first row of `table` with exactly one
    mention, which a compound foreign key (a names row) points at or not as `cited` says."""
    cited_mentions = d.keys_pointed_at(MENTIONS)
    for index, row in enumerate(d.rows(table)):
        mentions = d.mentions_of(table, d.row_id(table, row))
        if len(mentions) == 1:
            key = tuple(mentions[0][column] for column in d.primary_key(MENTIONS))
            if (key in cited_mentions) == cited:
                return index, row, mentions[0]
    raise LookupError(f"no row of {table} fits")


def misspell_outside(passage, name):
    """The passage with a letter changed outside the name it writes (misspelling the
    name too would be a second mistake)."""
    if not name:
        return misspell(passage)
    start = passage.index(name)
    before, after = passage[:start], passage[start + len(name):]
    if any(char.isalnum() for char in after):
        return passage[:start + len(name)] + misspell(after)
    return misspell(before) + passage[start:]


# (column, its wrong value) for a mention; none changes the mention's key.
MENTION_MISTAKES = {
    "evidence misspelled": lambda mention: ("evidence", misspell_outside(mention["evidence"], mention["name_as_written"])),
    "evidence with a trailing space": lambda mention: ("evidence", mention["evidence"] + " "),
    "name not in its evidence": lambda mention: ("name_as_written", "Not In The Evidence"),
}


def every_mention_of_a_row(d, table):
    """The indexes in mentions of all the mentions of the first row of `table` that no
    names row cites. All of them, however many sources the row has: once a later release
    mentions every row of a small table again, no row of it has a single mention."""
    cited = d.keys_pointed_at(MENTIONS)
    mentions = d.rows(MENTIONS)
    for row in d.rows(table):
        row_id = d.row_id(table, row)
        indexes = [i for i, m in enumerate(mentions) if (m["table_name"], m["row_id"]) == (table, row_id)]
        if indexes and not any(tuple(mentions[i][c] for c in d.primary_key(MENTIONS)) in cited for i in indexes):
            return indexes
    raise LookupError(f"no row of {table} fits")


@pytest.mark.parametrize("mistake", list(MENTION_MISTAKES))
@pytest.mark.parametrize("table", [t for t in REAL.sourced_tables() if REAL.rows(t)])
def test_a_broken_mention_does_not_leave_its_row_unsupported(table, mistake, data_copy, tmp_path, monkeypatch, capsys):
    """Every mention of one row broken: one error per mention, and none saying that the
    row has no source."""
    d = DataDir(data_copy)
    indexes = every_mention_of_a_row(d, table)
    for index in indexes:
        column, value = MENTION_MISTAKES[mistake](d.rows(MENTIONS)[index])
        d.set(MENTIONS, index, column, value)
    lines = [d.lines(MENTIONS)[index] for index in indexes]
    assert run(data_copy, tmp_path, monkeypatch) == 1
    errors = error_lines(capsys)
    assert len(errors) == len(lines), errors
    for line, error in zip(lines, errors):
        assert error.startswith(f"data/mentions.csv:{line}: {column}: "), error


def test_a_broken_mention_does_not_make_the_names_citing_it_fail(data_copy, tmp_path, monkeypatch, capsys):
    """Whether or not other sources support its row too: either way the row is not
    reported as unsupported, and the names citing the mention are not reported."""
    d = DataDir(data_copy)
    cited = d.keys_pointed_at(MENTIONS)
    mention = next(m for m in d.rows(MENTIONS) if tuple(m[c] for c in d.primary_key(MENTIONS)) in cited)
    line = d.set(MENTIONS, d.rows(MENTIONS).index(mention), "evidence",
                 misspell_outside(mention["evidence"], mention["name_as_written"]))
    assert run(data_copy, tmp_path, monkeypatch) == 1
    error = only_error(capsys)
    assert error.startswith(f"data/mentions.csv:{line}: evidence: "), error


def test_a_misspelled_evidence_does_not_also_report_its_name(data_copy, tmp_path, monkeypatch, capsys):
    d = DataDir(data_copy)
    # A passage ending with the name it writes (misspelling its last letter changes the name
    # in it too), that no names row cites.
    cited = d.keys_pointed_at(MENTIONS)
    index = next(i for i, m in enumerate(d.rows(MENTIONS)) if m["name_as_written"] and m["evidence"].endswith(m["name_as_written"])
                 and tuple(m[column] for column in d.primary_key(MENTIONS)) not in cited)
    line = d.set(MENTIONS, index, "evidence", misspell(d.rows(MENTIONS)[index]["evidence"]))
    assert run(data_copy, tmp_path, monkeypatch) == 1
    error = only_error(capsys)
    assert error.startswith(f"data/mentions.csv:{line}: evidence: not found in source "), error


def breakable_column(d, table, row):
    """A column of the row that is not part of its key and holds a value."""
    return next((column for column in d.columns(table) if column not in d.primary_key(table) and row[column]), None)


def row_to_break(d, table):
    """The index of the first row a compound foreign key points at, else of the first row."""
    named = d.keys_pointed_at(table)
    return next((i for i, row in enumerate(d.rows(table)) if tuple(row[k] for k in d.primary_key(table)) in named), 0)


# Every table of rows that others point at by their id: the sourced ones, and those
# that name a row of them (names); mentions have tests of their own above.
BREAKABLE = [t for t in REAL.resources if t != MENTIONS and REAL.rows(t)
             and (t in REAL.sourced_tables() or REAL.compound_foreign_keys(t) or REAL.row_reference(t))
             and breakable_column(REAL, t, REAL.rows(t)[row_to_break(REAL, t)])]


@pytest.mark.parametrize("table", BREAKABLE)
def test_a_row_with_an_error_leaves_its_mentions_names_and_children_alone(table, data_copy, tmp_path, monkeypatch, capsys):
    """A leading space in one value: only that value is reported, not the mentions
    that name the row (as naming no row), its names, or the rows that point at it."""
    d = DataDir(data_copy)
    index = row_to_break(d, table)
    row = d.rows(table)[index]
    column = breakable_column(d, table, row)
    line = d.set(table, index, column, " " + row[column])
    assert run(data_copy, tmp_path, monkeypatch) == 1
    error = only_error(capsys)
    assert error.startswith(f"data/{d.resources[table]['path']}:{line}: {column}: "), error


def test_the_cascades_cover_compound_keys_and_names():
    assert any(len(REAL.primary_key(table)) > 1 for table in BREAKABLE)
    assert "names" in BREAKABLE


def test_a_mistyped_row_id_does_not_also_leave_the_row_unsupported(data_copy, tmp_path, monkeypatch, capsys):
    d = DataDir(data_copy)
    table = next(t for t in d.sourced_tables() if len(d.primary_key(t)) == 1 and d.rows(t))
    _, _, mention = singly_mentioned(d, table)
    typo = misspell(mention["row_id"])
    line = d.set(MENTIONS, d.rows(MENTIONS).index(mention), "row_id", typo)
    assert run(data_copy, tmp_path, monkeypatch) == 1
    assert error_lines(capsys) == [
        f"data/mentions.csv:{line}: row_id: {typo!r} is not a row of {table} "
        f"(expected its {'/'.join(d.primary_key(table))}; did you mean {mention['row_id']!r}?)"]
