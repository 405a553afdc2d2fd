"""When the kiosk went down: what the journal can and cannot say after a crash or power cut.

A running kiosk writes a heartbeat every few seconds beside its events. After a
restart, the last event or heartbeat is the last moment it is known to have
run; the heartbeat that never came says by when it had certainly stopped. The
moment in between is not known, and the log says so instead of pretending.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outage:
    last_alive: float  # the last moment the kiosk is known to have been running
    down_by: float     # by then it had certainly stopped: its next heartbeat was due and never came
    back: float

    @property
    def seconds_at_most(self) -> float:
        return max(0.0, self.back - self.last_alive)

    @property
    def seconds_at_least(self) -> float:
        return max(0.0, self.back - self.down_by)


def outage(last_event: float | None, last_heartbeat: float | None, heartbeat_every: float, now: float) -> Outage:
    """The outage that ends now, from the last journalled event and heartbeat (wall times, None when absent).

    With no heartbeat, or an event written after the next heartbeat was due (the screen had frozen
    while the button still wrote), nothing says when the kiosk stopped: down_by is the restart itself.
    """
    signs = [t for t in (last_event, last_heartbeat) if t is not None]
    last_alive = max(signs) if signs else now
    if last_heartbeat is not None and last_alive <= last_heartbeat + heartbeat_every:
        down_by = min(now, last_heartbeat + heartbeat_every)
    else:
        down_by = now
    return Outage(last_alive=last_alive, down_by=max(last_alive, down_by), back=now)
