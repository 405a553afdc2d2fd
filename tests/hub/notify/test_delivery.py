"""Alerts reach real receivers on loopback: a signed webhook, an ntfy publish, an email over SMTP with
STARTTLS; retries while a receiver is down or failing; escalation by a fake clock; the true press time."""

from __future__ import annotations

import json
import re
import time
from email.header import decode_header, make_header

import pytest

from kiosk.hub.notify import outbox
from kiosk.hub.notify.channels import parse_alerts
from kiosk.hub.notify.sender import AlertSender
from kiosk.hub.notify.transports import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.hub.notify.receivers import HttpReceiver, SmtpReceiver
from tests.needs import need_tool

SECRET = "a-long-random-webhook-key"


@pytest.fixture
def receiver():
    r = HttpReceiver().start()
    yield r
    r.stop()


def channels(hub, text: str, monkeypatch) -> None:
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    hub.alerts = parse_alerts(text)


def webhook(url: str, extra: str = "") -> str:
    return f'[[channel]]\nname = "office"\ntype = "webhook"\nurl = "{url}/hook"\nsecret_env = "TEST_WEBHOOK_SECRET"\n{extra}\n'


def sender(hub, clock) -> AlertSender:
    return AlertSender(hub, now=clock, uniform=lambda a, b: b)


def rows(hub) -> list:
    with hub.db.connection_context():
        return list(hub.models.Alert.select().order_by(hub.models.Alert.id))


def raise_call(kiosk, clock, call_id: str = "call-1", **event):
    response = kiosk.upload([kiosk.event("help.raised", {"at": clock.value, "call_id": call_id, "source": "button"},
                                         **event)])
    assert response.get_json()["results"][0]["status"] == "stored", response.get_json()
    return response


def ack(staff, call_id: str = "call-1", by: str = "Sam"):
    page = staff.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    action = re.search(rf'action="(/calls/\d+/{call_id}/ack)"', page).group(1)
    return staff.post(action, data={"csrf_token": csrf, "by": by}, headers={"X-Requested-With": "fetch"})


def test_a_help_call_reaches_a_signed_webhook_and_what_follows_too(hub, make_kiosk, staff, clock, receiver,
                                                                    monkeypatch):
    channels(hub, webhook(receiver.url), monkeypatch)
    kiosk = make_kiosk("Room 3")
    raise_call(kiosk, clock)
    assert [r.status for r in rows(hub)] == ["pending"], "written with the call, not sent in the upload"
    assert receiver.requests == []
    assert sender(hub, clock).run_once() == 1
    got = receiver.wait_for(1)[0]
    assert got.path == "/hook" and got.headers["Content-Type"] == "application/json"
    assert verify(SECRET, got.headers[TIMESTAMP_HEADER], got.body, got.headers[SIGNATURE_HEADER], clock.value)
    body = json.loads(got.body)
    assert (body["event"], body["room"], body["call_id"], body["by"]) == ("raised", "Room 3", "call-1", None)
    assert body["pressed_at"].endswith("Z") and body["title"] == "Help called: Room 3"
    assert set(body) == {"id", "event", "room", "call_id", "pressed_at", "reached_hub_at", "late_seconds", "by",
                         "escalated", "title", "text", "sent_at"}, "nothing about the client, no session data"
    # A receiver refuses a changed body, a wrong key, and the same message replayed later.
    ts, sig = got.headers[TIMESTAMP_HEADER], got.headers[SIGNATURE_HEADER]
    assert not verify(SECRET, ts, got.body.replace(b"Room 3", b"Room 4"), sig, clock.value)
    assert not verify("another key", ts, got.body, sig, clock.value)
    assert not verify(SECRET, ts, got.body, sig, clock.value + 3600)
    assert not verify(SECRET, str(int(ts) + 3600), got.body, sig, clock.value + 3600)

    kiosk.upload([kiosk.event("help.repeated", {"at": clock.value, "call_id": "call-1"})])
    clock.value += 5
    assert ack(staff).status_code == 200
    kiosk.upload([kiosk.event("help.acknowledged", {"at": clock.value, "call_id": "call-1", "by": "Sam"})])  # echo
    kiosk.upload([kiosk.event("help.resolved", {"at": clock.value, "call_id": "call-1", "by": "Sam"})])
    assert sender(hub, clock).run_once() == 3
    events = [(json.loads(r.body)["event"], json.loads(r.body)["by"]) for r in receiver.wait_for(4)]
    assert events == [("raised", None), ("pressed_again", None), ("acknowledged", "Sam"), ("resolved", "Sam")]
    assert json.loads(receiver.requests[2].body)["title"] == "On my way (Sam): Room 3"
    assert {r.status for r in rows(hub)} == {"sent"}
    assert sender(hub, clock).run_once() == 0, "each sent once"


