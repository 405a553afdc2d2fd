"""`kiosk button watch` prints what a button sends, decoded."""

from __future__ import annotations

import os
import subprocess
import sys

import serial

from tests.button.conftest import Pty, wait_for
from tests.button.protocol_fakemodem import ADAPTERS, Adapter
from kiosk.button.cli import watch


def test_watch_prints_decoded_messages_from_a_real_pty(pty: Pty):
    proc = subprocess.Popen([sys.executable, "-m", "kiosk", "button", "watch", "--url", pty.path, "--seconds", "20"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert "watching" in proc.stdout.readline()
        pty.write(b"HELLO pico 1.0\r\nHELP\r\nnonsense\n")
        lines = [proc.stdout.readline() for _ in range(3)]
    finally:
        proc.kill()
        proc.communicate(timeout=10)
    assert "-> HELLO pico 1.0" in lines[0]
    assert "-> HELP" in lines[1]
    assert "ignored b'nonsense'" in lines[2]


def test_watch_says_plainly_when_there_is_no_button(tmp_path):
    out = subprocess.run([sys.executable, "-m", "kiosk", "button", "watch", "--url", str(tmp_path / "nothing")],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "no button at" in out.stderr and "plugged in" in out.stderr


def test_watch_shows_modem_line_changes_and_presses(capsys):
    if "tests.button" not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append("tests.button")
    adapter = ADAPTERS["watch"] = Adapter()
    adapter.script.extend([False] * 3)
    adapter.press_for(samples=10)
    port = serial.serial_for_url("fakemodem://watch")
    try:
        watch(port, "modem", "cts", adapter.idle)
    finally:
        port.close()
    out = capsys.readouterr().out
    assert "CTS closed" in out and "CTS open" in out
    assert out.count("-> HELP (a press)") == 1
