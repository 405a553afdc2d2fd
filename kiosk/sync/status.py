"""Sync status in plain words, for the facilitator layer and `kiosk sync status`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import tzinfo

from kiosk.language import _, ngettext
from kiosk.local_time import clock, sortable
from kiosk.roomview import Health
from kiosk.session.record import EventRecord
from kiosk.store import outbox
from kiosk.store.journal import Journal

STATUS_META = "sync_status"

ANSWERED = {"hub_reachable": True, "hub_key_refused": False, "sync_error": "", "sync_trouble": ""}
"""The Health change for "the hub just took something": whatever trouble was shown before is over, so the layer
never says "hub reachable" beside "cannot reach the hub" while the last batches of a drain are in flight."""


def _troubles() -> dict[str, str]:
    """The facilitator layer's words for each kind of sync trouble (the English detail stays in the log and in
    `kiosk sync status`: a URL and an exception's words help a technician, not a therapist)."""
    return {
        "key": _("the hub refused this kiosk's key (ask whoever runs the hub)"),
        "busy": _("the hub is busy: the logs wait here and go a little later"),
        "unreachable": "",  # sync_line says "hub unreachable" already
        "inside": _("sending failed inside the kiosk: the logs wait here (see the kiosk log)"),
    }


@dataclass(frozen=True)
class SyncReport:
    waiting: int
    confirmed: int
    rejected: list[tuple[EventRecord, str]]
    rejected_count: int
    last_sync_at: float | None
    last_error: str


def summary(health: Health, zone: tzinfo | None = None) -> str:
    """One line for the facilitator layer, e.g. "12 waiting · last sync 10:42"."""
    if not health.hub_configured:
        return _("no hub configured · logs stay on this kiosk")
    n = health.sync_waiting
    parts = [ngettext("{n} waiting", "{n} waiting", n).format(n=n) if n else _("all sent")]
    if health.sync_rejected:
        n = health.sync_rejected
        parts.append(ngettext("{n} set aside", "{n} set aside", n).format(n=n))
    parts.append(_("last sync {time}").format(time=clock(health.last_sync_at, zone)) if health.last_sync_at
                 else _("not synced yet"))
    line = " · ".join(parts)
    words = _troubles().get(health.sync_trouble, health.sync_error) if health.sync_error else ""
    return f"{line}\n{words}" if words else line


def keep(journal: Journal, last_sync_at: float | None, error: str):
    """Remember the last sync and error across restarts (and for the CLI). Returns the Future."""
    return journal.set_meta(STATUS_META, json.dumps({"last_sync_at": last_sync_at, "error": error}))


def kept(journal: Journal) -> tuple[float | None, str]:
    """The last sync time and error remembered by keep()."""
    try:
        data = json.loads(journal.get_meta(STATUS_META) or "{}")
    except ValueError:
        return None, ""
    at = data.get("last_sync_at")
    return (float(at) if isinstance(at, (int, float)) else None), str(data.get("error") or "")


def read_report(journal: Journal, limit: int = 20) -> SyncReport:
    counts = outbox.counts(journal)
    last_sync_at, error = kept(journal)
    return SyncReport(waiting=counts.waiting, confirmed=counts.confirmed,
                      rejected=outbox.rejected_events(journal, limit=limit), rejected_count=counts.rejected,
                      last_sync_at=last_sync_at, last_error=error)


def describe(report: SyncReport, zone: tzinfo | None = None) -> str:
    lines = [f"waiting:   {report.waiting}",
             f"sent:      {report.confirmed}",
             f"set aside: {report.rejected_count}",
             f"last sync: {sortable(report.last_sync_at, zone) if report.last_sync_at else 'never'}",
             f"last error: {report.last_error or 'none'}"]
    if report.rejected:
        lines.append("")
        lines.append("set aside: refused by the hub, or failed on alone too often (kept on this kiosk; newest first):")
        for record, reason in report.rejected:
            lines.append(f"  #{record.seq} {record.kind} at {sortable(record.wall, zone)}: {reason}")
        if report.rejected_count > len(report.rejected):
            lines.append(f"  ... and {report.rejected_count - len(report.rejected)} more")
    return "\n".join(lines)

