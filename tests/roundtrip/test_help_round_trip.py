"""Issue 5, the help round trip, end to end with every part real.

A press on the firmware button (a pty) raises the call on an in-process
kiosk (Room, Journal, ButtonLink, SyncWorker); the sync worker takes it to a
real `kiosk hub serve` subprocess; a staff member logged in to the staff page
in headless Chromium sees it appear without reloading and clicks "On my way";
the kiosk's corner glyph says help is coming within 2 s and the button's LED
is told ACK. Staff mark it resolved and both sides agree, LED off. A second
call is then resolved from the kiosk, and the staff page clears by itself.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest
import requests

from kiosk.button.link import ButtonLink
from kiosk.clock import SystemClock
from kiosk.config import ButtonConfig, Config, HubConfig, PathsConfig
from kiosk.room import Room
from kiosk.session import facts as F
from kiosk.session.facts import Fact
from kiosk.session.glyph import Glyph
from kiosk.store import outbox
from kiosk.store.journal import Journal
from kiosk.sync.worker import SyncWorker
from tests.hub.cdp import Browser
from tests.hub.hubproc import fresh_postgres_database, start_hub
from tests.needs import need_postgres, need_tool
from tests.roundtrip.pico import PicoOnPty
from tests.roundtrip.staff import StaffMember
from tests.sync.hubside import stored_uuids

ROOM = "Room 5"
STAFF_NAME = "Sam"


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> float:
    """Polls against a deadline; returns the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout:.1f} s: {what}")
        time.sleep(0.01)
    return time.monotonic() - start


@pytest.fixture(params=["sqlite", "postgres"])
def database(request) -> Iterator[str | None]:
    if request.param == "sqlite":
        yield None
        return
    with fresh_postgres_database(need_postgres(), prefix="roundtrip") as url:
        yield url


class GlyphTrail:
    """Every glyph the room showed, in order, as a room listener saw it (repeats folded)."""

    def __init__(self, room: Room) -> None:
        self.room = room
        self.seen: list[Glyph] = []
        room.subscribe(self._on_facts)

    def _on_facts(self, facts: list[Fact]) -> None:
        glyph = self.room.glyph()
        if not self.seen or self.seen[-1] is not glyph:
            self.seen.append(glyph)

    def mark(self) -> int:
        return len(self.seen)

    def since(self, mark: int) -> list[Glyph]:
        return self.seen[mark:]

    def expect(self, mark: int, *glyphs: Glyph, timeout: float = 2.0) -> None:
        """The listener runs just after the change that room.glyph() already shows: allow it that moment."""
        try:
            wait_until(lambda: self.since(mark) == list(glyphs), timeout, "")
        except AssertionError:
            raise AssertionError(f"the glyph went {self.since(mark)}, expected {list(glyphs)}") from None


