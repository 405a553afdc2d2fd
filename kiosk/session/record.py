"""A journal event with its envelope, and its wire form for the hub.

The UUID is the idempotency key end to end; seq orders one device's events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from kiosk.session.facts import Fact

def iso_utc(ts: float) -> str:
    """Wire time: UTC, milliseconds, Z (what the hub stores and the exports print)."""
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso_utc(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()  # Python 3.11 reads the Z itself


MAX_EVENTS = 1000               # events in one upload
MAX_BYTES = 4 * 1024 * 1024     # one upload's body; the hub refuses more with 413
HELP_PRIORITY = "u=0"           # the Priority header (RFC 9218) of help uploads: the hub serves them first
BACKLOG_PRIORITY = "u=5"        # and of backlog batches: after everything else waiting (kiosk/hub/urgency.py)

WIRE_FIELDS = ("uuid", "seq", "device_id", "wall", "mono", "boot_id", "clock_trusted",
               "session_id", "kind", "payload")


@dataclass(frozen=True)
class EventRecord:
    uuid: str
    seq: int
    device_id: str
    wall: float
    mono: float
    boot_id: str
    clock_trusted: bool
    session_id: str | None
    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fact(self) -> Fact:
        return Fact(self.kind, dict(self.payload))

    def to_wire(self) -> dict[str, Any]:
        return {
            "uuid": self.uuid,
            "seq": self.seq,
            "device_id": self.device_id,
            "wall": iso_utc(self.wall),
            "mono": self.mono,
            "boot_id": self.boot_id,
            "clock_trusted": self.clock_trusted,
            "session_id": self.session_id,
            "kind": self.kind,
            "payload": dict(self.payload),
        }

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> "EventRecord":
        return cls(
            uuid=str(data["uuid"]),
            seq=int(data["seq"]),
            device_id=str(data["device_id"]),
            wall=parse_iso_utc(data["wall"]),
            mono=float(data["mono"]),
            boot_id=str(data["boot_id"]),
            clock_trusted=bool(data["clock_trusted"]),
            session_id=data.get("session_id"),
            kind=str(data["kind"]),
            payload=dict(data.get("payload") or {}),
        )


def dump_payload(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)
