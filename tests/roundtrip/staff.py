"""A staff member at the hub's staff page in headless Chromium, using mouse and keyboard events.

Clicks and typing go through DevTools' Input domain, so the page gets the
same trusted events a person's pointer and keyboard make (focus, submit by
a real click), not a script calling .click().
"""

from __future__ import annotations

import json

from tests.hub.cdp import Browser


class StaffMember:
    def __init__(self, browser: Browser, hub_url: str) -> None:
        self.browser = browser
        self.hub_url = hub_url

    def log_in(self, user: str, password: str) -> None:
        self.browser.go(f"{self.hub_url}/")
        self.browser.wait_for("location.pathname === '/login'")
        self.type_into("input[name=user]", user)
        self.type_into("input[name=password]", password)
        self.click("button[type=submit]")
        self.browser.wait_for("location.pathname === '/' && document.readyState === 'complete' "
                              "&& document.getElementById('board') !== null")

    def click(self, selector: str) -> None:
        x, y = self._centre(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            extra = {} if kind == "mouseMoved" else {"button": "left", "clickCount": 1}
            self.browser.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, **extra)

    def type_into(self, selector: str, text: str) -> None:
        self.click(selector)
        self.browser.wait_for(f"document.activeElement === document.querySelector({json.dumps(selector)})")
        self.browser.call("Input.insertText", text=text)

    def _centre(self, selector: str) -> tuple[float, float]:
        found = self.browser.js(
            f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
            " if (!el) return null; el.scrollIntoView({block: 'center'});"
            " const r = el.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        if not found:
            raise AssertionError(f"nothing on the staff page matches {selector}:\n{self.browser.text()}")
        return found[0], found[1]
