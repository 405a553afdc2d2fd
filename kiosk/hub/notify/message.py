"""What an alert says, pure. The room, when the call was pressed, what happened — nothing about the client."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo as TzInfo
from typing import Any

from kiosk import local_time
from kiosk.language import SOURCE, translation
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
    language: str = SOURCE      # the channel's language, for the title and the text

    def late_seconds(self) -> float | None:
        if self.pressed_at is None or self.reached_at is None:
            return None
        late = self.reached_at - self.pressed_at
        return late if late >= LATE_SECONDS else None

    def _gettext(self):
        return translation(self.language).gettext

    def title(self) -> str:
        _ = self._gettext()
        if self.what == TEST:
            return _("Test alert from the room hub")
        return {
            RAISED: _("Help called: {room}"),
            PRESSED_AGAIN: _("Pressed again: {room}"),
            ACKNOWLEDGED: _("On my way ({who}): {room}"),
            RESOLVED: _("Resolved: {room}"),
            CANCELLED: _("Call withdrawn: {room}"),
            ESCALATED: _("Nobody has answered: {room}"),
        }[self.what].format(room=self.room, who=self.by or _("staff"))

    def text(self) -> str:
        _ = self._gettext()
        zone = self.zone
        who = self.by or _("staff")
        if self.what == TEST:
            return _("This is a test of the channel, sent by {who} from the staff page. If you read this, help "
                     "calls will reach you here.").format(who=who)
        parts = []
        if self.pressed_at is not None:
            parts.append(_("{room}: help called at {time}").format(room=self.room,
                                                                    time=clock(self.pressed_at, zone, self.language)))
        else:
            parts.append(_("{room}: help called").format(room=self.room))
        late = self.late_seconds()
        if late is not None:
            parts.append(_("pressed {seconds} s before it reached the hub").format(seconds=f"{late:.0f}"))
        if self.what == RESOLVED and self.by:
            parts.append(_("resolved by {who}").format(who=self.by))
        else:
            parts.append({
                RAISED: _("nobody on the way yet"),
                PRESSED_AGAIN: _("pressed again; nobody on the way yet"),
                ACKNOWLEDGED: _("on my way ({who})").format(who=who),
                RESOLVED: _("resolved"),
                CANCELLED: _("withdrawn from the room"),
                ESCALATED: _("nobody has answered yet: please go or find someone"),
            }[self.what])
        return " · ".join(parts)

    def footer(self) -> str:
        """The email's signature: where to answer."""
        _ = self._gettext()
        return _("The room hub. Answer the call on the hub's staff page.")

    def as_json(self, now: float) -> dict[str, Any]:
        """The webhook's body: what a receiver needs to route the call, and nothing about the client."""
        late = self.late_seconds()
        return {"id": self.delivery_id, "event": self.what, "room": self.room, "call_id": self.call_id,
                "pressed_at": iso_utc(self.pressed_at) if self.pressed_at is not None else None,
                "reached_hub_at": iso_utc(self.reached_at) if self.reached_at is not None else None,
                "late_seconds": round(late, 1) if late is not None else None,
                "by": self.by, "escalated": self.escalated, "title": self.title(), "text": self.text(),
                "sent_at": iso_utc(now)}


def clock(ts: float, zone: TzInfo | None = None, language: str = SOURCE) -> str:
    return local_time.clock(ts, zone, seconds=True, language=language, missing="?")
