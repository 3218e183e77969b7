"""Stream every CSV file through its checks into the build database.

One pass per file: each row is checked field by field, then inserted in
batches. Primary keys are enforced by SQLite itself (a failed batch is
retried row by row to name the line); single-column foreign keys are checked
against the key sets of the tables loaded before, which are kept in memory.
What needs whole tables (parent cycles, date ranges, compound foreign keys,
which row a mention names, rows without a mention, passages that must be in a
source that mentions the row) is checked once all rows are in, in SQL.
"""

import array
import csv
import difflib
import functools
import hashlib
import sqlite3
import time
from pathlib import Path

from .checks import compile_field, header_problems, likely_unquoted_comma, too_long
from .evidence import SourceTexts, contains_words, is_normalized, normalize_space
from .loader import insert_statement, quote_identifier
from .reader import CsvProblem, read_rows
from .schema import MENTIONS, ROW_ID_SEPARATOR

BATCH_SIZE = 10_000
# Checked values remembered per column: ids, slugs, enums and dates repeat
# from row to row (every row of a source names it), and a hit costs far less
# than a regular expression. Bounded, so memory does not grow with the data.
CHECK_CACHE_SIZE = 4096
SUGGESTION_MAX_KEYS = 50_000  # comparing a typo with more ids would take seconds per error
UNIT_SEPARATOR = "\x1f"  # joins source ids in group_concat; cannot occur in a slug
CSV_FIELD_LIMIT = 131_072  # Python's csv default


