"""Stream every CSV file through its checks into the build database.

One pass per file: each row is checked field by field, then inserted in
batches. Primary keys are enforced by SQLite itself (a failed batch is
retried row by row to name the line); foreign keys are checked against the
key sets of the tables loaded before, which are the only things kept in
memory. Parent cycles and date ranges are checked once all rows are in.
"""

import functools
import hashlib
import sqlite3
import time
from pathlib import Path

from .checks import compile_field, header_problems
from .evidence import SourceTexts, is_normalized
from .loader import insert_statement
from .reader import CsvProblem, read_rows

BATCH_SIZE = 10_000
# Checked values remembered per column: ids, slugs, enums and dates repeat
# from row to row (every row of a source names it), and a hit costs far less
# than a regular expression. Bounded, so memory does not grow with the data.
CHECK_CACHE_SIZE = 4096
# Passages that must appear word for word in the row's source text.
VERBATIM = {("*", "evidence"), ("quotes", "text")}


class Ingest:
    def __init__(self, package, data_dir, db, report, progress=None):
        self.package, self.data_dir, self.db, self.report = package, Path(data_dir), db, report
        self.progress = progress
        self.keys = {}  # table -> set of primary keys (referenced tables only)
        self.parents = {}  # table -> {id: parent id} for self-referencing tables
        self.dates = {}  # table -> {id: (start, end, line)} for tables with start_date and end_date
        self.pending = []  # (table, line, column, other table, value): targets not yet loaded
        self.sources = SourceTexts()
        self.files = []  # rows for the _build_files table
        self.loaded = set()  # tables whose key sets are complete
        self.unchecked = set()  # tables that could not be read whole: references to them are not checked

    # -- the whole dataset ------------------------------------------------

    def run(self):
        self.db.execute("begin")
        for table in self.package.tables:
            self.load_table(table)
        self.db.execute("commit")
        self.check_pending_references()
        for table in self.package.tables:
            if table.parent_key:
                self.check_parent_cycles(table)
                if table.name in self.dates:
                    self.check_dates_within_parents(table)
        return self.files

    # -- one table ----------------------------------------------------------

    def load_table(self, table):
        path = self.data_dir / table.path
        if not path.is_file():
            self.report.add(self.rel(path), None, "file", f"not found (expected the CSV file for table {table.name!r})")
            self.unchecked.add(table.name)
            return
        checks = [self.compile_check(table, field) for field in table.fields]
        width = len(checks)
        names = table.column_names
        references = self.reference_checks(table)
        verbatim = [i for i, name in enumerate(names) if ("*", name) in VERBATIM or (table.name, name) in VERBATIM]
        source_column = names.index("source_id") if "source_id" in names and verbatim else None
        keep_keys = table.name in self.package.referenced_tables
        pk_index = names.index(table.primary_key[0]) if keep_keys else None
        parent_index = names.index(table.parent_key.column) if table.parent_key else None
        keys = self.keys.setdefault(table.name, set()) if keep_keys else None
        parents = self.parents.setdefault(table.name, {}) if parent_index is not None else None
        dated = {"start_date", "end_date"} <= set(names)
        dates = self.dates.setdefault(table.name, {}) if dated else None
        sql = insert_statement(table)
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
                    self.report_width(rel, line, fields, names)
                    if keep_keys and len(fields) > pk_index:
                        keys.add(fields[pk_index])  # so that its children are not reported too
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
                if source_column is not None and values[source_column] in self.sources.texts:
                    ok &= self.check_verbatim(rel, line, names, values, verbatim, source_column)
                # Keep the key even of a row with errors, so that its children
                # are not reported as dangling too.
                if keep_keys and values[pk_index] is not None:
                    keys.add(values[pk_index])
                    if parents is not None:
                        parents[values[pk_index]] = values[parent_index]
                if not ok:
                    continue
                if dated:
                    self.note_dates(rel, line, dict(zip(names, values)), table.primary_key[0], dates)
                if table.name == "sources":
                    values.append(self.read_source_text(rel, line, values))
                batch.append(values)
                lines.append(line)
                if len(batch) >= BATCH_SIZE:
                    self.insert(table, sql, batch, lines, rel)
                    batch, lines = [], []
                    self.show_progress(table.name, count, started)
            self.insert(table, sql, batch, lines, rel)
        except CsvProblem as problem:
            self.report.add(rel, problem.line, problem.column, problem.message)
            self.unchecked.add(table.name)
        self.loaded.add(table.name)
        self.show_progress(table.name, count, started, done=True)
        self.files.append({"path": table.path, "sha256": digest.hexdigest(), "bytes": path.stat().st_size, "rows": count})

    def report_width(self, rel, line, fields, names):
        if not fields:
            self.report.add(rel, line, "row", f"blank line (expected {len(names)} fields: delete the line)")
        else:
            self.report.add(rel, line, "row", f"{len(fields)} fields (expected {len(names)}: {', '.join(names)})")

    @staticmethod
    def compile_check(table, field):
        """The field's check, remembering its results when values are likely to repeat:
        constrained short values (enums, patterns, dates), but not a table's own key."""
        check = compile_field(field, table.missing_values)
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
        """(column index, other table, key set) for each foreign key of the table."""
        names = table.column_names
        checks = []
        for fk in table.foreign_keys:
            target = self.keys.setdefault(fk.other_table, set())
            checks.append((names.index(fk.column), fk.other_table, target))
        return checks

    def check_verbatim(self, rel, line, names, values, verbatim, source_column):
        source_id = values[source_column]
        ok = True
        for index in verbatim:
            passage = values[index]
            if passage is None:
                continue
            if not is_normalized(passage):
                # Stored as written, it must match the source's paragraphs
                # (source_paragraphs, the row_evidence query) as well.
                self.report.add(rel, line, names[index], "has line breaks or repeated spaces "
                                "(expected words separated by single spaces, as in the other rows)")
                ok = False
                continue
            if self.sources.contains(source_id, passage):
                continue
            ok = False
            hint = "expected a passage copied word for word from the source"
            if self.report.count < self.report.cap:
                closest = self.sources.closest(source_id, passage)
                if closest:
                    hint += f"; closest passage: {closest!r}"
            self.report.add(rel, line, names[index], f"not found in source {source_id!r} ({hint})")
        return ok

    def note_dates(self, rel, line, row, key_column, dates):
        if row["end_date"] < row["start_date"]:
            self.report.add(rel, line, "end_date", f"{row['end_date']} is before start_date {row['start_date']} (expected end_date on or after start_date)")
            return  # its children cannot be checked against it
        dates[row[key_column]] = (row["start_date"], row["end_date"], line)

    def read_source_text(self, rel, line, values):
        row = dict(zip(self.package.table("sources").column_names, values))
        path = self.data_dir / row["path"]
        folder = (self.data_dir / "sources").resolve()
        try:
            if folder not in path.resolve().parents:
                raise FileNotFoundError  # e.g. a symbolic link to a file elsewhere
            text = path.read_bytes().decode("utf-8")
        except OSError as error:
            reason = error.strerror or "not a file inside it"
            self.report.add(rel, line, "path", f"{row['path']!r} cannot be read: {reason} (expected a text file under {self.rel(folder)})")
            return None
        except UnicodeDecodeError as error:
            self.report.add(rel, line, "path", f"{row['path']} byte {error.start + 1}: not UTF-8 (expected the source text as UTF-8)")
            return None
        self.sources.add(row["id"], text)
        return text

    def insert(self, table, sql, batch, lines, rel):
        if not batch:
            return
        conn = self.db.conn
        conn.execute("savepoint batch")
        try:
            conn.executemany(sql, batch)
        except sqlite3.IntegrityError:
            # Find which rows broke the primary key, one at a time.
            conn.execute("rollback to batch")
            for values, line in zip(batch, lines):
                try:
                    conn.execute(sql, values)
                except sqlite3.IntegrityError:
                    self.report_duplicate(table, values, line, rel)
        conn.execute("release batch")

    def report_duplicate(self, table, values, line, rel):
        row = dict(zip(table.column_names, values))
        key = tuple(row[column] for column in table.primary_key)
        first = find_first_line(self.data_dir / table.path, table, key)
        shown = ", ".join(f"{column}={value!r}" for column, value in zip(table.primary_key, key))
        self.report.add(rel, line, "/".join(table.primary_key), f"duplicate primary key {shown}, first on line {first} (expected each key once)")

    # -- checks that need whole tables ----------------------------------------

    def check_pending_references(self):
        for table, rel, line, column, other, value in self.pending:
            if other not in self.unchecked and value not in self.keys.get(other, ()):
                self.report.add(rel, line, column, f"{value!r} is not an id in {other} (expected an existing {other}.id)")

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

    # -- helpers ------------------------------------------------------------

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
