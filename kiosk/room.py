"""The room: one kiosk's session, help calls and journal, behind one lock.

This is the seam the UI, the button link and the sync worker all use. Each
action decides facts in the pure domain, hands them to the journal (which
commits in its own thread) and tells subscribers. On start, an unfinished
session is rebuilt from the journal and resumes in the right phase, with the
interruption recorded.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import Future
from dataclasses import fields
from typing import Any, Callable

from kiosk.clock import Clock, local_zone, time_of_day_after
from kiosk.config import Config
from kiosk.roomview import Health, RoomView
from kiosk.session import facts as F
from kiosk.session.facts import Fact
from kiosk.session.glyph import Glyph, glyph_for
from kiosk.session.help import (HelpCall, HelpCalls, Repeats, change_call, is_repeat, press_again, raise_call,
                                repeats_due, stale_calls)
from kiosk.session.machine import Session, TransitionRefused, rebuild
from kiosk.session.outage import outage
from kiosk.session.pin import MAX_TRIES as MAX_PIN_TRIES
from kiosk.session.pin import PinGuard, PinVerdict, try_pin
from kiosk.session.plan import Phase
from kiosk.session.resume import Resumption, clock_step, resume
from kiosk.store.journal import Journal, JournalFull

log = logging.getLogger(__name__)

THANK_YOU_SECONDS = 12.0
ALIVE_META = "alive_at"
ALIVE_EVERY = 15.0             # the heartbeat a running kiosk writes, so a restart knows when it went down
Listener = Callable[[list[Fact]], None]


class Room:
    def __init__(self, config: Config, journal: Journal, clock: Clock) -> None:
        self.config = config
        self.journal = journal
        self.clock = clock
        self.zone = local_zone(config.timezone)
        self.session = Session()
        self.help = HelpCalls()
        self.health = Health(button_configured=bool(config.button.url), hub_configured=bool(config.hub.url))
        if config.button.url:
            self.health.button_detail = "waiting for the button"
        self._lock = threading.RLock()
        self._committing: set[str] = set()
        self._repeats: dict[str, Repeats] = {}  # presses again on the open call, not yet journalled
        self.pin_guard = PinGuard()
        self._anchor = (clock.now(), clock.monotonic())
        self._listeners: list[Listener] = []
        self._plan_name = config.plans[0].name
        self._resume()

    # --- subscriptions -------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """listener(facts) runs in whichever thread made the change: bridge it before touching widgets."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _tell(self, facts: list[Fact]) -> None:
        if not facts:
            return
        for listener in list(self._listeners):
            try:
                listener(facts)
            except Exception:
                log.exception("room listener %r failed", listener)

    # --- session actions (UI thread; never wait for fsync) -------------------

    def choose_plan(self, name: str) -> None:
        with self._lock:
            self._plan_name = self.config.plan(name).name

    def begin(self, plan_name: str | None = None) -> list[Fact]:
        plan = self.config.plan(plan_name or self._plan_name)

        def decide(now: float) -> list[Fact]:
            hard_end = time_of_day_after(now, plan.hard_end, self.zone) if plan.hard_end else None
            return self.session.begin(plan, str(uuid.uuid4()), now, hard_end)

        return self._act(decide)

    def continue_to_holding(self) -> list[Fact]:
        return self._act(lambda now: self.session.continue_to_holding(now))

    def go_to_closing(self) -> list[Fact]:
        return self._act(lambda now: self.session.go_to_closing(now))

    def extend(self, seconds: float = 300.0) -> list[Fact]:
        return self._act(lambda now: self.session.extend(now, seconds))

    def end_session(self) -> list[Fact]:
        return self._act(lambda now: self.session.end_early(now))

    def tick(self) -> list[Fact]:
        """Let time pass; call about once a second."""
        self._flush_repeats()
        return self._act(lambda now: self.session.advance(now))

    def _act(self, decide: Callable[[float], list[Fact]]) -> list[Fact]:
        """Decide and journal under the lock; tell listeners after it, so a slow listener
        (the UI loading a chime) never holds up the button thread."""
        with self._lock:
            now = self.clock.now()
            facts = self._check_clock(now)
            try:
                facts += decide(now)
            except TransitionRefused as exc:
                log.info("ignored: %s", exc)
            self._journal(facts, tell=False)
        self._tell(facts)
        return facts

    def _check_clock(self, now: float) -> list[Fact]:
        """A running session follows monotonic time: a wall-clock step moves its times along."""
        mono = self.clock.monotonic()
        offset = clock_step(self._anchor, now, mono)
        self._anchor = (now, mono)
        if not offset:
            return []
        log.warning("the wall clock jumped by %+.0f s; the session's times move with it", offset)
        return self.session.clock_stepped(offset, now)

    def _journal(self, facts: list[Fact], tell: bool = True) -> list[Fact]:
        sid = self.session.state.session_id
        for fact in facts:
            self._append(fact.kind, fact.data, sid).add_done_callback(self._check_commit)
        if tell:
            self._tell(facts)
        return facts

    def _append(self, kind: str, data: dict[str, Any], session_id: str | None) -> Future:
        """journal.append, with a journal that cannot take more (JournalFull) turned into a failed
        future: the failure shows on the glyph and in the facilitator layer, and no exception
        reaches the button thread or the UI."""
        try:
            return self.journal.append(kind, data, session_id=session_id)
        except JournalFull as exc:
            failed: Future = Future()
            failed.set_exception(exc)
            return failed

    def _check_commit(self, done: Future) -> None:
        """Runs in the journal writer thread; a failed write is shown, never swallowed."""
        if done.exception() is not None and self._journal_failed(done.exception()):
            self._tell([Fact(F.HEALTH_CHANGED, {"journal_ok": False})])

    def _journal_failed(self, exc: BaseException) -> bool:
        """Marks the journal as failing; True the first time."""
        with self._lock:
            if not self.health.journal_ok:
                return False
            log.error("the journal could not write to %s: %s", self.journal.path, exc)
            self.health.journal_ok = False
            return True

    # --- help calls -----------------------------------------------------------

    def raise_help(self, source: str = "button", wait: bool = True) -> str:
        """Journal the call first (waiting for the commit when wait), then show it.

        Another press soon after an unanswered call is logged as a repeat of it. A press after
        staff answered, or long after, is a new call: the old one is closed as superseded.
        """
        with self._lock:
            now = self.clock.now()
            sid = self.session.state.session_id if self.session.state.active else None
            old = self.help.open_call()
            if is_repeat(old, now):
                tally, presses = press_again(self._repeats.get(old.call_id, Repeats(old.call_id)),
                                             self.clock.monotonic())
                self._repeats = {old.call_id: tally}
                if presses:
                    self._journal_repeat(old, presses, now, source)
                return old.call_id
            closed = self._change(F.HELP_RESOLVED, old, now, "superseded by a new press") if old else None
            fact = raise_call(str(uuid.uuid4()), now, source)
            call_id = fact.data["call_id"]
            # Known to the room at once (the commit wakes the sync worker, whose "delivered" may
            # arrive before this thread runs again) but shown only once committed.
            self.help.apply(fact, session_id=sid)
            self._committing.add(call_id)
            future = self._append(fact.kind, fact.data, sid)
            future.add_done_callback(self._check_commit)  # before _raised: the glyph must know at once
        if closed is not None:
            self._tell([closed])
        if wait:
            try:
                future.result(timeout=10)
            except Exception:  # a failed or slow write: _raised says so when it is known
                pass
        future.add_done_callback(lambda done: self._raised(fact, done))
        return call_id

    def _journal_repeat(self, call: HelpCall, presses: int, now: float, source: str) -> None:
        log.info("help call %s pressed again%s", call.call_id, f" ({presses} presses)" if presses > 1 else "")
        self._append(F.HELP_REPEATED, {"at": now, "call_id": call.call_id, "source": source, "presses": presses},
                     call.session_id).add_done_callback(self._check_commit)

    def _flush_repeats(self) -> None:
        with self._lock:
            for call_id, tally in list(self._repeats.items()):
                tally, presses = repeats_due(tally, self.clock.monotonic())
                self._repeats[call_id] = tally
                call = self.help.calls.get(call_id)
                if presses and call is not None:
                    self._journal_repeat(call, presses, self.clock.now(), call.source)

    def _raised(self, fact: Fact, done: Future) -> None:
        """Once help.raised is settled, show it: as NOT delivered when it could not be written.

        The failure is read from the future itself, not left to _check_commit: a Future wakes its
        waiters before it runs its callbacks, so the button thread may get here first, and the call
        must not be shown for a moment as on its way while the journal's failure is still unknown.
        """
        with self._lock:
            newly_failed = done.exception() is not None and self._journal_failed(done.exception())
            self._committing.discard(fact.data["call_id"])
        self._tell([Fact(F.HEALTH_CHANGED, {"journal_ok": False}), fact] if newly_failed else [fact])

    def _shown_call(self) -> HelpCall | None:
        call = self.help.open_call()
        return None if call is None or call.call_id in self._committing else call

    def change_help(self, kind: str, call_id: str | None = None, by: str | None = None,
                    at: float | None = None) -> bool:
        """delivered / acknowledged / resolved / cancelled; news that does not move the call is dropped."""
        with self._lock:
            call = self.help.calls.get(call_id) if call_id else self.help.open_call()
            fact = self._change(kind, call, at if at is not None else self.clock.now(), by) if call else None
        if fact is None:
            return False
        self._tell([fact])
        return True

    def _change(self, kind: str, call: HelpCall, at: float, by: str | None) -> Fact | None:
        fact = change_call(kind, call.call_id, at, by)
        if self.help.apply(fact, session_id=call.session_id) is None:
            return None
        self._append(fact.kind, fact.data, call.session_id).add_done_callback(self._check_commit)
        return fact

    # --- the facilitator PIN ------------------------------------------------------

    def try_pin(self, entered: str) -> PinVerdict:
        """Check a PIN typed on the pad; a wrong one is journalled (without its digits)."""
        with self._lock:
            self.pin_guard, verdict = try_pin(self.pin_guard, entered, self.config.pin, self.clock.monotonic())
            tries = self.pin_guard.tries
        if verdict in (PinVerdict.WRONG, PinVerdict.REST):
            self.note(F.PIN_REFUSED, {"tries": tries or MAX_PIN_TRIES, "resting": verdict is PinVerdict.REST})
        return verdict

    def pin_rest_left(self) -> float:
        with self._lock:
            return self.pin_guard.rest_left(self.clock.monotonic())

    # --- other adapters' events -------------------------------------------------

    def note(self, kind: str, payload: dict[str, Any] | None = None):
        """Journal an adapter's event (button connected, fault, self-test...). Returns the Future."""
        data = {"at": self.clock.now(), **(payload or {})}
        with self._lock:
            sid = self.session.state.session_id if self.session.state.active else None
        future = self._append(kind, data, sid)
        future.add_done_callback(self._check_commit)
        self._tell([Fact(kind, data)])
        return future

    def update_health(self, **changes: Any) -> None:
        unknown = set(changes) - {f.name for f in fields(Health)}
        if unknown:
            raise ValueError(f"not fields of Health: {', '.join(sorted(unknown))}")
        with self._lock:
            for key, value in changes.items():
                setattr(self.health, key, value)
        self._tell([Fact(F.HEALTH_CHANGED, dict(changes))])

    def alive(self) -> None:
        """Heartbeat, so a restart knows roughly when the kiosk went down."""
        self.journal.set_meta(ALIVE_META, repr(self.clock.now()))

    # --- reading ----------------------------------------------------------------

    def glyph(self) -> Glyph:
        with self._lock:
            h = self.health
            return glyph_for(self._shown_call(), h.hub_configured and h.journal_ok, h.hub_reachable,
                             h.button_configured and not h.button_ok, now=self.clock.now())

    def view(self) -> RoomView:
        with self._lock:
            now = self.clock.now()
            s = self.session.state
            phase = s.phase
            if phase is Phase.DONE and s.ended_at is not None and now - s.ended_at > THANK_YOU_SECONDS:
                phase = Phase.WELCOME
            if phase is Phase.WELCOME or s.plan is None:
                plan = self.config.plan(self._plan_name)
            else:
                plan = s.plan
            fired = self.session.state.cues_fired_in_phase() if s.active else []
            cues = s.cues() if s.active else []
            return RoomView(
                room=self.config.room, phase=phase, plan=plan,
                plans=tuple(p.name for p in self.config.plans), prompt=plan.prompt(phase),
                remaining=s.remaining(now) if s.active else None,
                progress=s.progress(now) if s.active else 0.0,
                invites_closing=s.invites_closing(now), cues_fired=len(fired), cues_total=len(cues),
                last_cue=fired[-1] if fired else None, glyph=self.glyph(), help_call=self._shown_call(),
                health=Health(**vars(self.health)), interrupted=bool(s.interruptions) and s.active,
                session_id=s.session_id,
            )

    # --- resume -------------------------------------------------------------------

    def _resume(self) -> None:
        now = self.clock.now()
        for r in self.journal.records(kinds=F.HELP_KINDS):
            self.help.apply(r.fact, session_id=r.session_id)
        for call in stale_calls(self.help, now):
            self._change(F.HELP_RESOLVED, call, now, "expired: still open when the kiosk restarted")
        starts = self.journal.records(kinds=[F.SESSION_STARTED], newest_first=True, limit=1)
        if not starts:
            return
        sid = starts[0].session_id
        records = self.journal.records(session_id=sid)
        self.session = rebuild([(r.fact, r.session_id) for r in records])
        if not self.session.state.active:
            return
        last = self.journal.records(newest_first=True, limit=1)
        alive = self.journal.get_meta(ALIVE_META)
        down = outage(last[0].wall if last else None, float(alive) if alive else None, ALIVE_EVERY, now)
        how, facts = resume(self.session, down)
        if how is Resumption.CLOCK_WENT_BACK:
            log.warning("the wall clock is %.0f s behind the last record: resuming session %s where it stopped",
                        down.last_alive - now, sid)
        elif how is Resumption.ABANDONED:
            log.warning("session %s was left %.1f h ago: ended as abandoned", sid, down.seconds_at_most / 3600)
        else:
            log.warning("resuming session %s in its %s phase after %.0f-%.0f s down", sid, self.session.state.phase,
                        down.seconds_at_least, down.seconds_at_most)
        self._journal(facts)
        self.tick()
