"""The download page in the phone's language: its browser's Accept-Language when the kiosk speaks it, else
the kiosk's own `language`; plurals by the language's rules, days and times in the kiosk's zone and the
language's form."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.language import LANGUAGES
from tests.downloads.conftest import CODE
from tests.downloads.phone_pages import Phone, readable

GREETING = {"en": "Type the six-digit code shown on the kiosk's screen.",
            "de": "Bitte den sechsstelligen Code vom Bildschirm des Kiosks eingeben.",
            "es": "Escribe el código de seis cifras que se ve en la pantalla del quiosco.",
            "cy": "Teipiwch y cod chwe digid sydd ar sgrin y ciosg."}


@pytest.mark.parametrize("kiosk,accept,shown", [
    ("en", "de-DE,de;q=0.9,en;q=0.5", "de"),  # the phone's language, by its primary tag
    ("en", "cy", "cy"),
    ("de", "en-GB,en;q=0.8", "en"),  # English is one the kiosk speaks: the phone asked for it
    ("es", "fr-FR,fr;q=0.9", "es"),  # one the kiosk does not speak: the kiosk's language
    ("cy", "", "cy"),
    ("cy", None, "cy"),  # no Accept-Language at all
    ("de", "ja, fr;q=0.5, es;q=0.1", "es"),  # the best one the kiosk speaks, however far down the list
])
def test_the_phone_s_language_or_else_the_kiosk_s(config, clock, kiosk, accept, shown):
    phone = Phone(replace(config, language=kiosk), clock, accept)
    r = phone.get()
    html = r.get_data(as_text=True)
    assert f'<html lang="{shown}">' in html
    assert GREETING[shown] in readable(html)
    assert [lang for lang in LANGUAGES if lang != shown and GREETING[lang] in readable(html)] == []
    assert "Accept-Language" in r.headers["Vary"]


def test_the_refusals_before_any_page_speak_the_phone_s_language_too(config, clock):
    outside = Phone(config, clock, "de", address="8.8.8.8").get()
    assert outside.status_code == 403 and outside.get_data(as_text=True) == "diese Seite antwortet nur im lokalen Netzwerk\n"


def test_welsh_counts_the_tries_left_with_its_own_plural_forms(config, clock):
    """cynnig after a number: 4 cynnig, 3 chynnig, 2 gynnig, 1 cynnig (other, few, two, one)."""
    phone = Phone(config, clock, "cy")
    phone.get()
    said = [readable(phone.code(f"00000{n}").get_data(as_text=True)) for n in range(4)]
    assert ["4 cynnig ar ôl" in said[0], "3 chynnig ar ôl" in said[1], "2 gynnig ar ôl" in said[2],
            "1 cynnig ar ôl" in said[3]] == [True] * 4
    german = Phone(config, clock, "de")
    german.get()
    assert "Noch 4 Versuche." in readable(german.code("000000").get_data(as_text=True))


@pytest.mark.parametrize("accept,day,time,length", [
    ("de", "Do., 28. Mai 2026", "21:26", "48 Minuten"),
    ("cy", "Iau, 28 Mai 2026", "21:26", "48 munud"),
    ("es", "jue, 28 may 2026", "21:26", "48 minutos"),
    ("en", "Thu, 28 May 2026", "21:26", "48 minutes"),
])
def test_the_session_list_in_the_kiosk_s_zone_and_the_language_s_form(config, clock, accept, day, time, length):
    """The first session began at 20:26 UTC on 28 May 2026 (the fake clock's start): 21:26 in London's summer."""
    phone = Phone(config, clock, accept)
    phone.get()
    listed = phone.code(CODE).get_data(as_text=True)
    first = readable(listed.split("<tr data-session=")[-1].split(">", 1)[1])
    assert first.startswith(f"{day} {time}") and length in first


def test_the_rest_ends_at_the_kiosk_s_clock_in_the_language_s_form(config, clock):
    phone = Phone(config, clock, "de")
    phone.get()
    for n in range(5):
        r = phone.code(f"11111{n}")
    assert r.status_code == 429
    from datetime import datetime
    from zoneinfo import ZoneInfo

    until = datetime.fromtimestamp(clock.now() + 300, ZoneInfo(config.timezone))
    assert until.utcoffset().total_seconds() == 3600  # London's summer: the zone's rules, not UTC
    assert f"Die Seite macht bis {until:%H:%M} Uhr eine Pause." in readable(r.get_data(as_text=True))
