from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from kiosk.hub.app import create_app
from kiosk.hub.auth import set_password
from kiosk.hub.database import HubDatabase, open_hub_database
from kiosk.hub.rooms import add_room
from tests.hub.hubproc import fresh_postgres_database
from tests.needs import need_postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_postgres_database(need_postgres()) as url:
        yield url


@pytest.fixture(scope="session")
def shared_pg_url() -> Iterator[str]:
    """One database for the in-process tests; the hub fixture empties its tables after each test."""
    with fresh_postgres_database(need_postgres()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def hub(request, tmp_path: Path) -> Iterator[HubDatabase]:
    if request.param == "sqlite":
        db = open_hub_database(tmp_path / "hub")
        yield db
        db.close()
    else:
        db = open_hub_database(tmp_path / "hub", request.getfixturevalue("shared_pg_url"))
        yield db
        with db.db.connection_context():
            tables = ", ".join(m._meta.table_name for m in db.models.all() if m is not db.models.Setting)
            db.db.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        db.close()


@pytest.fixture
def sqlite_hub(tmp_path: Path) -> Iterator[HubDatabase]:
    db = open_hub_database(tmp_path / "hub")
    yield db
    db.close()


class Kiosk:
    """A pretend kiosk: makes wire events and posts them with its room token."""

    def __init__(self, client, token: str) -> None:
        self.client = client
        self.token = token
        self.device_id = str(uuid.uuid4())
        self.seq = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def event(self, kind: str = "cue.fired", payload: dict[str, Any] | None = None,
              wall: str = "2026-11-25T10:00:00.000Z", **overrides: Any) -> dict[str, Any]:
        self.seq += 1
        event = {"uuid": str(uuid.uuid4()), "seq": self.seq, "device_id": self.device_id, "wall": wall,
                 "mono": 100.0 + self.seq, "boot_id": "boot-1", "clock_trusted": True, "session_id": "s-1",
                 "kind": kind, "payload": payload if payload is not None else {"at": 1.0}}
        event.update(overrides)
        return event

    def upload(self, events: list[dict[str, Any]], waiting: int = 0, **body: Any):
        return self.client.post("/api/v1/events", headers=self.headers,
                                json={"device_id": self.device_id, "waiting": waiting, "events": events, **body})

    def statuses(self, events: list[dict[str, Any]]) -> list[str]:
        response = self.upload(events)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [r["status"] for r in response.get_json()["results"]]

    def help(self, wait: float = 0):
        response = self.client.get(f"/api/v1/help?wait={wait}", headers=self.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["calls"]


class Clock:
    def __init__(self, now: float = 1_795_000_000.0) -> None:
        self.value = now

    def __call__(self) -> float:
        return self.value


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(hub: HubDatabase, clock: Clock):
    app = create_app(hub, now=clock, timezone="UTC", threads=8)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_kiosk(hub: HubDatabase, client):
    def make(name: str = "Room 3") -> Kiosk:
        with hub.db.connection_context():
            token = add_room(hub, name)
        return Kiosk(client, token)
    return make


@pytest.fixture
def staff(hub, client):
    """A test client logged in as staff."""
    with hub.db.connection_context():
        set_password(hub, "staff", "correct horse")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"user": "staff", "password": "correct horse", "csrf_token": token})
    return client
