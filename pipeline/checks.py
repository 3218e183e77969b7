"""Value and row checks compiled from the data package's field definitions.

Each field gets one small function that turns the CSV text into the value
stored in SQLite or raises ValueError with what was expected. Nothing is
coerced: " 1" is not an integer and "2011-4-1" is not a date.
"""

import calendar
import datetime
import re

INTEGER = re.compile(r"-?[0-9]+")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_string(text):
    if text != text.strip():
        raise ValueError(f"{text[:40]!r} has leading or trailing whitespace (expected it removed)")
    return text


def parse_integer(text):
    if not INTEGER.fullmatch(text):
        raise ValueError(f"{text!r} is not an integer (expected digits only, e.g. 11)")
    return int(text)


def parse_number(text):
    if not NUMBER.fullmatch(text):
        raise ValueError(f"{text!r} is not a number (expected a decimal such as 40.28256)")
    return float(text)


def parse_date(text):
    if not DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not an ISO date (expected YYYY-MM-DD, e.g. 2011-04-13)")
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a real day ({_calendar_hint(text)})")
    return text


def _calendar_hint(text):
    year, month = int(text[:4]), int(text[5:7])
    if not 1 <= month <= 12:
        return f"expected a month from 01 to 12, not {text[5:7]}"
    days = calendar.monthrange(year, month)[1]
    return f"expected a day from 01 to {days}: {calendar.month_name[month]} {year} has {days} days"


def parse_boolean(text):
    if text not in ("true", "false"):
        raise ValueError(f"{text!r} is not a boolean (expected true or false)")
    return int(text == "true")


PARSERS = {"string": parse_string, "integer": parse_integer, "number": parse_number, "date": parse_date, "boolean": parse_boolean}


def compile_field(field, missing_values, max_bytes):
    """Return check(text) -> value for SQLite (None when empty), raising ValueError.
    `max_bytes` is the package's x-maxValueBytes: no value may be longer in UTF-8."""
    parse = PARSERS[field.type]
    rules = _constraint_rules(field.constraints)
    required = field.required
    # Called for every cell of every row: the common cases skip what they do not need.
    only_empty_is_missing = missing_values == frozenset({""})
    surely_short = max_bytes // 4  # UTF-8 takes at most 4 bytes a character: no need to encode

    def check(text):
        if (not text) if only_empty_is_missing else (text in missing_values):
            if required:
                raise ValueError("missing value (this column is required)")
            return None
        if len(text) > surely_short:
            check_bytes(text, max_bytes)
        value = parse(text)
        for rule in rules:
            rule(value)
        return value

    return check


def too_long(size, max_bytes):
    """The message for a value of `size` bytes over the package's x-maxValueBytes."""
    return (f"{size:,} bytes, too long (expected at most {max_bytes:,} bytes in UTF-8: the longest value "
            "the site serves, x-maxValueBytes in datapackage.json)")


def check_bytes(text, max_bytes):
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        raise ValueError(too_long(size, max_bytes))


def _constraint_rules(constraints):
    rules = []
    if "enum" in constraints:
        allowed = frozenset(constraints["enum"])
        listing = ", ".join(constraints["enum"])

        def enum(value):
            if value not in allowed:
                raise ValueError(f"{value!r} is not an allowed value (expected one of: {listing})")

        rules.append(enum)
    if "pattern" in constraints:
        pattern = re.compile(constraints["pattern"])

        def matches(value):
            if not pattern.fullmatch(value):
                raise ValueError(f"{value!r} does not match the pattern {pattern.pattern} (expected e.g. a lowercase slug like 'khujand')")

        rules.append(matches)
    if "minimum" in constraints:
        low = constraints["minimum"]

        def minimum(value):
            if value < low:
                raise ValueError(f"{value} is below the minimum (expected ≥ {low})")

        rules.append(minimum)
    if "maximum" in constraints:
        high = constraints["maximum"]

        def maximum(value):
            if value > high:
                raise ValueError(f"{value} is above the maximum (expected ≤ {high})")

        rules.append(maximum)
    if "minLength" in constraints:
        shortest = constraints["minLength"]

        def min_length(value):
            if len(value) < shortest:
                raise ValueError(f"too short (expected at least {shortest} characters)")

        rules.append(min_length)
    if "maxLength" in constraints:
        longest = constraints["maxLength"]

        def max_length(value):
            if len(value) > longest:
                raise ValueError(f"{len(value):,} characters, too long (expected at most {longest:,})")

        rules.append(max_length)
    return tuple(rules)


def header_problems(expected, found):
    """Describe how a CSV header differs from the data package's field list."""
    problems = []
    if any(name == "" for name in found):
        problems.append(f"blank column name at position {found.index('') + 1} (expected {', '.join(expected)})")
    duplicates = sorted({name for name in found if found.count(name) > 1 and name})
    if duplicates:
        problems.append(f"duplicate column name {', '.join(map(repr, duplicates))} (expected each column once)")
    missing = [name for name in expected if name not in found]
    extra = [name for name in found if name not in expected and name]
    if missing:
        problems.append(f"missing column {', '.join(map(repr, missing))} (expected the columns of datapackage.json: {', '.join(expected)})")
    if extra:
        problems.append(f"unexpected column {', '.join(map(repr, extra))} (add it to datapackage.json first, or remove it)")
    if not problems and found != expected:
        problems.append(f"columns out of order (expected {', '.join(expected)})")
    return problems


def likely_unquoted_comma(fields, names, checks):
    """For a row with too many fields, the column whose value most likely holds an
    unquoted comma: the one where joining the surplus fields back leaves the fewest
    values failing their checks (free-text columns win a tie)."""
    surplus = len(fields) - len(names)
    best = None
    for index, name in enumerate(names):
        merged = fields[:index] + [",".join(fields[index:index + surplus + 1])] + fields[index + surplus + 1:]
        failures = 0
        for check, text in zip(checks, merged):
            try:
                check(text)
            except ValueError:
                failures += 1
        # A comma is likelier in prose than in an id, a date or a number.
        score = (failures, 0 if " " in merged[index] else 1)
        if best is None or score < best[0]:
            best = (score, name)
    return best[1]
