"""Staff alerts in real headless Chromium: the page asks to turn sound on, plays the alert and repeats it
until someone answers "On my way", then stops; a browser notification is raised (a Notification stub put in
with Page.addScriptToEvaluateOnNewDocument records it); a late call shows its true age; an unanswered call
shows as escalated; a room gone silent during a session shows as disconnected.

Screenshots go to $KIOSK_HUB_SCREENSHOTS (or the test's tmp folder): staff-alert-*, staff-escalated-*,
staff-disconnected-*.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import requests

from tests.hub.cdp import Browser
from tests.hub.hubproc import start_hub
from tests.hub.notify.receivers import HttpReceiver
from tests.needs import need_tool

NOTIFICATION_STUB = """
window.__notes = [];
(function () {
  function FakeNotification(title, options) {
    window.__notes.push({title: title, body: options && options.body, tag: options && options.tag});
    this.close = function () {};
  }
  FakeNotification.permission = "default";
  FakeNotification.requestPermission = function () {
    FakeNotification.permission = "granted";
    return Promise.resolve("granted");
  };
  window.Notification = FakeNotification;
})();
"""


class Kiosk:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token, self.device, self.seq = url, token, str(uuid.uuid4()), 0

    def send(self, kind: str, payload: dict, **extra) -> None:
        self.seq += 1
        event = {"uuid": str(uuid.uuid4()), "seq": self.seq, "device_id": self.device,
                 "wall": "2026-11-25T10:00:00.000Z", "mono": float(self.seq), "boot_id": "b",
                 "clock_trusted": False, "session_id": "s", "kind": kind, "payload": payload, **extra}
        response = requests.post(f"{self.url}/api/v1/events", json={"device_id": self.device, "events": [event]},
                                 headers={"Authorization": f"Bearer {self.token}"}, timeout=10)
        assert response.json()["results"][0]["status"] == "stored", response.text


def click(browser: Browser, selector: str) -> None:
    """A real mouse click (a user gesture, which a JS .click() is not): browsers unlock sound only on one."""
    box = json.loads(browser.js(f"JSON.stringify(document.querySelector({json.dumps(selector)}).getBoundingClientRect())"))
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for kind in ("mousePressed", "mouseReleased"):
        browser.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)


def snap(browser: Browser, shots: Path, name: str) -> None:
    browser.screenshot(shots / f"staff-{name}-desktop.png")
    browser.size(390, 844, True)
    browser.screenshot(shots / f"staff-{name}-phone.png")
    browser.size(1280, 800)


def test_staff_alerts_in_a_real_browser(tmp_path, monkeypatch):
    chromium = need_tool("chromium")
    shots = Path(os.environ.get("KIOSK_HUB_SCREENSHOTS") or tmp_path / "shots")
    data = tmp_path / "hub"
    data.mkdir()
    receiver = HttpReceiver(answers=[500]).start()   # the first delivery fails, and is retried
    monkeypatch.setenv("BROWSER_WEBHOOK_SECRET", "browser-test-key")
    (data / "alerts.toml").write_text("[alerts]\nsound_every_seconds = 2\nescalate_after_seconds = 6\n"
                                      "kiosk_heartbeat_seconds = 2\n"
                                      f'[[channel]]\nname = "office"\ntype = "webhook"\nurl = "{receiver.url}/hook"\n'
                                      'secret_env = "BROWSER_WEBHOOK_SECRET"\n'
                                      '[[channel]]\nname = "phones"\ntype = "ntfy"\nurl = "http://127.0.0.1:9/room-kiosk"\n'
                                      'escalation = true\n')
    hub = start_hub(data)
    browser = None
    try:
        hub.set_password("staff", "correct horse")
        kiosks = {name: Kiosk(hub.url, hub.add_room(name)) for name in ("Room 1", "Room 2", "Studio")}
        browser = Browser(chromium)
        browser.call("Page.addScriptToEvaluateOnNewDocument", source=NOTIFICATION_STUB)
        browser.go(f"{hub.url}/")
        browser.js("document.querySelector('input[name=user]').value = 'staff';"
                   "document.querySelector('input[name=password]').value = 'correct horse';"
                   "document.querySelector('button[type=submit]').click()")
        browser.wait_for("location.pathname === '/' && document.readyState === 'complete'")
        assert browser.js("!document.getElementById('sound-on').hidden"), "the page asks to turn sound on"
        assert browser.js("document.getElementById('sound-on').innerText") == "Turn on sound alerts"
        click(browser, "#sound-on")
        browser.wait_for("document.getElementById('sound-on').hidden", timeout=5)
        assert browser.js("localStorage.getItem('roomHub.soundAlerts')") == "on"
        assert browser.js("Notification.permission") == "granted"
        assert browser.js("roomHubAlerts.plays") == 0, "the preview on the click is not an alert"

        kiosks["Room 2"].send("help.raised", {"at": 1.0, "call_id": "call-1", "source": "button"}, age=0.2)
        browser.wait_for("roomHubAlerts.plays >= 1", timeout=5)
        assert browser.js("document.title").startswith("Help called")
        assert browser.js("document.getElementById('favicon').href").endswith("/static/favicon-alert.svg")
        assert browser.js("__notes.length") == 1
        assert browser.js("__notes[0].title") == "Help called: Room 2"
        assert browser.js("document.getElementById('alert-sound').played.length") >= 1, "the sound really played"
        snap(browser, shots, "alert")
        browser.wait_for("roomHubAlerts.plays >= 3", timeout=8)
        played = browser.js("roomHubAlerts.played")
        gaps = [b - a for a, b in zip(played, played[1:])]
        assert all(1500 <= g <= 3500 for g in gaps), f"repeats every 2 s, not faster: {gaps}"

        browser.wait_for("document.body.innerText.includes('Escalated')", timeout=10)
        assert "Nobody answered within 6 s" in browser.text()
        snap(browser, shots, "escalated")

        # A call pressed 51 s before it reached the hub (the kiosk's wall clock not trusted): its true age.
        kiosks["Room 1"].send("help.raised", {"at": 1.0, "call_id": "call-2", "source": "button"}, age=51.0)
        browser.wait_for("document.body.innerText.includes('pressed 51 s before it reached the hub')", timeout=5)
        assert "51 s ago" in browser.text()
        browser.wait_for("__notes.length >= 2", timeout=5)

        for call in ("call-1", "call-2"):
            name = f"[data-call=\"{call}\"] input.name"
            if browser.js(f"document.querySelector({json.dumps(name)}) !== null"):
                browser.js(f"document.querySelector({json.dumps(name)}).value = 'Sam'")
            browser.js(f"document.querySelector('[data-call=\"{call}\"] button.primary').click()")
            browser.wait_for(f"document.querySelector('[data-call=\"{call}\"].acknowledged') !== null", timeout=5)
        browser.wait_for("!roomHubAlerts.sounding", timeout=5)
        plays = browser.js("roomHubAlerts.plays")
        time.sleep(5)   # two and a half intervals: a sound still repeating would have played twice more
        assert browser.js("roomHubAlerts.plays") == plays, "the sound stops once someone is on the way"
        assert browser.js("document.getElementById('favicon').href").endswith("/static/favicon.svg")

        # Studio runs a session, then goes silent: two heartbeats (2 s each) without contact.
        kiosks["Studio"].send("phase.changed", {"at": 1.0, "to": "holding", "from": "opening", "reason": "time"})
        browser.wait_for("document.querySelector('.room.disconnected') !== null", timeout=10)
        assert "Studio: no contact during a session." in browser.text()
        assert "Disconnected · cannot call for help" in browser.text()
        snap(browser, shots, "disconnected")
        assert browser.js("__notes.map(function (n) { return n.title; })") == [
            "Help called: Room 2", "Still nobody on the way: Room 2", "Still nobody on the way: Room 1"], \
            "one per call, and one more when it escalates (the late call arrived escalated)"

        # The Alerts page: the channels, a test alert, and the delivery log with its reasons.
        browser.go(f"{hub.url}/alerts")
        browser.js("document.querySelector('form[action=\"/alerts/test/0\"] button').click()")
        browser.wait_for("location.search.includes('sent=')", timeout=5)
        assert "A test alert to “office” is on its way" in browser.text()
        time.sleep(1.5)
        browser.go(f"{hub.url}/alerts")
        page = browser.text()
        assert "retrying" in page or "answered 500" in page or "sent" in page
        assert "phones: ntfy to http://127.0.0.1:9/room-kiosk · every room · escalations only" in page
        assert "cannot reach http://127.0.0.1:9/room-kiosk" in page, "the escalation to a dead ntfy, with its reason"
        browser.screenshot(shots / "staff-alerts-page-desktop.png")
    finally:
        if browser is not None:
            browser.close()
        hub.stop()
        receiver.stop()
