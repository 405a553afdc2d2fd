"""Coming back after a crash or power cut, and noticing the wall clock jump while running.

A Raspberry Pi has no battery clock: after a power cut the wall clock restarts
where fake-hwclock left it and jumps when the network time arrives. A running
session follows steady (monotonic) time, so a jump neither ends a phase nor
stretches one; the journal records each jump. After a restart, an unfinished
session resumes at the right point, unless the clock went back (the length of
the outage is then unknown) or the kiosk was off so long nobody is still there.
"""

from __future__ import annotations

from enum import StrEnum

from kiosk.session.facts import Fact
from kiosk.session.machine import Session
from kiosk.session.outage import Outage

ABANDONED_AFTER = 3 * 3600.0  # a session down this long is ended, not resumed
CLOCK_STEP = 2.0              # wall time that moves this much more or less than monotonic time jumped


class Resumption(StrEnum):
    RESUMED = "resumed"
    CLOCK_WENT_BACK = "clock went back"  # resumed where it stopped; how long it was off is unknown
    ABANDONED = "abandoned"


def how_to_resume(outage: Outage) -> Resumption:
    if outage.back < outage.last_alive:
        return Resumption.CLOCK_WENT_BACK
    if outage.seconds_at_most > ABANDONED_AFTER:
        return Resumption.ABANDONED
    return Resumption.RESUMED


def resume(session: Session, outage: Outage) -> tuple[Resumption, list[Fact]]:
    """The facts an unfinished session records when the kiosk comes back."""
    how = how_to_resume(outage)
    now = outage.back
    if how is Resumption.CLOCK_WENT_BACK:
        facts = session.clock_stepped(now - outage.last_alive, now)
        return how, facts + session.interrupted(now, now, length_known=False)
    if how is Resumption.ABANDONED:
        return how, (session.interrupted(outage.last_alive, now, down_by=outage.down_by)
                     + session.end_early(outage.last_alive, reason="abandoned"))
    return how, session.interrupted(outage.last_alive, now, down_by=outage.down_by)


def clock_step(last: tuple[float, float], wall: float, mono: float) -> float:
    """How far the wall clock jumped since last (wall, monotonic) beyond what steady time passed; 0 if not."""
    offset = (wall - last[0]) - (mono - last[1])
    return offset if abs(offset) > CLOCK_STEP else 0.0
