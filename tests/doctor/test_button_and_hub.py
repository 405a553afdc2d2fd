"""The doctor's button check on a real pseudo-terminal, and its hub check's answers."""

from __future__ import annotations

import functools
import os
import threading
import tty
from pathlib import Path

import pytest

from kiosk.button.port import open_port
from kiosk.config import ButtonConfig, HubConfig
from kiosk.doctor import checks
from kiosk.doctor.findings import NOTE, OK, PROBLEM
from kiosk.doctor.hubcheck import HubAnswer, check_hub, in_clear
from tests.doctor.conftest import FakePi

quick = functools.partial(checks.listen, seconds=0.5)


@pytest.fixture
def pty_button(pi: FakePi):
    """A pty whose slave is the fake Pi's /dev/kiosk-button; yields the master fd."""
    master, slave = os.openpty()
    tty.setraw(master)
    link = pi.root / "dev/kiosk-button"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(os.ttyname(slave))
    yield master
    os.close(master)
    os.close(slave)


def chatter(master: int, lines: bytes):
    """A firmware button: says its lines every 50 ms (the port is flushed on open, as pyserial does)."""
    stop = threading.Event()

    def run():
        while not stop.wait(0.05):
            os.write(master, lines)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return stop


def test_a_firmware_button_that_pings_is_speaking(pi: FakePi, pty_button):
    stop = chatter(pty_button, b"HELLO pico 1\n")
    f = checks.check_button(pi.host(), ButtonConfig(url="/dev/kiosk-button"), quick)
    stop.set()
    assert [x.status for x in f] == [OK] and "speaks: HELLO pico 1" in f[0].summary


def test_a_silent_firmware_button_is_a_problem(pi: FakePi, pty_button):
    f = checks.check_button(pi.host(), ButtonConfig(url="/dev/kiosk-button"), quick)
    assert [x.status for x in f] == [PROBLEM] and "said nothing" in f[0].summary
    assert "kiosk button watch" in f[0].fix


def test_a_button_the_running_kiosk_holds_is_not_disturbed(pi: FakePi, pty_button):
    held = open_port(str(pi.root / "dev/kiosk-button"))
    try:
        f = checks.check_button(pi.host(), ButtonConfig(url="/dev/kiosk-button"), quick)
    finally:
        held.close()
    assert [x.status for x in f] == [OK] and "held open by another program" in f[0].summary


def test_a_missing_button_and_an_unstable_name(pi: FakePi, pty_button):
    f = checks.check_button(pi.host(), ButtonConfig(url="/dev/ttyACM0"), quick)
    assert [x.status for x in f] == [PROBLEM] and "no button at /dev/ttyACM0" in f[0].summary
    (pi.root / "dev/ttyUSB0").symlink_to(os.readlink(pi.root / "dev/kiosk-button"))
    stop = chatter(pty_button, b"PING\n")
    f = checks.check_button(pi.host(), ButtonConfig(url="/dev/ttyUSB0"), quick)
    stop.set()
    assert [x.status for x in f] == [PROBLEM, OK]
    assert 'url = "/dev/kiosk-button"' in f[0].fix


def test_no_button_configured_is_a_note(pi: FakePi):
    assert [x.status for x in checks.check_button(pi.host(), ButtonConfig(), quick)] == [NOTE]


# --- hub ----------------------------------------------------------------------------------------------

def answering(outcome: str, detail: str = ""):
    calls = []

    def probe(url, token, ca_file):
        calls.append((url, token, ca_file))
        return HubAnswer(outcome, detail)
    probe.calls = calls
    return probe


def test_plain_http_across_the_network_is_a_problem_but_loopback_is_not():
    assert in_clear("http://hub.school.example:8470") and in_clear("http://10.0.0.5:8470")
    assert not in_clear("http://127.0.0.1:8470") and not in_clear("http://localhost:8470")
    assert not in_clear("https://hub.school.example")
    f = check_hub(HubConfig(url="http://hub.school.example:8470", token="t"), answering("answered"))
    assert f[0].status == PROBLEM and "Caddyfile" in f[0].fix


def test_each_hub_answer_has_its_own_fix(tmp_path: Path):
    ca = tmp_path / "ca.crt"
    ca.write_text("pem")
    hub = HubConfig(url="https://hub.example", token="t", ca_file=ca)
    probe = answering("answered")
    assert [(f.check, f.status) for f in check_hub(hub, probe)] == [("hub", OK), ("hub-token", OK)]
    assert probe.calls == [("https://hub.example", "t", ca)]
    f = check_hub(hub, answering("untrusted", "CERTIFICATE_VERIFY_FAILED"))
    assert (f[0].check, f[0].status) == ("hub-tls", PROBLEM) and "ca_file" in f[0].fix
    f = check_hub(hub, answering("refused_token", "HTTP 401"))
    assert [(x.check, x.status) for x in f] == [("hub", OK), ("hub-token", PROBLEM)]
    assert "rotate-token" in f[1].fix
    f = check_hub(hub, answering("unreachable", "Connection refused"))
    assert (f[0].check, f[0].status) == ("hub", PROBLEM) and "Connection refused" in f[0].summary


def test_a_ca_file_that_is_not_there(tmp_path: Path):
    f = check_hub(HubConfig(url="https://hub.example", token="t", ca_file=tmp_path / "nope.crt"),
                  answering("answered"))
    assert [(x.check, x.status) for x in f] == [("hub-tls", PROBLEM)]
    assert "root.crt" in f[0].fix


def test_no_hub_is_a_note():
    assert [f.status for f in check_hub(HubConfig(), answering("answered"))] == [NOTE]
