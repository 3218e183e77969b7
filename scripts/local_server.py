"""Start a real server on 127.0.0.1 for a bounded time and stop it by its own process id.

Used by the tests and by the benchmarks (bench/run.py, bench/load_mixed.py):
all of them serve as `make serve` does."""

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import datasette_args  # the arguments `make serve` uses (scripts/, beside this file)

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serving_python():
    """The Python of `make serve`'s environment (.venv) if it exists, else this one."""
    candidate = ROOT / ".venv" / "bin" / "python"
    return str(candidate) if candidate.exists() else sys.executable


def serve_command(db_path, port, python=sys.executable, inspect_file=None, extra=()):
    """The command `make serve` runs, for a given database and port (run it from ROOT),
    with `extra` arguments after it (e.g. a --setting a benchmark needs)."""
    return [python, "-m", "datasette", *datasette_args.serve_args(db_path, inspect_file, "127.0.0.1", port), *extra]


def set_parent_death_signal():
    """Run in the child before exec: it gets SIGTERM when its parent dies, so no
    server outlives an interrupted test run or benchmark (Linux; elsewhere a no-op).
    "Parent" is the thread that started it: start servers from the main thread."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def wait_until_up(url, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


class Server:
    """A server started by `running`: its address, its process, and plain HTTP helpers."""

    def __init__(self, port, process, log_path=None):
        self.base, self.port, self.process, self.log_path = f"http://127.0.0.1:{port}", port, process, log_path

    def url(self, path):
        return self.base + path

    def get(self, path, timeout=30):
        """(status, headers, body) without following redirects."""
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(self.base + path, timeout=timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def raw_get(self, target):
        """Send the request line exactly as given (no client-side normalisation)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nConnection: close\r\n\r\n".encode("latin-1"))
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        return int(head[0].split()[1]), headers

    def peak_memory_kb(self):
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@contextlib.contextmanager
def running(command, port, timeout=60, cwd=ROOT, log_path=None):
    """Run `command` in its own process group; yield it as a Server; stop it by pid.
    Its output is appended to `log_path`, if given."""
    with open(log_path, "ab") if log_path else contextlib.nullcontext() as log:
        process = subprocess.Popen(
            command, cwd=cwd, start_new_session=True, stdin=subprocess.DEVNULL, preexec_fn=set_parent_death_signal,
            stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        )
        server = Server(port, process, log_path)
        try:
            wait_until_up(server.base + "/-/versions.json", process, timeout)
            yield server
        finally:
            stop(process)


@contextlib.contextmanager
def serving(db, python=sys.executable, timeout=60, log_path=None, extra=()):
    """`datasette serve` as `make serve` runs it (inspect file included) on a free
    127.0.0.1 port, its output in a log file (by default next to the database)."""
    db = Path(db)
    inspect_file = db.with_suffix(".inspect.json")
    inspected = subprocess.run([python, "-m", "datasette", "inspect", str(db), "--inspect-file", str(inspect_file)],
                               timeout=timeout, capture_output=True, text=True)
    if inspected.returncode != 0:
        raise RuntimeError(f"datasette inspect {db} failed ({inspected.returncode}): {inspected.stderr[-2000:]}")
    port = free_port()
    command = serve_command(db, port, python=python, inspect_file=inspect_file, extra=extra)
    with running(command, port, timeout, log_path=log_path or db.with_name(f"{db.stem}.{port}.log")) as server:
        yield server


def stop(process, grace=10):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)  # the group: make and the datasette it started
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(grace)
