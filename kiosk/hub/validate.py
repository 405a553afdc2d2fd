"""Strict checks of what kiosks upload. Pure: no I/O.

A malformed batch (not JSON, wrong shape) is refused whole with a 400 that names the field;
a well-formed batch with an invalid event stores the others and answers that one `rejected`.
"""

from __future__ import annotations

import json
import math
import re
import uuid as uuidlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping

from kiosk.session import facts as F
from kiosk.session.record import MAX_BYTES, MAX_EVENTS, EventRecord

MAX_BODY_BYTES = MAX_BYTES
MAX_TEXT = 64
MAX_EPOCH = 2**32
MAX_INT = 2**31  # integer columns are 32-bit on PostgreSQL
MAX_NESTING = 32       # the body, events, an event, and its payload nested up to 29 deep
MAX_NUMBER_DIGITS = 100
# Staff act on a call at /calls/<room>/<call_id>/<action>: a "/" or "%" would not route back to it.
CALL_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class BadRequest(ValueError):
    """The whole request is malformed; str() says what is wrong and what to do."""


class TooLarge(BadRequest):
    pass


@dataclass(frozen=True)
class Checked:
    """One event of a batch: a record to store, or the reason it is rejected."""

    index: int
    uuid: str | None
    record: EventRecord | None
    reason: str | None = None
    age: float | None = None   # seconds since the press on the kiosk's steady clock, as this upload was sent


@dataclass(frozen=True)
class Batch:
    device_id: str
    waiting: int | None
    events: list[Checked]


def _reject_constant(name: str) -> Any:
    raise BadRequest(f"the body contains {name}, which is not JSON: send finite numbers")


def _parse_int(text: str) -> int:
    """Python refuses to read integers of more than 4300 digits (a ValueError from inside json.loads);
    the hub refuses them much earlier, by name."""
    digits = len(text) - text.startswith("-")
    if digits > MAX_NUMBER_DIGITS:
        raise BadRequest(f"the body contains a whole number of {digits} digits; at most {MAX_NUMBER_DIGITS} "
                         "are accepted: send numbers a kiosk can have counted")
    return int(text)


def nesting(raw: bytes) -> int:
    """How deep the JSON text's arrays and objects nest, without parsing it (so without recursion).

    Exact for valid JSON and never less than what a parser would reach before an error: escaped
    backslashes, then escaped quotes, go first; what is left between quotes is string content.
    """
    text = raw.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _NOT_STRUCTURE)
    brackets = b"".join(text.split(b'"')[::2])   # what lies outside the quotes
    depth = deepest = 0
    for opening, closing in _RUNS.findall(brackets):
        deepest = max(deepest, depth + len(opening))
        depth += len(opening) - len(closing)
    return deepest


