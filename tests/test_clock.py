"""The clock seam."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from kiosk import clock as clockmod
from kiosk.clock import FakeClock, SystemClock, iso_utc, parse_iso_utc, time_of_day_after

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
