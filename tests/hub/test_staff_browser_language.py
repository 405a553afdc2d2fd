"""The staff page in headless Chromium whose Accept-Language is German: the page, and a help call that arrives
by itself, in German. Screenshots go to $KIOSK_HUB_SCREENSHOTS (or the test's tmp folder)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.hub.cdp import Browser
from tests.hub.test_staff_alerts_browser import NOTIFICATION_STUB, click
from tests.hub.hubproc import start_hub
from tests.hub.test_staff_browser import Kiosk
from tests.needs import need_tool


def test_staff_page_in_german_in_a_real_browser(tmp_path):
    chromium = need_tool("chromium")
    shots = Path(os.environ.get("KIOSK_HUB_SCREENSHOTS") or tmp_path / "shots")
    hub = start_hub(tmp_path / "hub")
    browser = None
    try:
        hub.set_password("staff", "correct horse")
        room = Kiosk(hub.url, hub.add_room("Raum 2"))
        browser = Browser(chromium)
        browser.call("Network.enable")
        browser.call("Network.setExtraHTTPHeaders", headers={"Accept-Language": "de-DE,de;q=0.9"})
        browser.call("Page.addScriptToEvaluateOnNewDocument", source=NOTIFICATION_STUB)
        browser.go(f"{hub.url}/")
        assert browser.js("document.documentElement.lang") == "de"
        assert "Anmeldung für das Team" in browser.text()
        browser.screenshot(shots / "staff-de-login.png")
        browser.js("document.querySelector('input[name=user]').value = 'staff';"
                   "document.querySelector('input[name=password]').value = 'correct horse';"
                   "document.querySelector('button[type=submit]').click()")
        browser.wait_for("location.pathname === '/' && document.readyState === 'complete'")
        assert "Keine offenen Hilferufe." in browser.text() and "Räume" in browser.text()
        assert browser.js("window.roomHubWords.reconnecting") == "Verbindung zum Hub wird wiederhergestellt…"
        click(browser, "#sound-on")  # asks for notifications (the stub grants them)
        browser.wait_for("Notification.permission === 'granted'", timeout=5)
        room.send("help.raised", {"at": time.time() - 75, "call_id": "call-1", "source": "button"})
        browser.wait_for("document.body.innerText.includes('1 offener Hilferuf')", timeout=5)
        assert "noch niemand unterwegs" in browser.text() and "Bin unterwegs" in browser.text()
        assert browser.js("document.title").startswith("Hilfe gerufen")
        browser.wait_for("__notes.length === 1", timeout=5)
        assert browser.js("__notes[0].title") == "Noch immer niemand unterwegs: Raum 2"  # pressed 75 s ago: escalated
        assert browser.js("__notes[0].body").startswith("Gedrückt um ") and \
            browser.js("__notes[0].body").endswith(". Noch ist niemand unterwegs.")
        browser.screenshot(shots / "staff-de-open-call.png")
    finally:
        if browser is not None:
            browser.close()
        hub.stop()
