"""Errors found about the rows of one file, reported in the order of its lines.

The staged checks run one kind at a time over the whole file (every value,
then every foreign key, then every passage...), but a reader expects a file's
errors line by line, and within a line in the order the row was always
checked; each error is filed under its line and the step that found it, and
handed to the build's ErrorReport sorted.
"""

import math

# The steps, in the order they check a row.
FORM, VALUES, REFERENCES, PASSAGES, DATES, DERIVED, STOPPED = range(7)


class RowErrors:
    def __init__(self, report):
        self.report = report
        self.step = VALUES
        self.found = []  # (line, step, position, rel, line, column, message)

    def add(self, path, line, column, message):
        self.found.append((math.inf if line is None else line, self.step, len(self.found), path, line, column, message))

    @property
    def count(self):
        """Errors so far, with the ones not yet handed over (for ErrorReport's cap)."""
        return self.report.count + len(self.found)

    @property
    def cap(self):
        return self.report.cap

    def flush(self):
        for *_, path, line, column, message in sorted(self.found):
            self.report.add(path, line, column, message)
        self.found = []
