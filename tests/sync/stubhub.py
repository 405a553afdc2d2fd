"""A small hub that honours docs/hub-api.md, in memory, on a real loopback port.

For the kiosk's tests while the real hub is elsewhere, and for faults the real
hub will not produce on demand (a 400 for one poisoned event, a 503 with
Retry-After, a 200 that leaves events out).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from kiosk.session.help import HUB_STATES, KIND_STATE, RANK
from kiosk.session.record import iso_utc

POISON = "poison"      # a batch carrying it is refused with 400
BREAKS = "breaks.hub"  # a batch carrying it gets a 500, every time


@dataclass
class StubCall:
    call_id: str
    room: str
    state: str = "raised"
    by: str | None = None
    changed: float = field(default_factory=time.time)


_RANK = {str(state): RANK[state] for state in HUB_STATES}  # what the real hub keeps (kiosk/hub/helpcalls.py)
_KIND_STATE = {kind: str(state) for kind, state in KIND_STATE.items() if state in HUB_STATES}


class StubHub:
    def __init__(self) -> None:
        self.tokens: dict[str, str] = {}
        self.events: dict[str, dict] = {}
        self.inserts: Counter = Counter()
        self.requests: list[tuple[str, int]] = []  # (path, number of events)
        self.waiting: list[object] = []  # each upload's `waiting`, as the kiosk said it
        self.priorities: list[tuple[frozenset[str], str | None]] = []  # (an upload's kinds, its Priority header)
        self.heartbeats: list[dict] = []
        self.unauthorised = 0
        self.calls: dict[str, StubCall] = {}
        self.refuse: list[tuple[int, dict, dict] | None] = []  # queued whole-request answers: (status, body,
        # headers), or None to answer that request normally
        self.leave_out: set[str] = set()
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.app = self._make_app()
        self._server = None
        self._thread = None

    # --- control -----------------------------------------------------------

    def add_room(self, name: str) -> str:
        token = f"token-{name.replace(' ', '-').lower()}-{len(self.tokens)}"
        self.tokens[token] = name
        return token

    def start(self, port: int = 0) -> "StubHub":
        self._server = make_server("127.0.0.1", port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="stub-hub", daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        return self._server.server_port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def acknowledge(self, call_id: str, by: str) -> None:
        self._move(call_id, "acknowledged", by)

    def resolve(self, call_id: str) -> None:
        self._move(call_id, "resolved", None)

    def _move(self, call_id: str, state: str, by: str | None) -> None:
        with self.changed:
            call = self.calls[call_id]
            call.state, call.changed = state, time.time()
            call.by = by or call.by
            self.changed.notify_all()

    def kinds(self) -> list[str]:
        with self.lock:
            return [e["kind"] for e in self.events.values()]

    # --- the API --------------------------------------------------------------

    def _room(self) -> str | None:
        auth = request.headers.get("Authorization", "")
        return self.tokens.get(auth.removeprefix("Bearer ").strip())

    def _make_app(self) -> Flask:
        app = Flask("stubhub")

        @app.post("/api/v1/events")
        def events():
            room = self._room()
            if room is None:
                with self.lock:
                    self.unauthorised += 1
                return jsonify(error="unknown token: add the room at the hub"), 401
            body = request.get_json(silent=True)
            if not isinstance(body, dict) or not isinstance(body.get("events"), list) or "device_id" not in body:
                return jsonify(error="body must be {device_id, waiting, events: [...]}"), 400
            batch = body["events"]
            with self.lock:
                self.requests.append(("/api/v1/events", len(batch)))
                self.waiting.append(body.get("waiting"))
                self.priorities.append((frozenset(str(e.get("kind")) for e in batch if isinstance(e, dict)),
                                        request.headers.get("Priority")))
                queued = self.refuse.pop(0) if self.refuse else None
                if queued is not None:
                    status, err, headers = queued
                    return jsonify(err), status, headers
            if len(batch) > 1000:
                return jsonify(error="at most 1000 events per request"), 413
            if any(not isinstance(e, dict) for e in batch):
                return jsonify(error="every event must be an object"), 400
            if any(e.get("kind") == POISON for e in batch):
                return jsonify(error="event kind 'poison' breaks this hub"), 400
            if any(e.get("kind") == BREAKS for e in batch):
                return jsonify(error="internal error"), 500
            results = []
            with self.changed:
                for e in batch:
                    uuid = e.get("uuid")
                    if uuid in self.leave_out:
                        continue
                    if not isinstance(e.get("seq"), int) or e["seq"] <= 0:
                        results.append({"uuid": uuid, "status": "rejected", "reason": "seq must be > 0"})
                        continue
                    if len(str(e.get("kind"))) > 64:
                        results.append({"uuid": uuid, "status": "rejected",
                                        "reason": "kind is longer than 64 characters"})
                        continue
                    if uuid in self.events:
                        results.append({"uuid": uuid, "status": "duplicate"})
                        continue
                    self.events[uuid] = dict(e, room=room)
                    self.inserts[uuid] += 1
                    results.append({"uuid": uuid, "status": "stored"})
                    state = _KIND_STATE.get(e.get("kind"))
                    call_id = (e.get("payload") or {}).get("call_id")
                    if state and call_id:
                        call = self.calls.get(call_id)
                        if call is None:
                            self.calls[call_id] = StubCall(call_id, room, state)
                        elif _RANK[state] > _RANK[call.state]:
                            call.state, call.changed = state, time.time()
                        self.changed.notify_all()
            return jsonify(results=results, server_time=iso_utc(time.time()))

        @app.post("/api/v1/heartbeat")
        def heartbeat():
            room = self._room()
            if room is None:
                return jsonify(error="unknown token"), 401
            with self.lock:
                self.heartbeats.append(dict(request.get_json(silent=True) or {}, room=room))
            return jsonify(server_time=iso_utc(time.time()))

        @app.get("/api/v1/help")
        def help_calls():
            room = self._room()
            if room is None:
                return jsonify(error="unknown token"), 401
            wait = min(25.0, max(0.0, float(request.args.get("wait", 0))))

            def snapshot():
                return [(c.call_id, c.state, c.by) for c in self.calls.values() if c.room == room]

            with self.changed:
                before = snapshot()
                deadline = time.monotonic() + wait
                while snapshot() == before and time.monotonic() < deadline:
                    self.changed.wait(deadline - time.monotonic())
                calls = [{"call_id": c.call_id, "state": c.state, "by": c.by, "changed_at": iso_utc(c.changed)}
                         for c in self.calls.values() if c.room == room]
            return jsonify(calls=calls, server_time=iso_utc(time.time()))

        return app
