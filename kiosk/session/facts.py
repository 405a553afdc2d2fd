"""Facts: what the domain decided, before the journal gives them an envelope."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SESSION_STARTED = "session.started"
PHASE_CHANGED = "phase.changed"
SESSION_EXTENDED = "session.extended"
CUE_FIRED = "cue.fired"
SESSION_ENDED = "session.ended"
SESSION_INTERRUPTED = "session.interrupted"
CLOCK_STEPPED = "clock.stepped"

HELP_RAISED = "help.raised"
HELP_DELIVERED = "help.delivered"
HELP_ACKNOWLEDGED = "help.acknowledged"
HELP_RESOLVED = "help.resolved"
HELP_CANCELLED = "help.cancelled"
HELP_REPEATED = "help.repeated"

BUTTON_CONNECTED = "button.connected"
BUTTON_DISCONNECTED = "button.disconnected"
BUTTON_HELLO = "button.hello"
BUTTON_FAULT = "button.fault"
BUTTON_TEST = "button.test"

SETTINGS_CHANGED = "settings.changed"
PIN_REFUSED = "settings.pin_refused"

EXPORT_DONE = "export.done"
EXPORT_FAILED = "export.failed"
DOWNLOADS_OPENED = "downloads.opened"
DOWNLOADS_CLOSED = "downloads.closed"
DOWNLOAD_SERVED = "download.served"
DOWNLOAD_RESTED = "download.rested"

HEALTH_CHANGED = "health.changed"  # told to the Room's listeners, never journalled

SESSION_KINDS = frozenset({SESSION_STARTED, PHASE_CHANGED, SESSION_EXTENDED, CUE_FIRED,
                           SESSION_ENDED, SESSION_INTERRUPTED, CLOCK_STEPPED})
HELP_KINDS = frozenset({HELP_RAISED, HELP_DELIVERED, HELP_ACKNOWLEDGED, HELP_RESOLVED,
                        HELP_CANCELLED, HELP_REPEATED})


@dataclass(frozen=True)
class Fact:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)
