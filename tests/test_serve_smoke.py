"""`make serve` really starts and answers on 127.0.0.1."""

import json
import urllib.request

from local_server import ROOT, free_port, running


def test_make_serve_starts_and_answers(tmp_path):
    port = free_port()
    # First run may create .venv and install: allow for it, bounded.
    command = ["make", "serve", "HOST=127.0.0.1", f"PORT={port}"]
    with running(command, port, timeout=600, log_path=tmp_path / "serve.log") as server:
        base = server.base
        with urllib.request.urlopen(base + "/antitrafficking/events.json?_shape=array", timeout=10) as response:
            events = json.load(response)
        with urllib.request.urlopen(base + "/-/settings.json", timeout=10) as response:
            settings = json.load(response)
    assert {event["id"] for event in events} >= {"khujand-anti-trafficking-consultations-2011"}
    expected = json.loads((ROOT / "settings.json").read_text())
    assert {name: settings[name] for name in expected} == expected
    assert (ROOT / "inspect.json").exists()
