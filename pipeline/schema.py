"""Read data/datapackage.json, the single declaration of the dataset's tables.

Everything else (SQLite tables, validation, indexes, full-text search, the
data dictionary, the tests' bad inputs) is derived from the objects built here.
Besides Frictionless Table Schema, the package uses a few custom properties
(Frictionless allows them); each is read here and nowhere else:

  package "x-maxValueBytes": N      the longest value (UTF-8 bytes) a CSV cell or source text may have:
                                    the build refuses longer ones and records N in _build, where
                                    the server reads it as its SQLITE_LIMIT_LENGTH (antitrafficking_site/sql_limits.py)
  resource "x-sourced": true        every row needs at least one row in mentions
  resource "x-rowReference"         {"table": col, "row": col}: the pair names a row of a sourced table
  resource "x-derivedFields"        columns the build adds (sources.text, read from the file at "x-readFrom")
  field "x-verbatim": "source_id"   word for word in the text of the source that column names
  field "x-verbatim": "evidence"    word for word within that other column of the same row
  field "x-verbatim": "mentions"    word for word in a source that mentions the row (or the row it references)
  field "x-searched": true          in the table's full-text index
  field "x-indexed": true           gets an index (foreign keys always do)
  field "x-digestOf": "path"        SHA-256 of the file named by that column
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

# Frictionless type -> SQLite STRICT column type (sqlite-utils accepts Python types).
SQL_TYPES = {"string": str, "date": str, "integer": int, "number": float, "boolean": int}

# Constraints the build checks. Any other is refused rather than silently ignored.
SUPPORTED_CONSTRAINTS = {"required", "unique", "pattern", "enum", "minimum", "maximum", "minLength", "maxLength"}
FIELD_EXTENSIONS = {"x-verbatim", "x-searched", "x-indexed", "x-digestOf", "x-readFrom"}
RESOURCE_EXTENSIONS = {"x-sourced", "x-rowReference", "x-derivedFields"}
PACKAGE_EXTENSIONS = {"x-maxValueBytes"}
# SQLite's own ceiling on SQLITE_LIMIT_LENGTH (SQLITE_MAX_LENGTH as compiled by default).
SQLITE_MAX_LENGTH = 1_000_000_000
MENTIONS = "mentions"  # the table that says which source supports which row
ROW_ID_SEPARATOR = "/"  # joins the parts of a compound key into mentions.row_id


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    constraints: dict
    verbatim: str | None = None  # "mentions", or the column the value must be found in
    searched: bool = False
    indexed: bool = False
    digest_of: str | None = None
    read_from: str | None = None

    @property
    def required(self):
        return bool(self.constraints.get("required"))


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    other_table: str
    other_columns: tuple[str, ...]

    @property
    def column(self):
        """The column of a single-column key."""
        return self.columns[0]


@dataclass(frozen=True)
class RowReference:
    """Two columns that together name a row of any sourced table (mentions, names)."""
    table_column: str
    row_column: str


@dataclass(frozen=True)
class Table:
    name: str
    path: str  # CSV path relative to the data directory
    title: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    missing_values: frozenset[str]
    sourced: bool = False
    row_reference: RowReference | None = None
    derived_fields: tuple[Field, ...] = ()

    @property
    def column_names(self):
        return [field.name for field in self.fields]

    @property
    def stored_fields(self):
        """The CSV's fields and the ones the build adds, in table order."""
        return self.fields + self.derived_fields

    def field(self, name):
        return next(field for field in self.stored_fields if field.name == name)

    @property
    def parent_key(self):
        """The self-referencing foreign key (parent_id), if the table has one."""
        return next((fk for fk in self.foreign_keys if fk.other_table == self.name), None)

    @property
    def single_foreign_keys(self):
        return tuple(fk for fk in self.foreign_keys if len(fk.columns) == 1)

    @property
    def compound_foreign_keys(self):
        return tuple(fk for fk in self.foreign_keys if len(fk.columns) > 1)

    def row_id_sql(self, alias=None):
        """SQL for the row's id as mentions.row_id writes it: compound key parts joined by '/'."""
        prefix = f"{alias}." if alias else ""
        return f" || '{ROW_ID_SEPARATOR}' || ".join(f'{prefix}"{column}"' for column in self.primary_key)


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    title: str
    tables: tuple[Table, ...]
    raw: dict  # the datapackage.json contents, stored in the database as built
    max_value_bytes: int  # x-maxValueBytes: the longest value, in UTF-8 bytes, the build accepts and the site serves

    def table(self, name):
        return next(table for table in self.tables if table.name == name)

    @property
    def referenced_tables(self):
        """Tables whose primary keys single-column foreign keys point at: their keys are kept in memory."""
        return {fk.other_table for table in self.tables for fk in table.single_foreign_keys}

    @property
    def sourced_tables(self):
        return tuple(table for table in self.tables if table.sourced)


