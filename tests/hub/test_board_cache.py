"""The staff board is rendered once per second, language and help-call change, and shared between pages
(kiosk/hub/boardcache.py): a shared board must never hide a call another hub process took, never speak
another reader's language, never carry another session's CSRF token or name, and never reach a visitor
who is not logged in. The fake clock stands still, so every request below falls in the same second: only
the help-call token and the key can make a board new."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from peewee import PostgresqlDatabase

from kiosk.hub.app import create_app
from kiosk.hub.auth import set_password
from kiosk.hub.database import HubDatabase, open_hub_database
from kiosk.hub import helpcalls
from tests.hub.conftest import Kiosk


def _made(app) -> int:
    return app.extensions["kiosk_board"].made


def _login(client, user: str = "staff", password: str = "correct horse") -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"user": user, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def _page_csrf(client) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").get_data(as_text=True)).group(1)


@pytest.fixture
def other_hub(hub: HubDatabase, request, tmp_path: Path) -> Iterator[HubDatabase]:
    """A second hub process's database handle: its own connection to the same database."""
    if isinstance(hub.db, PostgresqlDatabase):
        db = open_hub_database(tmp_path / "hub2", request.getfixturevalue("shared_pg_url"))
    else:
        db = open_hub_database(tmp_path / "hub")
    yield db
    db.close()


@pytest.fixture
def other_app(other_hub: HubDatabase, clock):
    app = create_app(other_hub, now=clock, timezone="UTC", threads=8)
    app.config["TESTING"] = True
    return app


def test_repeated_polls_in_one_second_render_the_board_once(app, make_kiosk, staff):
    make_kiosk("Room 3")
    first = staff.get("/board.json").get_json()
    for _ in range(5):
        assert staff.get("/board.json").get_json() == first
    assert _made(app) == 1


def test_a_call_raised_through_another_hub_process_is_on_the_cached_board_at_once(
        app, other_app, hub, make_kiosk, staff, clock):
    kiosk = make_kiosk("Room 3")
    assert staff.get("/board.json").get_json()["open_calls"] == 0
    assert _made(app) == 1
    elsewhere = Kiosk(other_app.test_client(), kiosk.token)   # the same room, through the other process
    assert elsewhere.statuses([elsewhere.event("help.raised", {"at": clock(), "call_id": "c1"})]) == ["stored"]
    board = staff.get("/board.json").get_json()
    assert board["open_calls"] == 1 and "nobody on the way yet" in board["html"]
    assert [c["room"] for c in board["alert"]["unanswered"]] == ["Room 3"]
    assert _made(app) == 2


def test_an_answer_given_in_another_hub_process_moves_the_cached_board(app, other_hub, make_kiosk, staff, clock):
    kiosk = make_kiosk("Room 3")
    kiosk.statuses([kiosk.event("help.raised", {"at": clock(), "call_id": "c1"})])
    assert "nobody on the way yet" in staff.get("/board.json").get_json()["html"]
    room_id = int(re.search(r"/calls/(\d+)/c1/ack", staff.get("/board.json").get_json()["html"]).group(1))
    with other_hub.db.connection_context():
        assert helpcalls.staff_action(other_hub, room_id, "c1", helpcalls.ACKNOWLEDGED, "Ana", now=clock())
    board = staff.get("/board.json").get_json()
    assert "Ana is on the way" in board["html"] and board["alert"]["unanswered"] == []
    with other_hub.db.connection_context():
        assert helpcalls.staff_action(other_hub, room_id, "c1", helpcalls.RESOLVED, "Ana", now=clock())
    assert staff.get("/board.json").get_json()["open_calls"] == 0


def test_an_escalation_in_another_hub_process_shows_on_the_cached_board(app, other_hub, make_kiosk, staff, clock):
    from kiosk.hub.notify.escalation import escalate_due

    kiosk = make_kiosk("Room 3")
    kiosk.statuses([kiosk.event("help.raised", {"at": clock(), "call_id": "c1"})])
    assert "Escalated" not in staff.get("/board.json").get_json()["html"]
    with other_hub.db.connection_context():
        assert escalate_due(other_hub, clock() + 3600 - 1)   # in its clock, long enough; ours stands still
    assert "Escalated" in staff.get("/board.json").get_json()["html"]


def test_the_language_is_part_of_the_key(app, make_kiosk, staff):
    make_kiosk("Room 3")
    english = staff.get("/board.json").get_json()["html"]
    german = staff.get("/board.json", headers={"Accept-Language": "de"}).get_json()["html"]
    assert "No open help calls." in english and "Räume" not in english
    assert "Keine offenen Hilferufe." in german and "Räume" in german
    assert staff.get("/board.json").get_json()["html"] == english
    assert staff.get("/board.json", headers={"Accept-Language": "de"}).get_json()["html"] == german
    assert _made(app) == 2


def test_each_session_gets_its_own_csrf_token_and_name_on_a_shared_board(app, hub, make_kiosk, staff, clock):
    kiosk = make_kiosk("Room 3")
    kiosk.statuses([kiosk.event("help.raised", {"at": clock(), "call_id": "c1"})])
    with hub.db.connection_context():
        set_password(hub, "ben", "battery staple")
    ben = app.test_client()
    _login(ben, "ben", "battery staple")
    html = staff.get("/board.json").get_json()["html"]
    room_id = re.search(r"/calls/(\d+)/c1/ack", html).group(1)
    fetch = {"X-Requested-With": "fetch"}
    # staff gives a name with a first action that changes nothing on the board (an unknown call)
    staff.post(f"/calls/{room_id}/c404/ack", data={"csrf_token": _page_csrf(staff), "by": "Ana"}, headers=fetch)
    mine, his = staff.get("/board.json").get_json()["html"], ben.get("/board.json").get_json()["html"]
    assert _made(app) == 1   # one board, two sessions
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', mine)) == {_page_csrf(staff)}
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', his)) == {_page_csrf(ben)}
    assert _page_csrf(staff) != _page_csrf(ben)
    assert "On my way (Ana)" in mine and "(Ana)" not in his and 'placeholder="Your name"' in his


def test_a_visitor_not_logged_in_gets_no_board_even_when_one_is_cached(app, make_kiosk, staff, clock):
    kiosk = make_kiosk("Room 3")
    kiosk.statuses([kiosk.event("help.raised", {"at": clock(), "call_id": "c1"})])
    assert staff.get("/board.json").get_json()["open_calls"] == 1
    stranger = app.test_client()
    response = stranger.get("/board.json")
    assert response.status_code == 401 and "Room 3" not in response.get_data(as_text=True)
    assert "login" in response.get_json()["error"]
    staff.post("/logout", data={"csrf_token": _page_csrf(staff)})
    response = staff.get("/board.json")
    assert response.status_code == 401 and "Room 3" not in response.get_data(as_text=True)
