"""The staff page in real headless Chromium: log in, see a help call arrive by itself, answer it.

Screenshots go to $KIOSK_HUB_SCREENSHOTS (or the test's tmp folder): with an open call, acknowledged,
and no calls, at 1280x800 and at a phone's 390x844.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.hub.cdp import Browser
from tests.hub.hubproc import start_hub
from tests.needs import need_tool

SIZES = {"desktop": (1280, 800, False), "phone": (390, 844, True)}


class Kiosk:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token, self.device, self.seq = url, token, str(uuid.uuid4()), 0

    def send(self, kind: str, payload: dict) -> None:
        self.seq += 1
        event = {"uuid": str(uuid.uuid4()), "seq": self.seq, "device_id": self.device,
                 "wall": "2026-11-25T10:00:00.000Z", "mono": float(self.seq), "boot_id": "b",
                 "clock_trusted": True, "session_id": "s", "kind": kind, "payload": payload}
        response = requests.post(f"{self.url}/api/v1/events", json={"device_id": self.device, "events": [event]},
                                 headers={"Authorization": f"Bearer {self.token}"}, timeout=10)
        assert response.json()["results"][0]["status"] == "stored"

    def calls(self) -> list[dict]:
        return requests.get(f"{self.url}/api/v1/help", headers={"Authorization": f"Bearer {self.token}"},
                            timeout=10).json()["calls"]


@pytest.fixture
def shots(tmp_path) -> Path:
    return Path(os.environ.get("KIOSK_HUB_SCREENSHOTS") or tmp_path / "shots")


def _snap(browser: Browser, shots: Path, name: str) -> None:
    for size, (width, height, mobile) in SIZES.items():
        browser.size(width, height, mobile)
        browser.wait_for("document.getElementById('board') !== null")
        browser.screenshot(shots / f"staff-{name}-{size}.png")
    browser.size(1280, 800)


def test_staff_page_in_a_real_browser(tmp_path, shots):
    chromium = need_tool("chromium")
    hub = start_hub(tmp_path / "hub")
    browser = None
    try:
        hub.set_password("staff", "correct horse")
        kiosks = {name: Kiosk(hub.url, hub.add_room(name)) for name in ("Room 1", "Room 2", "Room 3", "Studio")}
        for name, phase in (("Room 1", "holding"), ("Room 2", "opening"), ("Studio", "closing")):
            kiosks[name].send("phase.changed", {"at": 1.0, "to": phase, "from": "welcome", "reason": "hold"})
        browser = Browser(chromium)

        browser.go(f"{hub.url}/")
        assert browser.js("location.pathname") == "/login"
        browser.js("document.querySelector('input[name=user]').value = 'staff';"
                   "document.querySelector('input[name=password]').value = 'correct horse';"
                   "document.querySelector('button[type=submit]').click()")
        browser.wait_for("location.pathname === '/' && document.readyState === 'complete'")
        assert "No open help calls." in browser.text() and "Holding" in browser.text()
        _snap(browser, shots, "no-calls")

        kiosks["Room 2"].send("help.raised", {"at": time.time() - 75, "call_id": "call-1", "source": "button"})
        browser.wait_for("document.body.innerText.includes('1 open help call')", timeout=5)
        assert browser.js("document.title").startswith("Help called")
        board = browser.js("document.getElementById('board').innerText")
        assert board.index("Room 2") < board.index("Rooms\n"), "the open call is at the top"
        _snap(browser, shots, "open-call")
        kiosks["Room 2"].send("help.repeated", {"at": time.time(), "call_id": "call-1", "source": "button"})
        browser.wait_for("document.body.innerText.includes('pressed again')", timeout=5)
        _snap(browser, shots, "pressed-again")

        # Someone types a name for Room 2's call and turns away: the board keeps refreshing regardless.
        name_1 = "document.querySelector('[data-call=\"call-1\"] input.name')"
        browser.js(f"var i = {name_1}; i.focus(); i.value = 'Ale'; i.dispatchEvent(new Event('input'));"
                   "i.setSelectionRange(3, 3)")
        kiosks["Room 3"].send("help.raised", {"at": time.time(), "call_id": "call-2", "source": "button"})
        browser.wait_for("document.body.innerText.includes('2 open help calls')", timeout=5)
        assert browser.js(f"{name_1}.value") == "Ale", "the typed name survives the refresh"
        assert browser.js(f"document.activeElement === {name_1}"), "and so does the focus"
        browser.js(f"{name_1}.blur()")
        kiosks["Room 3"].send("help.resolved", {"at": time.time(), "call_id": "call-2", "by": "Kim"})
        browser.wait_for("document.body.innerText.includes('1 open help call')", timeout=5)
        assert browser.js(f"{name_1}.value") == "Ale" and browser.js("document.title").startswith("Help called")

        browser.js(f"{name_1}.value = 'Sam';"
                   "document.querySelector('[data-call=\"call-1\"] button.primary').click()")
        browser.wait_for("document.body.innerText.includes('Sam is on the way')", timeout=5)
        assert [(c["state"], c["by"]) for c in kiosks["Room 2"].calls()] == [("acknowledged", "Sam")]
        _snap(browser, shots, "acknowledged")

        browser.js("document.querySelector('article.call button.secondary').click()")
        browser.wait_for("document.body.innerText.includes('No open help calls.')", timeout=5)
        assert kiosks["Room 2"].calls()[0]["state"] == "resolved"
        assert not browser.js("document.title").startswith("Help called")

        kiosks["Studio"].send("help.acknowledged", {"at": time.time(), "call_id": "call-9", "by": "Kim"})
        browser.wait_for("document.body.innerText.includes('Kim is on the way')", timeout=5)
        layout = json.loads(browser.js("JSON.stringify([document.documentElement.scrollWidth, innerWidth])"))
        assert layout[0] <= layout[1], "no sideways scrolling"
    finally:
        if browser is not None:
            browser.close()
        hub.stop()
