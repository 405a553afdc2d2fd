"""`kiosk doctor` as a command: text and --json, exit codes, against a fake Pi tree."""

from __future__ import annotations

import json

from kiosk.cli import main
from tests.doctor.conftest import FakePi


def write_config(pi: FakePi, extra: str = "") -> str:
    path = pi.write("etc/room-kiosk/kiosk.toml", f'room = "Room 3"\npin = "4826"\n{extra}'
                                                  '[paths]\ndata = "/var/lib/room-kiosk"\n')  # as the Pi names it
    return str(path)


def test_json_for_a_healthy_tree_exits_zero(pi: FakePi, capsys, monkeypatch):
    pi.healthy()
    config = write_config(pi)
    code = main(["--config", config, "doctor", "--json", "--root", str(pi.root)])
    out = json.loads(capsys.readouterr().out)
    problems = [c for c in out["checks"] if c["status"] == "problem"]
    # free space and the clock come from this machine under --root: only they may differ
    assert all(c["check"] in ("data", "clock") for c in problems), problems
    assert code == (1 if problems else 0) and out["ok"] is (not problems)
    assert {"check", "status", "summary", "fix"} <= set(out["checks"][0])


def test_text_prints_each_problem_with_its_fix_and_exits_one(pi: FakePi, capsys):
    pi.healthy().write("proc/asound/cards", "--- no soundcards ---\n")
    config = write_config(pi)
    code = main(["--config", config, "doctor", "--root", str(pi.root)])
    text = capsys.readouterr().out
    assert code == 1
    assert "PROBLEM  audio" in text and "fix: plug in a USB speaker" in text
    assert "ok       touch" in text


def test_under_root_the_trees_own_config_and_data_folder_are_used(pi: FakePi, capsys):
    pi.healthy()
    pi.write("etc/room-kiosk/kiosk.toml", 'room = "Room 7"\npin = "2468"\n[paths]\ndata = "/var/lib/room-kiosk"\n')
    code = main(["doctor", "--json", "--root", str(pi.root)])
    checks = json.loads(capsys.readouterr().out)["checks"]
    config = [c for c in checks if c["check"] == "config"]
    assert code == 1 and "PIN is the default" in config[0]["summary"]
    assert str(pi.root / "etc/room-kiosk/kiosk.toml") in config[0]["summary"]
    data = [c for c in checks if c["check"] == "data"]
    assert str(pi.data) in data[0]["summary"]
