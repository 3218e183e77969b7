"""Write the database under a temporary name and swap it in only when complete.

A build that fails, is interrupted or is killed (even with SIGKILL) leaves
the previous database byte for byte as it was and no temporary file behind:
a small watchdog process removes the temporary file when the build process
dies without having renamed it.
"""

import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# Runs in its own session so that a kill of the build's process group spares it;
# it waits for the build to close the pipe (or die), then removes the file if it is still there.
WATCHDOG = """
import os, sys
sys.stdin.read()
try:
    os.remove(sys.argv[1])
except FileNotFoundError:
    pass
"""


@contextlib.contextmanager
def atomic_output(output: Path, keep: bool = True):
    """Yield a temporary path next to `output`; on success move it to `output` if `keep`.

    Without `keep` (a --check run) the file goes to the system's temporary
    directory instead, so that nothing is created next to `output`.
    """
    output = Path(output).resolve()
    if keep:
        output.parent.mkdir(parents=True, exist_ok=True)
    directory = output.parent if keep else None
    handle, name = tempfile.mkstemp(dir=directory, prefix=f".{output.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    os.chmod(temporary, 0o644)  # mkstemp makes it private; the database is public
    watchdog = subprocess.Popen(
        [sys.executable, "-c", WATCHDOG, str(temporary)],
        stdin=subprocess.PIPE, start_new_session=True,
    )
    try:
        yield temporary
        if keep:
            _flush_to_disk(temporary)
            os.replace(temporary, output)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        watchdog.stdin.close()
        watchdog.wait()


def _flush_to_disk(path):
    # The build runs with synchronous=off; make the bytes durable before the swap.
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
