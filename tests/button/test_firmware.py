"""The Pico firmware's logic (deploy/button/main.py) under CPython, with stand-in pins and clock,
talking to the kiosk's own decoder."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from kiosk.button.caller import led_command
from kiosk.button.line import LineDecoder
from kiosk.button.signals import CANCEL, HELP, PING, TEST, Kind

FIRMWARE = Path(__file__).resolve().parents[2] / "deploy" / "button" / "main.py"


@pytest.fixture(scope="module")
def fw():
    spec = importlib.util.spec_from_file_location("pico_button_main", FIRMWARE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Bench:
    """A Pico on the bench: a help button, an optional cancel button, an LED, a USB line."""

    def __init__(self, fw, held_at_boot=False, with_cancel=False):
        self.help_down = held_at_boot
        self.cancel_down = False
        self.led = []
        self.sent = ""
        self.now = 0
        self.button = fw.Button(read_help=lambda: self.help_down, set_led=self.led.append,
                                write=self._write, now=0,
                                read_cancel=(lambda: self.cancel_down) if with_cancel else None)

    def _write(self, text):
        self.sent += text

    def run(self, ms, step=5, incoming=""):
        for _ in range(ms // step):
            self.now += step
            self.button.step(self.now, incoming)
            incoming = ""

    def signals(self):
        return LineDecoder().feed(self.sent.encode("ascii"))


def test_boot_says_hello_and_pings_every_second(fw):
    b = Bench(fw)
    b.run(3000)
    got = b.signals()
    assert got[0].kind is Kind.HELLO and got[0].model == "pico-help" and got[0].version == fw.VERSION
    assert got[1:] == [PING, PING, PING]


def test_a_bouncy_press_sends_one_help_and_flashes_the_led(fw):
    b = Bench(fw)
    b.run(100)
    for level in (True, False, True, False, True):
        b.help_down = level
        b.run(10)
    b.run(200)
    b.help_down = False
    b.run(200)
    assert [s for s in b.signals() if s.kind is Kind.HELP] == [HELP]
    assert True in b.led and b.led[-1] is False


def test_held_at_boot_is_a_self_test_not_a_call(fw):
    b = Bench(fw, held_at_boot=True)
    b.run(500)
    kinds = [s.kind for s in b.signals()]
    assert kinds[:2] == [Kind.HELLO, Kind.TEST] and Kind.HELP not in kinds


def test_the_optional_cancel_button_sends_cancel(fw):
    b = Bench(fw, with_cancel=True)
    b.cancel_down = True
    b.run(100)
    assert CANCEL in b.signals()


def test_the_led_follows_the_kiosks_commands(fw):
    b = Bench(fw)
    b.run(50, incoming=led_command("ACK").decode())
    assert b.led[-1] is True
    b.run(50, incoming="led off\r\n")
    assert b.led[-1] is False
    b.run(10, incoming=led_command("SENT").decode())
    b.led.clear()
    b.run(4000)
    on = sum(b.led) / len(b.led)
    assert 0.4 < on < 0.6, "SENT is a slow blink, half on"
    b.run(50, incoming="LED DISCO\n" + "x" * 100 + "\n")
    assert b.button.led_mode == "SENT"


def test_the_test_word_is_what_the_kiosk_decodes(fw):
    assert LineDecoder().feed(b"TEST\n") == [TEST]
