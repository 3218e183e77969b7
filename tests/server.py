"""Start a real server on 127.0.0.1 for a bounded time and stop it by its own process id."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import datasette_args  # noqa: E402  (the flags `make serve` uses, from settings.json)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_command(db_path, port, python=sys.executable):
    """The command `make serve` runs, for a given database and port."""
    flags = datasette_args.setting_flags()
    return [
        python, "-m", "datasette", "serve", "-i", str(db_path),
        "--metadata", str(ROOT / "metadata.yml"), "--plugins-dir", str(ROOT / "plugins"),
        "--template-dir", str(ROOT / "templates"), "--host", "127.0.0.1", "--port", str(port), *flags,
    ]


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


@contextlib.contextmanager
def running(command, port, timeout=60, cwd=ROOT, log=None):
    """Run `command` in its own process group; yield its base URL; stop it by pid."""
    process = subprocess.Popen(
        command, cwd=cwd, start_new_session=True, stdin=subprocess.DEVNULL,
        stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/-/versions.json", process, timeout)
        yield base
    finally:
        stop(process)


def stop(process, grace=10):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)  # the group: make and the datasette it started
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(grace)
