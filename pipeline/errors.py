"""A capped, ordered collection of validation errors, each pointing at file:line."""

from dataclasses import dataclass


@dataclass(frozen=True)
class DataError:
    path: str
    line: int | None  # 1-based physical line; None for file-level problems
    column: str  # column name, or a short location such as "header" or "file"
    message: str  # what is wrong, then in parentheses what was expected

    def __str__(self):
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.column}: {self.message}"


class ErrorReport:
    """Collects every error of a build, keeping the first `cap` for display."""

    def __init__(self, cap=100):
        self.cap = cap
        self.shown: list[DataError] = []
        self.count = 0

    def add(self, path, line, column, message):
        self.count += 1
        if len(self.shown) < self.cap:
            self.shown.append(DataError(str(path), line, column, message))

    def __bool__(self):
        return self.count > 0

    def lines(self):
        yield from (str(error) for error in self.shown)
        hidden = self.count - len(self.shown)
        if hidden:
            yield f"... and {hidden} more errors not shown (fix the ones above and run again)"


class InvalidData(Exception):
    """Raised when the data failed validation; carries the full report."""

    def __init__(self, report: ErrorReport):
        super().__init__(f"{report.count} errors")
        self.report = report
