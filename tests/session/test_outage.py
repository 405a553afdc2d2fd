"""What a restart can say about when the kiosk went down."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.session.outage import outage

T = 1_780_000_000.0


def test_down_between_the_last_heartbeat_and_the_one_that_never_came():
    gap = outage(last_event=T - 40, last_heartbeat=T, heartbeat_every=15, now=T + 600)
    assert (gap.last_alive, gap.down_by, gap.back) == (T, T + 15, T + 600)
    assert (gap.seconds_at_least, gap.seconds_at_most) == (585, 600)


def test_an_event_after_the_heartbeat_is_the_last_sign_of_life():
    gap = outage(last_event=T + 10, last_heartbeat=T, heartbeat_every=15, now=T + 600)
    assert (gap.last_alive, gap.down_by) == (T + 10, T + 15)


def test_an_event_after_the_heartbeat_stopped_leaves_the_moment_unknown():
    """The screen froze (no heartbeat) while the button thread still wrote: it stopped some time after."""
    gap = outage(last_event=T + 100, last_heartbeat=T, heartbeat_every=15, now=T + 600)
    assert (gap.last_alive, gap.down_by) == (T + 100, T + 600)


def test_without_a_heartbeat_only_the_last_event_is_known():
    gap = outage(last_event=T, last_heartbeat=None, heartbeat_every=15, now=T + 600)
    assert (gap.last_alive, gap.down_by) == (T, T + 600)


def test_a_restart_before_the_next_heartbeat_was_due_was_down_by_the_restart():
    gap = outage(last_event=None, last_heartbeat=T, heartbeat_every=15, now=T + 5)
    assert (gap.last_alive, gap.down_by, gap.seconds_at_least) == (T, T + 5, 0)


def test_an_event_written_just_as_the_next_heartbeat_was_due_still_dates_the_stop_by_it():
    gap = outage(last_event=T + 15, last_heartbeat=T, heartbeat_every=15, now=T + 600)
    assert (gap.last_alive, gap.down_by) == (T + 15, T + 15)


times = st.one_of(st.none(), st.floats(min_value=T - 1e5, max_value=T, allow_nan=False))


@given(times, times, st.floats(min_value=1, max_value=60), st.floats(min_value=0, max_value=1e6))
def test_the_bounds_are_ordered_and_never_claim_more_than_is_known(event, heartbeat, every, after):
    now = T + after
    gap = outage(event, heartbeat, every, now)
    signs = [t for t in (event, heartbeat) if t is not None]
    assert gap.last_alive == (max(signs) if signs else now)
    assert gap.last_alive <= gap.down_by <= gap.back == now
    assert gap.seconds_at_least <= gap.seconds_at_most
    if heartbeat is not None and gap.down_by < now:
        assert gap.down_by == heartbeat + every  # only a missed heartbeat narrows it