def hub_calls(url: str, token: str) -> list[tuple[str, str]]:
    """What the hub tells the room's kiosk about its calls: (call_id, state)."""
    response = requests.get(f"{url}/api/v1/help", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    response.raise_for_status()
    return [(c["call_id"], c["state"]) for c in response.json()["calls"]]


def help_kinds(journal: Journal, call_id: str) -> list[str]:
    journal.flush()
    return [r.kind for r in journal.records(kinds=F.HELP_KINDS) if r.payload.get("call_id") == call_id]


def open_fds() -> dict[str, str]:
    out = {}
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            out[fd] = os.readlink(f"/proc/self/fd/{fd}")
    return out


def press_and_see_it_delivered(pico: PicoOnPty, room: Room, trail: GlyphTrail) -> str:
    mark = trail.mark()
    pico.press()
    wait_until(lambda: room.view().help_call is not None, 5, "the press raises a help call")
    call_id = room.view().help_call.call_id
    raised = room.journal.records(kinds=[F.HELP_RAISED])
    assert call_id in [r.payload["call_id"] for r in raised], "the call was committed before it was shown"
    assert raised[-1].payload["source"] == "button"
    wait_until(lambda: room.glyph() is Glyph.DELIVERED, 5, "the hub confirms it has the call")
    trail.expect(mark, Glyph.SENDING, Glyph.DELIVERED)
    wait_until(lambda: pico.led_commands()[-1:] == ["LED SENT"], 3, "the LED told the hub has the call")
    return call_id


def see_the_call_arrive(browser: Browser, call_id: str) -> str:
    """The call's card appears on the page the staff member already has open: no reload."""
    browser.js("window.sameDocument = true")
    card = f"article.call[data-call='{call_id}']"
    browser.wait_for(f"document.querySelector(\"{card}\") !== null", timeout=5)
    assert browser.js("window.sameDocument === true"), "the call appeared without a reload"
    assert ROOM in browser.js(f"document.querySelector(\"{card}\").innerText")
    assert browser.js("document.title").startswith("Help called")
    return card


def test_a_button_press_reaches_staff_and_help_coming_reaches_the_room(tmp_path: Path, database):
    chromium = need_tool("chromium")
    shots = tmp_path / "shots"
    threads_before, fds_before = set(threading.enumerate()), open_fds()
    with contextlib.ExitStack() as cleanup:
        hub = start_hub(tmp_path / "hub", database=database)
        cleanup.callback(hub.stop)
        token = hub.add_room(ROOM)
        hub.set_password("staff", "correct horse")

        clock = SystemClock()
        journal = Journal(tmp_path / "kiosk" / "kiosk.sqlite3", clock)
        cleanup.callback(journal.close)
        pico = PicoOnPty(tmp_path / "kiosk-button")
        cleanup.callback(pico.close)
        config = Config(room=ROOM, paths=PathsConfig(data=tmp_path / "kiosk"),
                        hub=HubConfig(url=hub.url, token=token, sync_seconds=5.0),
                        button=ButtonConfig(url=str(pico.path), mode="line"))
        room = Room(config, journal, clock)
        trail = GlyphTrail(room)
        worker = SyncWorker(config.hub, room, clock, timeout=(2.0, 10.0))
        link = ButtonLink(config.button, room)
        worker.start()
        cleanup.callback(worker.stop)
        link.start()
        cleanup.callback(link.stop)
        wait_until(lambda: link.connected, 5, "the kiosk opens the button's port")
        pico.start()
        wait_until(lambda: link.heartbeat.speaks_protocol and pico.led_commands() == ["LED OFF"], 5,
                   "the button's HELLO heard and its LED set off")
        wait_until(lambda: room.health.hub_reachable is True, 10, "the kiosk in contact with the hub")
        assert room.glyph() is Glyph.QUIET

        browser = Browser(chromium)
        cleanup.callback(browser.close)
        staff = StaffMember(browser, hub.url)
        staff.log_in("staff", "correct horse")
        assert "No open help calls." in browser.text()

        # 1. a press, seen by staff, "On my way", help coming in the room; resolved on the page
        mark = trail.mark()
        call_id = press_and_see_it_delivered(pico, room, trail)
        card = see_the_call_arrive(browser, call_id)
        browser.screenshot(shots / "staff-open-call.png")

        staff.type_into(f"{card} input.name", STAFF_NAME)
        clicked = time.monotonic()
        staff.click(f"{card} button.primary")
        wait_until(lambda: room.glyph() is Glyph.COMING, 2.0, "help coming on the kiosk after the click")
        took = time.monotonic() - clicked
        browser.wait_for(f"document.body.innerText.includes('{STAFF_NAME} is on the way')", timeout=5)
        browser.screenshot(shots / "staff-acknowledged.png")
        wait_until(lambda: pico.led_commands()[-1:] == ["LED ACK"], 2, "the LED told help is coming")
        assert help_kinds(journal, call_id) == [F.HELP_RAISED, F.HELP_DELIVERED, F.HELP_ACKNOWLEDGED]
        acked = journal.records(kinds=[F.HELP_ACKNOWLEDGED])
        assert [(r.payload["call_id"], r.payload["by"]) for r in acked] == [(call_id, STAFF_NAME)]

        staff.click(f"{card} button.secondary")
        browser.wait_for("document.body.innerText.includes('No open help calls.')", timeout=5)
        wait_until(lambda: room.view().help_call is None, 3, "the kiosk learns the call is resolved")
        trail.expect(mark, Glyph.SENDING, Glyph.DELIVERED, Glyph.COMING, Glyph.QUIET)
        wait_until(lambda: pico.led_commands()[-1:] == ["LED OFF"], 2, "the LED off")
        assert pico.led_commands() == ["LED OFF", "LED SENT", "LED ACK", "LED OFF"]
        assert help_kinds(journal, call_id)[-1] == F.HELP_RESOLVED
        assert hub_calls(hub.url, token) == [(call_id, "resolved")]

        # 2. a second press, resolved in the room: the staff page clears by itself
        mark = trail.mark()
        second = press_and_see_it_delivered(pico, room, trail)
        assert second != call_id
        see_the_call_arrive(browser, second)
        browser.js("window.sameDocument = true")
        assert room.change_help(F.HELP_RESOLVED, second, by="facilitator")
        assert room.glyph() is Glyph.QUIET
        wait_until(lambda: pico.led_commands()[-1:] == ["LED OFF"], 2, "the LED off again")
        browser.wait_for("document.body.innerText.includes('No open help calls.')", timeout=5)
        assert browser.js("window.sameDocument === true")
        assert not browser.js("document.title").startswith("Help called")
        trail.expect(mark, Glyph.SENDING, Glyph.DELIVERED, Glyph.QUIET)
        assert sorted(hub_calls(hub.url, token)) == sorted([(call_id, "resolved"), (second, "resolved")])
        assert help_kinds(journal, second) == [F.HELP_RAISED, F.HELP_DELIVERED, F.HELP_RESOLVED]

        wait_until(lambda: outbox.counts(journal).waiting == 0, 10, "the kiosk's journal all at the hub")
        stored = stored_uuids(hub.data_dir, database)
        assert all(stored[r.uuid] == 1 for r in journal.records()), "every kiosk event stored exactly once"
        print(f"\n[{'postgres' if database else 'sqlite'}] help coming shown {took:.2f} s after the click; "
              f"screenshots in {shots}")

    gc.collect()
    wait_until(lambda: not set(threading.enumerate()) - threads_before, 5, "every thread the test started stopped")
    assert hub.proc.returncode is not None and browser.proc.returncode is not None
    left = {fd: target for fd, target in open_fds().items() if fds_before.get(fd) != target}
    assert not left, f"descriptors left open: {left}"
