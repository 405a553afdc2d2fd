"""The download page in real headless Chromium at a phone's viewport (390x844), driven over DevTools.

The page has no JavaScript; the test uses DevTools to type, submit, set cookies and strip a form's
token, as a person or an attacker at the same phone could. Screenshots go to
$KIOSK_DOWNLOAD_SCREENSHOTS (or the test's tmp folder).
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path

import pytest

from kiosk.downloads.page import COOKIE
from tests.downloads.conftest import CODE
from tests.hub.cdp import Browser
from tests.needs import need_tool

PHONE = (390, 844)


@pytest.fixture
def shots(tmp_path) -> Path:
    return Path(os.environ.get("KIOSK_DOWNLOAD_SCREENSHOTS") or tmp_path / "shots")


@pytest.fixture
def phone(tmp_path):
    chromium = need_tool("chromium")
    browser = Browser(chromium, width=PHONE[0], height=PHONE[1])
    browser.size(*PHONE, mobile=True)
    browser.downloads = tmp_path / "phone-downloads"
    browser.downloads.mkdir()
    try:
        browser.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=str(browser.downloads))
    except RuntimeError:
        browser.call("Page.setDownloadBehavior", behavior="allow", downloadPath=str(browser.downloads))
    yield browser
    browser.close()


def submit(browser: Browser, selector: str, **fields) -> None:
    """Fill the form's fields and submit it, then wait for the next page."""
    browser.js("window.__before = performance.timeOrigin")
    sets = "".join(f"f.elements[{k!r}].value = {v!r};" for k, v in fields.items())
    browser.js(f"(() => {{ const f = document.querySelector({selector!r}); {sets} f.requestSubmit ? "
               f"f.requestSubmit() : f.submit(); }})()")
    browser.wait_for("performance.timeOrigin !== window.__before && document.readyState === 'complete'")


def enter_code(browser: Browser, code: str) -> str:
    submit(browser, "form[action='/code']", code=code)
    return browser.text()


def test_the_phone_page_from_code_to_download(served, phone, shots, clock):
    srv = served()
    phone.go(srv.url + "/")
    assert "Type the six-digit code" in phone.text()
    assert phone.js("document.scripts.length") == 0
    assert phone.js("document.documentElement.scrollWidth") <= PHONE[0], "the page must fit a phone"
    phone.screenshot(shots / "phone-code.png")
    assert "That is not the code. 4 tries left." in enter_code(phone, "000000")
    phone.screenshot(shots / "phone-wrong-code.png")
    text = enter_code(phone, CODE)
    assert "Sessions" in text and phone.js("document.querySelectorAll('#sessions tr[data-session]').length") == 3
    assert phone.js(f"document.cookie.includes({COOKIE!r})") is False, "the cookie must be HttpOnly"
    assert phone.js("document.documentElement.scrollWidth") <= PHONE[0], "the session list must fit a phone"
    phone.screenshot(shots / "phone-sessions.png")
    phone.js("document.querySelector('#all button[value=\"events.csv\"]').click()")
    deadline = time.monotonic() + 30
    while not [p for p in phone.downloads.iterdir() if p.suffix == ".csv"] and time.monotonic() < deadline:
        time.sleep(0.1)
    got = [p for p in phone.downloads.iterdir() if p.suffix == ".csv"]
    assert len(got) == 1, list(phone.downloads.iterdir())
    rows = list(csv.DictReader(io.StringIO(got[0].read_text(encoding="utf-8-sig"))))
    served_rec = srv.records("download.served", wait=True)[0].payload
    journal = [r for r in srv.journal.records() if r.seq <= served_rec["seq_last"]]
    assert [row["uuid"] for row in rows] == [r.uuid for r in journal]
    assert [row["kind"] for row in rows] == [r.kind for r in journal]
    assert served_rec["to"] == "127.0.0.1" and served_rec["complete"]
    # the same code again, from a browser that forgot its cookie: used once already
    phone.call("Network.enable")
    phone.call("Network.clearBrowserCookies")
    phone.go(srv.url + "/")
    assert "has been used already" in enter_code(phone, CODE)


def test_an_expired_code_in_the_browser(served, phone, clock):
    srv = served()
    phone.go(srv.url + "/")
    clock.advance(301)
    assert "That code has expired" in enter_code(phone, CODE)


def test_five_wrong_codes_rest_the_page_in_the_browser(served, phone, shots):
    srv = served()
    phone.go(srv.url + "/")
    for _ in range(4):
        enter_code(phone, "123123")
    text = enter_code(phone, "123123")
    assert "Too many wrong codes" in text
    assert phone.js("document.querySelector('input[name=code]')") is None
    phone.screenshot(shots / "phone-resting.png")
    phone.go(srv.url + "/")
    assert "Too many wrong codes" in phone.text()


