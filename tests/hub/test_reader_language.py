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


# --- the Logs and Alerts pages, the CSV download and the page's script words, in the reader's language --------

import html as _html  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402

from kiosk import catalog  # noqa: E402
from kiosk.hub.notify import outbox  # noqa: E402
from kiosk.hub.notify.channels import parse_alerts  # noqa: E402
from tests.test_language import english_left  # noqa: E402

ALERTS = ('[[channel]]\nname = "office phones"\ntype = "ntfy"\nurl = "https://ntfy.sh/room-kiosk-3f9a1c"\n'
          'escalation = true\n')


@pytest.fixture(scope="module")
def template():
    return catalog.extract()


def _text(page: str) -> str:
    """What the reader sees: the page without its tags, scripts left out."""
    page = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    return _html.unescape(re.sub(r"<[^>]+>", " ", page))


def _with_deliveries(hub, make_kiosk, clock):
    hub.alerts = parse_alerts(ALERTS)
    room = make_kiosk("Raum 3")
    room.statuses([room.event("help.raised", {"at": clock(), "call_id": "c1"})])
    with hub.db.connection_context():
        outbox.enqueue_test(hub, hub.alerts.channels[0], "Sam", clock())
        rows = outbox.claim(hub, clock())
        outbox.finish(hub, rows[0].id, clock(), "cannot reach https://ntfy.sh: Connection refused",
                      retry_at=clock() + 30)
        for row in rows[1:]:
            outbox.finish(hub, row.id, clock())


@pytest.mark.parametrize("lang", ["de", "es", "cy"])
def test_the_logs_and_alerts_pages_leave_no_english(lang, staff, hub, make_kiosk, clock, template):
    _with_deliveries(hub, make_kiosk, clock)
    headers = {"Accept-Language": lang}
    pages = {
        "logs": staff.get("/logs", headers=headers),
        "refused": staff.get("/logs/download?from=2026-11-30&to=2026-11-01&format=csv", headers=headers),
        "alerts": staff.get("/alerts?sent=office+phones", headers=headers),
    }
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', pages["logs"].get_data(as_text=True)).group(1)
    import io
    pages["import"] = staff.post("/logs/import", headers=headers, content_type="multipart/form-data",
                                 data={"csrf_token": csrf, "export": (io.BytesIO(b"x"), "notes.txt")})
    for name, response in pages.items():
        page = response.get_data(as_text=True)
        assert f'<html lang="{lang}">' in page, name
        assert english_left(_text(page), lang, template) == [], name
    assert pages["alerts"].status_code == 200 and "office phones" in pages["alerts"].get_data(as_text=True)
    assert pages["refused"].status_code == 400 and pages["import"].status_code == 400


def test_the_alerts_page_in_german_and_welsh(staff, hub, make_kiosk, clock):
    _with_deliveries(hub, make_kiosk, clock)
    german = _text(staff.get("/alerts", headers={"Accept-Language": "de"}).get_data(as_text=True))
    assert "Benachrichtigungswege" in german and "Testbenachrichtigung senden" in german
    assert "neuer Versuch folgt" in german and "Testbenachrichtigung (von Sam)" in german
    assert "office phones: ntfy an https://ntfy.sh/room-kiosk-3f9a1c · alle Räume · nur Eskalationen" in german
    welsh = _text(staff.get("/alerts", headers={"Accept-Language": "cy"}).get_data(as_text=True))
    assert "Sianeli rhybuddio" in welsh and "rhybudd prawf (gan Sam)" in welsh and "yn ceisio eto" in welsh


def test_the_logs_csv_header_follows_the_reader_and_english_keeps_the_keys(staff, make_kiosk, clock):
    room = make_kiosk("Raum 3")
    room.statuses([room.event("help.raised", {"at": clock(), "call_id": "c1"}, wall="2026-11-25T10:00:00.000Z")])
    url = "/logs/download?from=2026-11-25&to=2026-11-25&format=csv"
    german = staff.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True).splitlines()
    assert german[0] == "Raum,Ortszeit,Zeit UTC,Uhr verlässlich,Geräte-ID,Nr.,Sitzungs-ID,Art,Daten,UUID"
    assert ",ja," in german[1]
    english = staff.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True).splitlines()
    assert english[0] == "room,local_time,wall_utc,clock_trusted,device_id,seq,session_id,kind,payload,uuid"


def test_the_words_the_page_s_script_writes_come_translated(staff):
    page = staff.get("/", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    words = json.loads(re.search(r'<script type="application/json" id="page-words">(.*?)</script>', page, re.S).group(1))
    assert words == {"live": "Byw", "reconnecting": "Yn ailgysylltu â'r hwb…",
                     "no_answer": "Wnaeth yr hwb ddim ateb. Rhowch gynnig arall arni.",
                     "help_called": "Galwyd am help: {room}", "still_nobody": "Neb ar y ffordd o hyd: {room}",
                     "pressed_at": "Pwyswyd am {time}. Does neb ar y ffordd eto."}
    for name in ("staff.js", "alerts.js"):
        script = staff.get(f"/static/{name}").get_data(as_text=True)
        assert not re.search(r'textContent = ok \? "|window\.alert\("|new Notification\("', script), name
