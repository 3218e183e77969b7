"""Stand-ins for the SQLite built-ins whose cost one call can make huge.

Datasette's time limit interrupts SQLite between loop iterations, not inside
one function call, and the length limit does not stop every built-in: on
Datasette 0.65.5 with SQLite 3.40

    select length(printf('%.*c', 999999999, 'x'))   1 GB and seconds
    select trim(<200 KB>, <15 KB of characters>)    minutes of one SQL thread
    select instr(<1 MB>, <500 KB>)                  6 s

So printf/format (which keep looping past the length limit) and the
functions whose cost is the product of two argument lengths (instr, replace,
two-argument trim, json_patch) are replaced on every connection
(sql_limits.prepare_connection) by these, which give SQLite's results.
"""

import re
import sqlite3
import threading


# Stand-ins refuse to hand SQLite's own function more work than this
# (product of the two main arguments' lengths): ~10 ms at most.
QUADRATIC_BUDGET = {"instr": 200_000_000, "replace": 200_000_000, "json_patch": 100_000_000,
                    "trim": 5_000_000, "ltrim": 5_000_000, "rtrim": 5_000_000}


PRINTF_SPEC = re.compile(r"%([-+ #!0,]*)(\*|\d+)?(?:\.(\*|\d*))?(l{0,2})(.?)", re.S)
LEADING_NUMBER = re.compile(rb"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _magnitude(value):
    """The largest absolute value SQLite could read from `value` as an integer argument."""
    if value is None:
        return 0
    if isinstance(value, (int, float)):
        return abs(value)
    raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(value)
    match = LEADING_NUMBER.match(raw)
    return abs(float(match.group(0))) if match else 0


def _utf8_length(text):
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class SafeFunctions:
    """Stand-ins for SQLite built-ins that one call can make expensive whatever
    the length limit. Text arguments are handled in Python, in linear time,
    with SQLite's results; other types go to SQLite's own function on a
    private in-memory connection with the same limit when the work is small,
    and are refused (OverflowError: "string or blob too big") when not."""

    def __init__(self, length):
        self.length = length
        self._native = None
        self._lock = threading.Lock()

    def install(self, conn):
        for name in ("printf", "format"):
            conn.create_function(name, -1, self.printf, deterministic=True)
        conn.create_function("instr", 2, self.instr, deterministic=True)
        conn.create_function("replace", 3, self.replace, deterministic=True)
        for name, left, right in (("trim", True, True), ("ltrim", True, False), ("rtrim", False, True)):
            conn.create_function(name, 2, self.trimmer(name, left, right), deterministic=True)
        conn.create_function("json_patch", 2, self.json_patch, deterministic=True)

    def native(self, name, *args):
        """SQLite's own `name`, on a connection where it is not replaced."""
        with self._lock:
            if self._native is None:
                self._native = sqlite3.connect(":memory:", check_same_thread=False)
                self._native.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, self.length)
            marks = ", ".join("?" for _ in args)
            try:
                return self._native.execute(f"select {name}({marks})", args).fetchone()[0]
            except sqlite3.DataError:
                raise OverflowError from None  # SQLite reports it as "string or blob too big"

    def bounded(self, name, *args):
        first, second = (len(a) if isinstance(a, (str, bytes)) else 32 for a in args[:2])
        if first * second > QUADRATIC_BUDGET[name]:
            raise OverflowError
        return self.native(name, *args)

    def printf(self, *args):
        fmt = args[0] if args else None
        if isinstance(fmt, (str, bytes)):
            text = fmt if isinstance(fmt, str) else fmt.decode("utf-8", "replace")
            position, total = 1, 0
            for _, width, precision, _, kind in PRINTF_SPEC.findall(text):
                for part in (width, precision):
                    if part == "*":
                        total += _magnitude(args[position]) if position < len(args) else 0
                        position += 1
                    elif part:
                        total += int(part) if len(part) < 12 else self.length + 1
                if kind not in ("%", "n", ""):
                    position += 1
            # SQLite's %c repeats its character `precision` times, and goes on
            # looping after the output has outgrown the length limit.
            if total > self.length:
                raise OverflowError
        result = self.native("printf", *args)
        if result is None and fmt is not None:
            raise OverflowError  # SQLite's printf answers NULL when the output is too long
        return result

    def instr(self, haystack, needle):
        if haystack is None or needle is None:
            return None
        if (haystack.__class__ is str and needle.__class__ is str) or (
                haystack.__class__ is bytes and needle.__class__ is bytes):
            return haystack.find(needle) + 1
        return self.bounded("instr", haystack, needle)

    def replace(self, text, pattern, replacement):
        if text.__class__ is str and pattern.__class__ is str and replacement.__class__ is str:
            if pattern == "" or pattern[0] == "\x00":
                return text  # SQLite leaves the text as it is
            count = text.count(pattern)
            if count == 0:
                return text
            size = _utf8_length(text) + count * (_utf8_length(replacement) - _utf8_length(pattern))
            if size > self.length:
                raise OverflowError
            return text.replace(pattern, replacement)
        if text is None or pattern is None or replacement is None:
            return None
        return self.bounded("replace", text, pattern, replacement)

    def trimmer(self, name, left, right):
        def trim(text, characters):
            if text is None or characters is None:
                return None
            if text.__class__ is not str or characters.__class__ is not str:
                return self.bounded(name, text, characters)
            unique = set(characters.split("\x00", 1)[0])  # SQLite reads the set up to a NUL
            if len(unique) <= 64:  # str.strip looks each character up in the set
                chars = "".join(unique)
                return text.strip(chars) if left and right else text.lstrip(chars) if left else text.rstrip(chars)
            start, end = 0, len(text)
            while left and start < end and text[start] in unique:
                start += 1
            while right and end > start and text[end - 1] in unique:
                end -= 1
            return text[start:end]
        return trim

    def json_patch(self, target, patch):
        return self.bounded("json_patch", target, patch)
