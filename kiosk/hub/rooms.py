"""Rooms and their tokens. A token is shown once and stored only as its SHA-256.

Tokens are 256 random bits, so a plain hash is enough (no salt or stretching needed), and it lets a
request find its room with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from kiosk.hub.database import HubDatabase


class RoomError(ValueError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def add_room(hub: HubDatabase, name: str, now: float | None = None) -> str:
    """Creates the room and returns its token (the only time it is ever shown)."""
    name = _clean_name(name)
    Room = hub.models.Room
    token = new_token()
    with hub.write():
        if Room.get_or_none(Room.name == name) is not None:
            raise RoomError(f"a room named {name!r} already exists: use `kiosk hub rotate-token {name!r}` "
                            "for a new token")
        Room.create(name=name, token_hash=hash_token(token), created_at=now or time.time())
    return token


def rotate_token(hub: HubDatabase, name: str) -> str:
    Room = hub.models.Room
    token = new_token()
    with hub.write():
        changed = Room.update(token_hash=hash_token(token)).where(Room.name == name).execute()
    if not changed:
        raise RoomError(f"no room named {name!r}: see `kiosk hub list-rooms`")
    return token


def room_for_token(hub: HubDatabase, token: str | None):
    if not token:
        return None
    Room = hub.models.Room
    return Room.get_or_none(Room.token_hash == hash_token(token))


def touch(hub: HubDatabase, room_id: int, now: float, **fields: Any) -> None:
    """Notes a room's authenticated contact (and any heartbeat fields) in its own small transaction."""
    Room = hub.models.Room
    values = {"last_seen": now, **{k: v for k, v in fields.items() if v is not None}}
    with hub.write():
        Room.update(**values).where(Room.id == room_id).execute()


@dataclass(frozen=True)
class RoomStatus:
    id: int
    name: str
    phase: str | None
    last_seen: float | None
    waiting: int
    glyph: str | None
    open_calls: int


def statuses(hub: HubDatabase, room_id: int | None = None) -> list[RoomStatus]:
    from kiosk.hub.helpcalls import open_counts

    Room = hub.models.Room
    query = Room.select().order_by(Room.name)
    if room_id is not None:
        query = query.where(Room.id == room_id)
    counts = open_counts(hub)
    return [RoomStatus(r.id, r.name, r.phase, r.last_seen, r.waiting or 0, r.glyph, counts.get(r.id, 0))
            for r in query]


def room_by_name(hub: HubDatabase, name: str):
    Room = hub.models.Room
    return Room.get_or_none(Room.name == name)


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise RoomError("a room needs a name, e.g. \"Room 3\"")
    if len(name) > 100:
        raise RoomError(f"the room name is {len(name)} characters; at most 100 are allowed")
    if any(not ch.isprintable() for ch in name):
        raise RoomError(f"the room name {name!r} contains a control character: use letters, digits and spaces")
    return name