class SchemaError(Exception):
    """The data package itself is malformed: no data can be checked against it."""


def load_package(data_dir: Path) -> Package:
    path = Path(data_dir) / "datapackage.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SchemaError(f"{path}: not found (expected a Frictionless data package)")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise SchemaError(f"{path}: not valid JSON: {error}")
    if not isinstance(raw, dict) or not isinstance(raw.get("resources", []), list):
        raise SchemaError(f"{path}: expected a JSON object with a list of resources")
    unknown = sorted(key for key in raw if key.startswith("x-") and key not in PACKAGE_EXTENSIONS)
    if unknown:
        raise SchemaError(f"{path}: unknown package property {', '.join(unknown)} "
                          f"(expected one of {', '.join(sorted(PACKAGE_EXTENSIONS))})")
    max_value_bytes = _max_value_bytes(path, raw)
    tables = tuple(_checked_table(path, resource) for resource in raw.get("resources", []))
    if not tables:
        raise SchemaError(f"{path}: resources: empty (expected one resource per CSV file)")
    _check_references(path, tables)
    return Package(
        name=raw.get("name", ""),
        version=raw.get("version", ""),
        title=raw.get("title", ""),
        tables=tables,
        raw=raw,
        max_value_bytes=max_value_bytes,
    )


def _max_value_bytes(path, raw):
    """The package's x-maxValueBytes: required, since the build checks every value against it
    and the server takes its length limit from it (recorded in _build)."""
    value = raw.get("x-maxValueBytes")
    if value is None:
        raise SchemaError(f"{path}: x-maxValueBytes: missing (expected the longest value in UTF-8 bytes a cell "
                          "or source text may have, e.g. \"x-maxValueBytes\": 200000)")
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= SQLITE_MAX_LENGTH:
        raise SchemaError(f"{path}: x-maxValueBytes: {value!r} is not a byte count "
                          f"(expected a whole number from 1 to {SQLITE_MAX_LENGTH:,}, SQLite's own maximum)")
    return value


def _as_tuple(value):
    return (value,) if isinstance(value, str) else tuple(value or ())


def _checked_table(path, resource):
    """_table, with a clear message for a resource that is not shaped as Table Schema says."""
    name = resource.get("name", "?") if isinstance(resource, dict) else "?"
    try:
        table = _table(path, resource)
        for field in table.fields:
            if "pattern" in field.constraints:
                re.compile(field.constraints["pattern"])
        return table
    except (KeyError, TypeError, AttributeError) as error:
        raise SchemaError(f"{path}: resource {name!r}: malformed ({type(error).__name__}: {error}); "
                          "expected Frictionless Table Schema: fields with name and type, foreignKeys with fields and reference")
    except re.error as error:
        raise SchemaError(f"{path}: resource {name!r}: invalid pattern ({error})")


def _field(path, table_name, spec):
    where = f"{path}: {table_name}.{spec.get('name')}"
    if spec.get("type", "string") not in SQL_TYPES:
        raise SchemaError(f"{where}: type {spec.get('type')!r} is not supported (expected one of {', '.join(SQL_TYPES)})")
    constraints = spec.get("constraints", {})
    unknown = sorted(set(constraints) - SUPPORTED_CONSTRAINTS)
    if unknown:
        raise SchemaError(f"{where}: constraint {', '.join(unknown)} is not checked by the build "
                          f"(expected only {', '.join(sorted(SUPPORTED_CONSTRAINTS))}; remove it or implement it in pipeline/checks.py)")
    unknown = sorted(key for key in spec if key.startswith("x-") and key not in FIELD_EXTENSIONS)
    if unknown:
        raise SchemaError(f"{where}: unknown property {', '.join(unknown)} (expected one of {', '.join(sorted(FIELD_EXTENSIONS))})")
    return Field(
        name=spec["name"],
        type=spec.get("type", "string"),
        description=spec.get("description", ""),
        constraints=constraints,
        verbatim=spec.get("x-verbatim"),
        searched=bool(spec.get("x-searched")),
        indexed=bool(spec.get("x-indexed")),
        digest_of=spec.get("x-digestOf"),
        read_from=spec.get("x-readFrom"),
    )


