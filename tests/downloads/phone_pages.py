"""Every page and message of the download page that a phone can be shown, fetched with Flask's test client
in the language its browser asks for: what the language tests read (tests/downloads/test_page_language.py,
and the leak finder in tests/test_language.py)."""

from __future__ import annotations

import re
from dataclasses import replace

from kiosk.clock import FakeClock
from kiosk.config import Config
from kiosk.downloads.opening import Opening
from kiosk.downloads.page import create_page
from tests.downloads.conftest import CODE


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


class Phone:
    """One phone's browser at a fresh opening of the page: its cookie jar, its address, its Accept-Language."""

    def __init__(self, config: Config, clock: FakeClock, accept: str | None, opening: Opening | None = None,
                 address: str = "127.0.0.1") -> None:
        self.opening = opening or Opening(clock.monotonic, make_code=lambda: CODE)
        self.app = create_page(config, clock, self.opening, lambda kind, payload: None,
                               names=frozenset({"localhost"}), staging=config.paths.data / "staging")
        self.client = self.app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        if accept is not None:
            self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept
        self.token = ""

    def get(self, path: str = "/", **kwargs):
        r = self.client.get(path, **kwargs)
        if 'name="csrf_token"' in r.get_data(as_text=True):
            self.token = csrf(r.get_data(as_text=True))
        return r

    def post(self, path: str, **data):
        r = self.client.post(path, data={"csrf_token": self.token, **data})
        if r.status_code == 303:
            r = self.get(r.headers["Location"])
        return r

    def code(self, code: str):
        return self.post("/code", code=code)


def every_page(config: Config, clock: FakeClock, accept: str | None) -> dict[str, str]:
    """What the phone reads, by name: each page (HTML) and each refusal (plain text), at a kiosk whose journal
    holds sessions, a sealed one, and one with nothing logged yet."""
    shown: dict[str, str] = {}

    def keep(name: str, response, status: int) -> None:
        assert response.status_code == status, (name, response.status_code, response.get_data(as_text=True)[:300])
        shown[name] = response.get_data(as_text=True)

    phone = Phone(config, clock, accept)
    keep("code page", phone.get(), 200)
    keep("no token", phone.client.post("/code", data={"code": CODE}), 403)
    keep("no cookie", Phone(config, clock, accept).client.post("/code", data={"code": CODE}), 403)
    keep("download before the code", phone.post("/download", what="all", format="bundle"), 403)
    keep("wrong code", phone.code("000000"), 401)
    keep("three tries left", phone.code("000001"), 401)
    keep("two tries left", phone.code("000002"), 401)
    keep("one try left", phone.code("000003"), 401)
    keep("resting", phone.code("000004"), 429)
    keep("resting, opened again", phone.get(), 200)

    phone = Phone(config, clock, accept)
    phone.get()
    keep("session list", phone.code(CODE), 200)
    keep("reversed range", phone.post("/download", what="range", **{"from": "2026-06-02", "to": "2026-06-01"},
                                      format="bundle"), 400)
    keep("empty range", phone.post("/download", what="range", **{"from": "2001-01-01", "to": "2001-01-02"},
                                   format="sessions.csv"), 404)
    keep("not a date", phone.post("/download", what="range", **{"from": "soon", "to": "2026-06-01"},
                                  format="bundle"), 400)
    keep("forged format", phone.post("/download", what="all", format="passwd"), 400)
    keep("forged what", phone.post("/download", what="../", format="bundle"), 400)
    keep("unknown session", phone.post("/download", what="session", session="nobody", format="bundle"), 400)
    keep("download without its token", phone.client.post("/download", data={"what": "all", "format": "bundle"}), 403)
    keep("leave without its token", phone.client.post("/leave", data={}), 403)
    used = Phone(config, clock, accept, opening=phone.opening)
    used.get()
    keep("code used", used.code(CODE), 403)
    keep("signed out", phone.post("/leave"), 200)

    phone = Phone(config, clock, accept)
    phone.get()
    clock.advance(301)
    keep("code expired", phone.code(CODE), 403)

    sealed = replace(config, export=replace(config.export, recipient="age1" + "q" * 58))
    phone = Phone(sealed, clock, accept)
    phone.get()
    keep("sealed session list", phone.code(CODE), 200)

    empty = replace(config, paths=replace(config.paths, data=config.paths.data.parent / "nothing-yet"))
    phone = Phone(empty, clock, accept)
    phone.get()
    keep("no sessions yet", phone.code(CODE), 200)
    keep("nothing logged", phone.post("/download", what="all", format="bundle"), 404)

    keep("not the local network", Phone(config, clock, accept, address="8.8.8.8").get(), 403)
    keep("another host name", Phone(config, clock, accept).get(headers={"Host": "rebound.example"}), 421)
    closed = Phone(config, clock, accept)
    closed.opening.close("test")
    keep("closed", closed.get(), 410)
    return shown


def readable(page: str) -> str:
    """The words of a page as the phone shows them: no tags, no style sheet, entities read back."""
    import html

    page = re.sub(r"<(style|title)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
