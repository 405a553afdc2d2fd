"""The hub client's reading of every answer: a real loopback server that answers what each test queues."""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from kiosk.sync.client import (HubBusy, HubCall, HubClient, HubFailed, HubUnreachable, TokenRefused, _short,
                                _was_sent)
from tests.certs import self_signed
from tests.needs import need_tool
from tests.sync.conftest import logged


class Canned:
    """Answers each request with the next queued (status, body, headers); records what was asked."""

    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        """tls: a certificate and key to serve HTTPS with, as a hub behind Caddy does."""
        self.answers: list[tuple[int, bytes, dict[str, str], float]] = []
        self.asked: list[tuple[str, str, dict[str, str], bytes]] = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                canned.asked.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
                status, body, headers, delay = canned.answers.pop(0)
                time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.server.server_port}"

    def answer(self, status: int, body, headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        """delay: how long the hub holds the answer (a long poll), slept in the server's thread."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.answers.append((status, raw, {"Content-Type": "application/json", **(headers or {})}, delay))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    canned = Canned()
    yield canned
    canned.close()


@pytest.fixture
def client(hub):
    c = HubClient(hub.url + "/", "secret", timeout=(2.0, 2.0), now=lambda: 1000.0)
    yield c
    c.close()


@pytest.mark.parametrize("wait, asked", [(-3, 0), (0.0, 0), (2.4, 2), (2.6, 3), (25.4, 25), (99, 25)])
def test_the_help_poll_asks_for_a_whole_wait_of_at_most_25_s(hub, client, wait, asked):
    hub.answer(200, {"calls": []})
    assert client.help_calls(wait=wait) == []
    assert hub.asked[0][:2] == ("GET", f"/api/v1/help?wait={asked}")


def test_help_calls_keep_only_well_formed_entries(hub, client):
    hub.answer(200, {"calls": [
        {"call_id": "a", "state": "acknowledged", "by": "Sam"},
        {"call_id": "b", "state": "raised", "by": 7},
        {"call_id": 3, "state": "raised"},
        {"call_id": "c", "state": None},
        "not a call",
        {"call_id": "d", "state": "resolved"}]})
    assert client.help_calls() == [HubCall("a", "acknowledged", "Sam"), HubCall("b", "raised", None),
                                   HubCall("d", "resolved", None)]
    assert hub.asked[0][1] == "/api/v1/help?wait=0", "no wait unless asked: a plain check"


def test_a_long_poll_may_take_its_wait_beyond_the_read_timeout(hub):
    """The hub holds a long poll up to `wait` seconds: the read timeout is the client's plus that wait."""
    c = HubClient(hub.url, "t", timeout=(2.0, 0.3))
    hub.answer(200, {"calls": [{"call_id": "a", "state": "raised"}]}, delay=0.5)
    hub.answer(200, {"calls": []}, delay=0.5)
    try:
        assert c.help_calls(wait=1) == [HubCall("a", "raised", None)]
        with pytest.raises(HubFailed, match="did not answer in time"):
            c.help_calls(wait=0)
    finally:
        c.close()


def test_a_help_answer_without_calls_asks_about_the_hubs_version(hub, client):
    hub.answer(200, {"calls": "none"})
    with pytest.raises(HubUnreachable, match="^the hub answered the help-call check without calls: is the hub's "
                                             "version compatible with this kiosk\\?$"):
        client.help_calls()


def test_every_request_carries_the_key_and_only_uploads_carry_a_priority(hub):
    c = HubClient(hub.url, "secret", priority="u=0")
    hub.answer(200, {"calls": []})
    hub.answer(200, {"results": []})
    hub.answer(200, {})
    c.help_calls()
    c.upload("dev", 0, [], [])
    c.heartbeat("dev", 3, "holding", "none")
    c.close()
    (get, _, h_get, _), (post, path, h_up, body), (_, beat, h_beat, beat_body) = hub.asked
    assert (get, post, path, beat) == ("GET", "POST", "/api/v1/events", "/api/v1/heartbeat")
    assert all(h["Authorization"] == "Bearer secret" and h["Accept"] == "application/json"
               for h in (h_get, h_up, h_beat))
    assert "Content-Type" not in h_get and h_up["Content-Type"] == "application/json"
    assert h_up.get("Priority") == "u=0" and "Priority" not in h_get and "Priority" not in h_beat
    assert json.loads(body) == {"device_id": "dev", "waiting": 0, "events": []}
    assert json.loads(beat_body) == {"device_id": "dev", "waiting": 3, "phase": "holding", "glyph": "none"}


def test_a_kiosk_without_a_key_sends_an_empty_one_and_hears_it_refused(hub):
    c = HubClient(hub.url, None)
    hub.answer(401, {"error": "unknown kiosk key"})
    try:
        with pytest.raises(TokenRefused, match=r"check \[hub\] token \(hub says: unknown kiosk key\)$"):
            c.help_calls()
    finally:
        c.close()
    assert hub.asked[0][2]["Authorization"] == "Bearer "


class Recording(requests.Session):
    """A real session that keeps the keyword arguments of each request it makes."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[dict] = []

    def request(self, method, url, **kw):
        self.asked.append(kw)
        return super().request(method, url, **kw)


def test_the_connect_timeout_stays_short_and_only_the_read_timeout_takes_a_long_polls_wait(hub):
    """A hub that is not there must be found out within the connect timeout, however long the poll."""
    session = Recording()
    c = HubClient(hub.url, "t", session=session, timeout=(1.5, 4.0))
    hub.answer(200, {"calls": []})
    hub.answer(200, {"results": []})
    c.help_calls(wait=20)
    c.upload("dev", 0, [], [])
    c.close()
    assert [kw["timeout"] for kw in session.asked] == [(1.5, 24.0), (1.5, 4.0)]
    assert [kw["verify"] for kw in session.asked] == [None, None], "no ca_file: the system's CAs"


@pytest.fixture(scope="module")
def tls_pair(tmp_path_factory) -> tuple[Path, Path]:
    need_tool("openssl")
    return self_signed(tmp_path_factory.mktemp("tls"))


def test_a_hub_with_a_private_ca_is_trusted_through_ca_file_and_refused_without(tls_pair):
    secure = Canned(tls=tls_pair)
    trusting = HubClient(secure.url, "t", ca_file=tls_pair[0], timeout=(2.0, 2.0))
    doubting = HubClient(secure.url, "t", timeout=(2.0, 2.0))
    secure.answer(200, {"calls": [{"call_id": "a", "state": "raised"}]})
    try:
        assert trusting.verify == str(tls_pair[0])
        assert trusting.help_calls() == [HubCall("a", "raised", None)]
        with pytest.raises(HubUnreachable, match=f"^the hub at {secure.url} has a certificate this kiosk does not trust: "
                                                 r"set \[hub\] ca_file to the hub's CA certificate"):
            doubting.help_calls()
    finally:
        trusting.close()
        doubting.close()
        secure.close()
    assert len(secure.asked) == 1, "the doubting client sent nothing"


def test_no_priority_header_without_a_priority(hub, client):
    hub.answer(200, {"results": []})
    client.upload("dev", 0, [], [])
    assert "Priority" not in hub.asked[0][2]


def test_an_upload_answer_is_read_per_event(hub, client, caplog):
    hub.answer(200, {"results": [
        {"uuid": "u1", "status": "stored"}, {"uuid": "u2", "status": "duplicate"},
        {"uuid": "u3", "status": "rejected", "reason": "bad kind"}, {"uuid": "u4", "status": "rejected"},
        {"uuid": "u5", "status": "pondering"}, {"uuid": "elsewhere", "status": "stored"}, "junk"]})
    answer = client.upload("dev", 6, ['{"a":1}'] * 6, ["u1", "u2", "u3", "u4", "u5", "u6"])
    assert answer.confirmed == ["u1", "u2"]
    assert answer.rejected == {"u3": "bad kind", "u4": "rejected by the hub (no reason given)"}
    assert answer.unanswered == ["u5", "u6"]
    assert logged(caplog, "kiosk.sync.client") == [
        ("WARNING", "hub answered unknown status 'pondering' for event u5; it stays waiting")]


def test_an_upload_answer_without_results_asks_about_the_hubs_version(hub, client):
    hub.answer(200, {"stored": 3})
    with pytest.raises(HubUnreachable, match="^the hub answered an upload without results: is the hub's version "
                                             "compatible with this kiosk\\?$"):
        client.upload("dev", 0, [], [])


def test_junk_and_other_events_in_an_upload_answer_are_passed_over_not_the_end_of_it(hub, client):
    hub.answer(200, {"results": ["junk", {"uuid": "elsewhere", "status": "stored"}, {"status": "stored"},
                                 {"uuid": "u1", "status": "stored"}]})
    assert client.upload("dev", 1, ['{"a":1}'], ["u1"]).confirmed == ["u1"]


@pytest.mark.parametrize("status, body, headers, kind, message, retry_after", [
    (200, b"<html>", {}, HubUnreachable, "the hub at {url} answered something that is not JSON", None),
    (200, [1, 2], {}, HubUnreachable, "the hub at {url} answered an unexpected shape", None),
    (401, {"error": "unknown token"}, {}, TokenRefused,
     "the hub refused this kiosk's token: check [hub] token (hub says: unknown token)", None),
    (403, b"", {}, TokenRefused, "the hub refused this kiosk's token: check [hub] token", None),
    (404, {"error": "no such page"}, {}, HubUnreachable,
     "the hub at {url} has no /api/v1/help: check [hub] url and that the hub runs a compatible version", None),
    (503, {"error": "database down"}, {"Retry-After": "7"}, HubBusy,
     "the hub is busy or cannot store now: database down", 7.0),
    (429, {}, {}, HubBusy, "the hub is busy or cannot store now", None),
    (500, b"  Traceback: boom  ", {"Retry-After": "2"}, HubFailed,
     "the hub had an internal error (HTTP 500): Traceback: boom", 2.0),
    (418, {"error": ["not", "text"]}, {}, HubUnreachable, "the hub had an internal error (HTTP 418)", None),
])
def test_each_failing_answer_is_one_plain_error(hub, client, status, body, headers, kind, message, retry_after):
    hub.answer(status, body, headers)
    with pytest.raises(kind) as caught:
        client.help_calls()
    assert type(caught.value) is kind
    assert str(caught.value) == message.format(url=hub.url)
    assert getattr(caught.value, "retry_after", None) == retry_after


def test_an_html_error_page_is_read_as_one_line_of_its_text(hub, client):
    """What a web server that is not the hub answers at the hub's URL (here Python's own, to a POST)."""
    hub.answer(501, b"<!DOCTYPE HTML>\n<html lang=\"en\">\n  <head><title>Error response</title></head>\n  <body>\n"
                    b"    <h1>Error response</h1>\n    <p>Error code: 501</p>\n  </body>\n</html>\n")
    with pytest.raises(HubUnreachable) as caught:
        client.help_calls()
    assert str(caught.value) == ("the hub had an internal error (HTTP 501): Error response Error response "
                                 "Error code: 501")


def test_a_long_error_page_is_cut_to_200_characters(hub, client):
    hub.answer(500, b"x" * 500 + b"tail")
    with pytest.raises(HubFailed) as caught:
        client.help_calls()
    assert str(caught.value) == "the hub had an internal error (HTTP 500): " + "x" * 200


@pytest.mark.parametrize("text, short", [
    ("[Errno 111] Connection refused", "connection refused"),
    ("('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))", "connection reset"),
    ("Remote end closed connection without response", "remote end closed"),
    ("[Errno -2] Name or service not known", "name or service not known"),
    ("Read timed out. (read timeout=1)", "timed out"),
    ("[Errno 113] No route to host", "no route to host"),
    ("[Errno 101] Network is unreachable", "network is unreachable"),
    ("something new", "ConnectionError"),
])
def test_a_connection_failure_is_named_in_a_few_words(text, short):
    assert _short(requests.ConnectionError(text)) == short


def test_a_hub_that_closes_without_answering_failed_after_the_request_was_sent(caplog):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def close_after_reading() -> None:
        conn, _ = listener.accept()
        conn.recv(65536)
        conn.close()

    threading.Thread(target=close_after_reading, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    c = HubClient(url, "t", timeout=(2.0, 2.0))
    try:
        with pytest.raises(HubFailed, match=f"^cannot reach the hub at {url} \\(remote end closed\\)$"):
            c.help_calls()
    finally:
        c.close()
        listener.close()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_refused_connection_is_unreachable_never_failed(refused_url):
    """Nothing was sent, so nothing the request carried can be the cause: never evidence against an event."""
    c = HubClient(refused_url, "t", timeout=(1.0, 1.0))
    try:
        with pytest.raises(HubUnreachable) as caught:
            c.help_calls()
    finally:
        c.close()
    assert type(caught.value) is HubUnreachable
    assert str(caught.value) == f"cannot reach the hub at {refused_url} (connection refused)"


def test_a_connection_error_counts_as_sent_unless_it_says_the_connection_was_never_made():
    """Only a failure after sending can be the request's fault (docs in kiosk/sync/client.py); requests wraps
    urllib3's reason in a MaxRetryError, or hands it over bare, or gives nothing at all."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

    never = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    assert _was_sent(requests.ConnectionError(MaxRetryError(None, "/", reason=never))) is False
    assert _was_sent(requests.ConnectionError(never)) is False, "the reason itself, not wrapped"
    assert _was_sent(requests.ConnectionError(ProtocolError("Connection aborted."))) is True
    assert _was_sent(requests.ConnectionError()) is True, "nothing known: it may have been sent"


