"""A help call carries its age on the kiosk's steady clock with every send, so the hub shows the true
waiting time even when the kiosk's wall clock is not trusted and the call arrives late (issue 12)."""

from __future__ import annotations

import json
import re

import requests

from kiosk.clock import FakeClock
from kiosk.store.outbox import Outgoing
from kiosk.sync.helpsend import with_age
from tests.hub.hubproc import start_hub
from tests.sync.conftest import wait_until
from tests.sync.test_worker import running, worker_for  # noqa: F401  (fixture)


def _item(clock: FakeClock, mono: float, boot_id: str) -> Outgoing:
    wire = {"uuid": "u", "seq": 1, "device_id": "d", "wall": "2026-11-25T10:00:00.000Z", "mono": mono,
            "boot_id": boot_id, "clock_trusted": False, "session_id": None, "kind": "help.raised",
            "payload": {"at": 1.0, "call_id": "c"}}
    return Outgoing("u", 1, "help.raised", json.dumps(wire), "c")


def test_the_age_is_counted_on_this_boots_steady_clock_at_each_send():
    clock = FakeClock(trusted=False)
    item = _item(clock, clock.monotonic(), clock.boot_id)
    assert json.loads(with_age(item, clock))["age"] == 0.0
    clock.advance(51.25)
    first = json.loads(with_age(item, clock))
    clock.advance(3)
    assert (first["age"], json.loads(with_age(item, clock))["age"]) == (51.25, 54.25), "every resend, its own age"
    assert {k: v for k, v in first.items() if k != "age"} == json.loads(item.text), "the event itself unchanged"
    assert "age" not in json.loads(with_age(_item(clock, 5.0, "an-earlier-boot"), clock)), \
        "monotonic time does not carry across a restart"


def test_the_text_sent_is_the_stored_text_with_its_age_and_nothing_else_re_encoded():
    """Compact, as the outbox stores it: the batch's byte count (counted on the stored text) stays true."""
    clock = FakeClock(trusted=False)
    wire = json.loads(_item(clock, clock.monotonic(), clock.boot_id).text)
    stored = json.dumps(wire, separators=(",", ":"))
    item = Outgoing("u", 1, "help.raised", stored, "c")
    clock.advance(2.5)
    assert with_age(item, clock) == stored[:-1] + ',"age":2.5}'
    earlier = Outgoing("u", 1, "help.raised", stored.replace(clock.boot_id, "an-earlier-boot"), "c")
    assert with_age(earlier, clock) == earlier.text


def _login(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=10).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    session.post(f"{url}/login", data={"user": "staff", "password": "correct horse", "csrf_token": csrf}, timeout=10)
    return session


def test_a_call_pressed_while_the_hub_was_down_shows_its_true_age(tmp_path, make_room, running, clock):
    """The issue's case: pressed while the hub was down, the kiosk's wall clock not trusted; the staff page
    said "10 s ago" for a person who had waited a minute. Now it says when it was really pressed."""
    hub = start_hub(tmp_path / "hub")
    try:
        token = hub.add_room("Room 7")
        hub.set_password("staff", "correct horse")
        url = hub.url
        hub.stop()
        clock.trusted = False
        room = make_room(url, token)
        running(worker_for(room))
        call_id = room.raise_help("button")
        clock.advance(51)   # the kiosk's steady clock moves on while the hub is down
        hub.start()
        wait_until(lambda: room.help.calls[call_id].state != "raised", timeout=10, what="the call delivered late")
        html = _login(url).get(f"{url}/board.json", timeout=10).json()["html"]
        assert "pressed 51 s before it reached the hub" in html
        assert "51 s ago" in html or "52 s ago" in html
    finally:
        hub.stop()
