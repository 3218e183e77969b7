#!/usr/bin/env python3
"""Case 5 of bench/run.py: the CSV files read with Python's csv module and
inserted with executemany into build.py's tables, with no checks at all.

This is the floor of any build that reads its CSV in Python, as build.py does:
what build.py takes beyond it (and beyond indexes and search, case 4b) is the
cost of its checks. Empty cells become NULL, as build.py stores them.

    python bench/python_load.py DATA_DIR OUTPUT_DB
"""

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import loader  # noqa: E402
from pipeline.schema import load_package  # noqa: E402


def csv_rows(path, padding):
    """Each data row as a tuple, "" as None, with `padding` appended (derived columns)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader, None)  # the header
        for fields in reader:
            yield tuple(value or None for value in fields) + padding


def load(data_dir, output):
    package = load_package(data_dir)
    db = loader.open_build_database(output)
    loader.create_tables(db, package)
    db.conn.execute("begin")
    for table in package.tables:
        padding = (None,) * len(table.derived_fields)  # e.g. sources.text, which only build.py reads
        db.conn.executemany(loader.insert_statement(table), csv_rows(Path(data_dir) / table.path, padding))
    db.conn.execute("commit")
    db.conn.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} DATA_DIR OUTPUT_DB")
    load(Path(sys.argv[1]), Path(sys.argv[2]))
