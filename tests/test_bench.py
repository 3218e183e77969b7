"""bench/: the comparison cases measure what they claim to."""

import sqlite3
import subprocess
import sys

from conftest import ROOT


def table_rows(path, table, columns):
    with sqlite3.connect(path) as conn:
        listed = ", ".join(f'"{column}"' for column in columns)
        return sorted(conn.execute(f'select {listed} from "{table}"'), key=repr)


def test_the_python_load_stores_the_rows_build_py_stores(built_db, package, tmp_path):
    output = tmp_path / "python.db"
    subprocess.run([sys.executable, str(ROOT / "bench" / "python_load.py"), str(ROOT / "data"), str(output)],
                   check=True, capture_output=True, timeout=120)
    for table in package.tables:
        expected = table_rows(built_db, table.name, table.column_names)
        assert expected, f"{table.name} is empty in the build"
        assert table_rows(output, table.name, table.column_names) == expected, table.name
