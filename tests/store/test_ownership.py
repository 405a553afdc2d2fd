"""One kiosk per data folder: a second writer is refused, readers and `sync now` work beside it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kiosk.clock import FakeClock
from kiosk.config import Config, PathsConfig
from kiosk.session import facts as F
from kiosk.station import Station
from kiosk.store.journal import Journal, JournalReadOnly
from kiosk.store.ownership import DataFolderInUse, lock_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def owner(tmp_path: Path):
    """A running kiosk's journal, in another process."""
    data = tmp_path / "data"
    data.mkdir()
    child = subprocess.Popen([sys.executable, "-m", "tests.store.owner_child", str(data / "kiosk.sqlite3")],
                             cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    yield data, child
    if child.poll() is None:
        child.stdin.close()
        child.wait(timeout=10)


def kinds(path: Path) -> list[str]:
    with sqlite3.connect(path) as con:
        return [k for (k,) in con.execute("select kind from event order by seq")]


def kiosk(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SDL_VIDEODRIVER": "offscreen", "SDL_AUDIODRIVER": "dummy", "KIOSK_CONFIG": os.devnull,
           "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_a_second_kiosk_run_is_refused_and_names_the_running_one(owner):
    data, child = owner
    before = kinds(data / "kiosk.sqlite3")
    done = kiosk("run", "--windowed", "--data", str(data))
    assert done.returncode == 2, done.stderr
    assert f"in use by another process: pid {child.pid}" in done.stderr
    assert "tests.store.owner_child" in done.stderr and "systemctl stop room-kiosk" in done.stderr
    assert "Traceback" not in done.stderr
    assert kinds(data / "kiosk.sqlite3") == before  # no false session.interrupted in the running session
    child.stdin.write("append\n")
    child.stdin.flush()
    assert int(child.stdout.readline()) == len(before) + 1  # the running kiosk's next write still succeeds


def test_read_only_commands_work_beside_a_running_kiosk(owner):
    data, _child = owner
    sessions = kiosk("sessions", "--data", str(data))
    assert sessions.returncode == 0, sessions.stderr
    assert "[unfinished, in Opening]" in sessions.stdout and "in use" not in sessions.stderr
    status = kiosk("sync", "status", "--data", str(data))
    assert status.returncode == 0, status.stderr


def test_the_lock_goes_with_the_process_however_it_dies(owner, tmp_path: Path):
    data, child = owner
    config = Config(paths=PathsConfig(data=data))
    with pytest.raises(DataFolderInUse, match=f"pid {child.pid}"):
        Station(config, clock=FakeClock())
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    station = Station(config, clock=FakeClock())
    try:
        last = station.journal.append("test.tick", {}).result(timeout=10).seq
        assert [r.seq for r in station.journal.records()] == list(range(1, last + 1))
        [started] = station.journal.records(kinds=[F.SESSION_STARTED])
        [interrupted] = station.journal.records(kinds=[F.SESSION_INTERRUPTED])
        assert interrupted.session_id == started.session_id
    finally:
        station.stop()
    assert lock_path(data / "kiosk.sqlite3").read_text() == ""  # released on a clean stop, says no owner


def test_a_second_journal_in_one_process_may_read_but_not_append(tmp_path: Path):
    path = tmp_path / "kiosk.sqlite3"
    first = Journal(path, FakeClock())
    second = Journal(path, FakeClock())
    try:
        first.append("test.tick", {}).result(timeout=10)
        with pytest.raises(DataFolderInUse, match=f"pid {os.getpid()}"):
            second.append("test.tick", {})
        assert [r.seq for r in second.records()] == [1]
    finally:
        second.close()
        first.close()


def test_a_journal_that_becomes_the_owner_continues_the_last_owners_sequence(tmp_path: Path):
    path = tmp_path / "kiosk.sqlite3"
    first = Journal(path, FakeClock())
    first.append("test.tick", {}).result(timeout=10)
    waiting = Journal(path, FakeClock())  # opened while the first still writes
    for _ in range(2):
        first.append("test.tick", {}).result(timeout=10)
    first.close()
    try:
        assert waiting.append("test.tick", {}).result(timeout=10).seq == 4
    finally:
        waiting.close()


def test_a_read_then_write_transaction_waits_for_another_writer_instead_of_failing(tmp_path: Path):
    """`kiosk sync now` marks while the running kiosk appends: the mark must wait its turn."""
    path = tmp_path / "kiosk.sqlite3"
    journal = Journal(path, FakeClock())
    journal.append("test.tick", {}).result(timeout=10)
    other = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    read_done, other_done, errors = threading.Event(), threading.Event(), []

    def other_writer() -> None:
        read_done.wait(10)
        try:
            other.execute("insert into meta(key, value) values ('other', 'x')")
        except sqlite3.Error as exc:
            errors.append(exc)
        other_done.set()

    def read_then_write() -> None:
        journal.models.Event.select().count()
        read_done.set()
        other_done.wait(0.5)  # with a deferred BEGIN the other writer commits here, after our read
        journal.models.Meta.insert(key="mine", value="y").execute()

    thread = threading.Thread(target=other_writer)
    thread.start()
    try:
        journal.write(read_then_write).result(timeout=20)
    finally:
        thread.join(20)
        other.close()
        journal.close()
    assert errors == []
    with sqlite3.connect(path) as con:
        assert dict(con.execute("select key, value from meta where key in ('mine', 'other')")) == \
            {"mine": "y", "other": "x"}


def test_read_only_commands_write_nothing_not_even_a_device_id(tmp_path: Path):
    data = tmp_path / "data"
    first = Journal(data / "kiosk.sqlite3", FakeClock())
    first.append("test.tick", {}).result(timeout=10)
    first.close()
    with sqlite3.connect(data / "kiosk.sqlite3") as con:
        con.execute("delete from meta")
    before = (data / "kiosk.sqlite3").read_bytes()
    data.chmod(0o555)  # a folder it could not write even if it tried (root ignores this; the ro open does not)
    try:
        for command in (("sessions",), ("sync", "status")):
            done = kiosk(*command, "--data", str(data))
            assert done.returncode == 0, done.stderr
    finally:
        data.chmod(0o755)
    assert (data / "kiosk.sqlite3").read_bytes() == before
    with sqlite3.connect(data / "kiosk.sqlite3") as con:
        assert con.execute("select count(*) from meta").fetchone()[0] == 0
    reader = Journal(data / "kiosk.sqlite3", FakeClock(), read_only=True)
    try:
        with pytest.raises(JournalReadOnly):
            reader.append("test.tick", {})
        assert [r.seq for r in reader.records()] == [1] and not reader._writer.is_alive()
    finally:
        reader.close()
