"""The wire form of a journal event, as the hub reads it: ISO UTC times, and every field back as it went."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.session.record import EventRecord, dump_payload, iso_utc, parse_iso_utc

T = 1_780_000_000.0


def test_wire_times_are_utc_with_milliseconds_and_a_z_and_read_back():
    assert iso_utc(T + 0.123) == "2026-05-28T20:26:40.123Z"
    assert parse_iso_utc("2026-05-28T20:26:40.123Z") == T + 0.123
    assert parse_iso_utc("2026-05-28T22:26:40.123+02:00") == T + 0.123


records = st.builds(
    EventRecord, uuid=st.uuids().map(str), seq=st.integers(1, 2**40), device_id=st.text(min_size=1, max_size=8),
    wall=st.integers(0, 4_000_000_000_000).map(lambda ms: ms / 1000), mono=st.floats(0, 1e7),
    boot_id=st.text(min_size=1, max_size=8), clock_trusted=st.booleans(),
    session_id=st.one_of(st.none(), st.text(min_size=1, max_size=8)), kind=st.sampled_from(["help.raised", "x.y"]),
    payload=st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))


@given(records)
def test_an_event_comes_back_from_its_wire_form_field_for_field(record):
    wire = record.to_wire()
    assert wire["wall"] == iso_utc(record.wall)
    back = EventRecord.from_wire(wire)
    assert abs(back.wall - record.wall) < 1e-3
    assert back == EventRecord(**{**vars(record), "wall": back.wall})
    assert back.fact.kind == record.kind and back.fact.data == dict(record.payload)


def test_a_payload_is_stored_compact_with_its_keys_in_order():
    assert dump_payload({"b": 1, "a": [1, 2]}) == '{"a":[1,2],"b":1}'
