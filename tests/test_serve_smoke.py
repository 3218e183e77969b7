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


def test_publish_commands_carry_the_same_settings_and_plugins():
    import shlex
    import subprocess

    import datasette_args

    for target in ("publish-cloudrun", "publish-fly"):
        result = subprocess.run(["make", "--no-print-directory", "-s", target], cwd=ROOT,
                                capture_output=True, text=True, timeout=600, check=True)
        words = shlex.split(result.stdout.strip().splitlines()[-1])  # as a shell would read it when pasted
        assert words[1:3] == ["publish", target.split("-")[1]]
        assert " ".join(words).count("--metadata metadata.yml --plugins-dir plugins --template-dir templates") == 1
        installs = [words[i + 1] for i, word in enumerate(words) if word == "--install"]
        assert installs == datasette_args.install_flags()[1::2]
        extra = words[words.index("--extra-options") + 1]
        assert shlex.split(extra) == datasette_args.setting_flags()
