"""The alert outbox in the hub database: written with the help-call change, claimed by senders, and read
back as the delivery log staff see.

Exactly once across hub processes on one PostgreSQL: a sender claims due rows with
`SELECT ... FOR UPDATE SKIP LOCKED` and marks them `sending` with a lease in the same short transaction, so
a row another process is claiming is skipped, not waited for, and a claimed row belongs to one sender. The
network call happens after that commit, never inside a transaction. A sender that dies mid-send leaves
the row `sending`; once its lease has run out another sender retries it (at-least-once only then; the
delivery id lets a receiver drop the repeat). On SQLite there is one hub process; BEGIN IMMEDIATE
serialises the claims all the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.hub.database import HubDatabase
from kiosk.hub.notify.channels import AlertSettings, Channel
from kiosk.language import SOURCE, N_
from kiosk.hub.notify.message import (ACKNOWLEDGED, CANCELLED, ESCALATED, PRESSED_AGAIN, RAISED, RESOLVED, TEST,
                                      Message)

PENDING, SENDING, RETRYING, SENT, FAILED = "pending", "sending", "retrying", "sent", "failed"
LEASE_SECONDS = 120.0
STALE_CALL_SECONDS = 3600.0   # a press older than this (an imported USB export, say) alerts nobody


def settings_of(hub: HubDatabase) -> AlertSettings:
    return getattr(hub, "alerts", None) or AlertSettings()


def call_changed(hub: HubDatabase, room_id: int, call_id: str, what: str, now: float, by: str | None = None) -> int:
    """Writes the alerts this change of a call sends, in the caller's transaction; how many rows."""
    settings = settings_of(hub)
    if not settings.channels:
        return 0
    HelpCall, Room = hub.models.HelpCall, hub.models.Room
    call = HelpCall.get_or_none((HelpCall.room == room_id) & (HelpCall.call_id == call_id))
    room = Room.get_or_none(Room.id == room_id)
    if call is None or room is None:
        return 0
    pressed = call.raised_at
    if pressed is not None and now - pressed > STALE_CALL_SECONDS:
        return 0
    escalated = call.escalated_at is not None
    chosen = [c for c in settings.channels if c.covers(room.name) and (
        (what == ESCALATED) == c.escalation or (c.escalation and escalated and what != RAISED))]
    rows = [_row(room_id, room.name, call_id, what, c.name, pressed, call.reached_at, by, now) for c in chosen]
    if rows:
        hub.models.Alert.insert_many(rows).execute()
    return len(rows)


def enqueue_test(hub: HubDatabase, channel: Channel, by: str, now: float) -> int:
    Alert = hub.models.Alert
    with hub.write():
        return Alert.insert(_row(None, "", None, TEST, channel.name, None, None, by, now)).execute()


def _row(room_id: int | None, room_name: str, call_id: str | None, what: str, channel: str,
         pressed_at: float | None, reached_at: float | None, by: str | None, now: float) -> dict[str, Any]:
    return {"room": room_id, "room_name": room_name[:100], "call_id": call_id, "what": what, "channel": channel,
            "pressed_at": pressed_at, "reached_at": reached_at, "by": by, "created_at": now, "status": PENDING,
            "attempts": 0, "next_at": now}


def claim(hub: HubDatabase, now: float, limit: int = 20, lease: float = LEASE_SECONDS) -> list[Any]:
    """Due rows, now this sender's: no other sender gets them until the lease has run out."""
    Alert = hub.models.Alert
    due = ((Alert.status.in_((PENDING, RETRYING)) & (Alert.next_at <= now))
           | ((Alert.status == SENDING) & (Alert.lease_until < now)))
    if not Alert.select(Alert.id).where(due).exists():
        return []   # the usual case: no write transaction (on SQLite, no write lock) twice a second for nothing
    with hub.write():
        query = Alert.select().where(due).order_by(Alert.next_at, Alert.id).limit(limit)
        if hub.is_postgres:
            query = query.for_update(skip_locked=True)
        rows = list(query)
        if rows:
            Alert.update(status=SENDING, lease_until=now + lease, attempts=Alert.attempts + 1).where(
                Alert.id.in_([r.id for r in rows])).execute()
    for r in rows:
        r.attempts += 1
    return rows


def finish(hub: HubDatabase, row_id: int, now: float, error: str | None = None,
           retry_at: float | None = None) -> None:
    """Sent (no error), retrying at retry_at, or failed for good (an error and no retry_at)."""
    Alert = hub.models.Alert
    if error is None:
        values: dict[str, Any] = {"status": SENT, "sent_at": now, "last_error": None, "lease_until": None}
    elif retry_at is not None:
        values = {"status": RETRYING, "next_at": retry_at, "last_error": error[:1000], "lease_until": None}
    else:
        values = {"status": FAILED, "last_error": error[:1000], "lease_until": None}
    with hub.write():
        Alert.update(**values).where(Alert.id == row_id).execute()


def message_of(row: Any, zone: Any = None, language: str = SOURCE) -> Message:
    return Message(row.id, row.what, row.room_name, row.call_id, row.pressed_at, row.reached_at, row.by,
                   escalated=row.what == ESCALATED, zone=zone, language=language)


@dataclass(frozen=True)
class Delivery:
    id: int
    channel: str
    room: str
    what: str
    status: str
    attempts: int
    created_at: float
    sent_at: float | None
    next_at: float
    error: str | None
    by: str | None = None


def deliveries(hub: HubDatabase, limit: int = 50) -> list[Delivery]:
    """The newest deliveries first: what staff see on the alerts page."""
    Alert = hub.models.Alert
    rows = Alert.select().order_by(Alert.id.desc()).limit(limit)
    return [Delivery(r.id, r.channel, r.room_name, r.what, r.status, r.attempts, r.created_at, r.sent_at,
                     r.next_at, r.last_error, r.by) for r in rows]


# the Alerts page's words (translated where they are shown)
WHAT_LABELS = {RAISED: N_("help called"), PRESSED_AGAIN: N_("pressed again"), ACKNOWLEDGED: N_("on my way"),
               RESOLVED: N_("resolved"), CANCELLED: N_("withdrawn"), ESCALATED: N_("escalated"), TEST: N_("test alert")}