def test_forged_and_replayed_cookies_and_a_post_without_its_token(served, phone):
    first = served()
    phone.go(first.url + "/")
    enter_code(phone, CODE)
    phone.call("Network.enable")
    cookies = phone.call("Network.getCookies", urls=[first.url + "/"])["cookies"]
    real = next(c for c in cookies if c["name"] == COOKIE)
    assert real["httpOnly"] and real["sameSite"] == "Strict"
    # a POST whose CSRF token was taken out
    phone.js("document.querySelectorAll('#all input[name=csrf_token]').forEach(e => e.remove())")
    phone.js("document.querySelector('#all button[value=\"bundle\"]').click()")
    phone.wait_for("document.body.innerText.includes('token is missing or wrong')")
    assert not first.records("download.served")
    # a forged cookie
    phone.call("Network.setCookie", name=COOKIE, value="forged-" + "x" * 36, url=first.url + "/")
    phone.go(first.url + "/")
    assert "Type the six-digit code" in phone.text()
    # the real cookie, replayed after the page closed and opened again (same port, a new opening)
    port = first.downloads.port
    first.close()
    second = served(port=port, code="111222")
    phone.call("Network.setCookie", name=COOKIE, value=real["value"], url=second.url + "/")
    phone.go(second.url + "/")
    assert "Type the six-digit code" in phone.text() and "Sessions" not in phone.text()


@pytest.mark.parametrize("path", ["/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd", "/%2Fetc%2Fpasswd",
                                  "/../../etc/passwd", "/kiosk.sqlite3"])
def test_path_traversal_in_the_browser(served, phone, path):
    srv = served()
    phone.go(srv.url + "/")
    enter_code(phone, CODE)
    phone.go(srv.url + path)
    text = phone.text()
    assert "root:" not in text and "Sessions" not in text
    assert phone.js("document.title") != "" or "Not Found" in text


def test_the_page_is_gone_after_it_closes(served, phone):
    srv = served()
    phone.go(srv.url + "/")
    enter_code(phone, CODE)
    srv.downloads.close("panel closed")
    phone.call("Page.navigate", url=srv.url + "/")
    phone.wait_for("location.href.startsWith('chrome-error:') || document.body.innerText.includes('closed')")
    assert "Sessions" not in phone.text()


OVERFLOWING = """[...document.querySelectorAll('body *')].filter(e => {
    const box = e.getBoundingClientRect();
    return box.right > innerWidth + 0.5 || box.left < -0.5
        || (['BUTTON', 'TD', 'TH', 'LABEL', 'H1', 'H2', 'P'].includes(e.tagName) && e.scrollWidth > e.clientWidth + 1);
}).map(e => e.tagName + ': ' + e.innerText.slice(0, 60))"""


def fits(browser: Browser) -> None:
    assert browser.js("document.documentElement.scrollWidth") <= PHONE[0], "the page must fit a phone"
    assert browser.js(OVERFLOWING) == [], "nothing may stick out of the screen or out of its box"


@pytest.mark.parametrize("lang,sessions,tries,rest", [
    ("de", "Sitzungen", "Noch 4 Versuche.", "Zu viele falsche Codes"),
    ("cy", "Sesiynau", "4 cynnig ar ôl", "Gormod o godau anghywir"),
])
def test_the_phone_page_in_german_and_welsh_fits_the_phone(served, phone, shots, lang, sessions, tries, rest):
    """The longest words ("Sitzungsprotokolle", "Ereignisse (CSV)", "digwyddiadau (CSV)") at 390x844."""
    phone.call("Network.enable")
    phone.call("Network.setExtraHTTPHeaders", headers={"Accept-Language": f"{lang},en;q=0.5"})
    srv = served()
    phone.go(srv.url + "/")
    assert phone.js("document.documentElement.lang") == lang
    fits(phone)
    phone.screenshot(shots / f"phone-{lang}-code.png")
    assert tries in enter_code(phone, "000000")
    fits(phone)
    phone.screenshot(shots / f"phone-{lang}-wrong-code.png")
    text = enter_code(phone, CODE)
    assert sessions in text and phone.js("document.querySelectorAll('#sessions tr[data-session]').length") == 3
    fits(phone)
    phone.screenshot(shots / f"phone-{lang}-sessions.png")
    submit(phone, "form[action='/leave']")
    for n in range(5):
        text = enter_code(phone, f"12312{n}")
    assert rest in text
    fits(phone)
    phone.screenshot(shots / f"phone-{lang}-resting.png")
