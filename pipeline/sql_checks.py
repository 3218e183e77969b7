"""The value checks of checks.py as SQL over a staging table's text, and the
conversions of checked text to the values SQLite stores.

`suspect_sql` is true for every value that can fail its field's check, and
false for nearly every value that passes: the rows it selects go through
checks.py's own functions, which decide and word each error, so this SQL
never has to reproduce a message, only never miss a bad value. Where a rule
has no cheap exact SQL form (a number with an exponent, a value near a
number's bound, a pattern that is not a slug), it selects the value for
Python rather than deciding it.
"""

import re

# A pattern of the form ^[class]+(-[class]+)*$ (the ids' slugs), checkable with GLOB.
SLUG = re.compile(r"\^\[([A-Za-z0-9-]+)\]\+\(-\[\1\]\+\)\*\$")
# Integers longer than this may not fit SQLite's 64 bits: Python decides them.
LONGEST_PLAIN_INTEGER = 18


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def missing_sql(column, missing_values):
    if missing_values == frozenset({""}):
        return f"{column} = ''"
    return f"{column} in ({', '.join(literal(value) for value in sorted(missing_values))})"


def suspect_sql(field, column, missing_values, max_bytes):
    """SQL that is true for every value of `column` that may fail the field's check."""
    missing = missing_sql(column, missing_values)
    rules = _rules(field, column, max_bytes)
    present = f"(not ({missing}) and ({' or '.join(rules)}))"
    return f"(({missing}) or {present})" if field.required else present


def _rules(field, column, max_bytes):
    c = column
    # Bytes, not characters: length() would count them one by one, and a value over
    # max_bytes / 4 bytes is all checks.py measures too (a character is at most 4 bytes).
    rules = [f"length(cast({c} as blob)) > {max_bytes // 4}"]
    if field.type == "string":
        rules.append(_maybe_padded(c))
    elif field.type == "integer":
        rules.append(f"not (({c} glob '[0-9]*' or {c} glob '-[0-9]*') and substr({c}, 2) not glob '*[^0-9]*')")
        rules.append(f"length({c}) > {LONGEST_PLAIN_INTEGER}")
    elif field.type == "number":
        # Plain decimals only (-12.5); an exponent or anything else goes to Python.
        rules.append(f"not (({c} glob '[0-9]*' or {c} glob '-[0-9]*') and substr({c}, 2) not glob '*[^0-9.]*' "
                     f"and length({c}) - length(replace({c}, '.', '')) <= 1 and {c} not glob '*.')")
        rules.append(f"length({c}) > 30")
    elif field.type == "date":
        # date(x, '+0 days') normalises 2011-02-30 to 2011-03-02 (date(x) alone keeps it); Python has no year 0.
        rules.append(f"not ({c} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' and date({c}, '+0 days') is {c} and {c} >= '0001')")
    elif field.type == "boolean":
        rules.append(f"{c} not in ('true', 'false')")
    constraints = field.constraints
    if "enum" in constraints:
        if field.type == "string":
            rules.append(f"{c} not in ({', '.join(literal(value) for value in constraints['enum'])})")
        else:
            rules.append("1")  # compared as parsed values: Python decides
    if "pattern" in constraints:
        rules.append(_pattern_rule(c, constraints["pattern"]))
    # Short integers convert exactly; a decimal at its bound (within rounding) goes to Python.
    below, above = ("<", ">") if field.type == "integer" else ("<=", ">=")
    number = {"integer": "integer", "number": "real"}.get(field.type)
    if number and "minimum" in constraints:
        rules.append(f"cast({c} as {number}) {below} {constraints['minimum']!r}")
    if number and "maximum" in constraints:
        rules.append(f"cast({c} as {number}) {above} {constraints['maximum']!r}")
    if field.type == "string" and "minLength" in constraints:
        rules.append(f"length({c}) < {int(constraints['minLength'])}")
    if field.type == "string" and "maxLength" in constraints:
        rules.append(f"length({c}) > {int(constraints['maxLength'])}")
    elif field.type != "string" and ("minLength" in constraints or "maxLength" in constraints):
        rules.append("1")
    return rules


def _maybe_padded(c):
    """True if the text may start or end with whitespace: its first or last byte is a space
    or control character, or not ASCII (a multi-byte character: Python decides). Reading
    one byte at each end costs the same for any length, where trim() copies the text."""
    first, last = f"cast({c} as blob)", f"substr(cast({c} as blob), -1)"
    return f"({first} < x'21' or {first} >= x'80' or {last} < x'21' or {last} >= x'80')"


def same_check(field, other):
    """True if `field`'s check passes every value `other`'s passes (a foreign key column
    checked like the key it names): then a value found among the keys is right."""
    def rules(f):
        return f.type, {k: v for k, v in f.constraints.items() if k not in ("required", "unique")}
    return rules(field) == rules(other)


def required_sql(field, column, missing_values):
    """Only the required-value part of the check (for a column whose values are decided otherwise)."""
    return f"({missing_sql(column, missing_values)})" if field.required else "0"


def _pattern_rule(c, pattern):
    slug = SLUG.fullmatch(pattern)
    if slug:
        chars = slug.group(1)
        return f"({c} = '' or {c} glob '*[^{chars}-]*' or {c} glob '-*' or {c} glob '*-' or {c} glob '*--*')"
    return f"not matches_pattern({literal(pattern)}, {c})"


def register_functions(conn):
    """The Python functions the SQL above and stored_sql call."""
    compiled = {}

    def matches_pattern(pattern, text):
        regex = compiled.get(pattern) or compiled.setdefault(pattern, re.compile(pattern))
        return regex.fullmatch(text) is not None

    conn.create_function("matches_pattern", 2, matches_pattern, deterministic=True)
    conn.create_function("python_float", 1, float, deterministic=True)


def stored_sql(field, column, missing_values):
    """SQL for the value checks.py's check returns for the text in `column` (valid text)."""
    value = {
        "integer": f"cast({column} as integer)",
        "number": f"python_float({column})",  # Python's float(), as the checks parse it
        "boolean": f"({column} = 'true')",
    }.get(field.type, column)
    return f"case when {missing_sql(column, missing_values)} then null else {value} end"


def single_spaced_sql(c, spacing):
    """True unless the text surely has single spaces only (evidence.is_normalized):
    `spacing` says whether its file has odd whitespace or double spaces anywhere."""
    if spacing["odd spaces"]:
        return "1"
    first, last = f"cast({c} as blob)", f"substr(cast({c} as blob), -1)"
    rules = [f"{first} < x'21'", f"{last} < x'21'"]
    if spacing["double spaces"]:
        rules.append(f"instr({c}, '  ') > 0")
    return "(" + " or ".join(rules) + ")"


def _ascii_non_alnum(char_sql):
    return f"(unicode({char_sql}) < 128 and {char_sql} not glob '[A-Za-z0-9]')"


def maybe_not_in_text_sql(passage, text):
    """True unless `passage` is surely in `text` as whole words (evidence.contains_words):
    its first occurrence has no letter or digit (ASCII; anything else goes to Python)
    on either side. A false "surely" would need a passage SQL finds that Python does not."""
    at = f"instr({text}, {passage})"
    before = f"substr({text}, {at} - 1, 1)"
    after = f"substr({text}, {at} + length({passage}), 1)"
    return (f"not ({at} > 0 and ({at} = 1 or {_ascii_non_alnum(before)}) "
            f"and ({at} + length({passage}) > length({text}) or {_ascii_non_alnum(after)}))")