def _table(path, resource) -> Table:
    name = resource.get("name", "?")
    schema = resource.get("schema")
    if not isinstance(schema, dict) or not schema.get("fields"):
        raise SchemaError(f"{path}: resource {name!r}: no schema.fields")
    unknown = sorted(key for key in resource if key.startswith("x-") and key not in RESOURCE_EXTENSIONS)
    if unknown:
        raise SchemaError(f"{path}: resource {name!r}: unknown property {', '.join(unknown)} "
                          f"(expected one of {', '.join(sorted(RESOURCE_EXTENSIONS))})")
    foreign_keys = []
    for spec in schema.get("foreignKeys", []):
        columns = _as_tuple(spec["fields"])
        other_columns = _as_tuple(spec["reference"]["fields"])
        if len(columns) != len(other_columns):
            raise SchemaError(f"{path}: {name}: foreign key {list(columns)} and its reference {list(other_columns)} differ in length")
        other_table = spec["reference"].get("resource") or name  # "" means this table
        foreign_keys.append(ForeignKey(columns, other_table, other_columns))
    reference = resource.get("x-rowReference")
    return Table(
        name=name,
        path=resource.get("path", f"{name}.csv"),
        title=resource.get("title", name),
        description=resource.get("description", ""),
        fields=tuple(_field(path, name, spec) for spec in schema["fields"]),
        primary_key=_as_tuple(schema.get("primaryKey")),
        foreign_keys=tuple(foreign_keys),
        missing_values=frozenset(schema.get("missingValues", [""])),
        sourced=bool(resource.get("x-sourced")),
        row_reference=RowReference(reference["table"], reference["row"]) if reference else None,
        derived_fields=tuple(_field(path, name, spec) for spec in resource.get("x-derivedFields", [])),
    )


def _check_references(path, tables):
    by_name = {table.name: table for table in tables}
    for table in tables:
        columns = table.column_names
        for column in table.primary_key:
            if column not in columns:
                raise SchemaError(f"{path}: {table.name}: primary key column {column!r} is not a field")
        for fk in table.foreign_keys:
            other = by_name.get(fk.other_table)
            where = f"{path}: {table.name}.{'+'.join(fk.columns)}"
            if other is None:
                raise SchemaError(f"{where}: references unknown resource {fk.other_table!r}")
            if other.primary_key != fk.other_columns:
                raise SchemaError(f"{where}: must reference the primary key of {other.name} ({', '.join(other.primary_key)})")
        for field in table.stored_fields:
            where = f"{path}: {table.name}.{field.name}"
            if field.constraints.get("unique") and table.primary_key != (field.name,):
                raise SchemaError(f"{where}: unique is checked only for a one-column primary key (expected it on the primary key, or removed)")
            if field.verbatim not in (None, "mentions") and field.verbatim not in columns:
                raise SchemaError(f"{where}: x-verbatim {field.verbatim!r} is not a column of {table.name} (expected 'mentions' or a column)")
            if field.verbatim == "mentions" and not (table.sourced or table.row_reference):
                raise SchemaError(f"{where}: x-verbatim 'mentions' needs a sourced table or an x-rowReference")
            for other_column in (field.digest_of, field.read_from):
                if other_column is not None and other_column not in columns:
                    raise SchemaError(f"{where}: names {other_column!r}, which is not a column of {table.name}")
        if len(table.primary_key) == 1 and table.field(table.primary_key[0]).type == "integer":
            # SQLite would make it the rowid, by which the build finds each row's CSV line.
            raise SchemaError(f"{path}: {table.name}: an integer primary key is not supported (expected a string key, e.g. a slug)")
        if table.row_reference:
            for column in (table.row_reference.table_column, table.row_reference.row_column):
                if column not in columns:
                    raise SchemaError(f"{path}: {table.name}: x-rowReference column {column!r} is not a field")
    if any(table.sourced for table in tables) and "mentions" not in by_name:
        raise SchemaError(f"{path}: tables are x-sourced but there is no {MENTIONS!r} resource to hold their sources")
