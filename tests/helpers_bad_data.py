"""Break a copy of data/ on purpose, choosing what to break from the data package.

Every column, key and constraint a test breaks is looked up in the copy's own
datapackage.json (a required column, an enum column, a foreign key...), so the
bad inputs follow the package as it changes instead of a second, hand-written
schema. The helpers also say on which physical line each row ends up, so that
a test can expect the exact `file:line: column:` of the error.
"""

import csv
import datetime
import io
import json
from pathlib import Path

BOM = b"\xef\xbb\xbf"


def as_list(value):
    return [value] if isinstance(value, str) else list(value or [])


class DataDir:
    """A writable copy of data/, read and rewritten table by table."""

    def __init__(self, root):
        self.root = Path(root)
        self.package = json.loads((self.root / "datapackage.json").read_text(encoding="utf-8"))
        self.resources = {resource["name"]: resource for resource in self.package["resources"]}

    # -- the package --------------------------------------------------------

    def fields(self, table):
        return self.resources[table]["schema"]["fields"]

    def columns(self, table):
        return [field["name"] for field in self.fields(table)]

    def primary_key(self, table):
        return as_list(self.resources[table]["schema"].get("primaryKey"))

    def foreign_keys(self, table):
        """(column, other table) for each foreign key of the table."""
        return [(as_list(fk["fields"])[0], fk["reference"]["resource"] or table)
                for fk in self.resources[table]["schema"].get("foreignKeys", [])]

    def parent_column(self, table):
        return next((column for column, other in self.foreign_keys(table) if other == table), None)

    def referenced_tables(self):
        return {other for table in self.resources for _, other in self.foreign_keys(table) if other != table}

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

    def set(self, table, index, column, value):
        """Set one cell of data row `index` (from 0); return the row's line."""
        header, rows = self.read(table)
        rows[index][header.index(column)] = value
        return self.write(table, header, rows)[index]

    def edit_rows(self, table, change):
        """Replace the rows by change(rows); return the lines of the new rows."""
        header, rows = self.read(table)
        return self.write(table, header, change(rows))

    def edit_header(self, table, change):
        header, rows = self.read(table)
        self.write(table, change(list(header)), rows)

    def append_line(self, table, text):
        """Append one raw line; return its line number."""
        content = self.path(table).read_bytes()
        self.path(table).write_bytes(content + text.encode("utf-8") + b"\n")
        return content.count(b"\n") + 1


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
