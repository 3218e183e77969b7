"""Check every CSV file and load it into the build database.

Each file is streamed into a staging table of text (staging.py), then checked
there a step at a time over the whole file, in SQL where SQL can decide
(sql_checks.py: values by GLOB, date() and CAST; foreign keys as anti-joins
against key tables), in Python where the words come from (each row SQL
selects goes through checks.py, which decides and words its errors), and
moved into its typed table with one INSERT ... SELECT. The rows of one file
are reported in line order (row_errors.py). What needs whole tables (parent
cycles, date ranges, compound foreign keys, which row a mention names, rows
without a mention, passages that must be in a source that mentions the row)
is checked once all rows are in, in SQL.
"""

import csv
import difflib
import functools
import hashlib
import sqlite3
import time
from pathlib import Path

from . import row_errors
from .checks import compile_field, header_problems, likely_unquoted_comma, too_long
from .evidence import SourceTexts, contains_words, is_normalized, normalize_space
from .loader import quote_identifier
from .row_errors import RowErrors
from .sql_checks import (maybe_not_in_text_sql, missing_sql, register_functions, required_sql, same_check,
                         single_spaced_sql, stored_sql, suspect_sql)
from .staging import column, stage_file, stage_name
from .table_checks import TableChecks, find_first_line

# Checked values remembered per column: ids, slugs, enums and dates repeat
# from row to row (every row of a source names it), and a hit costs far less
# than a regular expression. Bounded, so memory does not grow with the data.
CHECK_CACHE_SIZE = 4096
SUGGESTION_MAX_KEYS = 50_000  # comparing a typo with more ids would take seconds per error
CSV_FIELD_LIMIT = 131_072  # Python's csv default


def passes(check, text):
    try:
        check(text)
        return True
    except ValueError:
        return False


def keys_name(table_name):
    """The temporary table of a referenced table's keys: what its foreign keys are checked against."""
    return "temp." + quote_identifier(f"keys_{table_name}")


