"""The hotspot through a fake nmcli on PATH that checks each call's syntax and plays real outputs."""

from __future__ import annotations

import os
import subprocess

import pytest

from kiosk.downloads.hotspot import CONNECTION, Hotspot, HotspotFailed, terse_fields
from tests.downloads import fake_nmcli


@pytest.fixture
def nm(tmp_path, monkeypatch):
    """nm(**state) installs the fake nmcli first on PATH; returns a function giving its current state."""

    def make(**state):
        bin_dir = fake_nmcli.install(tmp_path / "nm", **state)
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
        monkeypatch.setenv("FAKE_NMCLI_STATE", str(tmp_path / "nm" / "nmcli-state.json"))
        return lambda: fake_nmcli.state(tmp_path / "nm")

    return make


def calls(state) -> list[str]:
    return [" ".join(c["argv"]) for c in state()["calls"]]


def test_open_and_close_a_hotspot_and_the_earlier_connection_comes_back(nm):
    state = nm()
    hotspot = Hotspot("Willow room", make_password=lambda: "kq7mv3tz9wpa")
    where = hotspot.check()
    assert where.ok and where.device == "wlan0" and where.connected_to == "Clinic WiFi"
    on = hotspot.open(where)
    assert (on.ssid, on.password, on.address) == ("willow-room-logs", "kq7mv3tz9wpa", "10.42.0.1")
    assert state()["devices"][0]["connection"] == CONNECTION
    assert hotspot.close(on) == []
    assert calls(state) == [
        "-t -f RUNNING general",
        "-t -f DEVICE,TYPE,STATE,CONNECTION device",
        f"device wifi hotspot ifname wlan0 con-name {CONNECTION} ssid willow-room-logs band bg password kq7mv3tz9wpa",
        "-t -f IP4.ADDRESS device show wlan0",
        f"connection down id {CONNECTION}",
        f"connection delete id {CONNECTION}",
        "connection up id Clinic WiFi",
    ]
    assert all(c["exit"] == 0 for c in state()["calls"])
    assert state()["devices"][0]["connection"] == "Clinic WiFi"
    assert CONNECTION not in [c["name"] for c in state()["connections"]]


def test_networkmanager_not_running_is_said(nm):
    nm(running=False)
    where = Hotspot("Room").check()
    assert not where.ok and where.reason == "No hotspot: NetworkManager is not running on this kiosk."


def test_no_nmcli_at_all_is_said(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    where = Hotspot("Room").check()
    assert not where.ok and "NetworkManager (nmcli) is not installed" in where.reason


def test_no_wifi_device_is_said(nm):
    nm(devices=[{"device": "eth0", "type": "ethernet", "state": "connected", "connection": "Wired"}])
    assert Hotspot("Room").check().reason == "No hotspot: this kiosk has no Wi-Fi device."


def test_wifi_switched_off_is_said(nm):
    nm(devices=[{"device": "wlan0", "type": "wifi", "state": "unavailable", "connection": ""}])
    assert "Wi-Fi is switched off" in Hotspot("Room").check().reason


def test_a_device_that_cannot_be_an_access_point_fails_with_nmcli_s_words(nm):
    nm(fail={"hotspot": [1, "Error: Failed to setup a Wi-Fi hotspot: Access Point mode is not supported by "
                            "this device.\n"]})
    hotspot = Hotspot("Room")
    with pytest.raises(HotspotFailed, match="Access Point mode is not supported"):
        hotspot.open(hotspot.check())


def test_an_earlier_network_that_does_not_come_back_is_reported(nm):
    nm(fail={"up": True})
    hotspot = Hotspot("Room", make_password=lambda: "abcdefghjk")
    on = hotspot.open(hotspot.check())
    problems = hotspot.close(on)
    assert len(problems) == 1 and "'Clinic WiFi' did not come back" in problems[0]


@pytest.mark.parametrize("argv,code", [
    (["device", "wifi", "hotspot", "ifname", "wlan0", "password"], 2),
    (["device", "wifi", "hotspot", "band", "g"], 2),
    (["device", "wifi", "hotspot", "ifname", "eth0"], 10),
    (["device", "wifi", "hotspot", "password", "short"], 4),
    (["-t", "-f", "NOPE", "device"], 2),
    (["devize"], 2),
    (["connection", "down", "id", "Nothing"], 10),
])
def test_the_fake_refuses_what_real_nmcli_refuses(nm, argv, code):
    nm()
    r = subprocess.run(["nmcli", *argv], capture_output=True, text=True)
    assert r.returncode == code and r.stderr.startswith("Error: ")


def test_terse_fields_unescape_colons():
    assert terse_fields(r"wlan0:wifi:connected:Cafe\: upstairs") == ["wlan0", "wifi", "connected", "Cafe: upstairs"]


def test_the_page_over_the_hotspot_closes_it_after_a_whole_download(nm, served):
    import requests

    from tests.downloads.test_page import csrf, sign_in

    state = nm()
    srv = served()
    hotspot = Hotspot("Willow room", make_password=lambda: "kq7mv3tz9wpa")
    srv.downloads.use_hotspot(hotspot, hotspot.open(hotspot.check()))
    assert srv.downloads.where.ip_url == f"http://10.42.0.1:{srv.downloads.port}/"
    s, html = sign_in(srv.url)
    r = s.post(srv.url + "/download", data={"csrf_token": csrf(html), "what": "all", "format": "sessions.csv"},
               timeout=30)
    assert r.status_code == 200
    assert srv.downloads.wait_closed(20)
    assert srv.downloads.opening.why_closed == "downloaded"
    assert calls(state)[-3:] == [f"connection down id {CONNECTION}", f"connection delete id {CONNECTION}",
                                 "connection up id Clinic WiFi"]
    srv.journal.flush()
    assert [r.kind for r in srv.journal.records(kinds=["hotspot.opened", "hotspot.closed"])] == \
        ["hotspot.opened", "hotspot.closed"]
    with pytest.raises(requests.ConnectionError):
        requests.get(srv.url + "/", timeout=5)


def test_a_kiosk_user_without_networkmanager_s_permission_is_told_so(nm):
    nm(fail={"hotspot": [4, "Error: Failed to add/activate new connection: Not authorized to control "
                            "networking.\n"]})
    hotspot = Hotspot("Room")
    with pytest.raises(HotspotFailed, match="Not authorized to control networking"):
        hotspot.open(hotspot.check())
