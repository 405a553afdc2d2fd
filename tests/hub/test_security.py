"""Who may do what: room tokens, staff login, cross-site posts."""

from __future__ import annotations

import re

import pytest

from kiosk.hub.auth import check_password, hash_password, set_password


def test_no_token_or_a_wrong_token_is_401(hub, make_kiosk, client):
    kiosk = make_kiosk()
    body = {"device_id": kiosk.device_id, "events": [kiosk.event()]}
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {kiosk.token}"},
                    {"Authorization": "Bearer "}):
        for method, path, kwargs in (("post", "/api/v1/events", {"json": body}),
                                     ("post", "/api/v1/heartbeat", {"json": {"device_id": "d"}}),
                                     ("get", "/api/v1/help", {}), ("get", "/api/v1/rooms", {})):
            response = getattr(client, method)(path, headers=headers, **kwargs)
            assert response.status_code == 401, (headers, path)
            assert "token" in response.get_json()["error"]
    with hub.db.connection_context():
        assert hub.models.Event.select().count() == 0


def test_a_token_writes_and_reads_only_as_its_own_room(hub, make_kiosk, client):
    room3, room4 = make_kiosk("Room 3"), make_kiosk("Room 4")
    room3.statuses([room3.event("help.raised", {"at": 1.0, "call_id": "c3"})])
    # Room 4's token, claiming Room 3's device and call: it still lands in Room 4 only.
    intruder = room4.event("help.resolved", {"at": 2.0, "call_id": "c3"}, device_id=room3.device_id)
    response = client.post("/api/v1/events", headers=room4.headers,
                           json={"device_id": room3.device_id, "events": [intruder]})
    assert response.status_code == 200
    assert [c["state"] for c in room3.help()] == ["raised"]
    assert [c["call_id"] for c in room4.help()] == ["c3"]  # Room 4's own (new) call record
    assert [r["name"] for r in client.get("/api/v1/rooms", headers=room4.headers).get_json()["rooms"]] == ["Room 4"]
    with hub.db.connection_context():
        Event, Room = hub.models.Event, hub.models.Room
        rooms_of = {e.uuid: e.room.name for e in Event.select(Event, Room).join(Room)}
    assert rooms_of[intruder["uuid"]] == "Room 4"


def test_tokens_are_stored_hashed(hub, make_kiosk):
    kiosk = make_kiosk()
    with hub.db.connection_context():
        stored = hub.models.Room.get().token_hash
    assert kiosk.token not in stored and len(stored) == 64


def test_passwords_are_salted_scrypt():
    a, b = hash_password("correct horse"), hash_password("correct horse")
    assert a != b and a.startswith("scrypt$")
    assert check_password("correct horse", a) and not check_password("wrong horse", a)
    assert not check_password("x", "garbage")


# --- staff ------------------------------------------------------------------------------

def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def staff_client(hub, client):
    with hub.db.connection_context():
        set_password(hub, "staff", "correct horse")
    return client


def _login(client, password="correct horse", headers=None):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", data={"user": "staff", "password": password, "csrf_token": _csrf(page),
                                       "next": "/"}, headers=headers or {})


def test_staff_page_requires_login(staff_client):
    for path in ("/", "/logs", "/logs/download?from=2026-11-01&to=2026-11-02"):
        response = staff_client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = staff_client.get("/board.json")
    assert response.status_code == 401
    assert staff_client.post("/calls/1/x/ack", data={}).status_code == 403  # no CSRF token, no session


