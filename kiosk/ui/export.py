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

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.export import flow
from kiosk.export.flow import STICK_FOLDER, ExportResult, Progress, export_logs
from kiosk.export.safewrite import size_text
from kiosk.export.sticks import Stick
from kiosk.language import N_, _, ngettext
from kiosk.local_time import day_and_time
from kiosk.session.facts import Fact
from kiosk.ui import cards, rules  # noqa: F401  (cards: the widgets its rules use)
from kiosk.ui.bridge import Bridge

log = logging.getLogger(__name__)

rules.load("export")

PROGRESS, RESULT = "export.progress", "export.result"
PROGRESS_EVERY = 1.0  # calm: the bar moves at most once a second
SEALED_TEXT = N_("Sealed to the hub: only the hub can open it.")
NOT_SEALED_TEXT = N_("Not sealed: anyone with this stick can read it.")
TITLES = {flow.DONE: N_("Safe to remove the stick"), flow.FULL: N_("The stick is full"),
          flow.READ_ONLY: N_("The stick is read-only"), flow.REMOVED: N_("The export did not finish"),
          flow.NO_STICK: N_("No stick"), flow.EMPTY: N_("Nothing to export yet"),
          flow.FAILED: N_("The export did not finish")}


def last_export_text(at: float, zone, sealed: bool, events: int | str) -> str:
    when = day_and_time(at, zone)
    if sealed:
        return _("Last export: {when}, sealed, {events} events.").format(when=when, events=events)
    return _("Last export: {when}, not sealed, {events} events.").format(when=when, events=events)


def events_from_sessions(events: int, sessions: int) -> str:
    return _("{events} from {sessions}").format(events=ngettext("{n} event", "{n} events", events).format(n=events),
                                                sessions=ngettext("{n} session", "{n} sessions", sessions)
                                                .format(n=sessions))


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
        return _("No export to a stick yet.")
    d = latest[1]
    return last_export_text(latest[0], zone, bool(d.get("sealed")), d.get("events", "?"))


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
        free = (_("the stick has {size} free").format(size=size_text(result.free)) if result.free is not None
                else _("the stick ran out"))
        return _("This export needs {size}; {free}. Nothing was left on it: free some space, "
                 "or use another stick.").format(size=size_text(result.needed), free=free)
    if result.outcome == flow.REMOVED:
        return _("The stick was removed, or stopped answering, before the logs were all written and checked. "
                 "Nothing on the kiosk is lost: put the stick back in and export again.")
    if result.outcome == flow.READ_ONLY:
        return _("The stick cannot be written to (does it have a lock switch?). Nothing was written.")
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
        self.seal_text = _(SEALED_TEXT if self.sealed else NOT_SEALED_TEXT)
        self.stick_text = (_("{stick} · {size} free").format(stick=stick.label, size=size_text(stick.free))
                           + (" · " + _("read-only") if stick.read_only else ""))
        self.last_text = last_export_line(self.app.room.journal, self.app.room.zone)
        self.title = _("USB stick found")
        self.message = _("The session logs will be written to it. Nothing is deleted from the kiosk.")
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
        self.title = _("Writing to the stick…")
        self.message = _("Please leave the stick in until it says it is safe to remove.")

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
        self.title = _(TITLES.get(result.outcome, TITLES[flow.FAILED]))
        self.stick_text = self.stick.label
        if result.ok:
            self.message = _("{what} are on {stick}, read back and checked.").format(
                what=events_from_sessions(result.events, result.sessions), stick=self.stick.label)
            self.last_text = last_export_text(self.app.room.clock.now(), self.app.room.zone, result.sealed,
                                              result.events)
        else:
            self.message = failure_text(result)
