"""An HTTP proxy on 127.0.0.1 that misbehaves on a seeded schedule, for fault-injection tests.

Per request it picks one action: forward, drop the request (close without
forwarding), forward and then drop the response (the hub committed, the kiosk
never hears), answer 500 without forwarding, delay then forward, or stall past
the client's timeout then forward anyway. With several upstreams it hands
requests out round robin, like a load balancer in front of several hubs.

A rule (proxy.rule = f(method, path, body) -> action or None) overrides the
schedule for the requests it picks: "drop every help upload for a while",
"answer 500 to every batch that carries this event". proxy.log keeps
(number, path, event kinds, action) for each request, for asserting order.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import struct
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

FORWARD = "forward"
DROP_REQUEST = "drop_request"
DROP_RESPONSE = "drop_response"
ERROR_500 = "error_500"
DELAY = "delay"
STALL = "stall"
ACTIONS = (FORWARD, DROP_REQUEST, DROP_RESPONSE, ERROR_500, DELAY, STALL)
_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "upgrade", "host"}


class FaultProxy:
    def __init__(self, upstream_ports: list[int], seed: int, weights: dict[str, float] | None = None, *,
                 delay: tuple[float, float] = (0.05, 0.4), stall: float = 2.0, inspect: bool = True) -> None:
        """inspect: read each upload's events for log and forwarded_uuids (False: forward without parsing
        bodies, for a fleet of kiosks sharing this process with the proxy)."""
        self.inspect = inspect
        self.upstream_ports = list(upstream_ports)
        self.weights = weights or {FORWARD: 1.0}
        unknown = set(self.weights) - set(ACTIONS)
        if unknown:
            raise ValueError(f"unknown proxy actions {sorted(unknown)}; known: {ACTIONS}")
        self.delay = delay
        self.stall = stall
        self.faults_on = True
        self.counts: Counter = Counter()
        self.on_forwarded: Callable[[int], None] | None = None
        self.rule: Callable[[str, str, bytes | None], str | None] | None = None
        self.log: list[tuple[int, str, tuple[str, ...], str]] = []
        self.requests = 0
        self.forwarded_uuids: Counter = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._rr = 0
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> "FaultProxy":
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                proxy._handle(self)

            do_POST = do_GET

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fault-proxy",
                         daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _pick(self, method: str, path: str, body: bytes | None) -> tuple[int, str, float, int]:
        with self._lock:
            self.requests += 1
            number = self.requests
            forced = self.rule(method, path, body) if self.rule is not None else None
            if forced is not None:
                if forced not in ACTIONS:
                    raise ValueError(f"the proxy rule answered {forced!r}; known actions: {ACTIONS}")
                action = forced
            elif self.faults_on:
                action = self._rng.choices(list(self.weights), list(self.weights.values()))[0]
            else:
                action = FORWARD
            self.log.append((number, path.split("?")[0], event_kinds(body) if self.inspect else (), action))
            pause = self._rng.uniform(*self.delay) if action == DELAY else self.stall if action == STALL else 0.0
            port = self.upstream_ports[self._rr % len(self.upstream_ports)]
            self._rr += 1
            self.counts[action] += 1
        return number, action, pause, port

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        number, action, pause, port = self._pick(h.command, h.path, body)
        if action == DROP_REQUEST:
            return _drop(h)
        if action == ERROR_500:
            return _answer(h, 500, {"Content-Type": "application/json"}, b'{"error": "injected fault"}')
        if pause:
            self._stopping.wait(pause)
        headers = {k: v for k, v in h.headers.items() if k.lower() not in _HOP}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(h.command, h.path, body=body, headers=headers)
            self._count_events(h.path, body)
            if self.on_forwarded is not None:
                self.on_forwarded(number)
            resp = conn.getresponse()
            data = resp.read()
            status, resp_headers = resp.status, {k: v for k, v in resp.getheaders() if k.lower() not in _HOP}
        except (OSError, http.client.HTTPException):
            return _answer(h, 502, {"Content-Type": "application/json"}, b'{"error": "the hub is down"}')
        finally:
            conn.close()
        if action == DROP_RESPONSE:
            return _drop(h)
        resp_headers.pop("Content-Length", None)
        _answer(h, status, resp_headers, data)


    def _count_events(self, path: str, body: bytes | None) -> None:
        if not self.inspect or not body or not path.startswith("/api/v1/events"):
            return
        try:
            uuids = [e.get("uuid") for e in json.loads(body).get("events", [])]
        except (ValueError, AttributeError):
            return
        with self._lock:
            self.forwarded_uuids.update(uuids)


def event_kinds(body: bytes | None) -> tuple[str, ...]:
    """The kinds of the events an upload carries; () for anything else."""
    if not body:
        return ()
    try:
        events = json.loads(body).get("events", [])
        return tuple(str(e.get("kind")) for e in events if isinstance(e, dict))
    except (ValueError, AttributeError):
        return ()


def _drop(h: BaseHTTPRequestHandler) -> None:
    """Close the connection with a reset and no answer."""
    h.close_connection = True
    try:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
    except OSError:
        pass


def _answer(h: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes) -> None:
    try:
        h.send_response(status)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
    except OSError:
        pass
    h.close_connection = True
