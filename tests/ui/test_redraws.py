"""The redraw budget, counted (not timed): each flip is one full redraw, so flips are the CPU bill.

Time is the rehearsal's: a frame is offered after every pacer wake and room
tick, as the real event loop would, and Kivy flips only when a canvas changed.
"""

from __future__ import annotations

import threading
import time

from kiosk.session.plan import Phase
from tests.ui.conftest import ui_config


def flips_over(r, seconds: float) -> float:
    r.frames_each_wake = True
    before = r.app.flips
    r.advance(seconds)
    r.frames_each_wake = False
    return (r.app.flips - before) / seconds


def to_holding(r) -> None:
    r.hold(r.widget("hold"))
    r.advance(2)
    r.hold(r.widget("hold"))
    r.advance(10)
    assert r.app.view.phase is Phase.HOLDING


def test_welcome_with_nothing_moving_never_redraws(rehearse):
    r = rehearse()
    r.advance(10)
    assert r.app.pacer.idle
    assert flips_over(r, 60) == 0
    for _ in range(5):
        r.frame()
    assert r.app.pacer.idle


def test_holding_breathes_on_a_few_redraws_a_second(rehearse):
    r = rehearse()
    to_holding(r)
    rate = flips_over(r, 60)
    assert 0.5 < rate <= 3.0, f"{rate:.2f} redraws a second"


def test_still_profile_draws_almost_nothing(rehearse, tmp_path):
    r = rehearse(ui_config(tmp_path / "still", profile="still"))
    to_holding(r)
    rate = flips_over(r, 60)
    assert rate <= 0.4, f"{rate:.2f} redraws a second with nothing moving"


def test_news_from_other_threads_crosses_the_bridge(rehearse):
    r = rehearse()
    r.advance(8)
    room = r.station.room
    t = threading.Thread(target=room.update_health, kwargs=dict(button_configured=True, button_ok=False,
                                                                 button_detail="unplugged"))
    t.start()
    t.join()
    assert r.app.bridge.crossed == 1
    assert r.app.glyph_state == "quiet"     # nothing touched a widget from the other thread
    r.frame()
    assert r.app.glyph_state == "button_fault"


def test_help_key_raises_a_call_when_simulating(rehearse):
    from kiosk.session import facts as F
    from tests.ui.conftest import kinds

    r = rehearse(help_key=True)
    r.app._on_keyboard(None, 104, 0, "h", [])    # never waits for the commit on the UI thread
    deadline = time.monotonic() + 10
    while r.app.glyph_state != "not_delivered" and time.monotonic() < deadline:
        threading.Event().wait(0.01)              # the commit's news crosses the bridge
        r.frame()
    assert r.app.glyph_state == "not_delivered"
    raised = kinds(r.station, F.HELP_RAISED)
    assert len(raised) == 1 and raised[0].payload["source"] == "keyboard"


def test_a_new_breathing_pace_continues_the_breath(rehearse):
    r = rehearse()
    to_holding(r)
    r.advance(3.3)
    shape = r.app.breath
    before = shape.breath_at(r.t)
    r.app.change_settings(breaths_per_minute=4.0)
    assert shape.period == 15.0
    assert abs(shape.breath_at(r.t) - before) <= 1.0 / shape.levels()


def test_a_help_call_from_the_button_thread_is_drawn_in_the_very_next_frame(rehearse):
    """Not at the pacer's next slot: the bridge asks Kivy for the next frame, and that one frame shows the glyph."""
    from kivy.clock import Clock

    r = rehearse()
    to_holding(r)
    r.advance(3.3)                                   # breathing: the pacer has its next wake planned, later
    assert r._due is not None and r._due > r.t
    wakes, flips, crossed = r.app.pacer.wakes, r.app.flips, r.app.bridge.crossed
    press = threading.Thread(target=r.station.room.raise_help, kwargs=dict(source="button"))
    press.start()
    press.join()                                     # committed, and the room told its listeners in that thread
    assert r.app.bridge.crossed == crossed + 1
    bridged = [e for e in Clock.get_events() if "Bridge" in getattr(e.get_callback(), "__qualname__", "")]
    assert [e.timeout for e in bridged] == [0]       # the next frame, not a timed slot
    assert r.app.glyph_state == "quiet"              # nothing touched a widget from the button thread
    r.frame()                                        # one frame; no time passes, so the pacer's slot has not come
    assert r.app.glyph_state == "not_delivered"
    assert r.app.flips == flips + 1                  # ...and that frame was drawn and flipped
    assert r.app.pacer.wakes == wakes


def test_news_from_another_thread_wakes_the_sleeping_loop():
    """The kiosk's Kivy clock is the interruptible one: an event scheduled from another thread ends the loop's sleep
    at once (the default clock would let a help call wait up to a frame, 50 ms at 20 fps, before its frame began);
    and its resolution is the kiosk's, not a third of a frame (with that the loop spun before every wake)."""
    from kivy.clock import Clock

    from kiosk.ui.window import CLOCK_RESOLUTION, MAX_FPS

    assert Clock.get_resolution() == CLOCK_RESOLUTION < 1 / (3 * MAX_FPS)
    Clock.tick()                                     # a frame: the loop's wake-up flag is cleared
    assert not Clock._event.is_set()
    later = threading.Thread(target=Clock.schedule_once, args=(lambda _dt: None, 0))
    later.start()
    later.join()
    assert Clock._event.is_set()                     # what the sleeping loop waits on
    Clock.tick()
