"""Whether the help button works, one outage at a time: what to show, what to journal, when to retry.

A button is *working* only once the connection has proved itself: a firmware
(`line`) button by its first PING or HELLO, an any-byte button or a modem-line
adapter by reads (or line polls) that keep succeeding for `proven_seconds`.
An open port alone proves nothing: a Pico whose program crashed still
enumerates, and a port that opens and fails at its first ioctl opens fine.

An outage is everything between the button stopping working and it proving
itself again, however many times the port closes, reopens and fails in
between. It is journalled once when it starts (`button.disconnected` when
the port was lost, `button.fault` otherwise), at most once every
`summary_seconds` while it lasts (a count of the failures), and once when it
ends (`button.connected` for a new connection; `button.fault` with
`cleared` when the heartbeat came back on the same one). The glyph shows the
fault at once and keeps showing it until the button has proved itself: a
port that flaps never flickers the glyph back to "all quiet".

The wait before each reopen doubles up to `backoff_max` and goes back to
`backoff_initial` only when a connection has proved itself, so a port that
opens and fails at once is retried every `backoff_max` seconds, not every
`backoff_initial`.

Pure: no I/O, no clock; the link passes monotonic times and carries out what
comes back (journal entries, a health change).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from kiosk.language import _
from kiosk.session import facts as F

log = logging.getLogger(__name__)

PROVEN_SECONDS = 2.0
SUMMARY_SECONDS = 600.0


class Fault(StrEnum):
    CANNOT_OPEN = "cannot_open"
    LOST = "lost"
    SILENT = "silent"
    NO_PING = "no_ping"


_CLOSES_THE_PORT = (Fault.CANNOT_OPEN, Fault.LOST)


@dataclass(frozen=True)
class Entry:
    """One journal event to write."""
    kind: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Shown:
    """What the facilitator sees (Health.button_ok, Health.button_detail)."""
    ok: bool
    detail: str


@dataclass
class Report:
    entries: list[Entry]
    shown: Shown | None = None


@dataclass
class _Outage:
    fault: Fault
    since: float
    summarised_at: float
    failures: int = 1


def fault_text(fault: Fault, detail: str = "") -> str:
    """The facilitator's words for a fault, each with what to do; the status line says "Help button FAULT:"
    before it, so it does not name the button again."""
    if fault is Fault.CANNOT_OPEN:
        return _("not working: {detail}").format(detail=detail)
    if fault is Fault.LOST:
        return _("unplugged or not answering: check its cable; it reconnects by itself")
    if fault is Fault.SILENT:
        return _("connected but silent: unplug it and plug it back in")
    return _("stopped answering: check its cable")


class Supervision:
    """One button's outages; `what` names the button for the facilitator ("firmware button")."""

    def __init__(self, mode: str, what: str, *, backoff_initial: float, backoff_max: float,
                 proven_seconds: float | None = PROVEN_SECONDS,
                 summary_seconds: float = SUMMARY_SECONDS) -> None:
        """proven_seconds: good reads that prove a connection; None: only `proven()` does (a heartbeat)."""
        self.mode = mode
        self.what = what
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.proven_seconds = proven_seconds
        self.summary_seconds = summary_seconds
        self.outage: _Outage | None = None
        self.outages = 0
        self.delay = backoff_initial
        self._opened_at: float | None = None
        self._proven = False
        self._shown: Shown | None = None

    @property
    def working(self) -> bool:
        return self.outage is None and self._proven

    # --- what happened -------------------------------------------------------------

    def opened(self, now: float) -> Report:
        self._opened_at = now
        self._proven = False
        return self._summary(now, Report([]))

    def proven(self, now: float) -> Report:
        """The connection showed it works (a heartbeat, or good reads for long enough)."""
        if self._opened_at is None:
            return Report([])
        first, self._proven = not self._proven, True
        self.delay = self.backoff_initial
        outage, self.outage = self.outage, None
        entries = []
        ended = {}
        if outage is not None:
            ended = {"after": outage.fault.value, "outage_seconds": round(now - outage.since, 1),
                     "failures": outage.failures}
            log.info("help button working again after %.1f s (%s, %d failures)",
                     now - outage.since, outage.fault.value, outage.failures)
        if first:
            if outage is None:
                log.info("help button connected and working (%s)", self.what)
            entries.append(Entry(F.BUTTON_CONNECTED, {"mode": self.mode, **ended}))
        elif outage is not None:
            entries.append(Entry(F.BUTTON_FAULT, {"fault": outage.fault.value, "cleared": True, **ended}))
        return Report(entries, self._show(True, _("connected ({what})").format(what=self.what)))

    def failed(self, fault: Fault, now: float, detail: str = "", **facts: Any) -> Report:
        """A fault; journalled only if it starts an outage. facts: extra payload for that entry."""
        if fault in _CLOSES_THE_PORT:
            self._opened_at = None
            self._proven = False
        shown = self._show(False, fault_text(fault, detail))
        if self.outage is not None:
            self.outage.failures += 1
            log.debug("help button still not working (%s, %d failures): %s",
                      fault.value, self.outage.failures, detail)
            return self._summary(now, Report([], shown))
        self.outage = _Outage(fault, since=now, summarised_at=now)
        self.outages += 1
        log.warning("help button not working (%s): %s; retrying, at most every %.3g s",
                    fault.value, detail or fault_text(fault), self.backoff_max)
        if fault is Fault.LOST:
            entry = Entry(F.BUTTON_DISCONNECTED, {"reason": detail, **facts})
        else:
            entry = Entry(F.BUTTON_FAULT, {"fault": fault.value, "detail": detail, **facts})
        return Report([entry], shown)

    def tick(self, now: float) -> Report:
        """Called while the port is open: good reads for long enough prove it; summaries fall due."""
        if (self.proven_seconds is not None and self._opened_at is not None and not self._proven
                and now - self._opened_at >= self.proven_seconds):
            return self.proven(now)
        return self._summary(now, Report([]))

    def retry_delay(self) -> float:
        """The wait before the next open; each one doubles the next, up to backoff_max."""
        delay = self.delay
        self.delay = min(delay * 2, self.backoff_max)
        return delay

    # --- helpers ---------------------------------------------------------------------

    def _show(self, ok: bool, detail: str) -> Shown | None:
        shown = Shown(ok, detail)
        if shown == self._shown:
            return None
        self._shown = shown
        return shown

    def _summary(self, now: float, report: Report) -> Report:
        outage = self.outage
        if outage is None or now - outage.summarised_at < self.summary_seconds:
            return report
        outage.summarised_at = now
        log.warning("help button still not working after %.0f s (%s, %d failures)",
                    now - outage.since, outage.fault.value, outage.failures)
        report.entries.append(Entry(F.BUTTON_FAULT, {
            "fault": outage.fault.value, "ongoing": True, "outage_seconds": round(now - outage.since, 1),
            "failures": outage.failures, "detail": self._shown.detail if self._shown else ""}))
        return report
