#!/usr/bin/env python3
"""Build antitrafficking.db from the CSV tables in data/.

    python build.py [--data data/] [--output antitrafficking.db] [--check]

Every table, column, type, key and allowed value comes from
data/datapackage.json. The data is checked in full first; the database is
written to a temporary file and moved into place only when every check
passed, so a failed build leaves the previous database untouched.

Exit status: 0 built (or valid with --check), 1 invalid data, 2 bad usage.
"""

import argparse
import sys
import time
from pathlib import Path

from pipeline import loader
from pipeline.atomic import atomic_output
from pipeline.errors import ErrorReport, InvalidData
from pipeline.ingest import Ingest
from pipeline.schema import SchemaError, load_package

DEFAULT_DATA = Path("data")
DEFAULT_OUTPUT = Path("antitrafficking.db")
ERROR_CAP = 100
PROGRESS_MIN_ROWS = 100_000  # smaller tables load too fast for progress to help


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Validate the CSV tables in a data directory and build the SQLite database Datasette serves.",
        epilog="Exit status: 0 success, 1 invalid data (errors listed as file:line: column: problem), 2 bad usage.",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, metavar="DIR",
                        help="directory holding datapackage.json and the CSV files (default: data/)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, metavar="FILE",
                        help="database to write; replaced only after every check passed (default: antitrafficking.db)")
    parser.add_argument("--check", action="store_true",
                        help="validate the data and report errors without writing the database")
    parser.add_argument("--max-errors", type=int, default=ERROR_CAP, metavar="N",
                        help=f"how many errors to list before summarising the rest (default: {ERROR_CAP})")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"--data {args.data}: not a directory")
    if args.output.is_dir():
        parser.error(f"--output {args.output}: is a directory (expected the database file to write)")
    if args.max_errors < 1:
        parser.error("--max-errors must be at least 1")
    return args


def terminal_progress(name, rows, seconds, done):
    """Per-table progress on a terminal: rows so far and rows per second."""
    if rows < PROGRESS_MIN_ROWS and not (done and rows >= PROGRESS_MIN_ROWS):
        return
    rate = rows / seconds if seconds else 0
    end = "\n" if done else ""
    print(f"\r  {name}: {rows:,} rows ({rate:,.0f} rows/s)", end=end, file=sys.stderr, flush=True)


def build(data_dir, output, check_only=False, max_errors=ERROR_CAP, progress=None):
    """Validate `data_dir` and build `output`. Raises InvalidData or SchemaError."""
    package = load_package(data_dir)
    report = ErrorReport(cap=max_errors)
    with atomic_output(output, keep=not check_only) as temporary:
        db = loader.open_build_database(temporary)
        loader.create_tables(db, package)
        files = Ingest(package, data_dir, db, report, progress).run()
        if report:
            db.conn.close()
            raise InvalidData(report)
        if check_only:
            db.conn.close()
            return package
        loader.record_build(db, package, files)
        loader.create_source_paragraphs(db)
        loader.create_indexes(db, package)
        loader.create_search(db, package)
        loader.create_views(db)
        loader.create_dictionary_tables(db, package)
        for problem in loader.integrity_problems(db):
            report.add(output, None, "database", problem)
        if report:
            db.conn.close()
            raise InvalidData(report)
        loader.finish(db)
    return package


def main(argv=None):
    args = parse_args(argv)
    progress = terminal_progress if sys.stderr.isatty() and not args.quiet else None
    started = time.perf_counter()
    try:
        build(args.data, args.output, args.check, args.max_errors, progress)
    except SchemaError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except InvalidData as invalid:
        for line in invalid.report.lines():
            print(line, file=sys.stderr)
        print(f"{invalid.report.count} error(s); {args.output} was not changed.", file=sys.stderr)
        return 1
    if not args.quiet:
        done = "data is valid" if args.check else f"built {args.output}"
        print(f"{done} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
