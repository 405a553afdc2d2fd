"""The one-time code: six digits, five minutes, once; five wrong tries rest the page."""

from __future__ import annotations

from hypothesis import given, strategies as st

from kiosk.clock import FakeClock
from kiosk.downloads.codes import ACCEPTED, EXPIRED, RESTING, USED, WRONG, CodeGate, new_code


def gate(clock: FakeClock, code: str = "123456", **kw) -> CodeGate:
    return CodeGate(clock.monotonic, lambda: code, **kw)


def test_a_new_code_is_six_digits_and_they_differ():
    codes = {new_code() for _ in range(200)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 190


def test_the_right_code_works_once():
    clock = FakeClock()
    g = gate(clock)
    assert g.try_code("123456").outcome == ACCEPTED
    assert g.try_code("123456").outcome == USED


def test_the_code_expires_after_five_minutes():
    clock = FakeClock()
    g = gate(clock)
    clock.advance(299.9)
    assert not g.expired()
    clock.advance(0.1)
    assert g.try_code("123456").outcome == EXPIRED


def test_five_wrong_tries_rest_the_gate_even_for_the_right_code_then_it_wakes():
    clock = FakeClock()
    g = gate(clock, rest=300)
    for left in (4, 3, 2, 1):
        v = g.try_code("000000")
        assert (v.outcome, v.tries_left) == (WRONG, left)
    assert g.try_code("000000").outcome == RESTING
    assert g.try_code("123456").outcome == RESTING
    clock.advance(300)
    g.issue()
    assert g.try_code("123456").outcome == ACCEPTED


def test_a_new_code_retires_the_old_one():
    clock = FakeClock()
    codes = iter(["111111", "222222"])
    g = CodeGate(clock.monotonic, lambda: next(codes))
    g.issue()
    assert g.try_code("111111").outcome == WRONG
    assert g.try_code("222222").outcome == ACCEPTED


@given(st.lists(st.text(max_size=12), max_size=30))
def test_no_sequence_of_wrong_guesses_gets_in_or_gives_more_than_five_tries(guesses):
    clock = FakeClock()
    g = gate(clock, code="765432")
    wrong = 0
    for guess in guesses:
        if guess.strip().replace(" ", "") == "765432":
            continue
        v = g.try_code(guess)
        assert v.outcome in (WRONG, RESTING)
        wrong += 1
        if wrong >= 5:
            assert v.outcome == RESTING
