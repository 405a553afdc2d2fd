"""Frames sampled 20 times a second through a transition cue and a phase change: nothing flashes."""

from __future__ import annotations

from kiosk.session.plan import Phase
from tests.ui.luminance import FLASH_DELTA, cell_luminance, fastest_change, flashes_per_second

SAMPLE = 0.05


def sample(r, seconds: float) -> tuple[list[float], list[list[float]]]:
    times, frames = [], []
    t = 0.0
    while t < seconds:
        w, h, rgb = r.pixels()
        times.append(t)
        frames.append(cell_luminance(w, h, rgb))
        r.advance(SAMPLE, draw=False)
        t += SAMPLE
    return times, frames


def check_calm(times, frames) -> float:
    cells = list(zip(*frames))
    worst_rate = max(flashes_per_second(times, list(c)) for c in cells)
    worst_change = max(fastest_change(times, list(c)) for c in cells)
    assert worst_rate <= 3.0
    assert worst_change < FLASH_DELTA, f"a cell changed by {worst_change:.3f} within a third of a second"
    return max(abs(c[-1] - c[0]) for c in cells)


def test_transition_cue_and_phase_change_do_not_flash(rehearse):
    r = rehearse()
    r.hold(r.widget("hold"))
    r.advance(3)
    r.hold(r.widget("hold"))
    assert r.until(lambda: r.app.view.phase is Phase.HOLDING and r.app.view.remaining <= 303, limit=400)
    palette_before = r.app.drift.shown

    times, frames = sample(r, 11.0)          # the five-minute cue fires in here and the palette drifts
    assert r.app.view.cues_fired == 1
    moved = check_calm(times, frames)
    assert moved > 0.0005, "the palette did not drift at the cue: the test would see nothing"
    assert r.app.drift.shown != palette_before

    r.hold(r.widget("hold"))                 # into closing: text fades out and in, palette drifts
    times, frames = sample(r, 8.0)
    assert r.screen.name == "closing"
    check_calm(times, frames)


def test_the_checker_sees_a_flash():
    times = [i * SAMPLE for i in range(40)]
    flashing = [0.1 if (i // 2) % 2 else 0.5 for i in range(40)]      # five full flashes a second
    assert flashes_per_second(times, flashing) > 3.0
    assert fastest_change(times, flashing) >= FLASH_DELTA
    gentle = [0.1 + 0.3 * i / 39 for i in range(40)]
    assert flashes_per_second(times, gentle) == 0
    assert fastest_change(times, gentle) < FLASH_DELTA


def test_the_shape_arrives_and_leaves_without_a_flash(rehearse):
    r = rehearse()
    r.advance(2)
    r.hold(r.widget("hold"))                 # welcome -> opening: the bright shape fades in
    times, frames = sample(r, 5.0)
    assert check_calm(times, frames) > 0.05, "the shape should have appeared"
    r.app.end_session()                      # -> thank-you, then welcome: it rests, then fades out
    assert r.until(lambda: r.app.view.phase is Phase.WELCOME, limit=60, step=0.5)
    times, frames = sample(r, 5.0)
    check_calm(times, frames)
    assert r.app.presence == 0.0