_NOT_STRUCTURE = bytes(c for c in range(256) if c not in b'[]{}"')
_RUNS = re.compile(rb"([\[{]*)([\]}]*)")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_BODY_BYTES:
        raise TooLarge(f"the body is {len(raw)} bytes; at most {MAX_BODY_BYTES} are accepted: send smaller batches")
    depth = nesting(raw)
    if depth > MAX_NESTING:
        raise BadRequest(f"the body nests arrays and objects {depth} deep; at most {MAX_NESTING} levels are "
                         "accepted: send flatter payloads")
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant, parse_int=_parse_int)
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the body is not UTF-8 ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise BadRequest(f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    except RecursionError as exc:
        raise BadRequest(f"the body nests arrays and objects too deep; at most {MAX_NESTING} levels are "
                         "accepted") from exc
    if not isinstance(body, dict):
        raise BadRequest(f"the body must be a JSON object, not {type(body).__name__}")
    return body


def unstorable(text: str) -> str | None:
    """Why the hub cannot store this text (a NUL, or a lone UTF-16 surrogate that no database or
    encoder takes), or None when it can."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which the hub cannot store"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            return (f"contains a lone UTF-16 surrogate (\\u{ord(text[exc.start]):04x}) at character {exc.start}, "
                    "which is not text the hub can store: send whole characters")
    return None


def text_field(body: Mapping[str, Any], name: str, *, max_length: int = MAX_TEXT,
               where: str = "") -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{where}{name} must be a non-empty string, got {_show(value)}")
    if len(value) > max_length:
        raise BadRequest(f"{where}{name} is {len(value)} characters; at most {max_length} are allowed")
    problem = unstorable(value)
    if problem:
        raise BadRequest(f"{where}{name} {problem}")
    return value


def waiting_field(body: Mapping[str, Any]) -> int | None:
    value = body.get("waiting")
    if value is None:
        return None
    if not _is_int(value) or not 0 <= value < MAX_INT:
        raise BadRequest(f"waiting must be a whole number from 0 to {MAX_INT - 1}, got {_show(value)}")
    return value


def check_batch(body: Mapping[str, Any]) -> Batch:
    device_id = text_field(body, "device_id")
    waiting = waiting_field(body)
    events = body.get("events")
    if not isinstance(events, list):
        raise BadRequest(f"events must be a list of events, got {_show(events)}")
    if len(events) > MAX_EVENTS:
        raise TooLarge(f"{len(events)} events in one batch; at most {MAX_EVENTS} are accepted: split the batch")
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            raise BadRequest(f"events[{index}] must be an object, got {_show(event)}")
    return Batch(device_id, waiting, [check_event(i, e, device_id) for i, e in enumerate(events)])


def check_event(index: int, event: Mapping[str, Any], device_id: str) -> Checked:
    sent_uuid = event.get("uuid") if isinstance(event.get("uuid"), str) else None
    try:
        record = _record(event, device_id)
        age = _age(event.get("age"))
    except ValueError as exc:
        return Checked(index, sent_uuid, None, f"events[{index}].{exc}")
    return Checked(index, sent_uuid, record, age=age)


def _age(value: Any) -> float | None:
    """A help event's age: how long ago the press was on the kiosk's steady clock when it sent this upload.
    Not part of the stored event (it grows with every resend); the hub counts back from its own clock."""
    if value is None:
        return None
    if not _is_number(value) or not math.isfinite(value) or not 0 <= value < MAX_EPOCH:
        raise ValueError(f"age must be the seconds since the press on the kiosk's steady clock, a number from 0 "
                         f"to {MAX_EPOCH}, got {_show(value)}")
    return float(value)


def _record(e: Mapping[str, Any], device_id: str) -> EventRecord:
    raw_uuid = e.get("uuid")
    try:
        canonical = str(uuidlib.UUID(raw_uuid)) if isinstance(raw_uuid, str) and len(raw_uuid) == 36 else None
    except ValueError:
        canonical = None
    if canonical is None:
        raise ValueError(f"uuid must be a UUID like 0b6f2c1e-...-... (36 characters), got {_show(raw_uuid)}")
    seq = e.get("seq")
    if not _is_int(seq) or not 0 < seq < MAX_INT:
        raise ValueError(f"seq must be a whole number > 0 and < {MAX_INT}, got {_show(seq)}")
    if e.get("device_id") != device_id:
        raise ValueError(f"device_id {_show(e.get('device_id'))} differs from the batch's device_id {device_id!r}")
    _wall(e.get("wall"))
    mono = e.get("mono")
    if isinstance(mono, bool) or not isinstance(mono, (int, float)) or not math.isfinite(mono):
        raise ValueError(f"mono must be a number (monotonic seconds), got {_show(mono)}")
    boot_id = e.get("boot_id")
    if not isinstance(boot_id, str) or not boot_id or len(boot_id) > MAX_TEXT:
        raise ValueError(f"boot_id must be a non-empty string of at most {MAX_TEXT} characters, got {_show(boot_id)}")
    if not isinstance(e.get("clock_trusted"), bool):
        raise ValueError(f"clock_trusted must be true or false, got {_show(e.get('clock_trusted'))}")
    session_id = e.get("session_id")
    if session_id is not None and (not isinstance(session_id, str) or len(session_id) > MAX_TEXT):
        raise ValueError(f"session_id must be null or a string of at most {MAX_TEXT} characters, "
                         f"got {_show(session_id)}")
    kind = e.get("kind")
    if not isinstance(kind, str) or not kind or len(kind) > MAX_TEXT:
        raise ValueError(f"kind must be a non-empty string of at most {MAX_TEXT} characters, got {_show(kind)}")
    payload = e.get("payload")
    if not isinstance(payload, dict):
        raise ValueError(f"payload must be an object, got {_show(payload)}")
    _check_payload(kind, payload)
    for name in ("boot_id", "session_id", "kind"):
        problem = unstorable(e[name]) if isinstance(e.get(name), str) else None
        if problem:
            raise ValueError(f"{name} {problem}")
    return EventRecord.from_wire({**e, "uuid": canonical, "mono": float(mono)})


def _check_payload(kind: str, payload: Mapping[str, Any]) -> None:
    if kind in F.HELP_KINDS:
        call_id = payload.get("call_id")
        if not isinstance(call_id, str) or not CALL_ID.fullmatch(call_id):
            raise ValueError(f"payload.call_id must be 1 to 64 letters, digits, '.', '_' or '-' (a UUID) for "
                             f"{kind}, got {_show(call_id)}")
        by = payload.get("by")
        if by is not None and (not isinstance(by, str) or len(by) > 100):
            raise ValueError(f"payload.by must be a name of at most 100 characters, got {_show(by)}")
    if kind == F.PHASE_CHANGED and not isinstance(payload.get("to"), str):
        raise ValueError(f"payload.to must name the phase entered, got {_show(payload.get('to'))}")
    at = payload.get("at")
    if at is not None and (isinstance(at, bool) or not isinstance(at, (int, float))):
        raise ValueError(f"payload.at must be a number (epoch seconds), got {_show(at)}")
    for key, value in payload.items():
        if (key == "at" or key.endswith("_at")) and _is_number(value):
            _epoch(f"payload.{key}", value)
    _storable(payload, "payload")


def _epoch(name: str, value: float) -> None:
    """Times are epoch seconds the hub can show: milliseconds or infinity would break every page."""
    if not math.isfinite(value) or not 0 <= value < MAX_EPOCH:
        raise ValueError(f"{name} must be epoch seconds from 0 to {MAX_EPOCH} (not milliseconds), "
                         f"got {_show(value)}")


def _storable(value: Any, where: str) -> None:
    """No infinity (1e400 parses as one), no NUL character (PostgreSQL text cannot hold one) and no
    lone surrogate (no encoder takes one)."""
    problem = _unstorable_in(value)
    if problem:
        raise ValueError(f"{where}{problem[0]} {problem[1]}")


def _unstorable_in(value: Any) -> tuple[str, str] | None:
    """The first thing in value the hub cannot store: (where inside value, what is wrong), or None.
    The path is written only for a problem found, so a good payload costs no message text."""
    if isinstance(value, str):
        problem = unstorable(value)
        return ("", problem) if problem else None
    if isinstance(value, float):
        return None if math.isfinite(value) else ("", f"must be a finite number, got {_show(value)}")
    if isinstance(value, dict):
        for key, item in value.items():
            found = _unstorable_in(key)
            if found:
                return (f" key {_show(key)}{found[0]}", found[1])
            found = _unstorable_in(item)
            if found:
                return (f".{key}{found[0]}", found[1])
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found = _unstorable_in(item)
            if found:
                return (f"[{n}]{found[0]}", found[1])
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _wall(value: Any) -> None:
    if not isinstance(value, str):
        raise ValueError(f"wall must be an ISO 8601 UTC time like 2026-11-25T14:07:22.123Z, got {_show(value)}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"wall is not an ISO 8601 time: {_show(value)}") from None
    if parsed.utcoffset() != timedelta(0):
        raise ValueError(f"wall must be in UTC (ending in Z or +00:00), got {_show(value)}")
    if not 0 <= parsed.timestamp() < MAX_EPOCH:
        raise ValueError(f"wall must be between 1970 and 2106, got {_show(value)}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, float) or math.isfinite(value) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
