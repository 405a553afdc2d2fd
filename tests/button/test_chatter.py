"""A chattering button (a bouncing switch, a stuck key, firmware in a loop) is one louder call, not a flood."""

from __future__ import annotations

import logging

from kiosk.session import facts as F
from kiosk.session.help import REPEAT_JOURNAL_EVERY
from tests.button.conftest import kinds, records, wait_for
from tests.button.test_link_pty import linked, speak  # noqa: F401  (the fixture)


def test_two_thousand_presses_in_a_burst_are_one_call_a_few_repeats_and_a_few_log_lines(linked, pty, caplog):
    room, link, _ = linked()
    speak(link, pty)
    caplog.set_level(logging.INFO)
    pty.write(b"HELP\n" * 2000)
    wait_for(lambda: link.caller.presses == 2000, timeout=30, what="all 2,000 presses to be read")
    assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]
    repeats = records(room, F.HELP_REPEATED)
    assert 1 <= len(repeats) <= 3  # the first press again at once; the rest held (the fake clock stands still)
    room.clock.advance(REPEAT_JOURNAL_EVERY)
    room.tick()  # the held presses go into the journal once their wait is over
    repeats = records(room, F.HELP_REPEATED)
    assert len(repeats) <= 4 and sum(r.payload["presses"] for r in repeats) == 1999
    [call_id] = {r.payload["call_id"] for r in repeats}
    assert call_id == records(room, F.HELP_RAISED)[0].payload["call_id"]
    lines = [r for r in caplog.records if "help" in r.getMessage()]
    assert len(lines) <= 6, [r.getMessage() for r in lines]
    assert sum(r.levelno >= logging.WARNING for r in lines) == 1  # the call itself, once
