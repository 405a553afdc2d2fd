"""Any-byte and modem-line debouncing, the press pattern, the heartbeat: pure, with made-up times."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.button.anybyte import AnyByteDecoder
from kiosk.button.heartbeat import Heard, Heartbeat
from kiosk.button.modem import ModemLineDebouncer
from kiosk.button.pattern import PressPattern
from kiosk.button.signals import HELP


def test_any_byte_bounces_and_repeats_within_the_quiet_time_are_one_press():
    d = AnyByteDecoder(quiet_seconds=0.15)
    assert d.feed(b"a", 10.00) == [HELP]
    assert d.feed(b"aaa", 10.05) == []
    assert d.feed(b"a", 10.19) == []
    assert d.feed(b"\x00", 10.40) == [HELP]
    assert d.feed(b"", 20.0) == []
    assert d.bytes_seen == 6


_arrivals = st.lists(st.tuples(st.floats(0.0, 0.5), st.binary(min_size=1, max_size=6)), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_arrivals, st.lists(st.integers(min_value=0), max_size=30))
def test_any_byte_presses_do_not_depend_on_how_a_burst_is_split(arrivals, cuts):
    def run(chunks):
        d = AnyByteDecoder(quiet_seconds=0.15)
        return sum(len(d.feed(data, t)) for t, data in chunks)

    t = 0.0
    timed = []
    for gap, data in arrivals:
        t += gap
        timed.append((t, data))
    split = []
    for i, (when, data) in enumerate(timed):
        cut = cuts[i] % (len(data) + 1) if i < len(cuts) else 0
        split += [(when, data[:cut]), (when, data[cut:])]
    assert run(split) == run(timed)


def test_modem_line_needs_a_settled_change_from_open_to_closed():
    d = ModemLineDebouncer(settle_seconds=0.03)
    assert d.sample(False, 0.000) == []
    assert d.sample(True, 0.010) == []
    assert d.sample(False, 0.020) == []
    assert d.sample(True, 0.030) == []
    assert d.sample(True, 0.050) == []
    assert d.sample(True, 0.061) == [HELP]
    assert d.sample(True, 0.500) == []
    assert d.sample(False, 0.510) == []
    assert d.sample(False, 0.545) == []
    assert d.closed is False
    assert d.sample(True, 0.600) == []
    assert d.sample(True, 0.640) == [HELP]


def test_a_line_closed_at_connect_is_not_a_press():
    d = ModemLineDebouncer(settle_seconds=0.03)
    assert d.sample(True, 0.0) == []
    assert d.sample(True, 1.0) == []
    assert d.sample(False, 1.1) == [] and d.sample(False, 1.2) == []
    assert d.sample(True, 1.3) == [] and d.sample(True, 1.4) == [HELP]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.booleans(), min_size=1, max_size=200))
def test_modem_presses_are_settled_open_to_closed_changes(levels):
    """Against a plain reading: a level counts once it has held for the settle time."""
    d = ModemLineDebouncer(settle_seconds=30.0)
    d.sample(False, 0.0)
    got = sum(len(d.sample(level, i * 10.0)) for i, level in enumerate(levels, start=1))

    expected, stable = 0, False
    runs = []
    for i, level in enumerate(levels, start=1):
        if runs and runs[-1][0] == level:
            runs[-1][2] = i * 10.0
        else:
            runs.append([level, i * 10.0, i * 10.0])
    for level, began, ended in runs:
        if level != stable and ended - began >= 30.0:
            stable = level
            expected += level
    assert got == expected


def test_modem_bounce_faster_than_the_settle_time_is_never_a_press():
    d = ModemLineDebouncer(settle_seconds=0.03)
    d.sample(False, 0.0)
    assert all(d.sample(i % 2 == 1, i * 0.01) == [] for i in range(1, 500))


def test_single_press_calls_every_time():
    p = PressPattern("single")
    assert p.pressed(0.0) and p.pressed(0.1)


def test_double_press_needs_two_within_the_window():
    p = PressPattern("double", window_seconds=0.8)
    assert not p.pressed(0.0)
    assert not p.pressed(1.0)
    assert p.pressed(1.7)
    assert not p.pressed(1.9)
    assert p.pressed(2.5)


def test_an_unknown_pattern_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="single, double"):
        PressPattern("triple")


def test_heartbeat_faults_once_after_three_missed_pings_and_recovers():
    h = Heartbeat(timeout=3.5)
    h.connected(0.0)
    assert not h.silent_too_long(100.0)
    assert h.heard(0.5, heartbeat=False) is Heard.NOTHING_NEW
    assert not h.speaks_protocol and not h.silent_too_long(100.0)
    assert h.heard(1.0) is Heard.FIRST
    assert h.heard(2.0) is Heard.NOTHING_NEW
    assert not h.silent_too_long(5.4)
    assert h.silent_too_long(5.6)
    assert not h.silent_too_long(9.0)
    assert h.heard(9.5) is Heard.RECOVERED
    h.connected(20.0)
    assert not h.speaks_protocol and not h.silent_too_long(99.0)


def test_a_required_heartbeat_faults_a_button_that_never_speaks_once_then_its_first_ping_counts():
    h = Heartbeat(timeout=3.5, required=True)
    h.connected(10.0)
    assert h.heard(11.0, heartbeat=False) is Heard.NOTHING_NEW
    assert not h.silent_too_long(13.5)
    assert h.silent_too_long(13.6)
    assert not h.silent_too_long(400.0)
    assert h.heard(401.0) is Heard.FIRST and h.speaks_protocol and not h.faulted
    assert not h.silent_too_long(404.0)
    assert h.silent_too_long(404.6)