def test_channels_per_room(hub, make_kiosk, clock, receiver, monkeypatch):
    channels(hub, webhook(receiver.url, 'rooms = ["Studio"]'), monkeypatch)
    raise_call(make_kiosk("Room 3"), clock)
    raise_call(make_kiosk("Studio"), clock, call_id="call-2")
    sender(hub, clock).run_once()
    assert [json.loads(r.body)["room"] for r in receiver.wait_for(1)] == ["Studio"]


def test_an_ntfy_publish_has_title_priority_and_tags(hub, make_kiosk, clock, receiver, monkeypatch):
    monkeypatch.setenv("TEST_NTFY_TOKEN", "tk_test")
    channels(hub, f'[[channel]]\nname = "phones"\ntype = "ntfy"\nurl = "{receiver.url}/room-kiosk-3f9a"\n'
                  'token_env = "TEST_NTFY_TOKEN"\npriority = "high"\n', monkeypatch)
    raise_call(make_kiosk("Raum 3 – Küche"), clock)
    sender(hub, clock).run_once()
    got = receiver.wait_for(1)[0]
    assert got.path == "/room-kiosk-3f9a"
    assert str(make_header(decode_header(got.headers["Title"]))) == "Help called: Raum 3 – Küche"
    assert (got.headers["Priority"], got.headers["Tags"]) == ("high", "bell")
    assert got.headers["Authorization"] == "Bearer tk_test"
    text = got.body.decode("utf-8")
    assert text.startswith("Raum 3 – Küche: help called at ") and "nobody on the way yet" in text


def test_an_email_over_smtp_with_starttls_and_login(hub, make_kiosk, staff, clock, tmp_path, monkeypatch):
    need_tool("openssl")
    smtp = SmtpReceiver(tmp_path).start()
    try:
        monkeypatch.setenv("TEST_SMTP_USER", smtp.user)
        monkeypatch.setenv("TEST_SMTP_PASSWORD", smtp.password)
        channels(hub, f'[[channel]]\nname = "head teacher"\ntype = "email"\nhost = "127.0.0.1"\nport = {smtp.port}\n'
                      f'from = "hub@school.example.org"\nto = ["office@school.example.org"]\n'
                      f'username_env = "TEST_SMTP_USER"\npassword_env = "TEST_SMTP_PASSWORD"\nca_file = "{smtp.cert}"\n',
                 monkeypatch)
        raise_call(make_kiosk("Room 3"), clock)
        assert sender(hub, clock).run_once() == 1, rows(hub)[0].last_error
        mail = smtp.mails[0]
        assert mail["Subject"] == "Help called: Room 3" and mail["To"] == "office@school.example.org"
        assert "Room 3: help called at" in mail.get_payload() and smtp.logins == ["hub"]

        monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong")
        ack(staff)
        sender(hub, clock).run_once()
        failed = rows(hub)[-1]
        assert failed.status == "failed" and "refused the SMTP login" in failed.last_error, failed.last_error
    finally:
        smtp.stop()


