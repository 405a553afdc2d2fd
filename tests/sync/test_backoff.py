from __future__ import annotations

import random
from email.utils import format_datetime
from datetime import datetime, timezone

import pytest

from kiosk.sync.backoff import Backoff, parse_retry_after


def test_full_jitter_draws_between_zero_and_a_doubling_capped_ceiling():
    seen = []
    backoff = Backoff(base=0.5, cap=8.0, uniform=lambda lo, hi: seen.append((lo, hi)) or hi)
    delays = [backoff.next_delay() for _ in range(7)]
    assert [hi for _, hi in seen] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert all(lo == 0.0 for lo, _ in seen)
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_jitter_is_spread_not_fixed():
    backoff = Backoff(base=1.0, cap=1.0, uniform=random.Random(7).uniform)
    delays = {round(backoff.next_delay(), 3) for _ in range(50)}
    assert len(delays) > 40 and min(delays) >= 0.0 and max(delays) <= 1.0


def test_reset_starts_again_from_base():
    backoff = Backoff(base=1.0, cap=100.0, uniform=lambda lo, hi: hi)
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.next_delay() == 1.0


def test_retry_after_is_a_floor():
    backoff = Backoff(base=1.0, cap=4.0, uniform=lambda lo, hi: lo)
    assert backoff.next_delay(retry_after=3.0) == 3.0
    assert backoff.next_delay(retry_after=None) == 0.0


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="base"):
        Backoff(base=0, cap=1)


def test_parse_retry_after_seconds_date_and_garbage():
    now = datetime(2026, 11, 25, 14, 0, 0, tzinfo=timezone.utc).timestamp()
    assert parse_retry_after("7", now) == 7.0
    later = format_datetime(datetime(2026, 11, 25, 14, 0, 30, tzinfo=timezone.utc), usegmt=True)
    assert parse_retry_after(later, now) == pytest.approx(30.0)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("-5", now) == 0.0
    earlier = format_datetime(datetime(2026, 11, 25, 13, 59, 0, tzinfo=timezone.utc), usegmt=True)
    assert parse_retry_after(earlier, now) == 0.0, "a date already past means: now, not a second from now"


from hypothesis import given, strategies as st  # noqa: E402


@given(base=st.floats(0.01, 5), factor=st.floats(1, 100), failures=st.integers(0, 80),
       retry_after=st.none() | st.floats(0, 1000), seed=st.integers(0, 2**32))
def test_every_delay_is_jittered_under_the_ceiling_and_never_before_retry_after(base, factor, failures,
                                                                               retry_after, seed):
    cap = base * factor
    backoff = Backoff(base=base, cap=cap, uniform=random.Random(seed).uniform)
    for _ in range(failures):
        backoff.next_delay()
    ceiling = min(cap, base * 2 ** failures)
    delay = backoff.next_delay(retry_after)
    if retry_after is None:
        assert 0.0 <= delay <= ceiling
    else:
        assert delay >= min(retry_after, cap * 10)
        assert delay <= max(ceiling, min(retry_after, cap * 10))
