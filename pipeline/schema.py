"""Read data/datapackage.json, the single declaration of the dataset's tables.

Everything else (SQLite tables, validation, Datasette column descriptions,
the tests' bad inputs) is derived from the objects built here.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path

# Frictionless type -> SQLite STRICT column type (sqlite-utils accepts Python types).
SQL_TYPES = {"string": str, "date": str, "integer": int, "number": float, "boolean": int}

# Columns the build adds that are not in the CSV files, with their descriptions.
DERIVED_COLUMNS = {
    "sources": {"text": "The full text of the document, loaded from the file at path."},
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    constraints: dict

    @property
    def required(self):
        return bool(self.constraints.get("required"))


@dataclass(frozen=True)
class ForeignKey:
    column: str
    other_table: str
    other_column: str


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

    @property
    def column_names(self):
        return [field.name for field in self.fields]

    def field(self, name):
        return next(field for field in self.fields if field.name == name)

    @property
    def parent_key(self):
        """The self-referencing foreign key (parent_id), if the table has one."""
        return next((fk for fk in self.foreign_keys if fk.other_table == self.name), None)


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    title: str
    tables: tuple[Table, ...]
    raw: dict  # the datapackage.json contents, stored in the database as built

    def table(self, name):
        return next(table for table in self.tables if table.name == name)

    @property
    def referenced_tables(self):
        """Tables whose primary keys other rows point at: their keys are kept in memory."""
        return {fk.other_table for table in self.tables for fk in table.foreign_keys}


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
    )


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


def _table(path, resource) -> Table:
    name = resource.get("name", "?")
    schema = resource.get("schema")
    if not isinstance(schema, dict) or not schema.get("fields"):
        raise SchemaError(f"{path}: resource {name!r}: no schema.fields")
    fields = []
    for spec in schema["fields"]:
        if spec.get("type", "string") not in SQL_TYPES:
            raise SchemaError(
                f"{path}: {name}.{spec.get('name')}: type {spec.get('type')!r} "
                f"is not supported (expected one of {', '.join(SQL_TYPES)})"
            )
        fields.append(
            Field(
                name=spec["name"],
                type=spec.get("type", "string"),
                description=spec.get("description", ""),
                constraints=spec.get("constraints", {}),
            )
        )
    foreign_keys = []
    for spec in schema.get("foreignKeys", []):
        columns = _as_tuple(spec["fields"])
        other_columns = _as_tuple(spec["reference"]["fields"])
        if len(columns) != 1 or len(other_columns) != 1:
            raise SchemaError(f"{path}: {name}: only single-column foreign keys are supported")
        other_table = spec["reference"].get("resource") or name  # "" means this table
        foreign_keys.append(ForeignKey(columns[0], other_table, other_columns[0]))
    return Table(
        name=name,
        path=resource.get("path", f"{name}.csv"),
        title=resource.get("title", name),
        description=resource.get("description", ""),
        fields=tuple(fields),
        primary_key=_as_tuple(schema.get("primaryKey")),
        foreign_keys=tuple(foreign_keys),
        missing_values=frozenset(schema.get("missingValues", [""])),
    )


def _check_references(path, tables):
    by_name = {table.name: table for table in tables}
    for table in tables:
        for column in table.primary_key:
            if column not in table.column_names:
                raise SchemaError(f"{path}: {table.name}: primary key column {column!r} is not a field")
        for fk in table.foreign_keys:
            other = by_name.get(fk.other_table)
            if other is None:
                raise SchemaError(f"{path}: {table.name}.{fk.column}: references unknown resource {fk.other_table!r}")
            if other.primary_key != (fk.other_column,):
                raise SchemaError(
                    f"{path}: {table.name}.{fk.column}: must reference the primary key of {other.name}"
                )