class Failing(requests.Session):
    """A session whose every request fails with the given requests exception before anything is answered."""

    def __init__(self, exc: requests.RequestException) -> None:
        super().__init__()
        self.exc = exc

    def request(self, method, url, **kw):
        raise self.exc


@pytest.mark.parametrize("exc, kind, message", [
    (requests.ConnectTimeout("connect timed out"), HubUnreachable, "the hub at http://hub.test did not answer in time"),
    (requests.ReadTimeout("read timed out"), HubFailed, "the hub at http://hub.test did not answer in time"),
    (requests.TooManyRedirects("Exceeded 30 redirects."), HubUnreachable,
     "talking to the hub at http://hub.test failed (TooManyRedirects)"),
])
def test_each_request_failure_is_named_with_the_hub_and_told_apart_by_whether_it_was_sent(exc, kind, message):
    c = HubClient("http://hub.test", "t", session=Failing(exc))
    with pytest.raises(HubUnreachable) as caught:
        c.help_calls()
    assert type(caught.value) is kind and str(caught.value) == message


def test_a_retry_after_date_is_counted_from_the_kiosks_clock(hub):
    from datetime import datetime, timezone
    from email.utils import format_datetime

    now = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc).timestamp()
    c = HubClient(hub.url, "t", now=lambda: now)
    hub.answer(503, {"error": "maintenance"}, {"Retry-After": format_datetime(
        datetime(2026, 12, 3, 9, 2, tzinfo=timezone.utc), usegmt=True)})
    try:
        with pytest.raises(HubBusy) as caught:
            c.help_calls()
    finally:
        c.close()
    assert caught.value.retry_after == 120.0
