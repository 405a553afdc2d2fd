"""`kiosk sync status` and `kiosk sync now`, run as the real command against a stub hub."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.clock import SystemClock
from kiosk.store import outbox
from kiosk.store.journal import Journal
from tests.sync.stubhub import POISON

REPO = Path(__file__).resolve().parents[2]


def kiosk(config: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kiosk", "--config", str(config), "sync", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=60)


def write_config(tmp_path: Path, url: str, token: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(f'room = "Room C"\n[hub]\nurl = "{url}"\ntoken = "{token}"\n'
                    f'[paths]\ndata = "{tmp_path / "data"}"\n')
    return path


def test_sync_now_uploads_and_status_lists_what_was_set_aside(tmp_path, stub):
    config = write_config(tmp_path, stub.url, stub.add_room("C"))
    journal = Journal(tmp_path / "data" / "kiosk.sqlite3", SystemClock())
    for i in range(30):
        journal.append("test.event", {"i": i})
    journal.append(POISON, {}).result()
    journal.close()

    before = kiosk(config, "status")
    assert before.returncode == 0, before.stderr
    assert "waiting:   31" in before.stdout and "last sync: never" in before.stdout

    done = kiosk(config, "now")
    assert done.returncode == 0, done.stderr
    assert "sent 30, set aside 1, still waiting 0" in done.stdout
    assert len(stub.events) == 30

    after = kiosk(config, "status")
    assert "waiting:   0" in after.stdout and "set aside: 1" in after.stdout
    assert "#31 poison at " in after.stdout and "HTTP 400: event kind 'poison' breaks this hub" in after.stdout
    assert "last error: none" in after.stdout and "last sync: never" not in after.stdout


def test_sync_now_says_plainly_when_the_token_is_wrong(tmp_path, stub):
    config = write_config(tmp_path, stub.url, "wrong")
    journal = Journal(tmp_path / "data" / "kiosk.sqlite3", SystemClock())
    journal.append("test.event", {}).result()
    journal.close()
    done = kiosk(config, "now")
    assert done.returncode == 1
    assert "the hub refused this kiosk's token: check [hub] token" in done.stderr
    status = kiosk(config, "status")
    assert "last error: the hub refused this kiosk's token" in status.stdout
    journal = Journal(tmp_path / "data" / "kiosk.sqlite3", SystemClock())
    try:
        assert outbox.counts(journal).waiting == 1
    finally:
        journal.close()
