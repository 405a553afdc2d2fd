"""The PIN rule: five wrong tries rest the pad a minute; the right PIN clears the count."""

from __future__ import annotations

from kiosk.session.pin import MAX_TRIES, REST_SECONDS, PinGuard, PinVerdict, try_pin


def test_five_wrong_tries_rest_the_pad_and_nothing_is_checked_while_it_rests():
    guard = PinGuard()
    for n in range(1, MAX_TRIES):
        guard, verdict = try_pin(guard, "1111", "4826", 100.0)
        assert verdict is PinVerdict.WRONG and guard.tries == n
    guard, verdict = try_pin(guard, "1111", "4826", 100.0)
    assert verdict is PinVerdict.REST and guard.rest_left(100.0) == REST_SECONDS
    assert try_pin(guard, "4826", "4826", 100.0 + REST_SECONDS - 1)[1] is PinVerdict.RESTING  # even the right one
    guard, verdict = try_pin(guard, "4826", "4826", 100.0 + REST_SECONDS)
    assert verdict is PinVerdict.CORRECT and guard == PinGuard()


def test_the_right_pin_clears_the_wrong_tries_before_it():
    guard, _ = try_pin(PinGuard(), "0000", "4826", 0.0)
    guard, verdict = try_pin(guard, "4826", "4826", 1.0)
    assert verdict is PinVerdict.CORRECT and guard.tries == 0
    assert try_pin(PinGuard(), "48260", "4826", 0.0)[1] is PinVerdict.WRONG  # a longer entry is not a match


def test_after_a_rest_the_pad_again_allows_five_wrong_tries_before_the_next():
    guard = PinGuard()
    for _ in range(MAX_TRIES):
        guard, verdict = try_pin(guard, "1111", "4826", 100.0)
    assert verdict is PinVerdict.REST and guard.tries == 0
    later = 100.0 + REST_SECONDS
    verdicts = []
    for n in range(MAX_TRIES):
        guard, verdict = try_pin(guard, "1111", "4826", later + n)
        verdicts.append(verdict)
    assert verdicts == [PinVerdict.WRONG] * (MAX_TRIES - 1) + [PinVerdict.REST]
    assert guard.rest_left(later + MAX_TRIES - 1) == REST_SECONDS
