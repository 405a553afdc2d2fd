"""Help button firmware for a Raspberry Pi Pico, in MicroPython.

Speaks the kiosk's line protocol over the Pico's USB serial port:
    sends    HELLO pico-help <version>   at boot
             PING                        every second (the kiosk's heartbeat)
             HELP                        on each press (debounced)
             CANCEL                      on a press of the optional cancel button
             TEST                        when the help button is held while the Pico starts
    obeys    LED SENT    slow, gentle blink: the hub has the call
             LED ACK     steady on: staff acknowledged, help is coming
             LED OFF     off
A press always gives one short flash at once, so the presser knows it was
heard even before the kiosk answers. Wiring and installation: README.md.

Copy this file to the Pico as main.py (Thonny, or `mpremote cp main.py :main.py`).
The logic below takes its pins, clock and output as arguments, so the kiosk's
tests run it under ordinary Python with stand-ins.
"""

import sys
import time

MODEL = "pico-help"
VERSION = "1.0"
HELP_PIN = 15         # GP15 (physical pin 20) -> button -> GND
CANCEL_PIN = None     # e.g. 14 for a second, cancel button on GP14 (physical pin 19); None: none
SETTLE_MS = 30        # a level must hold this long to count (contact bounce)
PING_MS = 1000
HEARD_MS = 150        # the flash on a press
BLINK_MS = 1000       # LED SENT: on 1 s, off 1 s
MAX_LINE = 32


def _diff(a, b):
    return a - b


class Debouncer:
    """A settled change from released to pressed is a press."""

    def __init__(self, pressed, now, settle_ms=SETTLE_MS, diff=_diff):
        self.stable = pressed
        self.candidate = pressed
        self.since = now
        self.settle_ms = settle_ms
        self.diff = diff

    def update(self, pressed, now):
        if pressed == self.stable:
            self.candidate = pressed
            return False
        if pressed != self.candidate:
            self.candidate = pressed
            self.since = now
            return False
        if self.diff(now, self.since) < self.settle_ms:
            return False
        self.stable = pressed
        return pressed


class Button:
    """The firmware's whole behaviour, one step at a time."""

    def __init__(self, read_help, set_led, write, now, read_cancel=None, diff=_diff):
        self.read_help = read_help
        self.read_cancel = read_cancel
        self.set_led = set_led
        self.write = write
        self.diff = diff
        self.led_mode = "OFF"
        self.heard_until = None
        self.mode_since = now
        self.last_ping = now
        self.line = ""
        self.too_long = False
        self.help = Debouncer(read_help(), now, diff=diff)
        self.cancel = Debouncer(read_cancel(), now, diff=diff) if read_cancel else None
        self.write("HELLO %s %s\n" % (MODEL, VERSION))
        if read_help():
            self.write("TEST\n")
        self.set_led(False)

    def step(self, now, incoming=""):
        if self.help.update(self.read_help(), now):
            self.write("HELP\n")
            self.heard_until = now
        if self.cancel is not None and self.cancel.update(self.read_cancel(), now):
            self.write("CANCEL\n")
        if self.diff(now, self.last_ping) >= PING_MS:
            self.write("PING\n")
            self.last_ping = now
        for ch in incoming:
            self.receive(ch, now)
        self.set_led(self.led_level(now))

    def receive(self, ch, now):
        if ch in "\r\n":
            if not self.too_long:
                self.command(self.line.strip().upper(), now)
            self.line = ""
            self.too_long = False
        elif len(self.line) >= MAX_LINE:
            self.too_long = True
        else:
            self.line += ch

    def command(self, text, now):
        words = text.split()
        if len(words) == 2 and words[0] == "LED" and words[1] in ("SENT", "ACK", "OFF"):
            if words[1] != self.led_mode:
                self.led_mode = words[1]
                self.mode_since = now

    def led_level(self, now):
        if self.heard_until is not None:
            if self.diff(now, self.heard_until) < HEARD_MS:
                return True
            self.heard_until = None
        if self.led_mode == "ACK":
            return True
        if self.led_mode == "SENT":
            return (self.diff(now, self.mode_since) // BLINK_MS) % 2 == 0
        return False


def main():
    import micropython
    import select
    from machine import Pin

    micropython.kbd_intr(-1)  # a stray 0x03 from the host must not stop the button
    help_pin = Pin(HELP_PIN, Pin.IN, Pin.PULL_UP)
    cancel_pin = Pin(CANCEL_PIN, Pin.IN, Pin.PULL_UP) if CANCEL_PIN is not None else None
    led = Pin("LED", Pin.OUT)
    poll = select.poll()
    poll.register(sys.stdin, select.POLLIN)

    def write(text):
        sys.stdout.write(text)

    button = Button(
        read_help=lambda: help_pin.value() == 0,
        read_cancel=(lambda: cancel_pin.value() == 0) if cancel_pin else None,
        set_led=led.value, write=write, now=time.ticks_ms(), diff=time.ticks_diff)
    while True:
        incoming = ""
        while poll.poll(0):
            incoming += sys.stdin.read(1)
        button.step(time.ticks_ms(), incoming)
        time.sleep_ms(5)


if __name__ == "__main__":
    main()
