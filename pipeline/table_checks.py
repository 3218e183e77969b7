"""The checks that need whole tables, run in SQL once every table is in.

Compound foreign keys, which row a mention names, rows without a mention,
passages that must be in a source that mentions their row, parent cycles
and sub-events within their parents' dates. A mixin of ingest.Ingest: the
checks read its state (the failed rows, the line of each rowid, the report).
"""

from .loader import quote_identifier
from .reader import read_rows
from .schema import MENTIONS, ROW_ID_SEPARATOR

UNIT_SEPARATOR = "\x1f"  # joins source ids in group_concat; cannot occur in a slug


class TableChecks:
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


def find_first_line(path, table, key):
    """Line of the first row with this primary key: a second pass, run only for errors."""
    indexes = [table.column_names.index(column) for column in table.primary_key]
    for line, fields in read_rows(path):
        if line > 1 and len(fields) == len(table.column_names) and tuple(fields[i] for i in indexes) == tuple(str(k) for k in key):
            return line
    return None
