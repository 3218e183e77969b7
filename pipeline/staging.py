"""Stream a CSV file into a temporary table of text, one row per record.

The staging table "stage_<table>" has one text column per CSV column (c0, c1,
...) and rowid n for the file's n-th record, so the checks can run over it in
SQL and name each row's line. Most files are read by the csv module driven
from executemany, with no Python code per row; a file with anything to report
about its form (a bad byte, a NUL, a CSV syntax error, a row of the wrong
width) is read again line by line with read_rows, which words those problems
exactly as before.
"""

import array
import bisect
import csv
import sqlite3

from .loader import quote_identifier
from .reader import CsvProblem, NeedsLineReader, fast_records, read_rows

BATCH_SIZE = 10_000


def stage_name(table):
    return quote_identifier(f"stage_{table.name}")


def column(index):
    """The staging table's name for the CSV's column at `index`."""
    return f"c{index}"


class LineMap:
    """The CSV line of each staged row, by rowid."""

    def __init__(self, explicit=None, multiline=()):
        # explicit: array of lines by rowid - 1 (files read line by line);
        # else line = rowid + 1, plus the extra lines of the multi-line records before it.
        self.explicit = explicit
        self.rowids = [rowid for rowid, _ in multiline]
        self.extra_before = []
        total = 0
        for _, extra in multiline:
            total += extra
            self.extra_before.append(total)

    def __getitem__(self, rowid):
        if self.explicit is not None:
            return self.explicit[rowid - 1]
        earlier = bisect.bisect_left(self.rowids, rowid)
        return rowid + 1 + (self.extra_before[earlier - 1] if earlier else 0)


class Staged:
    """What staging a file found: its header, record count, lines, and the records it
    could not stage (wrong width), which the caller reports."""

    def __init__(self):
        self.header_line, self.header = 1, None  # None: the file could not be read that far
        self.count = 0  # records after the header, staged or not
        self.lines = LineMap()
        self.problem = None  # a CsvProblem that stopped the reading
        self.misshapen = []  # (line, fields) of records with the wrong number of fields
        # Whether some value may hold whitespace other than single spaces ("odd spaces":
        # tabs, line breaks, no-break spaces...; "double spaces"); True unless the fast
        # reader saw the whole text.
        self.spacing = {"odd spaces": True, "double spaces": True}


def create_stage(conn, table):
    columns = ", ".join(column(index) for index in range(len(table.fields)))
    conn.execute(f"drop table if exists temp.{stage_name(table)}")
    conn.execute(f"create temp table {stage_name(table)} ({columns})")


def stage_file(conn, table, path, new_digest):
    """Fill the staging table from `path`; returns (Staged, digest of the file's bytes).
    `new_digest()` makes a fresh hashlib object (a file read twice is hashed once)."""
    create_stage(conn, table)
    digest = new_digest()
    try:
        staged = _stage_fast(conn, table, path, digest)
        if staged is not None:
            return staged, digest
    except (NeedsLineReader, sqlite3.ProgrammingError, csv.Error):
        pass
    conn.execute(f"delete from temp.{stage_name(table)}")
    digest = new_digest()
    return _stage_by_line(conn, table, path, digest), digest


def _insert_sql(table):
    marks = ", ".join("?" for _ in table.fields)
    return f"insert into temp.{stage_name(table)} values ({marks})"


def _stage_fast(conn, table, path, digest):
    """Stage in C; None when the file must be read line by line after all."""
    staged = Staged()
    try:
        handle = open(path, "rb")
    except OSError:
        return None  # read_rows words the reason
    with handle:
        found = {}
        records = fast_records(handle, digest, found)
        header = next(records, None)
        if header is None:
            return None  # empty: read_rows says so
        staged.header = header
        if header != table.column_names:
            return staged  # the caller reports the header; nothing is staged
        # A row of the wrong width fails the binding (sqlite3.ProgrammingError).
        cursor = conn.executemany(_insert_sql(table), records)
        staged.count = max(cursor.rowcount, 0)
        extra = records.line_num - 1 - staged.count  # lines inside quoted fields
    staged.spacing = {"odd spaces": bool(found.get("odd spaces") or extra), "double spaces": bool(found.get("double spaces"))}
    if extra:
        multiline = _multiline_records(conn, table)
        if sum(n for _, n in multiline) != extra:
            return None  # lines not accounted for: let read_rows number them
        staged.lines = LineMap(multiline=multiline)
    return staged


def _multiline_records(conn, table):
    """(rowid, line breaks inside its fields) of each record that spans lines."""
    columns = [column(index) for index in range(len(table.fields))]
    newline_count = " + ".join(f"(length({c}) - length(replace({c}, char(10), '')))" for c in columns)
    spans = " or ".join(f"instr({c}, char(10)) > 0" for c in columns)
    return conn.execute(f"select rowid, {newline_count} from temp.{stage_name(table)} "
                        f"where {spans} order by rowid").fetchall()


def _stage_by_line(conn, table, path, digest):
    """read_rows, one record at a time: exact lines for every problem of form."""
    staged = Staged()
    lines = array.array("I")  # 4 bytes a row
    width = len(table.fields)
    sql = _insert_sql(table)
    batch = []
    try:
        rows = read_rows(path, digest)
        staged.header_line, staged.header = next(rows, (1, []))
        if staged.header != table.column_names:
            return staged
        for line, fields in rows:
            staged.count += 1
            if len(fields) != width:
                staged.misshapen.append((line, fields))
                continue
            batch.append(fields)
            lines.append(line)
            if len(batch) >= BATCH_SIZE:
                conn.executemany(sql, batch)
                batch = []
    except CsvProblem as problem:
        staged.problem = problem
    if batch:
        conn.executemany(sql, batch)
    staged.lines = LineMap(explicit=lines)
    return staged
