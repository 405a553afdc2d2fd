"""What an alert says, pure. The room, when the call was pressed, what happened — nothing about the client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from datetime import tzinfo as TzInfo
from typing import Any

from kiosk.session.record import iso_utc

RAISED, PRESSED_AGAIN, ACKNOWLEDGED, RESOLVED, CANCELLED, ESCALATED, TEST = (
    "raised", "pressed_again", "acknowledged", "resolved", "cancelled", "escalated", "test")
WHATS = (RAISED, PRESSED_AGAIN, ACKNOWLEDGED, RESOLVED, CANCELLED, ESCALATED, TEST)
LATE_SECONDS = 5.0   # a call that reached the hub this much after its press says so


@dataclass(frozen=True)
class Message:
    delivery_id: int
    what: str
    room: str
    call_id: str | None
    pressed_at: float | None
    reached_at: float | None
    by: str | None
    escalated: bool = False    # sent because nobody answered in time
    zone: TzInfo | None = None  # the hub's --timezone, for the times in the text

    def late_seconds(self) -> float | None:
        if self.pressed_at is None or self.reached_at is None:
            return None
        late = self.reached_at - self.pressed_at
        return late if late >= LATE_SECONDS else None

    def title(self) -> str:
        return {
            RAISED: f"Help called: {self.room}",
            PRESSED_AGAIN: f"Pressed again: {self.room}",
            ACKNOWLEDGED: f"On my way ({self.by or 'staff'}): {self.room}",
            RESOLVED: f"Resolved: {self.room}",
            CANCELLED: f"Call withdrawn: {self.room}",
            ESCALATED: f"Nobody has answered: {self.room}",
            TEST: "Test alert from the room hub",
        }[self.what]

    def text(self) -> str:
        zone = self.zone
        if self.what == TEST:
            return (f"This is a test of the channel, sent by {self.by or 'staff'} from the staff page. If you read "
                    "this, help calls will reach you here.")
        parts = []
        if self.pressed_at is not None:
            parts.append(f"{self.room}: help called at {clock(self.pressed_at, zone)}")
        else:
            parts.append(f"{self.room}: help called")
        late = self.late_seconds()
        if late is not None:
            parts.append(f"pressed {late:.0f} s before it reached the hub")
        parts.append({
            RAISED: "nobody on the way yet",
            PRESSED_AGAIN: "pressed again; nobody on the way yet",
            ACKNOWLEDGED: f"on my way ({self.by or 'staff'})",
            RESOLVED: "resolved" + (f" by {self.by}" if self.by else ""),
            CANCELLED: "withdrawn from the room",
            ESCALATED: "nobody has answered yet: please go or find someone",
        }[self.what])
        return " · ".join(parts)

    def as_json(self, now: float) -> dict[str, Any]:
        """The webhook's body: what a receiver needs to route the call, and nothing about the client."""
        late = self.late_seconds()
        return {"id": self.delivery_id, "event": self.what, "room": self.room, "call_id": self.call_id,
                "pressed_at": iso_utc(self.pressed_at) if self.pressed_at is not None else None,
                "reached_hub_at": iso_utc(self.reached_at) if self.reached_at is not None else None,
                "late_seconds": round(late, 1) if late is not None else None,
                "by": self.by, "escalated": self.escalated, "title": self.title(), "text": self.text(),
                "sent_at": iso_utc(now)}


def clock(ts: float, zone: TzInfo | None = None) -> str:
    try:
        return datetime.fromtimestamp(ts, zone).strftime("%H:%M:%S")
    except (OverflowError, ValueError, OSError):
        return "?"
