"""What the adapters report and what a screen draws: plain data, no behaviour.

The Room owns the one Health and hands out RoomView snapshots; the UI, the
facilitator layer and the Wi-Fi page read them and never reach into the Room.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.session.cues import Cue
from kiosk.session.glyph import Glyph
from kiosk.session.help import HelpCall
from kiosk.session.plan import Phase, Plan


@dataclass
class Health:
    """What the adapters report: the button and the hub link."""

    button_configured: bool = False
    button_ok: bool = True
    button_detail: str = "no button configured"
    hub_configured: bool = False
    hub_reachable: bool | None = None
    sync_waiting: int = 0
    sync_rejected: int = 0
    last_sync_at: float | None = None
    sync_error: str = ""  # the detail, in English, for the log and `kiosk sync status`
    sync_trouble: str = ""  # what the facilitator layer says of it: key, busy, unreachable, inside or ""
    hub_key_refused: bool = False  # the hub answered 401/403: retrying will not help until someone acts
    journal_ok: bool = True
    sound_ok: bool | None = None  # None until a chime was tried; False: no audio device or file, chimes silent


@dataclass(frozen=True)
class RoomView:
    """Everything a screen needs to draw, as plain data."""

    room: str
    phase: Phase
    plan: Plan
    plans: tuple[str, ...]
    prompt: str
    remaining: float | None
    progress: float
    invites_closing: bool
    cues_fired: int
    cues_total: int
    last_cue: Cue | None
    glyph: Glyph
    help_call: HelpCall | None
    health: Health
    interrupted: bool
    session_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