def test_wrong_password_is_refused_and_right_one_opens_the_page(staff_client):
    response = _login(staff_client, "wrong horse")
    assert response.status_code == 401 and "do not match" in response.get_data(as_text=True)
    assert staff_client.get("/").status_code == 302
    response = _login(staff_client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Rooms" in staff_client.get("/").get_data(as_text=True)
    assert staff_client.get("/board.json").status_code == 200


def test_login_form_without_its_csrf_token_is_refused(staff_client):
    staff_client.get("/login")
    response = staff_client.post("/login", data={"user": "staff", "password": "correct horse"})
    assert response.status_code == 403
    assert staff_client.get("/").status_code == 302


def test_cross_site_form_posts_are_refused(hub, make_kiosk, staff_client):
    kiosk = make_kiosk()
    kiosk.statuses([kiosk.event("help.raised", {"at": 1.0, "call_id": "c1"})])
    assert _login(staff_client).status_code == 302
    page = staff_client.get("/").get_data(as_text=True)
    token = _csrf(page)
    room_id = re.search(r'/calls/(\d+)/c1/ack', page).group(1)
    evil = {"Origin": "http://evil.example"}
    response = staff_client.post(f"/calls/{room_id}/c1/ack", data={"csrf_token": token, "by": "Mallory"},
                                 headers=evil)
    assert response.status_code == 403
    response = staff_client.post(f"/calls/{room_id}/c1/ack", data={"csrf_token": "forged", "by": "Mallory"})
    assert response.status_code == 403
    response = staff_client.post(f"/calls/{room_id}/c1/ack", data={"by": "Mallory"},
                                 headers={"Referer": "http://evil.example/page"})
    assert response.status_code == 403
    assert kiosk.help()[0]["state"] == "raised"
    response = staff_client.post(f"/calls/{room_id}/c1/ack", data={"csrf_token": token, "by": "Sam"},
                                 headers={"Origin": "http://localhost"})
    assert response.status_code == 302
    assert (kiosk.help()[0]["state"], kiosk.help()[0]["by"]) == ("acknowledged", "Sam")


def test_logout_needs_csrf_and_ends_the_session(staff_client):
    _login(staff_client)
    assert staff_client.post("/logout").status_code == 403
    token = _csrf(staff_client.get("/").get_data(as_text=True))
    assert staff_client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert staff_client.get("/").status_code == 302


@pytest.mark.parametrize("target", [
    "//evil.example/x", "/\t/evil.example/x", "/\n/evil.example/x", "/\r\n/evil.example/x",
    "/%09/evil.example/x", "/%2F/evil.example/x", "/\\evil.example/x", "/\\/evil.example/x",
    "https://evil.example/x", "http:/evil.example", "javascript:alert(1)", "evil.example/x", " /logs",
    "/logs\x00", "/\u2028/evil.example",
])
def test_login_next_cannot_send_staff_to_another_site(staff_client, target):
    page = staff_client.get("/login", query_string={"next": target})
    assert page.status_code == 200
    assert 'name="next" value="/"' in page.get_data(as_text=True)
    response = staff_client.post("/login", data={"user": "staff", "password": "correct horse",
                                                 "csrf_token": _csrf(page.get_data(as_text=True)), "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_login_next_returns_to_a_page_of_this_hub(staff_client):
    target = "/logs/download?room=Room%203&from=2026-11-01&to=2026-11-02"
    page = staff_client.get("/login", query_string={"next": target}).get_data(as_text=True)
    response = staff_client.post("/login", data={"user": "staff", "password": "correct horse",
                                                 "csrf_token": _csrf(page), "next": target})
    assert response.headers["Location"] == target


def test_password_guessing_is_slowed_down(staff_client):
    for _ in range(5):
        assert _login(staff_client, "wrong horse").status_code == 401
    response = _login(staff_client)   # even the right password waits now
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    assert "Too many attempts" in response.get_data(as_text=True)


def test_login_throttle_forgets_old_failures():
    from kiosk.hub.auth import LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(limit=2, window=60, clock=lambda: now[0])
    throttle.failed("a")
    throttle.failed("a")
    assert throttle.wait_seconds("a") == 60 and throttle.wait_seconds("b") == 0
    now[0] = 61
    assert throttle.wait_seconds("a") == 0


def test_login_throttle_is_per_address_and_user_with_a_cap_per_address():
    from kiosk.hub.auth import LoginThrottle

    throttle = LoginThrottle(limit=2, window=60, clock=lambda: 0.0, address_limit=3)
    throttle.failed("a", "sam")
    throttle.failed("a", "Sam ")
    assert throttle.wait_seconds("a", "sam") == 60
    assert throttle.wait_seconds("a", "kim") == 0 and throttle.wait_seconds("b", "sam") == 0
    throttle.failed("a", "kim")
    assert throttle.wait_seconds("a", "lee") == 60   # one address trying many names


def test_setting_a_password_or_removing_the_user_ends_their_sessions(hub, staff_client):
    from kiosk.hub.auth import remove_staff

    with hub.db.connection_context():
        set_password(hub, "other", "correct horse")
    other = staff_client.application.test_client()
    assert _login(staff_client).status_code == 302
    page = other.get("/login").get_data(as_text=True)
    other.post("/login", data={"user": "other", "password": "correct horse", "csrf_token": _csrf(page)})
    assert staff_client.get("/board.json").status_code == 200 and other.get("/board.json").status_code == 200
    with hub.db.connection_context():
        set_password(hub, "staff", "correct horse")           # even to the same password
    assert staff_client.get("/board.json").status_code == 401
    assert staff_client.get("/").status_code == 302
    assert other.get("/board.json").status_code == 200       # other users stay logged in
    assert _login(staff_client).status_code == 302 and staff_client.get("/board.json").status_code == 200
    with hub.db.connection_context():
        assert remove_staff(hub, "other") and not remove_staff(hub, "nobody")
    assert other.get("/board.json").status_code == 401
    assert other.get("/api/v1/rooms").status_code == 401     # no room token, and no longer staff


# --- server-side sessions ------------------------------------------------------------------

def _copy_of_cookie(client, app):
    copy = app.test_client()
    copy.set_cookie("kiosk_hub_session", client.get_cookie("kiosk_hub_session").value)
    return copy


def test_logging_out_ends_a_copied_cookie_but_not_the_users_other_browsers(app, hub, make_kiosk, staff_client):
    make_kiosk()
    other_browser = app.test_client()
    for browser in (staff_client, other_browser):
        assert _login(browser).status_code == 302
    copy = _copy_of_cookie(staff_client, app)
    assert copy.get("/board.json").status_code == 200 and copy.get("/api/v1/rooms").status_code == 200
    token = _csrf(staff_client.get("/").get_data(as_text=True))
    assert staff_client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert copy.get("/board.json").status_code == 401
    assert copy.get("/").status_code == 302
    assert copy.get("/api/v1/rooms").status_code == 401
    assert copy.get("/logs/download?from=2026-11-01&to=2026-11-02").status_code == 302
    assert other_browser.get("/board.json").status_code == 200      # the same user, elsewhere: still in
    with hub.db.connection_context():
        assert [s.staff for s in hub.models.StaffSession.select()] == ["staff"]   # only the other login


def test_a_login_ends_after_twelve_idle_hours_and_lasts_while_used(staff_client, clock):
    assert _login(staff_client).status_code == 302
    for _ in range(3):
        clock.value += 11 * 3600
        assert staff_client.get("/board.json").status_code == 200   # used: its idle time starts again
    clock.value += 12 * 3600 + 1
    assert staff_client.get("/board.json").status_code == 401


def test_the_cookie_holds_only_a_session_id_the_hub_stores_hashed(hub, staff_client):
    import hashlib

    from flask.sessions import SecureCookieSessionInterface

    assert _login(staff_client).status_code == 302
    app = staff_client.application
    cookie = staff_client.get_cookie("kiosk_hub_session").value
    data = SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie)
    assert set(data) == {"_permanent", "csrf", "sid", "staff"}
    with hub.db.connection_context():
        stored = [s.id_hash for s in hub.models.StaffSession.select()]
    assert stored == [hashlib.sha256(data["sid"].encode()).hexdigest()]


def test_a_login_costs_one_scrypt_whether_or_not_the_user_exists(hub, monkeypatch):
    """Two hashes for an unknown name and one for a known one told which names exist."""
    import hashlib

    from kiosk.hub import auth

    with hub.db.connection_context():
        set_password(hub, "staff", "correct horse")
        auth.verify_staff(hub, "nobody", "x")  # the stand-in hash is made once, before counting
        calls = []
        real = hashlib.scrypt
        monkeypatch.setattr(auth.hashlib, "scrypt", lambda *a, **k: (calls.append(1), real(*a, **k))[1])
        assert auth.verify_staff(hub, "staff", "wrong password") is None
        known = len(calls)
        assert auth.verify_staff(hub, "nobody at all", "wrong password") is None
        assert len(calls) - known == known == 1


def test_every_page_carries_a_content_security_policy_that_forbids_inline_script(staff):
    for path in ("/", "/login", "/logs", "/board.json"):
        policy = staff.get(path).headers.get("Content-Security-Policy", "")
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, path
        assert "unsafe-inline" not in policy


def test_a_refused_kiosk_token_is_logged_at_the_hub_without_the_token(hub, client, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="kiosk.hub"):
        answer = client.post("/api/v1/events", json={"device_id": "d", "events": []},
                             headers={"Authorization": "Bearer not-a-real-token-123"})
    assert answer.status_code == 401
    [line] = [r.getMessage() for r in caplog.records if "refused a kiosk" in r.getMessage()]
    assert "unknown or revoked room token" in line and "not-a-real-token-123" not in line