class Ingest(TableChecks):
    def __init__(self, package, data_dir, db, report, progress=None):
        self.package, self.data_dir, self.db, self.report = package, Path(data_dir), db, report
        self.conn = db.conn
        self.progress = progress
        self.sink = report  # where row checks report: the file's RowErrors while one is checked
        self.parents = {}  # table -> {id: parent id} for self-referencing tables
        self.dates = {}  # table -> {id: (start, end, line)} for self-referencing tables with start_date and end_date
        self.later_references = []  # (table, foreign key): self-references and tables not yet loaded
        self.lines = {}  # table -> LineMap: the CSV line of each staged row, by rowid
        self.flagged = {}  # table -> {rowid: checked values, None where wrong} of rows with a bad value
        self.sources = SourceTexts()
        self.files = []  # rows for the _build_files table
        self.loaded = set()  # tables whose key sets are complete
        self.unchecked = set()  # tables that could not be read whole: checks that need them are skipped
        # Rows left out for an error, so that checks of other rows do not report them again:
        self.failed = {}  # table -> ids (as mentions.row_id writes them) of rows not inserted
        self.failed_targets = {}  # table with x-rowReference -> (table_name, row_id) its failed rows named
        self.bad_references = set()  # (table, rowid) whose x-rowReference names no row
        self.untrusted_keys = set()  # tables whose key tables hold keys that were not checked

    # -- the whole dataset ------------------------------------------------

    def run(self):
        # Python's csv stops at 131,072 characters a field; a value up to the package's
        # limit must reach its check (and its message), and a little beyond, so that a
        # missing closing quote still stops the file early.
        csv.field_size_limit(max(CSV_FIELD_LIMIT, 4 * self.package.max_value_bytes + 1))
        register_functions(self.conn)
        self.conn.execute("create temp table failed_rows (rowid integer primary key)")
        self.conn.execute("create temp table suspect_rows (rowid integer primary key)")
        self.db.execute("begin")
        for table in self.package.tables:
            self.load_table(table)
        self.check_later_references()
        self.db.execute("commit")
        # Row references first: the row a mistyped row_id was meant for (the suggestion)
        # is then not also reported as supported by no source.
        for table in self.package.tables:
            if table.row_reference:
                self.check_row_reference(table)
        for table in self.package.tables:
            if table.parent_key:
                self.check_parent_cycles(table)
                if table.name in self.dates:
                    self.check_dates_within_parents(table)
            for fk in table.compound_foreign_keys:
                self.check_compound_key(table, fk)
            if table.sourced:
                self.check_has_mention(table)
            for field in table.fields:
                if field.verbatim == "mentions":
                    self.check_verbatim_in_mentioning_sources(table, field)
        for table in self.package.tables:
            self.conn.execute(f"drop table if exists temp.{stage_name(table)}")
            self.conn.execute(f"drop table if exists {keys_name(table.name)}")
        return self.files

    # -- one table ----------------------------------------------------------

    def load_table(self, table):
        path = self.data_dir / table.path
        rel = self.rel(path)
        if not path.is_file():
            self.report.add(rel, None, "file", f"not found (expected the CSV file for table {table.name!r})")
            self.unchecked.add(table.name)
            return
        started = time.perf_counter()
        staged, digest = stage_file(self.conn, table, path, hashlib.sha256)
        if staged.header is not None:
            problems = header_problems(table.column_names, staged.header)
            for problem in problems:
                self.report.add(rel, staged.header_line, "header", problem)
            if problems:
                self.unchecked.add(table.name)
                return
        self.lines[table.name] = staged.lines
        checks = [self.compile_check(table, field, self.package.max_value_bytes) for field in table.fields]
        errors = self.sink = RowErrors(self.report)
        try:
            self.conn.execute("delete from temp.failed_rows")
            failed = set()  # rowids of rows left out for an error
            errors.step = row_errors.FORM
            for line, fields in staged.misshapen:
                self.report_width(rel, line, fields, table.column_names, checks)
            # the rows whose foreign keys name no row, by foreign key: found once,
            # checked with the values (their value may be wrong) and reported as references
            dangling = {fk: list(self.dangling(table, fk)) for fk in self.references_now(table)}
            flagged, bad_keys = self.check_values(table, rel, checks, failed, dangling)
            if table.name in self.package.referenced_tables:
                self.create_key_table(table, bad_keys, staged.misshapen)
            self.check_references(table, rel, failed, dangling)
            self.check_row_passages(table, rel, failed, staged.spacing)
            for line, fields in staged.misshapen:
                self.note_failed(table, fields)
            self.note_failed_rows(table, failed)
            if table.parent_key:
                self.note_parents(table)
            if {"start_date", "end_date"} <= set(table.column_names):
                self.check_date_order(table, rel)
            if staged.problem:
                errors.step = row_errors.STOPPED
                errors.add(rel, staged.problem.line, staged.problem.column, staged.problem.message)
                self.unchecked.add(table.name)
            if table.derived_fields:
                self.insert_with_derived_values(table, rel, checks)
            errors.flush()
            if not staged.problem:  # as before: the rows of a file that stopped early are not stored
                self.insert_rows(table, rel)
        finally:
            errors.flush()
            self.sink = self.report
        self.loaded.add(table.name)
        self.show_progress(table.name, staged.count, started, done=True)
        self.files.append({"path": table.path, "sha256": digest.hexdigest(), "bytes": path.stat().st_size, "rows": staged.count})

    def check_values(self, table, rel, checks, failed, dangling):
        """Every value: SQL selects the rows that may hold a bad one, checks.py decides.
        Returns the checked values of the rows with a bad value, and the primary keys
        that failed their check (not keys, so not what a foreign key may name)."""
        self.sink.step = row_errors.VALUES
        implied = self.columns_checked_by_keys(table)
        self.conn.execute("delete from temp.suspect_rows")
        self.conn.executemany("insert or ignore into temp.suspect_rows values (?)",
                              [(rowid,) for rows in dangling.values() for rowid, _ in rows])
        rules = ["rowid in (select rowid from temp.suspect_rows)"]
        for index, field in enumerate(table.fields):
            rule = required_sql if index in implied else suspect_sql
            rules.append(rule(field, column(index), table.missing_values, *([] if index in implied else [self.package.max_value_bytes])))
        flagged = self.flagged[table.name] = {}
        bad_keys = set()
        pk_index = table.column_names.index(table.primary_key[0])
        lines = self.lines[table.name]
        for rowid, *fields in self.conn.execute(f"select rowid, * from temp.{stage_name(table)} where {' or '.join(rules)} order by rowid"):
            try:
                [check(text) for check, text in zip(checks, fields)]
                continue  # selected, but every value is right
            except ValueError:
                pass
            values = self.check_fields(rel, lines[rowid], table.column_names, checks, fields)
            flagged[rowid] = values
            failed.add(rowid)
            if values[pk_index] is None:
                bad_keys.add(fields[pk_index])
        return flagged, bad_keys

    def references_now(self, table):
        """The single-column foreign keys checked with the table: those into tables loaded before."""
        return [fk for fk in table.single_foreign_keys
                if fk.other_table != table.name and fk.other_table in self.loaded and fk.other_table not in self.unchecked]

    def columns_checked_by_keys(self, table):
        """Indexes of the columns whose every value found among its foreign key's keys is
        right (same_check): only the values not found need their check, and the
        anti-join of the foreign key selects those anyway."""
        implied = set()
        for fk in self.references_now(table):
            other = self.package.table(fk.other_table)
            if fk.other_table not in self.untrusted_keys and same_check(table.field(fk.column), other.field(other.primary_key[0])):
                implied.add(table.column_names.index(fk.column))
        return implied

    def create_key_table(self, table, bad_keys, misshapen):
        """The keys foreign keys may name: every row's, even a row with an error of its
        own (so that its children are not reported too), except a key that is itself wrong."""
        name = keys_name(table.name)
        pk_index = table.column_names.index(table.primary_key[0])
        pk = column(pk_index)
        self.conn.execute(f"create temp table {name} (id text primary key) without rowid")
        self.conn.execute(f"insert or ignore into {name} select {pk} from temp.{stage_name(table)} "
                          f"where not ({missing_sql(pk, table.missing_values)})")
        self.conn.executemany(f"delete from {name} where id = ?", [(key,) for key in bad_keys])
        keys = [fields[pk_index] for _, fields in misshapen if len(fields) > pk_index]
        self.conn.executemany(f"insert or ignore into {name} values (?)", [(key,) for key in keys])
        check = compile_field(table.field(table.primary_key[0]), table.missing_values, self.package.max_value_bytes)
        if any(not passes(check, key) for key in keys):
            self.untrusted_keys.add(table.name)  # unchecked keys: a value found among them may still be wrong

    def check_references(self, table, rel, failed, dangling):
        """Single-column foreign keys into tables loaded before: anti-joins on their key
        tables (run with the values, check_values). Self-references and later tables
        wait until every table is in."""
        self.sink.step = row_errors.REFERENCES
        now = self.references_now(table)
        flagged = self.flagged.get(table.name, {})
        lines = self.lines[table.name]
        for fk in table.single_foreign_keys:
            if fk not in now:
                if fk.other_table == table.name or fk.other_table not in self.loaded:
                    self.later_references.append((table, fk))
                continue
            index = table.column_names.index(fk.column)
            for rowid, value in dangling[fk]:
                if rowid in flagged and flagged[rowid][index] is None:
                    continue  # the value itself is wrong: reported as such
                self.sink.add(rel, lines[rowid], fk.column, f"{value!r} is not an id in {fk.other_table} (expected an existing {fk.other_table}.id)")
                failed.add(rowid)

    def dangling(self, table, fk):
        """(rowid, value) of the rows whose value names no key of fk's table."""
        c = column(table.column_names.index(fk.column))
        sql = (f"select rowid, {c} from temp.{stage_name(table)} s where not ({missing_sql(c, table.missing_values)}) "
               f"and not exists (select 1 from {keys_name(fk.other_table)} k where k.id = s.{c}) order by rowid")
        return self.conn.execute(sql)

    def check_later_references(self):
        """The foreign keys that had to wait (the old pending list): in table order, by line."""
        for table, fks in self.grouped_later_references():
            rel = self.rel(self.data_dir / table.path)
            found = []
            for position, fk in enumerate(fks):
                if fk.other_table in self.unchecked or fk.other_table not in self.loaded:
                    continue
                index = table.column_names.index(fk.column)
                flagged = self.flagged.get(table.name, {})
                found += [(rowid, position, self.lines[table.name][rowid], fk, value) for rowid, value in self.dangling(table, fk)
                          if not (rowid in flagged and flagged[rowid][index] is None)]
            for _, _, line, fk, value in sorted(found, key=lambda item: item[:2]):
                self.report.add(rel, line, fk.column, f"{value!r} is not an id in {fk.other_table} (expected an existing {fk.other_table}.id)")

    def grouped_later_references(self):
        by_table = {}
        for table, fk in self.later_references:
            by_table.setdefault(table.name, (table, []))[1].append(fk)
        return by_table.values()

    def check_row_passages(self, table, rel, failed, spacing):
        """Passages that must be in the source the row names, or in another of its columns.
        Each distinct (source, passage) pair is looked up once, in Python (str.find is
        far faster than SQLite's instr over a long text); a passage in another column is
        looked for in SQL. Only the rows with a pair not found, or a passage SQL cannot
        vouch for, go through the row checks, which word the errors."""
        verbatim = self.row_verbatim_checks(table)
        if not verbatim:
            return
        self.sink.step = row_errors.PASSAGES
        names = table.column_names
        missing = table.missing_values
        stage = f"temp.{stage_name(table)}"
        doubtful = []
        for number, (index, other, _) in enumerate(verbatim):
            passage, where = column(index), column(other)
            if self.in_source(table, names[index]):
                pairs = f"temp.{quote_identifier(f'doubtful_pairs_{number}')}"
                self.conn.execute(f"create temp table if not exists {pairs} (source_id, passage, primary key (source_id, passage)) without rowid")
                self.conn.execute(f"delete from {pairs}")
                found = self.conn.execute(f"select distinct {where}, {passage} from {stage} where not ({missing_sql(passage, missing)})")
                self.conn.executemany(f"insert into {pairs} values (?, ?)",
                                      (pair for pair in found if not self.surely_in_source(*pair)))
                doubtful.append(f"exists (select 1 from {pairs} d where d.source_id = s.{where} and d.passage = s.{passage})")
            else:
                doubtful.append(f"(not ({missing_sql(passage, missing)}) and not ({missing_sql(where, missing)}) and "
                                f"({single_spaced_sql(passage, spacing)} or {maybe_not_in_text_sql(passage, where)}))")
        wanted = sorted({i for index, other, _ in verbatim for i in (index, other)})
        flagged = self.flagged.get(table.name, {})
        lines = self.lines[table.name]
        values = [None] * len(names)
        sql = f"select rowid, {', '.join(column(i) for i in wanted)} from {stage} s where {' or '.join(doubtful)} order by rowid"
        rows = self.conn.execute(sql).fetchall()
        if flagged:  # rows with a bad value are checked with the values as checked (None where wrong)
            rows = sorted(set(rows) | set(self.conn.execute(
                f"select rowid, {', '.join(column(i) for i in wanted)} from {stage} where rowid in ({', '.join(map(str, flagged))})")))
        for rowid, *texts in rows:
            if rowid in flagged:
                row = flagged[rowid]
            else:
                for i, text in zip(wanted, texts):
                    values[i] = None if text in missing else text
                row = values
            wrong = set()  # columns whose passage failed: not what another is checked against
            line = lines[rowid]
            for index, other, check in verbatim:
                if other not in wrong and not check(rel, line, row):
                    wrong.add(index)
                    failed.add(rowid)

    def in_source(self, table, name):
        field = table.field(name)
        return any(fk.columns == (field.verbatim,) and fk.other_table == "sources" for fk in table.foreign_keys)

    def surely_in_source(self, source_id, passage):
        """True if the pair passes passage_in_source: single-spaced and word for word in
        the source's text (or the source has no text: reported with the source)."""
        if source_id not in self.sources.texts:
            return True
        return is_normalized(passage) and self.sources.contains(source_id, passage)

    def note_failed_rows(self, table, failed):
        """Record the rows left out: for the INSERT, and for the checks of other rows."""
        if not failed:
            return
        self.conn.executemany("insert into temp.failed_rows values (?)", [(rowid,) for rowid in sorted(failed)])
        for _, *fields in self.conn.execute(f"select rowid, * from temp.{stage_name(table)} "
                                            "where rowid in (select rowid from temp.failed_rows) order by rowid"):
            self.note_failed(table, fields)

    def note_parents(self, table):
        """{id: parent id} of every row with a right key, as checked (None where wrong)."""
        names = table.column_names
        pk_index, parent_index = names.index(table.primary_key[0]), names.index(table.parent_key.column)
        flagged = self.flagged.get(table.name, {})
        missing = table.missing_values
        parents = self.parents[table.name] = {}
        for rowid, key, parent in self.conn.execute(
                f"select rowid, {column(pk_index)}, {column(parent_index)} from temp.{stage_name(table)} order by rowid"):
            if rowid in flagged:
                key, parent = flagged[rowid][pk_index], flagged[rowid][parent_index]
            elif parent in missing:
                parent = None
            if key is not None and key not in missing:
                parents[key] = parent

    def check_date_order(self, table, rel):
        """end_date on or after start_date, in the rows that are stored; the dates of
        self-referencing tables are kept to check sub-events against their parents."""
        self.sink.step = row_errors.DATES
        names = table.column_names
        key, start, end = (column(names.index(name)) for name in (table.primary_key[0], "start_date", "end_date"))
        missing = table.missing_values
        lines = self.lines[table.name]
        keep = table.parent_key is not None
        dates = self.dates.setdefault(table.name, {}) if keep else None
        order = "" if keep else f"and {end} < {start}"
        sql = (f"select rowid, {key}, {start}, {end} from temp.{stage_name(table)} "
               f"where rowid not in (select rowid from temp.failed_rows) and not ({missing_sql(start, missing)}) "
               f"and not ({missing_sql(end, missing)}) {order} order by rowid")
        for rowid, row_id, start_date, end_date in self.conn.execute(sql):
            self.note_dates(rel, lines[rowid], {"start_date": start_date, "end_date": end_date, "id": row_id}, "id", dates)

    def insert_with_derived_values(self, table, rel, checks):
        """The columns the build adds (a source's text, read from its file), in Python, into
        a temporary table that insert_rows joins: streamed, so no text stays in memory here."""
        self.sink.step = row_errors.DERIVED
        lines = self.lines[table.name]
        derived = ", ".join(f"d{index}" for index in range(len(table.derived_fields)))
        self.conn.execute("drop table if exists temp.derived_values")
        self.conn.execute(f"create temp table derived_values (rowid integer primary key, {derived})")
        rows = self.conn.execute(f"select rowid, * from temp.{stage_name(table)} "
                                 "where rowid not in (select rowid from temp.failed_rows) order by rowid")

        def values():
            for rowid, *fields in rows:
                checked = [check(text) for check, text in zip(checks, fields)]
                yield [rowid] + self.derived_values(table, rel, lines[rowid], checked)

        marks = ", ".join("?" for _ in range(len(table.derived_fields) + 1))
        self.conn.executemany(f"insert into temp.derived_values values ({marks})", values())

    def insert_rows(self, table, rel):
        """INSERT ... SELECT the rows without errors; rowid = the staged rowid, so the
        whole-table checks find each row's line. A duplicate key makes SQLite refuse the
        statement: the duplicates are then found, reported and left out."""
        while True:
            self.conn.execute("savepoint rows")
            try:
                self.insert_statement_run(table)
                self.conn.execute("release rows")
                return
            except sqlite3.IntegrityError:
                self.conn.execute("rollback to rows")
                self.conn.execute("release rows")
                if not self.leave_out_duplicates(table, rel):
                    raise

    def insert_statement_run(self, table):
        names = [field.name for field in table.stored_fields]
        values = [stored_sql(field, f"s.{column(index)}", table.missing_values) for index, field in enumerate(table.fields)]
        values += [f"d.d{index}" for index in range(len(table.derived_fields))]
        join = "join temp.derived_values d on d.rowid = s.rowid " if table.derived_fields else ""
        self.conn.execute(f"insert into {quote_identifier(table.name)} (rowid, {', '.join(map(quote_identifier, names))}) "
                          f"select s.rowid, {', '.join(values)} from temp.{stage_name(table)} s {join}"
                          f"where s.rowid not in (select rowid from temp.failed_rows) order by s.rowid")

    def leave_out_duplicates(self, table, rel):
        """Report each row whose key an earlier stored row has; True if any was found."""
        names = table.column_names
        keys = [stored_sql(table.field(name), column(names.index(name)), table.missing_values) for name in table.primary_key]
        sql = (f"select rowid, {', '.join(keys)} from (select rowid, *, row_number() over "
               f"(partition by {', '.join(keys)} order by rowid) as seen from temp.{stage_name(table)} "
               f"where rowid not in (select rowid from temp.failed_rows)) where seen > 1 order by rowid")
        duplicates = self.conn.execute(sql).fetchall()
        lines = self.lines[table.name]
        for rowid, *key in duplicates:
            row = dict(zip(table.primary_key, key))
            self.report_duplicate(table, [row.get(name) for name in names], lines[rowid], rel)
            self.note_failed(table, [str(row[name]) if name in row else "" for name in names])
        self.conn.executemany("insert into temp.failed_rows values (?)", [(rowid,) for rowid, *_ in duplicates])
        return bool(duplicates)

    def report_width(self, rel, line, fields, names, checks):
        if not fields:
            self.sink.add(rel, line, "row", f"blank line (expected {len(names)} fields: delete the line)")
        elif len(fields) > len(names):
            column = likely_unquoted_comma(fields, names, checks)
            self.sink.add(rel, line, "row", f"{len(fields)} fields (expected {len(names)}: {', '.join(names)}); "
                          f"most likely an unquoted comma in {column!r}: put that value in double quotes")
        else:
            self.sink.add(rel, line, "row", f"{len(fields)} fields (expected {len(names)}: {', '.join(names)})")

    @staticmethod
    def compile_check(table, field, max_bytes):
        """The field's check, remembering its results when values are likely to repeat:
        constrained short values (enums, patterns, dates), but not a table's own key."""
        check = compile_field(field, table.missing_values, max_bytes)
        unique = table.primary_key == (field.name,)
        repeats = field.type == "date" or "enum" in field.constraints or "pattern" in field.constraints
        return functools.lru_cache(maxsize=CHECK_CACHE_SIZE)(check) if repeats and not unique else check

    def check_fields(self, rel, line, names, checks, fields):
        """Check a row that has an error field by field, reporting each bad one (as None)."""
        values = []
        for name, check, text in zip(names, checks, fields):
            try:
                values.append(check(text))
            except ValueError as error:
                self.sink.add(rel, line, name, str(error))
                values.append(None)
        return values

    # -- passages that must be word for word somewhere ----------------------------

    def row_verbatim_checks(self, table):
        """(column index, index of the column it must be found in, check(rel, line, values) -> ok)
        per field whose passage must be in a source named by the row, or in another column of the row."""
        names = table.column_names
        checks = []
        for index, field in enumerate(table.fields):
            if field.verbatim is None or field.verbatim == "mentions":
                continue  # "mentions": checked once all mentions are in
            other = names.index(field.verbatim)
            in_source = any(fk.columns == (field.verbatim,) and fk.other_table == "sources" for fk in table.foreign_keys)
            check = self.passage_in_source if in_source else self.passage_in_column
            checks.append((index, other, functools.partial(check, names[index], index, other, names[other])))
        return checks

    def passage_in_source(self, column, index, source_index, _, rel, line, values):
        passage, source_id = values[index], values[source_index]
        if passage is None or source_id not in self.sources.texts:
            return True  # empty, or the source is missing (reported as a foreign key)
        if not self.is_single_spaced(rel, line, column, passage):
            return False
        if self.sources.contains(source_id, passage):
            return True
        self.sink.add(rel, line, column, f"not found in source {source_id!r} ({self.not_found_hint(passage, [source_id])})")
        return False

    def passage_in_column(self, column, index, other_index, other_name, rel, line, values):
        passage, text = values[index], values[other_index]
        if passage is None or text is None:
            return True
        if contains_words(normalize_space(text), normalize_space(passage)):
            return True
        self.sink.add(rel, line, column, f"{passage!r} is not in this row's {other_name} (expected it word for word there)")
        return False

    def is_single_spaced(self, rel, line, column, passage):
        if is_normalized(passage):
            return True
        # Stored as written, it must match the source's paragraphs
        # (source_paragraphs, the row_evidence query) as well.
        self.sink.add(rel, line, column, "has line breaks or repeated spaces "
                        "(expected words separated by single spaces, as in the other rows)")
        return False

    def not_found_hint(self, passage, source_ids):
        hint = "expected a passage copied word for word from the source"
        if self.sink.count >= self.sink.cap:
            return hint  # not shown anyway: spare the searches
        elsewhere = self.sources.find(passage, exclude=source_ids)
        if elsewhere:
            return hint + f"; it is word for word in source {elsewhere!r}: is the source_id right?"
        for source_id in source_ids:
            closest = self.sources.closest(source_id, passage)
            if closest:
                return hint + f"; closest passage: {closest!r}"
        return hint

    # -- rows ---------------------------------------------------------------

    def note_dates(self, rel, line, row, key_column, dates):
        if row["start_date"] is None or row["end_date"] is None:
            return  # an open-ended period (a membership with no end date)
        if row["end_date"] < row["start_date"]:
            self.sink.add(rel, line, "end_date", f"{row['end_date']} is before start_date {row['start_date']} (expected end_date on or after start_date)")
            return  # its children cannot be checked against it
        if dates is not None:
            dates[row[key_column]] = (row["start_date"], row["end_date"], line)

    def derived_values(self, table, rel, line, values):
        """The values of the columns the build adds: a source's text, read from its file."""
        row = dict(zip(table.column_names, values))
        return [self.read_text(table, rel, line, row, field) for field in table.derived_fields]

    def read_text(self, table, rel, line, row, field):
        name = row[field.read_from]
        path = self.data_dir / name
        folder = (self.data_dir / "sources").resolve()
        try:
            if folder not in path.resolve().parents:
                raise FileNotFoundError  # e.g. a symbolic link to a file elsewhere
            raw = path.read_bytes()
            if len(raw) > self.package.max_value_bytes:  # stored as is: its size in the database
                self.sink.add(rel, line, field.read_from, f"{name}: {too_long(len(raw), self.package.max_value_bytes)}")
                return None
            text = raw.decode("utf-8")
        except OSError as error:
            reason = error.strerror or "not a file inside it"
            self.sink.add(rel, line, field.read_from, f"{name!r} cannot be read: {reason} (expected a text file under {self.rel(folder)})")
            return None
        except UnicodeDecodeError as error:
            self.sink.add(rel, line, field.read_from, f"{name} byte {error.start + 1}: not UTF-8 (expected the source text as UTF-8)")
            return None
        for digest_field in table.fields:
            if digest_field.digest_of == field.read_from and row[digest_field.name] is not None:
                found = hashlib.sha256(raw).hexdigest()
                if found != row[digest_field.name]:
                    self.sink.add(rel, line, digest_field.name,
                                    f"{name} has SHA-256 {found}, not the recorded {row[digest_field.name]} (expected the text byte for "
                                    f"byte as published: restore the file, or if it was re-copied from the publisher on purpose, record the new hash)")
                    return None
        self.sources.add(row[table.primary_key[0]], text)
        return text

    def report_duplicate(self, table, values, line, rel):
        row = dict(zip(table.column_names, values))
        key = tuple(row[column] for column in table.primary_key)
        first = find_first_line(self.data_dir / table.path, table, key)
        shown = ", ".join(f"{column}={value!r}" for column, value in zip(table.primary_key, key))
        self.report.add(rel, line, "/".join(table.primary_key), f"duplicate primary key {shown}, first on line {first} (expected each key once)")

    # -- helpers ------------------------------------------------------------

    def note_failed(self, table, fields):
        """Remember a row that was not inserted: what it is, and what it names."""
        names = table.column_names
        positions = [names.index(column) for column in table.primary_key]
        if len(fields) > max(positions):
            self.failed.setdefault(table.name, set()).add("/".join(fields[i] for i in positions))
        if table.row_reference:
            ref = (names.index(table.row_reference.table_column), names.index(table.row_reference.row_column))
            if len(fields) > max(ref):
                self.failed_targets.setdefault(table.name, set()).add((fields[ref[0]], fields[ref[1]]))

    def line_of(self, table, rowid):
        """The CSV line of a stored row: it keeps its staged rowid, the record's number in the file."""
        return self.lines[table.name][rowid]

    @functools.cache
    def key_set(self, table_name):
        """A referenced table's keys, in memory: only to suggest the id a typo meant."""
        return frozenset(key for key, in self.conn.execute(f"select id from {keys_name(table_name)}"))

    def row_ids(self, table):
        """A table to look a mentions-style row id up in: the table itself when its key
        is one column (its primary key index), else a temporary table of joined keys
        (an expression over a compound key cannot use an index)."""
        if len(table.primary_key) == 1:
            return quote_identifier(table.name)
        name = quote_identifier(f"row_ids_{table.name}")
        key = quote_identifier(table.primary_key[0])
        self.db.execute(f"create temp table if not exists {name} ({key} text primary key) without rowid")
        self.db.execute(f"insert or ignore into {name} select {table.row_id_sql()} from {quote_identifier(table.name)}")
        return name

    def close_key(self, table, value):
        """The key a mistyped id most likely meant, when the table's keys are at hand and
        few enough to compare; else None."""
        if table.name not in self.package.referenced_tables or table.name not in self.loaded:
            return None
        keys = self.key_set(table.name)
        if self.report.count < self.report.cap and keys and len(keys) <= SUGGESTION_MAX_KEYS:
            close = difflib.get_close_matches(value, keys, n=1)
            return close[0] if close else None
        return None

    def suggestion(self, table, value):
        """', did you mean ...?' for a mistyped id (close_key); else an example of the id's form."""
        close = self.close_key(table, value)
        if close is not None:
            return f"; did you mean {close!r}?"
        found = self.db.execute(f"select {table.row_id_sql()} from {quote_identifier(table.name)} limit 1").fetchone()
        return f", e.g. {found[0]!r}" if found else ""

    def rel(self, path):
        try:
            return str(Path(path).relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def show_progress(self, name, count, started, done=False):
        if self.progress:
            self.progress(name, count, time.perf_counter() - started, done)
