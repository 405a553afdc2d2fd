"""Reading the journal file read-only, one row at a time (the USB export).

A separate SQLite connection opened with mode=ro: it cannot change the journal, takes no write
lock, and in WAL mode reads a consistent snapshot while the kiosk goes on writing. Rows stream
from the cursor, so a year of events is read in bounded memory.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple
from urllib.parse import quote

from kiosk.session import facts as F
from kiosk.session.record import EventRecord

_COLUMNS = "seq, uuid, device_id, wall, mono, boot_id, clock_trusted, session_id, kind, payload"


class RawEvent(NamedTuple):
    seq: int
    uuid: str
    device_id: str
    wall: float
    mono: float
    boot_id: str
    clock_trusted: int
    session_id: str | None
    kind: str
    payload: str


class JournalMissing(FileNotFoundError):
    pass


class JournalReader:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def seq_range(self, since_wall: float | None = None) -> tuple[int, int, int]:
        """(first seq, last seq, count): from the first event at or after since_wall to the last event, and
        how many events that seq range holds (an event after a clock step back may carry an earlier wall
        time: it is in the range all the same). (0, 0, 0) when there are none."""
        first, last = self._db.execute("SELECT MIN(seq), MAX(seq) FROM event WHERE wall >= ?",
                                       (since_wall or float("-inf"),)).fetchone()
        if first is None:
            return (0, 0, 0)
        last = self._db.execute("SELECT MAX(seq) FROM event").fetchone()[0]
        count = self._db.execute("SELECT COUNT(*) FROM event WHERE seq BETWEEN ? AND ?", (first, last)).fetchone()[0]
        return (first, last, count)

    def seq_between(self, since_wall: float, until_wall: float) -> tuple[int, int, int]:
        """(first seq, last seq, count) of the events with since_wall <= wall < until_wall; (0, 0, 0) when none."""
        first, last, count = self._db.execute(
            "SELECT MIN(seq), MAX(seq), COUNT(*) FROM event WHERE wall >= ? AND wall < ?",
            (since_wall, until_wall)).fetchone()
        return (first or 0, last or 0, count or 0)

    def count(self, first_seq: int, last_seq: int) -> int:
        return self._db.execute("SELECT COUNT(*) FROM event WHERE seq BETWEEN ? AND ?",
                                (first_seq, last_seq)).fetchone()[0]

    def events(self, first_seq: int, last_seq: int) -> Iterator[EventRecord]:
        """Every event with first_seq <= seq <= last_seq, in seq order, streamed."""
        return (_record(row) for row in self.rows(first_seq, last_seq))

    def rows(self, first_seq: int, last_seq: int) -> Iterator[RawEvent]:
        """The same, with the payload left as the journal's JSON text (no decoding: the export's fast path)."""
        cursor = self._db.execute(f"SELECT {_COLUMNS} FROM event WHERE seq BETWEEN ? AND ? ORDER BY seq",
                                  (first_seq, last_seq))
        with closing(cursor):
            for row in cursor:
                yield RawEvent(*row)

    def session_starts(self, first_seq: int, last_seq: int) -> Iterator[EventRecord]:
        cursor = self._db.execute(f"SELECT {_COLUMNS} FROM event WHERE kind = ? AND seq BETWEEN ? AND ? "
                                  "ORDER BY seq", (F.SESSION_STARTED, first_seq, last_seq))
        with closing(cursor):
            yield from (_record(row) for row in cursor.fetchall())

    def newest_session_starts(self, limit: int) -> list[EventRecord]:
        """The newest `limit` session.started records, newest first (the download page's list)."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM event WHERE kind = ? ORDER BY seq DESC LIMIT ?",
                                (F.SESSION_STARTED, limit)).fetchall()
        return [_record(row) for row in rows]

    def session(self, session_id: str, last_seq: int) -> list[EventRecord]:
        """One session's records up to last_seq (a session is at most a few hundred events)."""
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM event WHERE session_id = ? AND seq <= ? ORDER BY seq",
                                (session_id, last_seq)).fetchall()
        return [_record(row) for row in rows]


@contextmanager
def read_journal(path: Path | str) -> Iterator[JournalReader]:
    """The journal at path, read-only, inside one read transaction (one consistent snapshot)."""
    path = Path(path)
    if not path.is_file():
        raise JournalMissing(f"there is no journal at {path}: nothing has been logged on this kiosk yet")
    db = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, isolation_level=None,
                         check_same_thread=False)
    try:
        db.execute("BEGIN")
        yield JournalReader(db)
        db.execute("COMMIT")
    finally:
        db.close()


def _record(row: tuple) -> EventRecord:
    seq, uuid, device_id, wall, mono, boot_id, trusted, session_id, kind, payload = row
    return EventRecord(uuid=uuid, seq=seq, device_id=device_id, wall=wall, mono=mono, boot_id=boot_id,
                       clock_trusted=bool(trusted), session_id=session_id, kind=kind, payload=json.loads(payload))