def test_retries_while_the_receiver_is_down_then_answers_500_then_is_back(hub, make_kiosk, clock, monkeypatch):
    port_holder = HttpReceiver().start()   # learn a free port, then take the receiver away
    port = port_holder.port
    port_holder.stop()
    channels(hub, webhook(f"http://127.0.0.1:{port}"), monkeypatch)
    started = time.monotonic()
    raise_call(make_kiosk("Room 3"), clock)
    assert time.monotonic() - started < 2, "the upload never waits on a receiver"
    send = sender(hub, clock)
    assert send.run_once() == 0
    row = rows(hub)[0]
    assert row.status == "retrying" and "cannot reach" in row.last_error and "Connection refused" in row.last_error
    assert row.next_at == clock.value + 2, "the first retry after 2 s (then 4, 8, ... up to 5 min)"
    assert send.run_once() == 0 and rows(hub)[0].attempts == 1, "not before its time"

    receiver = HttpReceiver(answers=[500, 503], port=port).start()
    try:
        clock.value = rows(hub)[0].next_at
        send.run_once()
        row = rows(hub)[0]
        assert (row.status, row.attempts) == ("retrying", 2) and "answered 500" in row.last_error
        assert row.next_at == clock.value + 4
        clock.value = row.next_at
        send.run_once()
        assert rows(hub)[0].status == "retrying" and "answered 503" in rows(hub)[0].last_error
        clock.value = rows(hub)[0].next_at
        assert send.run_once() == 1
        row = rows(hub)[0]
        assert (row.status, row.attempts, row.last_error) == ("sent", 4, None)
        assert len(receiver.wait_for(3)) == 3
    finally:
        receiver.stop()


def test_a_refused_webhook_fails_with_the_reason_and_one_that_never_works_gives_up(hub, make_kiosk, clock,
                                                                                  monkeypatch):
    receiver = HttpReceiver(answers=[404] + [500] * 50).start()
    try:
        channels(hub, webhook(receiver.url), monkeypatch)
        kiosk = make_kiosk("Room 3")
        raise_call(kiosk, clock)
        send = sender(hub, clock)
        send.run_once()
        row = rows(hub)[0]
        assert row.status == "failed" and "answered 404" in row.last_error and "retrying cannot help" in row.last_error
        raise_call(kiosk, clock, call_id="call-2")
        for _ in range(40):
            send.run_once()
            clock.value = max(clock.value + 1, rows(hub)[1].next_at)
            if rows(hub)[1].status == "failed":
                break
        row = rows(hub)[1]
        assert row.status == "failed" and "gave up after" in row.last_error and row.attempts > 3
    finally:
        receiver.stop()


def test_escalation_after_the_timeout_by_a_fake_clock(hub, make_kiosk, staff, clock, receiver, monkeypatch):
    channels(hub, "[alerts]\nescalate_after_seconds = 60\n" + webhook(receiver.url)
             + f'[[channel]]\nname = "deputy head"\ntype = "webhook"\nurl = "{receiver.url}/escalate"\n'
               'secret_env = "TEST_WEBHOOK_SECRET"\nescalation = true\n', monkeypatch)
    kiosk = make_kiosk("Room 3")
    raise_call(kiosk, clock)
    send = sender(hub, clock)
    send.run_once()
    clock.value += 59
    send.run_once()
    assert [r.path for r in receiver.requests] == ["/hook"], "the escalation channel hears only of escalations"
    assert "Escalated" not in staff.get("/board.json").get_json()["html"]
    clock.value += 2
    send.run_once()
    got = receiver.wait_for(2)
    assert [r.path for r in got] == ["/hook", "/escalate"]
    body = json.loads(got[1].body)
    assert (body["event"], body["escalated"], body["title"]) == ("escalated", True, "Nobody has answered: Room 3")
    html = staff.get("/board.json").get_json()["html"]
    assert "Escalated" in html and "Nobody answered within 60 s" in html
    clock.value += 60
    send.run_once()
    assert len(receiver.requests) == 2, "escalated once"
    ack(staff)
    send.run_once()
    assert sorted((r.path, json.loads(r.body)["event"]) for r in receiver.wait_for(4)[2:]) == [
        ("/escalate", "acknowledged"), ("/hook", "acknowledged")], "who escalated hears that someone is going"


