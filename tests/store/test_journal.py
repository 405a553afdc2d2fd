"""The journal against a real SQLite file."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from kiosk.clock import FakeClock
from kiosk.store import outbox
from kiosk.store.journal import Journal, JournalClosed, JournalFull, JournalReadOnly
from kiosk.store.migrations import SchemaTooNew


@pytest.fixture
def journal(tmp_path: Path):
    j = Journal(tmp_path / "kiosk.sqlite3", FakeClock(trusted=False))
    yield j
    j.close()


def test_durability_settings_are_on(journal: Journal):
    con = journal.db.connection()
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert con.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_an_event_carries_its_whole_envelope(journal: Journal):
    rec = journal.append("session.started", {"x": 1}, session_id="s1").result(timeout=5)
    [stored] = journal.records()
    assert stored == rec
    assert stored.seq == 1 and len(stored.uuid) == 36 and stored.boot_id == "fake-boot"
    assert stored.clock_trusted is False and stored.mono == 1000.0 and stored.wall == 1_780_000_000.0
    assert stored.device_id == journal.device_id


def test_sequence_numbers_are_dense_across_threads_and_restarts(tmp_path: Path):
    path = tmp_path / "k.sqlite3"
    j = Journal(path, FakeClock())
    futures = []
    lock = threading.Lock()

    def writer():
        for _ in range(200):
            f = j.append("t", {})
            with lock:
                futures.append(f)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for f in futures:
        f.result(timeout=10)
    device = j.device_id
    j.close()
    j = Journal(path, FakeClock())
    try:
        assert j.device_id == device
        assert j.append("t", {}).result(timeout=5).seq == 801
        assert [r.seq for r in j.records()] == list(range(1, 802))
    finally:
        j.close()


def test_closed_journal_refuses_writes(tmp_path: Path):
    j = Journal(tmp_path / "k.sqlite3", FakeClock())
    j.close()
    with pytest.raises(JournalClosed, match=f"the journal at {tmp_path / 'k.sqlite3'} is closed"):
        j.append("t", {})
    with pytest.raises(JournalClosed, match=f"the journal at {tmp_path / 'k.sqlite3'} is closed"):
        j.write(lambda: None)


def test_a_read_only_journal_refuses_every_write_and_names_itself(tmp_path: Path):
    from peewee import OperationalError

    writer = Journal(tmp_path / "k.sqlite3", FakeClock())
    device = writer.device_id
    writer.close()
    reader = Journal(tmp_path / "k.sqlite3", FakeClock(), read_only=True)
    try:
        assert reader.device_id == device, "a reader must name the kiosk the journal belongs to"
        with pytest.raises(OperationalError, match="readonly"):
            reader.db.execute_sql("INSERT INTO meta (key, value) VALUES ('x', 'y')")  # opened read-only, not just polite
        for attempt in (lambda: reader.append("t", {}), lambda: reader.write(lambda: None),
                        lambda: reader.set_meta("k", "v")):
            with pytest.raises(JournalReadOnly, match=f"the journal at {tmp_path / 'k.sqlite3'} was opened read-only"):
                attempt()
    finally:
        reader.close()
    with sqlite3.connect(tmp_path / "k.sqlite3") as con:
        con.execute("DELETE FROM meta WHERE key = 'device_id'")
    con.close()
    anonymous = Journal(tmp_path / "k.sqlite3", FakeClock(), read_only=True)
    try:
        assert anonymous.device_id == "", "a reader invents no device id (and writes none)"
    finally:
        anonymous.close()


def test_last_seq_counts_what_was_appended_before_it_is_committed(journal: Journal):
    assert journal.last_seq() == 0
    futures = [journal.append("t", {}) for _ in range(3)]
    assert journal.last_seq() == 3
    assert [f.result(timeout=5).seq for f in futures] == [1, 2, 3]


def test_records_filter_by_session_kind_and_position_and_page_either_way(journal: Journal):
    for i, (kind, session) in enumerate([("a", "s1"), ("b", "s1"), ("a", "s2"), ("b", None), ("a", "s1")]):
        journal.append(kind, {"i": i}, session_id=session)
    journal.flush()
    seqs = lambda **kw: [r.seq for r in journal.records(**kw)]  # noqa: E731
    assert seqs() == [1, 2, 3, 4, 5]
    assert seqs(session_id="s1") == [1, 2, 5]
    assert seqs(kinds=["a"]) == [1, 3, 5] and seqs(kinds=("a", "b")) == [1, 2, 3, 4, 5] and seqs(kinds=[]) == []
    assert seqs(after_seq=2) == [3, 4, 5] and seqs(after_seq=5) == []
    assert seqs(limit=2) == [1, 2] and seqs(limit=2, after_seq=3) == [4, 5]
    assert seqs(newest_first=True) == [5, 4, 3, 2, 1] and seqs(newest_first=True, limit=2) == [5, 4]
    assert seqs(session_id="s1", kinds=["a"], after_seq=1) == [5]


def test_outbox_bookkeeping_lives_in_the_same_database(journal: Journal):
    recs = [journal.append("t", {"i": i}).result(timeout=5) for i in range(5)]
    assert [r.seq for r in outbox.pending(journal)] == [1, 2, 3, 4, 5]
    outbox.mark(journal, [recs[0].uuid, recs[2].uuid], {recs[1].uuid: "kind not allowed"}, now=1.0).result(5)
    assert [r.seq for r in outbox.pending(journal)] == [4, 5]
    assert outbox.counts(journal) == outbox.OutboxCounts(waiting=2, confirmed=2, rejected=1)
    [(rejected, reason)] = outbox.rejected_events(journal)
    assert rejected.uuid == recs[1].uuid and reason == "kind not allowed"
    # marking twice is harmless
    outbox.mark(journal, [recs[0].uuid], {}, now=2.0).result(5)
    assert outbox.counts(journal).confirmed == 2


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path: Path):
    path = tmp_path / "k.sqlite3"
    Journal(path, FakeClock()).close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    with pytest.raises(SchemaTooNew, match="schema version 99"):
        Journal(path, FakeClock())


def test_close_leaves_no_file_open(tmp_path: Path):
    import os

    def open_files() -> set[str]:
        out = set()
        for fd in os.listdir("/proc/self/fd"):
            try:
                out.add(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                pass
        return {p for p in out if str(tmp_path) in p}

    j = Journal(tmp_path / "k.sqlite3", FakeClock())
    j.append("t", {}).result(5)
    j.records()
    j.close()
    assert open_files() == set()


def _held(journal: Journal) -> tuple[threading.Event, "object"]:
    """Holds the writer thread inside a write, so what is appended meanwhile commits as one batch."""
    entered, go = threading.Event(), threading.Event()
    held = journal.write(lambda: (entered.set(), go.wait(10)))
    assert entered.wait(10)
    return go, held


def test_appends_that_wait_together_commit_in_one_insert(journal: Journal, caplog):
    """Group commit: one transaction (one fsync) for a batch, not one per event, and no fallback when it works."""
    go, held = _held(journal)
    real_many, real_one = journal.models.Event.insert_many, journal.models.Event.insert
    batches, singles = [], []
    journal.models.Event.insert_many = lambda rows: (batches.append([r["seq"] for r in rows]), real_many(rows))[1]
    journal.models.Event.insert = lambda row, *a, **k: (singles.append(row["seq"]), real_one(row, *a, **k))[1]
    try:
        with caplog.at_level("WARNING", logger="kiosk.store.journal"):
            futures = [journal.append("t", {}) for _ in range(5)]
            go.set()
            held.result(timeout=10)
            assert [f.result(timeout=10).seq for f in futures] == [1, 2, 3, 4, 5]
    finally:
        del journal.models.Event.insert_many, journal.models.Event.insert
    assert batches == [[1, 2, 3, 4, 5]] and singles == [] and caplog.records == []
    assert [r.seq for r in journal.records()] == [1, 2, 3, 4, 5]


def test_a_batch_the_database_refuses_is_written_one_by_one_so_one_bad_event_loses_only_itself(tmp_path: Path, caplog):
    from peewee import IntegrityError

    journal = Journal(tmp_path / "kiosk.sqlite3", FakeClock())
    go, held = _held(journal)
    real_insert = journal.models.Event.insert

    def insert(row, *a, **k):
        if row.get("kind") == "bad":
            raise IntegrityError("refused by the database")
        return real_insert(row, *a, **k)

    heard: list[list[int]] = []
    def failing(records) -> None:  # a listener that fails must not keep the others from hearing
        raise RuntimeError("a listener's own fault")

    journal.on_commit(failing)
    journal.on_commit(lambda records: heard.append([r.seq for r in records]))
    try:
        journal.models.Event.insert_many = lambda rows: (_ for _ in ()).throw(IntegrityError("the whole batch"))
        journal.models.Event.insert = insert
        with caplog.at_level("ERROR", logger="kiosk.store.journal"):
            futures = [journal.append(kind, {}) for kind in ("good", "bad", "good")]
            go.set()
            held.result(timeout=10)
            outcomes = [f.exception(timeout=10) is None for f in futures]
            journal.flush()
    finally:
        del journal.models.Event.insert_many, journal.models.Event.insert
        journal.close()
    assert outcomes == [True, False, True]
    assert futures[0].result().seq == 1 and futures[2].result().seq == 3
    assert heard == [[1, 3]], "the listeners (the sync worker) hear of what was committed, once, together"
    said = [r.getMessage() for r in caplog.records if r.name == "kiosk.store.journal"]
    assert said[0] == f"journal commit of 3 events to {tmp_path / 'kiosk.sqlite3'} failed; writing them one by one"
    assert "journal: event 2 (bad) could not be written: refused by the database" in said, said
    assert f"journal commit listener {failing!r} failed" in said, said
    reopened = Journal(tmp_path / "kiosk.sqlite3", FakeClock())
    try:
        assert [r.kind for r in reopened.records()] == ["good", "good"]
    finally:
        reopened.close()


def test_a_full_queue_refuses_the_next_write_and_says_what_to_check(tmp_path: Path):
    journal = Journal(tmp_path / "kiosk.sqlite3", FakeClock(), max_queued=2)
    go, held = _held(journal)
    try:
        waiting = [journal.append("t", {}), journal.write(lambda: "second")]
        with pytest.raises(JournalFull) as refused:
            journal.append("t", {})
        assert str(refused.value) == (f"the journal at {tmp_path / 'kiosk.sqlite3'} is not keeping up: 2 writes are "
                                      "waiting for the disk. Check the SD card or disk (kiosk doctor; dmesg)")
        go.set()
        assert waiting[0].result(timeout=10).seq == 1 and waiting[1].result(timeout=10) == "second"
        assert journal.append("t", {}).result(timeout=10).seq == 2, "a refused append used up a sequence number"
    finally:
        go.set()
        journal.close()


def test_a_write_that_fails_tells_its_caller_and_the_log_and_the_writer_goes_on(journal: Journal, caplog):
    def broken() -> None:
        raise ValueError("a sync mark's own fault")

    with caplog.at_level("ERROR", logger="kiosk.store.journal"):
        failed = journal.write(broken)
        with pytest.raises(ValueError, match="a sync mark's own fault"):
            failed.result(timeout=10)
    assert [r.getMessage() for r in caplog.records] == [f"journal write {broken!r} to {journal.path} failed"]
    assert journal.write(lambda: "next").result(timeout=10) == "next"
    assert journal.append("t", {}).result(timeout=10).seq == 1


def test_a_new_journal_names_its_kiosk_with_a_uuid(journal: Journal):
    """Kept across opens: test_sequence_numbers_are_dense_across_threads_and_restarts."""
    import uuid

    assert str(uuid.UUID(journal.device_id)) == journal.device_id


def test_a_device_id_another_process_stored_first_is_the_one_taken(journal: Journal):
    """Two processes opening a new journal at once: the one whose insert is ignored adopts the stored id."""
    stored = journal.device_id
    real_get_meta, asked = journal.get_meta, []

    def not_seen_yet(key: str):
        asked.append(key)
        return None if len(asked) == 1 else real_get_meta(key)  # the first look finds nothing: the race

    journal.get_meta = not_seen_yet
    try:
        assert journal._device_id() == stored
    finally:
        del journal.get_meta
    assert asked == ["device_id", "device_id"]
