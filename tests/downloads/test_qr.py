"""The panel's QR codes decode back to the page's address and to the hotspot's join string (zbarimg)."""

from __future__ import annotations

import subprocess

import pytest

from kiosk.downloads.qr import qr_png, wifi_join
from tests.needs import need_tool


def test_the_wifi_join_string_escapes_what_phones_need_escaped():
    assert wifi_join("willow-room-logs", "kq7mv3tz9wpa") == "WIFI:T:WPA;S:willow-room-logs;P:kq7mv3tz9wpa;;"
    assert wifi_join('a;b,c:d"e\\f', "p;w") == 'WIFI:T:WPA;S:a\\;b\\,c\\:d\\"e\\\\f;P:p\\;w;;'


@pytest.mark.parametrize("text", ["http://room-3.local:8480/", "http://192.168.1.23:8480/",
                                  "WIFI:T:WPA;S:willow-room-logs;P:kq7mv3tz9wpa;;"])
def test_qr_codes_decode_back(tmp_path, text):
    zbarimg = need_tool("zbarimg", "zbar-tools")
    png = tmp_path / "qr.png"
    png.write_bytes(qr_png(text))
    out = subprocess.run([zbarimg, "--raw", "-q", str(png)], capture_output=True, text=True, check=True).stdout
    assert out.rstrip("\n") == text