def test_an_answered_call_is_never_escalated(hub, make_kiosk, staff, clock, receiver, monkeypatch):
    channels(hub, webhook(receiver.url, "escalation = true"), monkeypatch)
    raise_call(make_kiosk("Room 3"), clock)
    clock.value += 30
    ack(staff)
    clock.value += 600
    sender(hub, clock).run_once()
    assert receiver.requests == []
    with hub.db.connection_context():
        assert hub.models.HelpCall.get().escalated_at is None


def test_the_age_gives_the_true_press_time_and_a_late_call_says_so(hub, make_kiosk, staff, clock, receiver,
                                                                   monkeypatch):
    """The kiosk's wall clock is not trusted (no network time); it sends how long ago the press was on its
    steady clock. The hub counts back from its own clock, and the call shows how late it arrived."""
    channels(hub, webhook(receiver.url), monkeypatch)
    kiosk = make_kiosk("Room 3")
    raise_call(kiosk, clock, clock_trusted=False, age=51.2, wall="2020-01-01T00:00:00.000Z")
    html = staff.get("/board.json").get_json()["html"]
    assert "pressed 51 s before it reached the hub" in html and "51 s ago" in html
    with hub.db.connection_context():
        call = hub.models.HelpCall.get()
    assert call.raised_at == pytest.approx(clock.value - 51.2) and call.reached_at == clock.value
    sender(hub, clock).run_once()
    body = json.loads(receiver.wait_for(1)[0].body)
    assert body["late_seconds"] == 51.2 and "pressed 51 s before it reached the hub" in body["text"]

    # An age only counts with the upload that stores the event; a resend of it is a duplicate and moves nothing.
    # A call sent at once (age under the late threshold) shows no note.
    raise_call(kiosk, clock, call_id="call-2", age=0.4)
    html = staff.get("/board.json").get_json()["html"]
    assert html.count("before it reached the hub") == 1


@pytest.mark.parametrize("age", [-1, "51", float("inf"), 2**40, True])
def test_a_bad_age_is_rejected_with_the_reason(hub, make_kiosk, clock, age):
    kiosk = make_kiosk("Room 3")
    event = kiosk.event("help.raised", {"at": clock.value, "call_id": "c"}, age=age)
    if age == float("inf"):
        response = kiosk.client.post("/api/v1/events", headers=kiosk.headers, content_type="application/json",
                                     data=json.dumps({"device_id": kiosk.device_id, "events": [event]}).replace(
                                         "Infinity", "1e400"))
    else:
        response = kiosk.upload([event])
    result = response.get_json()["results"][0]
    assert result["status"] == "rejected" and result["reason"].startswith("events[0].age must be the seconds since")


def test_send_a_test_alert_from_the_staff_page_and_see_it_in_the_log(hub, staff, clock, receiver, monkeypatch):
    channels(hub, webhook(receiver.url), monkeypatch)
    page = staff.get("/alerts").get_data(as_text=True)
    assert "office: webhook to" in page and "Send a test alert" in page and "Nothing sent yet." in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = staff.post("/alerts/test/0", data={"csrf_token": csrf})
    assert response.status_code == 302
    assert "waiting to send" in staff.get("/alerts").get_data(as_text=True)
    sender(hub, clock).run_once()
    body = json.loads(receiver.wait_for(1)[0].body)
    assert body["event"] == "test" and body["title"] == "Test alert from the room hub"
    page = staff.get("/alerts").get_data(as_text=True)
    assert "test alert" in page and 'data-status="sent"' in page
    assert staff.post("/alerts/test/7", data={"csrf_token": csrf}).status_code == 404


def test_the_delivery_log_shows_failures_with_their_reason(hub, staff, clock, monkeypatch):
    channels(hub, webhook("http://127.0.0.1:9"), monkeypatch)
    monkeypatch.delenv("TEST_WEBHOOK_SECRET")
    with hub.db.connection_context():
        outbox.enqueue_test(hub, hub.alerts.channels[0], "staff", clock.value)
    sender(hub, clock).run_once()
    page = staff.get("/alerts").get_data(as_text=True)
    assert 'data-status="failed"' in page and "TEST_WEBHOOK_SECRET" in page and "is not set" in page
