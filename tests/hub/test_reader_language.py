"""The hub speaks the reader's language: Accept-Language, a per-reader choice that outlasts it, English else."""

from __future__ import annotations

import pytest


@pytest.fixture
def hub(sqlite_hub):
    return sqlite_hub


def test_the_login_page_follows_accept_language(client):
    german = client.get("/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="de">' in german and "Anmeldung für das Team" in german and "Passwort" in german
    welsh = client.get("/login", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert "Mewngofnodi staff" in welsh
    english = client.get("/login", headers={"Accept-Language": "fr, ja;q=0.5"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Staff log in" in english


def test_a_reader_s_own_choice_outlasts_the_browser_s(client):
    page = client.get("/login?lang=es", headers={"Accept-Language": "de"})
    assert "Acceso del equipo" in page.get_data(as_text=True)
    assert "kiosk_hub_lang=es" in page.headers["Set-Cookie"]
    later = client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Acceso del equipo" in later
    client.get("/login?lang=en")
    assert "Staff log in" in client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)


def test_an_unknown_choice_is_ignored(client):
    page = client.get("/login?lang=xx", headers={"Accept-Language": "de"})
    assert "Anmeldung für das Team" in page.get_data(as_text=True) and "Set-Cookie" not in page.headers or \
        "kiosk_hub_lang" not in page.headers.get("Set-Cookie", "")


def test_the_board_in_german_with_plurals(make_kiosk, staff, clock):
    room = make_kiosk("Raum 3")
    room.statuses([room.event("help.raised", {"at": clock(), "call_id": "c1"})])
    html = staff.get("/board.json", headers={"Accept-Language": "de"}).get_json()["html"]
    assert "1 offener Hilferuf" in html and "noch niemand unterwegs" in html and "Bin unterwegs" in html
    assert "gerade eben" in html and "Noch keine Nachricht" in html
    clock.value += 125
    html = staff.get("/board.json", headers={"Accept-Language": "de"}).get_json()["html"]
    assert "vor 2 min" in html
    room.statuses([room.event("help.raised", {"at": clock(), "call_id": "c2"})])
    html = staff.get("/board.json", headers={"Accept-Language": "de"}).get_json()["html"]
    assert "2 offene Hilferufe" in html


def test_a_name_with_markup_is_escaped_inside_a_translation(make_kiosk, staff, clock):
    room = make_kiosk("<b>Room</b>")
    room.statuses([room.event("help.raised", {"at": clock(), "call_id": "c1"})])
    html = staff.get("/board.json", headers={"Accept-Language": "de"}).get_json()["html"]
    assert "<b>Room</b>" not in html
