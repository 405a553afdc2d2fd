"""`kiosk downloads open` end to end: it prints the address and the code, serves, and Ctrl-C closes it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

from kiosk.store.journal import Journal
from tests.downloads.test_page import csrf

ROOT = Path(__file__).resolve().parents[2]


def test_the_command_prints_address_and_code_serves_and_ctrl_c_closes_it(config, clock, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KIOSK_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "downloads", "open", "--port", "0", "--host",
                             "127.0.0.1", "--data", str(config.paths.data)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(4)]
        text = "".join(lines)
        port = re.search(r"\.local:(\d+)/", text).group(1)
        code = re.search(r"one-time code: (\d{6})", text).group(1)
        assert "Ctrl-C closes the page." in text
        url = f"http://127.0.0.1:{port}"
        s = requests.Session()
        page = s.get(url + "/", timeout=10)
        html = s.post(url + "/code", data={"csrf_token": csrf(page.text), "code": code}, timeout=10).text
        r = s.post(url + "/download", data={"csrf_token": csrf(html), "what": "all", "format": "sessions.csv"},
                   timeout=30)
        assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbfsession_id")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "download page closed" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    journal = Journal(config.paths.database, clock)
    try:
        kinds = [r.kind for r in journal.records(kinds=["downloads.opened", "download.served", "downloads.closed"])]
        assert kinds == ["downloads.opened", "download.served", "downloads.closed"]
    finally:
        journal.close()


def test_beside_a_running_kiosk_the_command_notes_what_it_served_in_meta_not_as_events(config, clock):
    """A second appender would take the running kiosk's sequence numbers; the journal refuses one."""
    import json

    from kiosk.downloads.cli import BESIDE_META, journal_note

    kiosk = Journal(config.paths.database, clock)
    kiosk.claim()
    terminal = Journal(config.paths.database, clock)
    try:
        before = len(kiosk.records())
        note = journal_note(terminal)
        note("download.served", {"file": "x.csv", "bytes": 10, "complete": True, "to": "192.168.1.9"}).result(10)
        kiosk.append("button.connected", {}).result(10)
        assert len(kiosk.records()) == before + 1
        assert json.loads(terminal.get_meta(BESIDE_META))[0]["to"] == "192.168.1.9"
    finally:
        terminal.close()
        kiosk.close()
