"""Break a copy of data/ on purpose, choosing what to break from the data package.

Every column, key and constraint a test breaks is looked up in the copy's own
datapackage.json (a required column, an enum column, a foreign key, single or
compound, the x- properties: which tables need mentions, which columns are
verbatim...), so the bad inputs follow the package as it changes instead of a
second, hand-written schema. The helpers also say on which physical line each
row ends up, so that a test can expect the exact `file:line: column:` of the error.
"""

import csv
import datetime
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

BOM = b"\xef\xbb\xbf"
MENTIONS = "mentions"  # the table that says which source supports which row (DESIGN: the model)
ROW_ID_SEPARATOR = "/"  # joins a compound key's parts in mentions.row_id


def as_list(value):
    return [value] if isinstance(value, str) else list(value or [])


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    other: str  # the table it points at
    other_columns: tuple[str, ...]

    @property
    def column(self):
        """The column of a single-column key."""
        assert len(self.columns) == 1, self
        return self.columns[0]


class DataDir:
    """A writable copy of data/, read and rewritten table by table."""

    def __init__(self, root):
        self.root = Path(root)
        self.package = json.loads((self.root / "datapackage.json").read_text(encoding="utf-8"))
        self.resources = {resource["name"]: resource for resource in self.package["resources"]}

    # -- the package --------------------------------------------------------

    def fields(self, table):
        return self.resources[table]["schema"]["fields"]

    def derived_fields(self, table):
        """The columns the build adds to the table (x-derivedFields: sources.text)."""
        return self.resources[table].get("x-derivedFields", [])

    def stored_fields(self, table):
        """The columns of the built table, in order: the CSV's, then the derived ones."""
        return self.fields(table) + self.derived_fields(table)

    def field(self, table, column):
        return next(field for field in self.stored_fields(table) if field["name"] == column)

    def columns(self, table):
        return [field["name"] for field in self.fields(table)]

    def primary_key(self, table):
        return as_list(self.resources[table]["schema"].get("primaryKey"))

    def foreign_keys(self, table):
        """Every foreign key of the table, single-column and compound."""
        return [ForeignKey(tuple(as_list(fk["fields"])), fk["reference"]["resource"] or table,
                           tuple(as_list(fk["reference"]["fields"])))
                for fk in self.resources[table]["schema"].get("foreignKeys", [])]

    def single_foreign_keys(self, table):
        return [fk for fk in self.foreign_keys(table) if len(fk.columns) == 1]

    def compound_foreign_keys(self, table):
        return [fk for fk in self.foreign_keys(table) if len(fk.columns) > 1]

    def foreign_key_columns(self, table):
        return {column for fk in self.foreign_keys(table) for column in fk.columns}

    def parent_column(self, table):
        return next((fk.column for fk in self.single_foreign_keys(table) if fk.other == table), None)

    def referenced_tables(self):
        return {fk.other for table in self.resources for fk in self.foreign_keys(table) if fk.other != table}

    def keys_pointed_at(self, table):
        """The keys of `table` that another table's compound foreign key holds (the
        mentions a names row cites), as tuples."""
        return {tuple(row[column] for column in fk.columns)
                for other in self.resources for fk in self.compound_foreign_keys(other) if fk.other == table
                for row in self.rows(other)}

    def leaf_table(self):
        """The first table no other table points at: breaking it cannot make others fail too."""
        return next(name for name in self.resources if name not in self.referenced_tables())

    def first_field(self, predicate):
        """(table, field) of the first field, in package order, for which predicate(table, field) holds."""
        for table in self.resources:
            for field in self.fields(table):
                if predicate(table, field):
                    return table, field
        raise LookupError("no field of the data package fits")

    def sourced_tables(self):
        """The tables whose every row needs a mention (x-sourced), in package order."""
        return [name for name, resource in self.resources.items() if resource.get("x-sourced")]

    def row_reference(self, table):
        """(table column, row column) of an x-rowReference table (mentions, names), else None."""
        reference = self.resources[table].get("x-rowReference")
        return (reference["table"], reference["row"]) if reference else None

    def verbatim(self, table, column):
        return self.field(table, column).get("x-verbatim")

    def searched_columns(self, table):
        return [field["name"] for field in self.stored_fields(table) if field.get("x-searched")]

    def indexed_columns(self, table):
        return [field["name"] for field in self.stored_fields(table) if field.get("x-indexed")]

    def save_package(self):
        """Write self.package back, after a test changed it."""
        (self.root / "datapackage.json").write_text(json.dumps(self.package, indent=2), encoding="utf-8")

    # -- the files ------------------------------------------------------------

    def path(self, table):
        return self.root / self.resources[table]["path"]

    def shown(self, table):
        """The file as the build names it when run from the directory holding the copy."""
        return f"{self.root.name}/{self.resources[table]['path']}"

    def read(self, table):
        with open(self.path(table), newline="", encoding="utf-8-sig") as handle:
            header, *rows = list(csv.reader(handle))
        return header, rows

    def write(self, table, header, rows):
        """Write the table; return the physical line each data row starts on."""
        lines, line, out = [], 2, io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            lines.append(line)
            before = out.tell()
            writer.writerow(row)
            line += out.getvalue()[before:].count("\n")
        self.path(table).write_text(out.getvalue(), encoding="utf-8")
        return lines

    def rows(self, table):
        """Data rows as dicts."""
        header, rows = self.read(table)
        return [dict(zip(header, row)) for row in rows]

    def lines(self, table):
        """The physical line each data row starts on, as the file is now (a quoted
        value may span lines)."""
        read = 0

        def counted(handle):
            nonlocal read
            for text in handle:
                read += 1
                yield text

        with open(self.path(table), newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(counted(handle))
            next(reader)  # the header
            starts, start = [], read + 1
            for _ in reader:
                starts.append(start)
                start = read + 1
        return starts

    def index(self, table, **values):
        """The index (from 0) of the first data row with these values."""
        return next(i for i, row in enumerate(self.rows(table)) if all(row[k] == v for k, v in values.items()))

    def set(self, table, index, column, value):
        """Set one cell of data row `index` (from 0); return the row's line."""
        header, rows = self.read(table)
        rows[index][header.index(column)] = value
        return self.write(table, header, rows)[index]

    def edit_rows(self, table, change):
        """Replace the rows by change(rows); return the lines of the new rows."""
        header, rows = self.read(table)
        return self.write(table, header, change(rows))

    def remove_rows(self, table, predicate):
        """Delete the data rows (as dicts) for which predicate(row) holds."""
        header, rows = self.read(table)
        self.write(table, header, [row for row in rows if not predicate(dict(zip(header, row)))])

    def append_row(self, table, row):
        """Append a row given as a dict; return its line."""
        header, rows = self.read(table)
        return self.write(table, header, rows + [[row.get(column, "") for column in header]])[-1]

    def edit_header(self, table, change):
        header, rows = self.read(table)
        self.write(table, change(list(header)), rows)

    def append_line(self, table, text):
        """Append one raw line; return its line number."""
        content = self.path(table).read_bytes()
        self.path(table).write_bytes(content + text.encode("utf-8") + b"\n")
        return content.count(b"\n") + 1

    def unquote(self, table, index, column):
        """Write row `index`'s value in `column` without the double quotes its comma
        needs, as an editor who forgot them would; return the row's line."""
        header, rows = self.read(table)
        placeholder = "UNQUOTED-VALUE-PLACEHOLDER"
        value, rows[index][header.index(column)] = rows[index][header.index(column)], placeholder
        assert "," in value and '"' not in value and "\n" not in value, value
        line = self.write(table, header, rows)[index]
        text = self.path(table).read_text(encoding="utf-8")
        self.path(table).write_text(text.replace(placeholder, value), encoding="utf-8")
        return line

    # -- sources and mentions -----------------------------------------------------

    def row_id(self, table, row):
        """The row's id as mentions.row_id writes it: its primary key, parts joined by '/'."""
        return ROW_ID_SEPARATOR.join(row[column] for column in self.primary_key(table))

    def mentions_of(self, table, row_id):
        """The mentions that support one row."""
        return [m for m in self.rows(MENTIONS) if (m["table_name"], m["row_id"]) == (table, row_id)]

    def mentioning_sources(self, table, row):
        """The source ids of the mentions of `row`; for a row of an x-rowReference table
        (names), of the row it references."""
        reference = self.row_reference(table)
        target = (row[reference[0]], row[reference[1]]) if reference else (table, self.row_id(table, row))
        return [m["source_id"] for m in self.mentions_of(*target)]

    def source_text(self, source_id):
        (source,) = [row for row in self.rows("sources") if row["id"] == source_id]
        return (self.root / source["path"]).read_text(encoding="utf-8")

    def add_source(self, source_id, text):
        """Add a source: its text under sources/ and a sources.csv row (a copy of the
        first source's, with its own id, title, path and SHA-256, and no address)."""
        first = self.rows("sources")[0]
        path = f"sources/{source_id}.txt"
        (self.root / path).write_text(text, encoding="utf-8")
        digest = hashlib.sha256((self.root / path).read_bytes()).hexdigest()
        columns = {"id": source_id, "title": f"Fictional release {source_id}", "path": path, "sha256": digest,
                   "url": "", "url_basis": ""}
        assert set(columns) <= set(first), "sources.csv lost a column the helper fills in"
        return self.append_row("sources", {**first, **columns})


def day_before(iso):
    return (datetime.date.fromisoformat(iso) - datetime.timedelta(days=1)).isoformat()


def day_after(iso):
    return (datetime.date.fromisoformat(iso) + datetime.timedelta(days=1)).isoformat()


def misspell(passage):
    """The passage with its last letter or digit changed: close to the source, but not in it."""
    last = max(i for i, char in enumerate(passage) if char.isalnum())
    return passage[:last] + ("y" if passage[last] == "x" else "x") + passage[last + 1:]


def words_around(text, passage):
    """The whole words of `text` (whitespace collapsed) that contain `passage`."""
    text, passage = " ".join(text.split()), " ".join(passage.split())
    start = text.index(passage)
    start = text.rfind(" ", 0, start) + 1
    end = text.find(" ", text.index(passage) + len(passage))
    return text[start:] if end == -1 else text[start:end]
