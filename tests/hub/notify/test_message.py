"""What an alert says: the room, when it was pressed (in the hub's zone), lateness, what happened."""

from __future__ import annotations

from datetime import timezone
from zoneinfo import ZoneInfo

import pytest

from kiosk.hub.notify.message import WHATS, Message

PRESSED = 1_795_000_000.0   # 2026-11-18 11:06:40 UTC


def msg(what: str, **kw) -> Message:
    return Message(7, what, "Room 3", "c1", kw.pop("pressed", PRESSED), kw.pop("reached", PRESSED + 0.3),
                   kw.pop("by", None), zone=kw.pop("zone", timezone.utc), **kw)


def test_the_text_names_the_room_the_press_and_what_happened():
    assert msg("raised").text() == "Room 3: help called at 11:06:40 · nobody on the way yet"
    assert msg("acknowledged", by="Sam").text() == "Room 3: help called at 11:06:40 · on my way (Sam)"
    assert msg("acknowledged", by="Sam").title() == "On my way (Sam): Room 3"
    assert msg("resolved", by="Kim").text().endswith("· resolved by Kim")
    assert msg("raised", zone=ZoneInfo("Europe/Berlin")).text().startswith("Room 3: help called at 12:06:40")


def test_a_late_call_says_how_late():
    late = msg("raised", reached=PRESSED + 51.4)
    assert late.late_seconds() == pytest.approx(51.4)
    assert "pressed 51 s before it reached the hub" in late.text()
    assert msg("raised", reached=PRESSED + 4.9).late_seconds() is None


@pytest.mark.parametrize("what", WHATS)
def test_every_kind_has_a_title_and_text_and_the_json_carries_nothing_else(what):
    m = msg(what, by="Sam")
    assert m.title() and m.text()
    body = m.as_json(PRESSED + 1)
    assert set(body) == {"id", "event", "room", "call_id", "pressed_at", "reached_hub_at", "late_seconds", "by",
                         "escalated", "title", "text", "sent_at"}


@pytest.mark.parametrize("what", WHATS)
def test_every_alert_is_said_in_the_channel_s_language(what):
    from kiosk import catalog
    from tests.test_language import english_left

    template = catalog.extract()
    for lang in ("de", "es", "cy"):
        m = msg(what, by="Sam", language=lang, reached=PRESSED + 51)
        text = f"{m.title()} {m.text()} {m.footer()}"
        assert english_left(text, lang, template) == [], (lang, text)
        assert text != f"{msg(what, by='Sam', reached=PRESSED + 51).title()}"


def test_an_alert_in_german_and_welsh():
    assert msg("raised", language="de").title() == "Hilfe gerufen: Room 3"
    assert msg("raised", language="de").text() == "Room 3: Hilfe gerufen um 11:06:40 · noch niemand unterwegs"
    assert msg("escalated", language="cy").text().endswith("does neb wedi ateb eto: ewch chi neu dewch o hyd i rywun")
    assert msg("acknowledged", language="cy").title() == "Ar fy ffordd (staff): Room 3"
