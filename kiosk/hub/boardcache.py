"""The staff board, rendered once a second per language and shared by every staff page of a hub process.

Each open staff page polls /board.json once a second, and rendering all rooms and the last hour's calls is
the hub's most expensive request (tens of ms: the calls query, a localised clock per room and call, the
rooms grid); twenty pages made it twenty times a second. A board differs between readers in its language
and in a few per-session bits (the CSRF token in the call forms, the name the reader answers as): those are
rendered per request from the shared part (kiosk/hub/staff.py), the rest is made once per key here.

The key is (language, the wall second, the help-call token). The token is one cheap SELECT per request of
the rooms' help_version sum and count: every change of a call, in any hub process sharing the database,
bumps its room's help_version (kiosk/hub/helpcalls.py), so a new, acknowledged, resolved or escalated call
is never hidden behind a cached board, whichever process took it. What is not in the token (a room's phase,
last contact, waiting log entries) is at most one second old: the page's own poll period, and the board's
"ago" words change by the second anyway.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from kiosk.hub.database import HubDatabase


def help_token(hub: HubDatabase) -> tuple[int, int]:
    """What changes whenever a help call changes, in any process: (sum of the rooms' help_version, rooms)."""
    from peewee import fn

    Room = hub.models.Room
    row = Room.select(fn.COALESCE(fn.SUM(Room.help_version), 0), fn.COUNT(Room.id)).tuples().first()
    return (int(row[0]), int(row[1])) if row else (0, 0)


class BoardCache:
    """The latest shared board per language. Readers take turns: each reads the key (a cheap SELECT) and,
    when it is new, makes the board while the others wait, so the readers queued behind one board's making
    find it made, instead of each making one and overwriting a newer board with its older key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: dict[str, tuple[tuple, Any]] = {}
        self.made = 0  # boards made (the tests count them)

    def get(self, language: str, key: Callable[[], tuple], make: Callable[[], Any]) -> Any:
        with self._lock:
            now = key()
            held = self._latest.get(language)
            if held is not None and held[0] == now:
                return held[1]
            value = make()
            self.made += 1
            self._latest[language] = (now, value)
            return value
