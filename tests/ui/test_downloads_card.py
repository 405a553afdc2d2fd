"""'Download over Wi-Fi' behind the PIN: the addresses, the code and its QR code; a phone signs in and
downloads while the card says so; the hotspot opens through the fake nmcli (or says why it cannot);
closing the card closes the page. Screenshots go to $KIOSK_DOWNLOAD_SCREENSHOTS (or tmp)."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from kiosk.config import DownloadsConfig
from kiosk.ui.downloads import DownloadsCard
from tests.downloads import fake_nmcli
from tests.needs import need_tool
from tests.ui.conftest import kinds, ui_config
from tests.ui.test_facilitator import button, modal


@pytest.fixture
def shots(tmp_path) -> Path:
    return Path(os.environ.get("KIOSK_DOWNLOAD_SCREENSHOTS") or tmp_path / "shots")


@pytest.fixture
def nm(tmp_path, monkeypatch):
    def make(**state):
        bin_dir = fake_nmcli.install(tmp_path / "nm", **state)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("FAKE_NMCLI_STATE", str(tmp_path / "nm" / "nmcli-state.json"))
        return lambda: fake_nmcli.state(tmp_path / "nm")

    return make


def _open_card(r, shots=None) -> DownloadsCard:
    r.app.open_facilitator()
    if shots is not None:
        r.frame()
        r.screenshot(shots / "panel-facilitator.png")
    r.tap(button(r.app.panel, "Wi-Fi download · PIN"))
    from kiosk.ui.pinpad import PinPad

    pad = modal(PinPad)
    for digit in r.station.config.pin:
        r.tap(button(pad, digit))
    card = modal(DownloadsCard)
    assert card is not None
    card.wait()
    r.frame()
    return card


def _kiosk(tmp_path):
    return replace(ui_config(tmp_path / "data"), downloads=DownloadsConfig(port=0))


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_card_shows_the_page_a_phone_downloads_and_closing_it_closes_the_page(rehearse, tmp_path, nm, shots):
    nm()
    r = rehearse(_kiosk(tmp_path))
    r.app.room.begin()
    r.advance(2.0)
    card = _open_card(r, shots)
    assert card.state == "open" and re.fullmatch(r"\d{3} \d{3}", card.code)
    assert card.name_url.endswith(f".local:{card.downloads.port}/")
    assert card.address_qr is not None and card.hotspot_state == "available"
    r.frame()
    r.screenshot(shots / "panel-download-open.png")
    url = f"http://127.0.0.1:{card.downloads.port}"
    s = requests.Session()
    page = s.get(url + "/", timeout=10)
    html = s.post(url + "/code", data={"csrf_token": _csrf(page.text), "code": card.code.replace(" ", "")},
                  timeout=10).text
    assert 'id="sessions"' in html
    resp = s.post(url + "/download", data={"csrf_token": _csrf(html), "what": "all", "format": "events.csv"},
                  timeout=30)
    assert resp.status_code == 200
    for _ in range(50):
        r.frame()
        if "sent to 127.0.0.1" in card.status:
            break
        import time
        time.sleep(0.05)
    assert "sent to 127.0.0.1" in card.status, card.status
    r.screenshot(shots / "panel-download-sent.png")
    served = kinds(r.station, "download.served")
    assert len(served) == 1 and served[0].session_id is not None  # journalled through the Room, in the session
    r.tap(button(card, "Close the page"))
    card.wait()
    assert card.downloads.finished.is_set()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/", timeout=5)
    assert modal(DownloadsCard) is None


def test_the_hotspot_opens_with_its_wifi_qr_code_and_closes_with_the_page(rehearse, tmp_path, nm, shots):
    state = nm()
    r = rehearse(_kiosk(tmp_path))
    card = _open_card(r)
    r.tap(button(card, "Open a hotspot"))
    card.wait()
    r.frame()
    assert card.hotspot_state == "on", card.hotspot_text
    assert "willow" not in card.hotspot_text and "test-room-logs" in card.hotspot_text
    assert card.ip_url == f"http://10.42.0.1:{card.downloads.port}/"
    assert card.wifi_qr is not None
    r.frame()
    shot = r.screenshot(shots / "panel-hotspot-on.png")
    zbarimg = need_tool("zbarimg", "zbar-tools")
    found = subprocess.run([zbarimg, "--raw", "-q", str(shot)], capture_output=True, text=True).stdout.split("\n")
    password = card.hotspot_text.rsplit(" ", 1)[1]
    assert f"WIFI:T:WPA;S:test-room-logs;P:{password};;" in found
    assert card.ip_url in found
    card.dismiss(animation=False)
    card.wait()
    calls = [" ".join(c["argv"]) for c in state()["calls"]]
    assert calls[-1] == "connection up id Clinic WiFi"
    assert [k.kind for k in kinds(r.station, "hotspot.opened", "hotspot.closed")] == ["hotspot.opened",
                                                                                    "hotspot.closed"]


def test_without_networkmanager_the_hotspot_button_says_why(rehearse, tmp_path, nm, shots):
    nm(running=False)
    r = rehearse(_kiosk(tmp_path))
    card = _open_card(r)
    assert card.hotspot_state == "unavailable"
    assert card.hotspot_text == "No hotspot: NetworkManager is not running on this kiosk."
    assert button(card, "No hotspot").disabled
    r.frame()
    r.screenshot(shots / "panel-no-hotspot.png")
    card.dismiss(animation=False)
    card.wait()


def test_the_code_expiring_unused_closes_the_page_and_the_card_says_so(rehearse, tmp_path, nm, shots, clock):
    nm(devices=[{"device": "eth0", "type": "ethernet", "state": "connected", "connection": "Wired"}])
    r = rehearse(_kiosk(tmp_path))
    card = _open_card(r)
    assert card.hotspot_text == "No hotspot: this kiosk has no Wi-Fi device."
    clock.advance(301)
    card.downloads.poke()
    assert card.downloads.wait_closed(15)
    r.frame()
    assert card.state == "closed" and "the code expired before anyone used it" in card.status
    r.screenshot(shots / "panel-download-closed.png")
    served_before = card.downloads
    r.tap(button(card, "Open again"))
    assert card.state == "open" and card.downloads is not served_before and card.code
    card.wait()
    r.frame()
    assert card.hotspot_text == "No hotspot: this kiosk has no Wi-Fi device."
    card.dismiss(animation=False)
    card.wait()
    assert card.downloads.finished.is_set()
