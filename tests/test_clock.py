"""The clock seam."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from kiosk import clock as clockmod
from kiosk.clock import FakeClock, SystemClock, resolve_zone, time_of_day_after
from kiosk.session.record import iso_utc, parse_iso_utc

LONDON = ZoneInfo("Europe/London")


def test_hard_end_later_today():
    now = datetime(2026, 11, 25, 9, 0, tzinfo=LONDON).timestamp()
    assert time_of_day_after(now, "10:45", LONDON) == datetime(2026, 11, 25, 10, 45, tzinfo=LONDON).timestamp()


def test_hard_end_just_passed_is_today_not_tomorrow():
    now = datetime(2026, 11, 25, 11, 0, tzinfo=LONDON).timestamp()
    assert time_of_day_after(now, "10:45", LONDON) < now


def test_hard_end_long_passed_is_tomorrow():
    now = datetime(2026, 11, 25, 23, 30, tzinfo=LONDON).timestamp()
    assert time_of_day_after(now, "08:15", LONDON) == datetime(2026, 11, 26, 8, 15, tzinfo=LONDON).timestamp()


@given(st.floats(min_value=0, max_value=4e9))
def test_iso_round_trip_keeps_milliseconds(ts):
    assert abs(parse_iso_utc(iso_utc(ts)) - ts) < 0.001
    assert iso_utc(ts).endswith("Z")


def test_unknown_synchronisation_is_not_trusted(monkeypatch, tmp_path):
    monkeypatch.setattr(clockmod, "_SYNC_FLAG", tmp_path / "absent")
    monkeypatch.setattr(clockmod, "_kernel_clock_state", lambda: None)
    assert SystemClock().wall_trusted() is False
    monkeypatch.setattr(clockmod, "_kernel_clock_state", lambda: clockmod._TIME_ERROR)
    assert SystemClock().wall_trusted() is False
    monkeypatch.setattr(clockmod, "_kernel_clock_state", lambda: 0)
    assert SystemClock().wall_trusted() is True
    monkeypatch.setattr(clockmod, "_kernel_clock_state", lambda: None)
    (tmp_path / "flag").touch()
    monkeypatch.setattr(clockmod, "_SYNC_FLAG", tmp_path / "flag")
    assert SystemClock().wall_trusted() is True


def test_the_kernel_is_asked_without_a_subprocess():
    state = clockmod._kernel_clock_state()
    assert state is None or 0 <= state <= 5


def test_the_boot_id_is_read_from_the_kernel():
    assert len(SystemClock().boot_id) >= 32


def test_a_fake_reboot_restarts_monotonic_time():
    c = FakeClock()
    c.advance(5)
    wall = c.now()
    c.reboot(60, "b2")
    assert c.now() == wall + 60 and c.monotonic() == 10.0 and c.boot_id == "b2"


# --- the room's time zone -------------------------------------------------------------------------

WINTER = datetime(2026, 1, 15, 8, 0, tzinfo=timezone.utc).timestamp()
SUMMER = datetime(2026, 7, 15, 8, 0, tzinfo=timezone.utc).timestamp()


def test_with_no_timezone_configured_the_system_zone_keeps_its_summer_time(tmp_path: Path):
    """Resolved in winter, used in summer: "must end by 10:45" is 10:45 BST, not 10:45 GMT."""
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Europe/London")
    zone, source = resolve_zone(None, env={}, localtime=link)
    assert str(zone) == "Europe/London" and "Europe/London" in source
    assert datetime.fromtimestamp(time_of_day_after(SUMMER, "10:45", zone), timezone.utc).strftime("%H:%M") == "09:45"
    assert datetime.fromtimestamp(time_of_day_after(WINTER, "10:45", zone), timezone.utc).strftime("%H:%M") == "10:45"


def test_tz_wins_over_localtime_and_a_copied_zone_file_still_has_its_rules(tmp_path: Path):
    copy = tmp_path / "localtime"
    copy.write_bytes(Path("/usr/share/zoneinfo/Europe/Berlin").read_bytes())  # a copy, not a link
    zone, _ = resolve_zone(None, env={}, localtime=copy)
    assert datetime.fromtimestamp(SUMMER, zone).utcoffset() == timedelta(hours=2)
    assert datetime.fromtimestamp(WINTER, zone).utcoffset() == timedelta(hours=1)
    zone, source = resolve_zone(None, env={"TZ": ":America/New_York"}, localtime=copy)
    assert str(zone) == "America/New_York" and source == "TZ=America/New_York"


def test_an_unreadable_tz_falls_back_to_the_system_zone_and_nothing_at_all_to_utc(tmp_path: Path):
    zone, _ = resolve_zone(None, env={"TZ": "Not/AZone"}, localtime=Path("/usr/share/zoneinfo/Asia/Tokyo"))
    assert str(zone) == "Asia/Tokyo"
    zone, source = resolve_zone(None, env={}, localtime=tmp_path / "none", etc_timezone=tmp_path / "none")
    assert zone is timezone.utc and "set [top] timezone" in source


def test_a_room_started_in_winter_schedules_a_summer_hard_end_in_summer_time(tmp_path: Path, monkeypatch):
    from kiosk.config import Config
    from kiosk.room import Room
    from kiosk.session.plan import Plan
    from kiosk.store.journal import Journal

    monkeypatch.setenv("TZ", "Europe/London")
    clock = FakeClock(start=WINTER)
    journal = Journal(tmp_path / "kiosk.sqlite3", clock)
    try:
        room = Room(Config(plans=(Plan(name="School", hard_end="10:45"),)), journal, clock)
        clock.wall = SUMMER  # months later, the same process
        room.begin()
        hard_end = room.session.state.hard_end_at
        assert datetime.fromtimestamp(hard_end, ZoneInfo("Europe/London")).strftime("%H:%M %Z") == "10:45 BST"
    finally:
        journal.close()