class Ingest:
    def __init__(self, package, data_dir, db, report, progress=None):
        self.package, self.data_dir, self.db, self.report = package, Path(data_dir), db, report
        self.progress = progress
        self.keys = {}  # table -> set of primary keys (tables single-column keys point at)
        self.parents = {}  # table -> {id: parent id} for self-referencing tables
        self.dates = {}  # table -> {id: (start, end, line)} for tables with start_date and end_date
        self.pending = []  # (table, line, column, other table, value): targets not yet loaded
        self.lines = {}  # table -> array: the CSV line of each inserted row, by rowid - 1
        self.sources = SourceTexts()
        self.files = []  # rows for the _build_files table
        self.loaded = set()  # tables whose key sets are complete
        self.unchecked = set()  # tables that could not be read whole: checks that need them are skipped
        # Rows left out for an error, so that checks of other rows do not report them again:
        self.failed = {}  # table -> ids (as mentions.row_id writes them) of rows not inserted
        self.failed_targets = {}  # table with x-rowReference -> (table_name, row_id) its failed rows named
        self.bad_references = set()  # (table, rowid) whose x-rowReference names no row

    # -- the whole dataset ------------------------------------------------

    def run(self):
        # Python's csv stops at 131,072 characters a field; a value up to the package's
        # limit must reach its check (and its message), and a little beyond, so that a
        # missing closing quote still stops the file early.
        csv.field_size_limit(max(CSV_FIELD_LIMIT, 4 * self.package.max_value_bytes + 1))
        self.db.execute("begin")
        for table in self.package.tables:
            self.load_table(table)
        self.db.execute("commit")
        self.check_pending_references()
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
        return self.files

    # -- one table ----------------------------------------------------------

    def load_table(self, table):
        path = self.data_dir / table.path
        if not path.is_file():
            self.report.add(self.rel(path), None, "file", f"not found (expected the CSV file for table {table.name!r})")
            self.unchecked.add(table.name)
            return
        checks = [self.compile_check(table, field, self.package.max_value_bytes) for field in table.fields]
        width = len(checks)
        names = table.column_names
        references = self.reference_checks(table)
        verbatim = self.row_verbatim_checks(table)
        keep_keys = table.name in self.package.referenced_tables
        pk_index = names.index(table.primary_key[0]) if keep_keys else None
        parent_index = names.index(table.parent_key.column) if table.parent_key else None
        keys = self.keys.setdefault(table.name, set()) if keep_keys else None
        parents = self.parents.setdefault(table.name, {}) if parent_index is not None else None
        dated = {"start_date", "end_date"} <= set(names)
        dates = self.dates.setdefault(table.name, {}) if dated else None
        sql = insert_statement(table)
        lines_inserted = self.lines.setdefault(table.name, array.array("I"))  # 4 bytes a row
        digest = hashlib.sha256()
        batch, lines, count = [], [], 0
        started = time.perf_counter()
        rel = self.rel(path)
        try:
            rows = read_rows(path, digest)
            header_line, header = next(rows, (1, []))
            problems = header_problems(names, header)
            for problem in problems:
                self.report.add(rel, header_line, "header", problem)
            if problems:
                self.unchecked.add(table.name)
                return
            for line, fields in rows:
                count += 1
                if len(fields) != width:
                    self.report_width(rel, line, fields, names, checks)
                    if keep_keys and len(fields) > pk_index:
                        keys.add(fields[pk_index])  # so that its children are not reported too
                    self.note_failed(table, fields)
                    continue
                try:
                    values, ok = [check(text) for check, text in zip(checks, fields)], True
                except ValueError:
                    values, ok = self.check_fields(rel, line, names, checks, fields), False
                for index, other, target in references:
                    value = values[index]
                    if value is not None and value not in target and other not in self.unchecked:
                        if other == table.name or other not in self.loaded:
                            self.pending.append((table.name, rel, line, names[index], other, value))
                        else:
                            self.report.add(rel, line, names[index], f"{value!r} is not an id in {other} (expected an existing {other}.id)")
                            ok = False
                wrong = set()  # columns whose passage failed: not what another is checked against
                for index, other, check in verbatim:
                    if other not in wrong and not check(rel, line, values):
                        wrong.add(index)
                        ok = False
                # Keep the key even of a row with errors, so that its children
                # are not reported as dangling too.
                if keep_keys and values[pk_index] is not None:
                    keys.add(values[pk_index])
                    if parents is not None:
                        parents[values[pk_index]] = values[parent_index]
                if not ok:
                    self.note_failed(table, fields)
                    continue
                if dated:
                    self.note_dates(rel, line, dict(zip(names, values)), table.primary_key[0], dates)
                if table.derived_fields:
                    values += self.derived_values(table, rel, line, values)
                batch.append(values)
                lines.append(line)
                if len(batch) >= BATCH_SIZE:
                    self.insert(table, sql, batch, lines, rel, lines_inserted)
                    batch, lines = [], []
                    self.show_progress(table.name, count, started)
            self.insert(table, sql, batch, lines, rel, lines_inserted)
        except CsvProblem as problem:
            self.report.add(rel, problem.line, problem.column, problem.message)
            self.unchecked.add(table.name)
        self.loaded.add(table.name)
        self.show_progress(table.name, count, started, done=True)
        self.files.append({"path": table.path, "sha256": digest.hexdigest(), "bytes": path.stat().st_size, "rows": count})

    def report_width(self, rel, line, fields, names, checks):
        if not fields:
            self.report.add(rel, line, "row", f"blank line (expected {len(names)} fields: delete the line)")
        elif len(fields) > len(names):
            column = likely_unquoted_comma(fields, names, checks)
            self.report.add(rel, line, "row", f"{len(fields)} fields (expected {len(names)}: {', '.join(names)}); "
                            f"most likely an unquoted comma in {column!r}: put that value in double quotes")
        else:
            self.report.add(rel, line, "row", f"{len(fields)} fields (expected {len(names)}: {', '.join(names)})")

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
                self.report.add(rel, line, name, str(error))
                values.append(None)
        return values

    def reference_checks(self, table):
        """(column index, other table, key set) for each single-column foreign key of the table."""
        names = table.column_names
        checks = []
        for fk in table.single_foreign_keys:
            target = self.keys.setdefault(fk.other_table, set())
            checks.append((names.index(fk.column), fk.other_table, target))
        return checks

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
        self.report.add(rel, line, column, f"not found in source {source_id!r} ({self.not_found_hint(passage, [source_id])})")
        return False

    def passage_in_column(self, column, index, other_index, other_name, rel, line, values):
        passage, text = values[index], values[other_index]
        if passage is None or text is None:
            return True
        if contains_words(normalize_space(text), normalize_space(passage)):
            return True
        self.report.add(rel, line, column, f"{passage!r} is not in this row's {other_name} (expected it word for word there)")
        return False

    def is_single_spaced(self, rel, line, column, passage):
        if is_normalized(passage):
            return True
        # Stored as written, it must match the source's paragraphs
        # (source_paragraphs, the row_evidence query) as well.
        self.report.add(rel, line, column, "has line breaks or repeated spaces "
                        "(expected words separated by single spaces, as in the other rows)")
        return False

    def not_found_hint(self, passage, source_ids):
        hint = "expected a passage copied word for word from the source"
        if self.report.count >= self.report.cap:
            return hint  # not shown anyway: spare the searches
        elsewhere = self.sources.find(passage, exclude=source_ids)
        if elsewhere:
            return hint + f"; it is word for word in source {elsewhere!r}: is the source_id right?"
        for source_id in source_ids:
            closest = self.sources.closest(source_id, passage)
            if closest:
                return hint + f"; closest passage: {closest!r}"
        return hint

    def check_verbatim_in_mentioning_sources(self, table, field):
        """field's value must be word for word in at least one source that mentions
        the row (or, for names, the row the name belongs to)."""
        if {table.name, MENTIONS, "sources"} & self.unchecked:
            return
        if table.row_reference:
            on = (f"m.table_name = t.{quote_identifier(table.row_reference.table_column)} "
                  f"and m.row_id = t.{quote_identifier(table.row_reference.row_column)}")
        else:
            on = f"m.table_name = '{table.name}' and m.row_id = {table.row_id_sql('t')}"
        column = quote_identifier(field.name)
        sql = (f"select t.rowid, t.{column}, group_concat(m.source_id, char(31)) from {quote_identifier(table.name)} t "
               f"left join {MENTIONS} m on {on} where t.{column} is not null group by t.rowid order by t.rowid")
        rel = self.rel(self.data_dir / table.path)
        for rowid, passage, source_ids in self.db.execute(sql):
            sources = sorted(source_ids.split(UNIT_SEPARATOR)) if source_ids else []  # group_concat has no set order
            if not sources:
                continue  # reported as a row without a mention
            line = self.line_of(table, rowid)
            if not self.is_single_spaced(rel, line, field.name, passage):
                continue
            sources = [source_id for source_id in sources if source_id in self.sources.texts]
            if not sources:
                continue  # no readable text: reported with the source
            if any(self.sources.contains(source_id, passage) for source_id in sources):
                continue
            shown = ", ".join(map(repr, sources))
            self.report.add(rel, line, field.name, f"not found in the source(s) that mention this row, {shown} "
                            f"({self.not_found_hint(passage, sources)})")

    # -- checks once every table is in --------------------------------------------

    def check_pending_references(self):
        for table, rel, line, column, other, value in self.pending:
            if other not in self.unchecked and value not in self.keys.get(other, ()):
                self.report.add(rel, line, column, f"{value!r} is not an id in {other} (expected an existing {other}.id)")

    def check_compound_key(self, table, fk):
        """A multi-column foreign key: an anti-join over the target's primary key index."""
        if {table.name, fk.other_table} & self.unchecked:
            return
        pairs = " and ".join(f"o.{quote_identifier(b)} = t.{quote_identifier(a)}" for a, b in zip(fk.columns, fk.other_columns))
        filled = " and ".join(f"t.{quote_identifier(a)} is not null" for a in fk.columns)
        sql = (f"select t.rowid, {', '.join('t.' + quote_identifier(a) for a in fk.columns)} from {quote_identifier(table.name)} t "
               f"where {filled} and not exists (select 1 from {quote_identifier(fk.other_table)} o where {pairs}) order by t.rowid")
        rel = self.rel(self.data_dir / table.path)
        wanted = ", ".join(f"{b}" for b in fk.other_columns)
        failed = self.failed.get(fk.other_table, set())
        for rowid, *values in self.db.execute(sql):
            if (table.name, rowid) in self.bad_references:
                continue  # already reported: it names no row at all
            if ROW_ID_SEPARATOR.join(values) in failed:
                continue  # the row it names was left out for an error of its own (fk.other_columns is its primary key)
            shown = ", ".join(f"{a}={v!r}" for a, v in zip(fk.columns, values))
            self.report.add(rel, self.line_of(table, rowid), fk.columns[-1],
                            f"{shown} is not in {fk.other_table} (expected a row of {fk.other_table}.csv with the same {wanted}: add it there)")

    def check_row_reference(self, table):
        """table_name must be a sourced table and row_id one of its rows."""
        if table.name in self.unchecked:
            return
        ref = table.row_reference
        table_column, row_column = quote_identifier(ref.table_column), quote_identifier(ref.row_column)
        rel = self.rel(self.data_dir / table.path)
        sourced = {t.name: t for t in self.package.sourced_tables}
        listing = ", ".join(sourced)
        bad_table = (f"select rowid, {table_column} from {quote_identifier(table.name)} "
                     f"where {table_column} not in ({', '.join('?' for _ in sourced)}) order by rowid")
        for rowid, value in self.db.execute(bad_table, list(sourced)):
            self.bad_references.add((table.name, rowid))
            self.report.add(rel, self.line_of(table, rowid), ref.table_column,
                            f"{value!r} is not a table with sources (expected one of: {listing})")
        for name, target in sourced.items():
            if name in self.unchecked:
                continue
            ids = self.row_ids(target)
            sql = (f"select rowid, {row_column} from {quote_identifier(table.name)} t where {table_column} = ? "
                   f"and not exists (select 1 from {ids} o where o.{quote_identifier(target.primary_key[0])} = t.{row_column}) order by rowid")
            for rowid, value in self.db.execute(sql, [name]):
                self.bad_references.add((table.name, rowid))
                if value in self.failed.get(name, ()):
                    continue  # the row exists but has an error of its own
                meant = self.close_key(target, value)
                if meant is not None:
                    self.failed_targets.setdefault(table.name, set()).add((name, meant))
                self.report.add(rel, self.line_of(table, rowid), ref.row_column,
                                f"{value!r} is not a row of {name} (expected its {'/'.join(target.primary_key)}"
                                f"{self.suggestion(target, value)})")

    def check_has_mention(self, table):
        """Every row of a sourced table is supported by at least one mention."""
        if {table.name, MENTIONS} & self.unchecked:
            return
        sql = (f"select t.rowid, {table.row_id_sql('t')} from {quote_identifier(table.name)} t where not exists "
               f"(select 1 from {MENTIONS} m where m.table_name = ? and m.row_id = {table.row_id_sql('t')}) order by t.rowid")
        rel = self.rel(self.data_dir / table.path)
        failed_mentions = self.failed_targets.get(MENTIONS, set())
        for rowid, row_id in self.db.execute(sql, [table.name]):
            if (table.name, row_id) in failed_mentions:
                continue  # its mention has an error of its own
            self.report.add(rel, self.line_of(table, rowid), "row",
                            f"no source supports this row (expected a row in {MENTIONS}.csv with table_name {table.name!r}, "
                            f"row_id {row_id!r}, the source_id and the passage that says so)")

    def check_parent_cycles(self, table):
        parents = self.parents.get(table.name, {})
        settled = set()
        for start in parents:
            path, node = [], start
            seen_on_path = set()
            while node is not None and node not in settled:
                if node in seen_on_path:
                    cycle = path[path.index(node):] + [node]
                    line = find_first_line(self.data_dir / table.path, table, (node,))
                    self.report.add(self.rel(self.data_dir / table.path), line, table.parent_key.column,
                                    f"parent cycle {' → '.join(cycle)} (expected a hierarchy without loops)")
                    break
                seen_on_path.add(node)
                path.append(node)
                node = parents.get(node)
            settled.update(path)

    def check_dates_within_parents(self, table):
        rel = self.rel(self.data_dir / table.path)
        dates = self.dates[table.name]
        for row_id, parent_id in self.parents[table.name].items():
            if parent_id not in dates or row_id not in dates:
                continue  # no parent, or dates already reported as wrong
            start, end, line = dates[row_id]
            parent_start, parent_end, _ = dates[parent_id]
            if start < parent_start or end > parent_end:
                self.report.add(rel, line, "start_date/end_date",
                                f"{start}..{end} lies outside its parent {parent_id!r} ({parent_start}..{parent_end}) (expected a sub-event within its parent's dates)")

    # -- rows ---------------------------------------------------------------

    def note_dates(self, rel, line, row, key_column, dates):
        if row["start_date"] is None or row["end_date"] is None:
            return  # an open-ended period (a membership with no end date)
        if row["end_date"] < row["start_date"]:
            self.report.add(rel, line, "end_date", f"{row['end_date']} is before start_date {row['start_date']} (expected end_date on or after start_date)")
            return  # its children cannot be checked against it
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
                self.report.add(rel, line, field.read_from, f"{name}: {too_long(len(raw), self.package.max_value_bytes)}")
                return None
            text = raw.decode("utf-8")
        except OSError as error:
            reason = error.strerror or "not a file inside it"
            self.report.add(rel, line, field.read_from, f"{name!r} cannot be read: {reason} (expected a text file under {self.rel(folder)})")
            return None
        except UnicodeDecodeError as error:
            self.report.add(rel, line, field.read_from, f"{name} byte {error.start + 1}: not UTF-8 (expected the source text as UTF-8)")
            return None
        for digest_field in table.fields:
            if digest_field.digest_of == field.read_from and row[digest_field.name] is not None:
                found = hashlib.sha256(raw).hexdigest()
                if found != row[digest_field.name]:
                    self.report.add(rel, line, digest_field.name,
                                    f"{name} has SHA-256 {found}, not the recorded {row[digest_field.name]} (expected the text byte for "
                                    f"byte as published: restore the file, or if it was re-copied from the publisher on purpose, record the new hash)")
                    return None
        self.sources.add(row[table.primary_key[0]], text)
        return text

    def insert(self, table, sql, batch, lines, rel, lines_inserted):
        if not batch:
            return
        conn = self.db.conn
        conn.execute("savepoint batch")
        try:
            conn.executemany(sql, batch)
            lines_inserted.extend(lines)
        except sqlite3.IntegrityError:
            # Find which rows broke the primary key, one at a time.
            conn.execute("rollback to batch")
            for values, line in zip(batch, lines):
                try:
                    conn.execute(sql, values)
                    lines_inserted.append(line)
                except sqlite3.IntegrityError:
                    self.report_duplicate(table, values, line, rel)
                    self.note_failed(table, [str(value) if value is not None else "" for value in values])
        conn.execute("release batch")

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
        """The CSV line of an inserted row: rows are inserted in file order into a new
        table, so rowid n is the n-th row inserted."""
        return self.lines[table.name][rowid - 1]

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
        keys = self.keys.get(table.name)
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


def find_first_line(path, table, key):
    """Line of the first row with this primary key: a second pass, run only for errors."""
    indexes = [table.column_names.index(column) for column in table.primary_key]
    for line, fields in read_rows(path):
        if line > 1 and len(fields) == len(table.column_names) and tuple(fields[i] for i in indexes) == tuple(str(k) for k in key):
            return line
    return None
