"""Fuzzing the kiosks' JSON endpoints with malformed and adversarial bodies: never a 5xx.

A kiosk retries a 5xx forever, so one body the hub cannot take would block that kiosk's whole outbox.
Every body here must get a 200 (one result per event) or a 4xx whose error names what is wrong.
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.hub.app import create_app
from kiosk.hub.rooms import add_room
from kiosk.hub.validate import nesting


@dataclass(frozen=True)
class Raw:
    """JSON text put into a body as it is: what json.dumps cannot or will not write."""

    text: str


def dump(value: Any) -> str:
    if isinstance(value, Raw):
        return value.text
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(dump(v) for v in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return {math.inf: "Infinity", -math.inf: "-Infinity"}.get(value, "NaN")
    return json.dumps(value)


ODD_TEXT = ["\ud800", "\udfff", "a\udc00b", "\ud83d", "\x00", "nul\x00", "\u2028", "\ufeff", "\U0001f33f", "",
            " ", "\t\n", "é" * 70, "x" * 65, "x" * 100_000, "{}", "[[[", "\"", "\\", "2026-11-25T10:00:00Z",
            "0b6f2c1e-1111-4a2b-9c3d-0123456789ab", "help.raised", "phase.changed", "NaN", "-1"]
ODD_RAW = [Raw("9" * 4301), Raw("-" + "1" * 5000), Raw("1" * 101), Raw("1" * 100), Raw("1e400"), Raw("-1e999"),
           Raw("1.5e-400"), Raw("NaN"), Raw("Infinity"), Raw("[" * 1000 + "]" * 1000),
           Raw("{\"a\": " * 40 + "1" + "}" * 40), Raw('"\\ud800"'), Raw('"\\udc00\\ud800"'), Raw('"\\u0000"'),
           Raw("01"), Raw("1."), Raw("[1,]"), Raw("{\"a\" 1}"), Raw('"unterminated'), Raw("tru"),
           Raw("[" * 33 + "]" * 33)]

texts = st.one_of(st.text(max_size=20), st.sampled_from(ODD_TEXT),
                  st.lists(st.sampled_from(ODD_TEXT[:10] + ["a", "Z", "7"]), max_size=6).map("".join))
numbers = st.one_of(st.integers(), st.integers(min_value=-2**70, max_value=2**70), st.floats(allow_nan=True),
                    st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**32, 2**63, 1795000000, 1.7e15, -0.0]))
scalars = st.one_of(st.none(), st.booleans(), numbers, texts, st.sampled_from(ODD_RAW))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(texts, inner, max_size=4)), max_leaves=12)

EVENT_FIELDS = ("uuid", "seq", "device_id", "wall", "mono", "boot_id", "clock_trusted", "session_id", "kind",
                "payload")
KINDS = ["cue.fired", "help.raised", "help.acknowledged", "help.resolved", "phase.changed", "session.ended"]


@st.composite
def events(draw, device_id: str) -> Any:
    event: dict[str, Any] = {
        "uuid": str(uuid.UUID(int=draw(st.integers(0, 2**128 - 1)))), "seq": draw(st.integers(1, 1000)),
        "device_id": device_id, "wall": "2026-11-25T10:00:00.000Z", "mono": 1.0, "boot_id": "boot-1",
        "clock_trusted": True, "session_id": "s-1", "kind": draw(st.sampled_from(KINDS)),
        "payload": {"at": 1795000000.0, "call_id": "c1", "to": "holding"}}
    for name in draw(st.lists(st.sampled_from(EVENT_FIELDS + ("extra",)), max_size=3, unique=True)):
        event[name] = draw(values)
    if draw(st.booleans()):
        payload = event["payload"] if isinstance(event["payload"], dict) else {}
        payload[draw(texts)] = draw(values)
    if draw(st.integers(0, 9)) == 0:
        return draw(values)   # not an event at all
    return event


@st.composite
def bodies(draw, device_id: str) -> tuple[bytes, str | None]:
    """(body bytes, Content-Type): mostly batches with odd parts, some odd texts and bytes."""
    shape = draw(st.sampled_from(["batch", "batch", "batch", "heartbeat-like", "value", "truncated", "bytes",
                                  "too large"]))
    if shape in ("batch", "truncated"):
        body: Any = {"device_id": device_id, "waiting": 0, "events": draw(st.lists(events(device_id), max_size=5))}
        for name in draw(st.lists(st.sampled_from(["device_id", "waiting", "events", "extra"]), max_size=2,
                                  unique=True)):
            body[name] = draw(values)
        text = dump(body)
        if shape == "truncated":
            text = text[:draw(st.integers(0, max(0, len(text) - 1)))]
        raw = text.encode("utf-8", "surrogatepass") if draw(st.integers(0, 9)) == 0 else \
            text.encode("utf-8", "backslashreplace")
    elif shape == "heartbeat-like":
        body = {"device_id": device_id, "waiting": draw(values), "phase": draw(values), "glyph": draw(values)}
        raw = dump(body).encode("utf-8", "backslashreplace")
    elif shape == "value":
        raw = dump(draw(values)).encode("utf-8", "surrogatepass")
    elif shape == "bytes":
        raw = draw(st.binary(max_size=300))
    else:
        raw = b'{"device_id": "d", "events": [], "x": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    content_type = draw(st.sampled_from(["application/json", "application/json", "application/json; charset=utf-8",
                                         "text/plain", "application/x-www-form-urlencoded",
                                         "multipart/form-data; boundary=x", "application/octet-stream", None]))
    return raw, content_type


def check_answer(status: int, answer: Any, raw: bytes) -> None:
    assert status < 500, (status, answer, raw[:300])
    if status == 200:
        if isinstance(answer, dict) and "results" in answer:
            assert all(r["status"] in ("stored", "duplicate", "rejected") for r in answer["results"])
            assert all(r["reason"] for r in answer["results"] if r["status"] == "rejected")
    else:
        assert status in (400, 413), (status, answer, raw[:300])
        assert isinstance(answer, dict) and len(answer.get("error") or "") > 10, (status, answer)


def _fuzz_in_process(hub, examples: int) -> None:
    app = create_app(hub, timezone="UTC", threads=8)
    client = app.test_client()
    with hub.db.connection_context():
        token = add_room(hub, "Room 3")
    device_id = str(uuid.uuid4())

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(body=bodies(device_id), path=st.sampled_from(["/api/v1/events"] * 4 + ["/api/v1/heartbeat"]))
    def post(body: tuple[bytes, str | None], path: str) -> None:
        raw, content_type = body
        headers = {"Authorization": f"Bearer {token}"}
        if content_type:
            headers["Content-Type"] = content_type
        response = client.post(path, data=raw, headers=headers)
        check_answer(response.status_code, response.get_json(silent=True), raw)

    post()


def test_fuzzed_uploads_never_get_a_5xx_on_sqlite(sqlite_hub):
    _fuzz_in_process(sqlite_hub, 300)


def test_fuzzed_uploads_never_get_a_5xx_on_postgres(tmp_path, pg_url):
    from kiosk.hub.database import open_hub_database

    hub = open_hub_database(tmp_path / "hub", pg_url)
    try:
        _fuzz_in_process(hub, 80)
    finally:
        hub.close()


def test_fuzzed_uploads_never_get_a_5xx_from_the_served_hub(tmp_path):
    """The real `kiosk hub serve` (waitress) on loopback, for the parts the test client skips: the
    server's own reading of bodies and headers."""
    from tests.hub.hubproc import start_hub

    with start_hub(tmp_path / "hub", threads=4) as hub:
        token = hub.add_room("Room 3")
        device_id = str(uuid.uuid4())
        http = requests.Session()

        @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(body=bodies(device_id), path=st.sampled_from(["/api/v1/events"] * 4 + ["/api/v1/heartbeat"]))
        def post(body: tuple[bytes, str | None], path: str) -> None:
            raw, content_type = body
            headers = {"Authorization": f"Bearer {token}"}
            if content_type:
                headers["Content-Type"] = content_type
            response = http.post(f"{hub.url}{path}", data=raw, headers=headers, timeout=30)
            try:
                answer = response.json()
            except ValueError:
                answer = response.text[:300]
            check_answer(response.status_code, answer, raw)

        post()
        assert "Traceback" not in hub.output() and "Exception on" not in hub.output(), hub.output()


# --- the nesting pre-check is exact -----------------------------------------------------------

def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


tricky_text = st.lists(st.sampled_from(['"', "\\", "[", "]", "{", "}", "\\\\", '\\"', "a", "\ud800", "é"]),
                       max_size=8).map("".join)
json_values = st.recursive(st.one_of(st.none(), st.integers(), tricky_text, st.text(max_size=5)),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(tricky_text, inner, max_size=3)), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(value=json_values, ascii_only=st.booleans(), indent=st.sampled_from([None, 1]))
def test_nesting_is_the_depth_a_parser_reaches(value: Any, ascii_only: bool, indent: int | None) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only, indent=indent).encode("utf-8", "surrogatepass")
    assert nesting(raw) == depth(value)


@pytest.mark.parametrize("text, expected", [
    (b"[" * 1000, 1000), (b'["]]]]"' + b"[" * 5, 6), (b'"\\\\"' + b"[[", 2), (b'"\\"[[[', 0), (b"", 0),
    (b"{}" * 1000, 1),
])
def test_nesting_of_broken_texts_is_never_less_than_a_parser_would_reach(text: bytes, expected: int) -> None:
    assert nesting(text) == expected
