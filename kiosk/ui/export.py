"""The USB export card, behind the PIN: stick found -> writing (with progress) -> safe to remove, or
what went wrong (full, read-only, removed mid-write), and plainly when the export is not sealed.

The export runs in its own thread (kiosk.export.flow, the same code as `kiosk export`); it never
touches a widget: progress (at most once a second) and the result cross on the UI bridge.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.export import flow
from kiosk.export.flow import STICK_FOLDER, ExportResult, Progress, counted, export_logs
from kiosk.export.safewrite import size_text
from kiosk.export.sticks import Stick
from kiosk.session.facts import Fact
from kiosk.ui.bridge import Bridge

log = logging.getLogger(__name__)

Builder.load_file(str(Path(__file__).resolve().parent / "kv" / "export.kv"))  # once: this module loads once

PROGRESS, RESULT = "export.progress", "export.result"
PROGRESS_EVERY = 1.0  # calm: the bar moves at most once a second
SEALED_TEXT = "Sealed to the hub: only the hub can open it."
NOT_SEALED_TEXT = "Not sealed: anyone with this stick can read it."
TITLES = {flow.DONE: "Safe to remove the stick", flow.FULL: "The stick is full",
          flow.READ_ONLY: "The stick is read-only", flow.REMOVED: "The export did not finish",
          flow.NO_STICK: "No stick", flow.EMPTY: "Nothing to export yet", flow.FAILED: "The export did not finish"}


def last_export_line(journal, zone) -> str:
    """'Last export: Tue 01 Dec 10:42, sealed, 1234 events' from the journal (or what `kiosk export` noted
    beside a running kiosk, if newer), or that there was none."""
    done = journal.records(kinds=[flow.EXPORT_DONE], newest_first=True, limit=1)
    latest = (done[0].wall, dict(done[0].payload)) if done else None
    try:
        noted = json.loads(journal.get_meta(flow.LAST_EXPORT_META) or "null")
    except ValueError:
        noted = None
    if isinstance(noted, dict) and noted.get("kind") == flow.EXPORT_DONE and isinstance(noted.get("at"), float):
        if latest is None or noted["at"] > latest[0]:
            latest = (noted["at"], noted)
    if latest is None:
        return "No export to a stick yet."
    when = datetime.fromtimestamp(latest[0], zone).strftime("%a %d %b %H:%M")
    d = latest[1]
    return f"Last export: {when}, {'sealed' if d.get('sealed') else 'not sealed'}, {d.get('events', '?')} events."


class StickBridge:
    """The stick watcher's news (its own thread) across the one bridge into owner.usb_sticks, while the
    owner (the settings card) is open."""

    def __init__(self, owner, watcher) -> None:
        self.watcher = watcher
        self.bridge = Bridge(lambda facts: setattr(owner, "usb_sticks", list(facts[-1].data["sticks"])))
        watcher.subscribe(self.listener)
        owner.usb_sticks = list(watcher.sticks)

    def listener(self, sticks: tuple[Stick, ...]) -> None:
        self.bridge([Fact("usb.sticks", {"sticks": sticks})])

    def close(self) -> None:
        self.watcher.unsubscribe(self.listener)


def failure_text(result: ExportResult) -> str:
    """What went wrong, under a title that already names it."""
    if result.outcome == flow.FULL and result.needed is not None:
        free = f"the stick has {size_text(result.free)} free" if result.free is not None else "the stick ran out"
        return (f"This export needs {size_text(result.needed)}; {free}. Nothing was left on it: free some space, "
                "or use another stick.")
    if result.outcome == flow.REMOVED:
        return ("The stick was removed, or stopped answering, before the logs were all written and checked. "
                "Nothing on the kiosk is lost: put the stick back in and export again.")
    if result.outcome == flow.READ_ONLY:
        return "The stick cannot be written to (does it have a lock switch?). Nothing was written."
    text = result.message
    return text[0].upper() + text[1:] if text else ""


class ExportCard(ModalView):
    state = OptionProperty("found", options=["found", "writing", "done", "failed"])
    title = StringProperty("")
    message = StringProperty("")
    stick_text = StringProperty("")
    seal_text = StringProperty("")
    last_text = StringProperty("")
    sealed = BooleanProperty(False)
    read_only = BooleanProperty(False)
    fraction = NumericProperty(0.0)

    def __init__(self, stick: Stick, **kwargs) -> None:
        kwargs.setdefault("auto_dismiss", False)
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        self.stick = stick
        self.read_only = stick.read_only
        self.result: ExportResult | None = None
        self.sealed = bool(self.app.kiosk_config.export.recipient)
        self.seal_text = SEALED_TEXT if self.sealed else NOT_SEALED_TEXT
        self.stick_text = f"{stick.label} · {size_text(stick.free)} free" + (" · read-only" if stick.read_only else "")
        self.last_text = last_export_line(self.app.room.journal, self.app.room.zone)
        self.title = "USB stick found"
        self.message = "The session logs will be written to it. Nothing is deleted from the kiosk."
        self._bridge = Bridge(self._on_news)
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.state == "writing":
            return
        self.show_writing()
        self._thread = threading.Thread(target=self._work, name="usb-export", daemon=True)
        self._thread.start()

    def show_writing(self) -> None:
        self.state, self.fraction = "writing", 0.0
        self.title = "Writing to the stick…"
        self.message = "Please leave the stick in until it says it is safe to remove."

    def wait(self, timeout: float = 60.0) -> None:
        """For tests: until the export thread has finished (its result still crosses the bridge)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        """The export thread: hands progress and the result to the bridge, never touches widgets."""
        station = self.app.station
        shown = [float("-inf")]

        def progress(p: Progress) -> None:
            now = time.monotonic()
            if p.total and now - shown[0] >= PROGRESS_EVERY:
                shown[0] = now
                self._bridge([Fact(PROGRESS, {"fraction": p.fraction})])

        try:
            result = export_logs(station.config, self.stick.path / STICK_FOLDER, clock=station.clock,
                                 progress=progress, journal_event=station.room.note)
        except Exception as exc:  # thread boundary: say it did not finish, keep the kiosk up
            log.exception("the USB export to %s failed", self.stick.path)
            result = ExportResult(flow.FAILED, f"the export did not finish: {exc}")
        self._bridge([Fact(RESULT, {"result": result})])

    def _on_news(self, facts: list[Fact]) -> None:
        for fact in facts:
            if fact.kind == PROGRESS:
                self.show_progress(float(fact.data["fraction"]))
            elif fact.kind == RESULT:
                self.show_result(fact.data["result"])

    def show_progress(self, fraction: float) -> None:
        if self.state == "writing":
            self.fraction = fraction

    def show_result(self, result: ExportResult) -> None:
        self.result = result
        self.state = "done" if result.ok else "failed"
        self.fraction = 1.0 if result.ok else self.fraction
        self.title = TITLES.get(result.outcome, "The export did not finish")
        self.stick_text = self.stick.label
        if result.ok:
            self.message = (f"{counted(result.events, 'event')} from {counted(result.sessions, 'session')} "
                            f"are on {self.stick.label}, read back and checked.")
            when = datetime.fromtimestamp(self.app.room.clock.now(), self.app.room.zone).strftime("%a %d %b %H:%M")
            self.last_text = f"Last export: {when}, {'sealed' if result.sealed else 'not sealed'}, {result.events} events."
        else:
            self.message = failure_text(result)
