"""The sessions the download page lists: date, plan, length, help calls; read-only from the journal.
The page shows them in its reader's language (kiosk.downloads.page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path

from kiosk.session_report import summarise
from kiosk.store.reader import JournalMissing, read_journal

LISTED = 200  # the newest sessions shown; "everything" and a date range still reach the older ones


@dataclass(frozen=True)
class SessionLine:
    session_id: str
    started: datetime
    plan: str
    minutes: float | None
    help_calls: int
    status: str


def list_sessions(database: Path, zone: tzinfo, limit: int = LISTED) -> list[SessionLine]:
    """The newest sessions first."""
    try:
        with read_journal(database) as reader:
            _, last, count = reader.seq_range()
            if not count:
                return []
            out = []
            for start in (s for s in reader.newest_session_starts(limit) if s.session_id):
                s = summarise(start, reader.session(start.session_id, last))
                ended = s.state.ended_at
                out.append(SessionLine(start.session_id, datetime.fromtimestamp(start.wall, zone),
                                       s.state.plan.name if s.state.plan else "?",
                                       (ended - start.wall) / 60 if ended else None, len(s.calls), s.status))
            return out
    except JournalMissing:
        return []


def known_session(database: Path, session_id: str) -> bool:
    try:
        with read_journal(database) as reader:
            return bool(reader.session(session_id, 2 ** 62))
    except JournalMissing:
        return False
