"""Journals with real sessions in them, for the export tests and the bench."""

from __future__ import annotations

from pathlib import Path

from kiosk.clock import FakeClock
from kiosk.config import Config, PathsConfig
from kiosk.room import Room
from kiosk.session import facts as F
from kiosk.store.journal import Journal


def kiosk_config(data: Path, **changes) -> Config:
    from dataclasses import replace

    return replace(Config(room="Willow room", timezone="Europe/London", paths=PathsConfig(data=data)), **changes)


def run_sessions(config: Config, clock: FakeClock, sessions: int = 2) -> None:
    """Whole sessions with a cue, an extension, a help call (acknowledged by Sam, resolved) and a restart."""
    journal = Journal(config.paths.database, clock)
    room = Room(config, journal, clock)
    for n in range(sessions):
        room.begin()
        clock.advance(300)
        room.tick()
        room.extend(300)
        clock.advance(60)
        room.raise_help("button")
        room.change_help(F.HELP_DELIVERED)
        clock.advance(30)
        room.change_help(F.HELP_ACKNOWLEDGED, by="=Sam at reception")
        clock.advance(120)
        room.change_help(F.HELP_RESOLVED, by="kiosk")
        clock.advance(2100)
        room.tick()
        room.go_to_closing()
        clock.advance(300)
        room.tick()
        clock.advance(3600)
        room.tick()
    journal.flush()
    journal.close()


def bulk_events(config: Config, clock: FakeClock, count: int, batch: int = 5000) -> None:
    """count events written straight through the journal (the bench's year of logs)."""
    journal = Journal(config.paths.database, clock)
    pending = []
    for i in range(count):
        pending.append(journal.append("button.connected" if i % 3 else "settings.changed",
                                      {"at": clock.now(), "detail": f"event {i} · ünïcode", "n": i}))
        clock.advance(300)
        if len(pending) >= batch:
            pending[-1].result(60)
            pending.clear()
    journal.flush(120)
    journal.close()
