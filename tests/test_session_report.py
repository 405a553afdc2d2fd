"""`kiosk sessions` says what happened: a schedule the hard end made is not called the plan's."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk import language
from kiosk.clock import FakeClock
from kiosk.config import Config, PathsConfig
from kiosk.room import Room
from kiosk.session.plan import Plan
from kiosk.session_report import describe_sessions
from kiosk.store.journal import Journal, existing_journal

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def english_after():
    yield
    language.use("en")


def _session(tmp_path, start: tuple[int, int], holding_for: float, hard_end: str | None = "10:45",
             day: tuple[int, int, int] = (2026, 12, 1)) -> str:
    """One session begun at `start` (local), its opening timed, its holding held `holding_for` seconds."""
    clock = FakeClock(start=datetime(*day, *start, tzinfo=LONDON).timestamp())
    config = replace(Config(), timezone="Europe/London", plans=(Plan("School", hard_end=hard_end),),
                     paths=PathsConfig(data=tmp_path))
    journal = Journal(config.paths.database, clock)
    room = Room(config, journal, clock)
    room.begin()
    clock.advance(300)
    room.tick()
    clock.advance(holding_for)
    room.go_to_closing()
    clock.advance(300)
    room.tick()
    journal.close()
    with existing_journal(config.paths.database, clock, read_only=True) as reader:
        return describe_sessions(reader, room.zone)


def _line(report: str, phase: str) -> str:
    return next(line for line in report.splitlines() if line.split() and line.split()[0] == phase)


def test_a_closing_the_hard_end_scheduled_says_so_and_the_shortened_holding_says_from_what(tmp_path):
    report = _session(tmp_path, (10, 12), holding_for=22 * 60)
    assert "must end by 10:45" in report
    holding, closing = _line(report, "Holding"), _line(report, "Closing")
    assert "planned 10:17:00-10:40:00, shortened from 40.0 min to keep the hard end" in holding
    assert "planned 23.0 min" in holding and "(1.0 min short)" in holding
    assert "closing by 10:45 (hard end)" in closing and "planned 10:" not in closing
    assert "began: held to close" in closing and "(as planned)" in closing
    assert "planned 10:12:00-10:17:00;" in _line(report, "Opening")  # the opening is the plan's own


def test_without_a_hard_end_in_the_way_the_plan_is_the_plan(tmp_path):
    report = _session(tmp_path, (9, 0), holding_for=40 * 60)
    assert "planned 09:05:00-09:45:00;" in _line(report, "Holding") and "shortened" not in report
    assert "planned 09:45:00-09:50:00;" in _line(report, "Closing") and "hard end)" not in report
    assert "(as planned)" in _line(report, "Holding")


def test_a_session_begun_too_late_for_its_hard_end_says_the_closing_could_not_keep_it(tmp_path):
    report = _session(tmp_path, (10, 44), holding_for=60)
    assert "planned 10:49:00-10:49:00, shortened from 40.0 min" in _line(report, "Holding")
    assert "too late to end by the hard end" in _line(report, "Closing")


def test_a_session_begun_after_its_hard_end_says_the_end_had_passed(tmp_path):
    report = _session(tmp_path, (11, 0), holding_for=60)
    assert "must end by 10:45, which had passed when the session began" in report


def test_a_hard_end_on_the_next_day_says_which_day(tmp_path):
    late = _session(tmp_path, (23, 0), holding_for=60, hard_end="08:00")
    assert "must end by Wed 2 Dec 08:00\n" in late and "which had passed" not in late


def test_a_summer_session_reads_in_summer_time(tmp_path):
    """The hard end and the times are the room's clock in July (BST), as in December (GMT)."""
    report = _session(tmp_path, (10, 12), holding_for=22 * 60, day=(2026, 7, 1))
    assert report.startswith("Wed, 1 Jul 2026 10:12")
    assert "closing by 10:45 (hard end)" in _line(report, "Closing")


def test_the_labels_in_german_and_welsh(tmp_path):
    language.use("de")
    report = _session(tmp_path / "de", (10, 12), holding_for=22 * 60)
    assert report.startswith("Di., 1. Dez. 2026 10:12  School  [abgeschlossen]")
    assert "Abschluss bis 10:45 (festes Ende)" in _line(report, "Abschluss")
    assert "von 40,0 Min. gekürzt, damit das feste Ende bleibt" in _line(report, "Gehaltene")
    language.use("cy")
    report = _session(tmp_path / "cy", (10, 12), holding_for=22 * 60)
    assert report.startswith("Maw, 1 Rhag 2026 10:12  School  [wedi'i chwblhau]")
    assert "diweddglo erbyn 10:45 (amser gorffen pendant)" in _line(report, "Diweddglo")
