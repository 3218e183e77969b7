"""At most so many function calls in one SQL statement.

One row evaluates every function call of a statement without a check of the
time limit, so a single row of a thousand LIKEs on long strings would hold an
SQL thread for many seconds. The authorizer sees each call while SQLite
prepares the statement; a statement with too many is refused before it runs.
"""

import sqlite3
import weakref

PATTERN_FUNCTIONS = {"like", "glob"}

# id(connection) -> its CallBudget, which the connection keeps alive: the time
# limit (patches.sqlite_timelimit) starts each query with a fresh count.
CALL_BUDGETS = weakref.WeakValueDictionary()


class CallBudget:
    """Counts the function calls in each statement SQLite prepares (through
    the authorizer) and refuses a statement with too many: one row evaluates
    them all without a time check, so a single row of a thousand LIKEs on
    long strings would hold a thread for many seconds."""

    def __init__(self, max_calls, max_pattern_calls):
        self.max_calls, self.max_pattern_calls = max_calls, max_pattern_calls
        self.reset()

    def install(self, conn):
        conn.set_authorizer(self.authorize)
        conn.set_trace_callback(self.statement_started)
        CALL_BUDGETS[id(conn)] = self

    def reset(self):
        self.calls = self.pattern_calls = 0

    def statement_started(self, sql):
        self.reset()  # its preparation, and so its count, is over

    def authorize(self, action, arg1, arg2, database, source):
        if action == sqlite3.SQLITE_FUNCTION:
            self.calls += 1
            self.pattern_calls += (arg2 or "").lower() in PATTERN_FUNCTIONS
            if self.calls > self.max_calls or self.pattern_calls > self.max_pattern_calls:
                self.reset()
                return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK



def refusal(message, config):
    """Our message for SQLite's "not authorized to use function: NAME" (the
    authorizer's refusal), with the limits of `config` (sql_limits.settings)."""
    function = message.rsplit(": ", 1)[-1].lower()
    if function in PATTERN_FUNCTIONS:
        return f"too many LIKE/GLOB comparisons: a query may make at most {config['max_pattern_calls']}"
    return f"too many function calls: a query may call functions at most {config['max_function_calls']} times"
