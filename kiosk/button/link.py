"""The serial link to the help button: its own thread, reconnecting by itself.

An unplugged USB device shows up as `SerialException` from pyserial or as a
bare `OSError` (EIO from a read, or from the modem-status ioctl); both mean
the same thing here: the button is gone. The link shows a button fault to
the facilitator at once and reopens the port with a capped exponential
backoff until the button is back. An open port is not yet a working button:
`supervision.py` decides when it has proved itself, what the journal hears
(once per outage, not once per reopen) and how long to wait between tries.

Only the link thread touches the port. Room listeners (which run in other
threads) just mark the LED as stale; the link thread writes `LED ...` to a
firmware button on its next turn, within one read timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import serial

from kiosk.button.anybyte import QUIET_SECONDS, AnyByteDecoder
from kiosk.button.caller import HelpCaller, is_help_news, led_command
from kiosk.button.heartbeat import PING_TIMEOUT, Heard, Heartbeat
from kiosk.button.line import LineDecoder
from kiosk.button.modem import POLL_SECONDS, SETTLE_SECONDS, ModemLineDebouncer
from kiosk.button.pattern import PressPattern
from kiosk.button.port import READ_TIMEOUT, PortProblem, open_port
from kiosk.button.signals import Kind, Signal
from kiosk.button.supervision import PROVEN_SECONDS, SUMMARY_SECONDS, Fault, Report, Supervision
from kiosk.config import ButtonConfig
from kiosk.language import _
from kiosk.room import Room
from kiosk.session.facts import Fact

log = logging.getLogger(__name__)

Opener = Callable[..., serial.SerialBase]
Wait = Callable[[threading.Event, float], bool]
UNPLUGGED = (serial.SerialException, OSError)
_LOUD_IGNORED = 3


class ButtonLink:
    """The help button on one serial URL, in its own thread: start() once, stop() on the way out.

    The keyword-only arguments are seams for tests and benches (a fake clock,
    short backoffs, a custom opener, `wait(stop_event, seconds) -> stopping` for
    every pause of the thread); the defaults are the production values.
    """

    def __init__(self, config: ButtonConfig, room: Room, *,
                 monotonic: Callable[[], float] = time.monotonic,
                 read_timeout: float = READ_TIMEOUT,
                 backoff_initial: float = 0.25,
                 backoff_max: float = 2.0,
                 ping_timeout: float = PING_TIMEOUT,
                 poll_seconds: float = POLL_SECONDS,
                 quiet_seconds: float = QUIET_SECONDS,
                 settle_seconds: float = SETTLE_SECONDS,
                 proven_seconds: float = PROVEN_SECONDS,
                 summary_seconds: float = SUMMARY_SECONDS,
                 opener: Opener = open_port,
                 wait: Wait = threading.Event.wait) -> None:
        if not config.url:
            raise ValueError("ButtonLink needs [button] url: a device path such as /dev/kiosk-button")
        if config.mode not in ("line", "any_byte", "modem"):
            raise ValueError(f"[button] mode {config.mode!r} is not one of line, any_byte, modem")
        if config.modem_line not in ("cts", "dsr"):
            raise ValueError(f"[button] modem_line {config.modem_line!r} is not one of cts, dsr")
        self.config = config
        self.url = config.url
        self.mode = config.mode
        self.room = room
        self.monotonic = monotonic
        self.read_timeout = read_timeout
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.poll_seconds = poll_seconds
        self.opener = opener
        self.wait = wait
        self.caller = HelpCaller(room, PressPattern(config.press, config.double_press_seconds),
                                 where={"url": self.url})
        self.lines = LineDecoder()
        self.bytes = AnyByteDecoder(quiet_seconds)
        self.modem = ModemLineDebouncer(settle_seconds)
        self.heartbeat = Heartbeat(ping_timeout, required=self.mode == "line")
        self.supervision = Supervision(self.mode, self._kind(), backoff_initial=backoff_initial,
                                       backoff_max=backoff_max, summary_seconds=summary_seconds,
                                       proven_seconds=None if self.mode == "line" else proven_seconds)
        self.connected = False
        self.connects = 0
        self._stop = threading.Event()
        self._led_stale = threading.Event()
        self._led_sent: str | None = None
        self._port: serial.SerialBase | None = None
        self._thread: threading.Thread | None = None
        self._subscribed = False
        self._ignored_loud = 0

    # --- lifecycle -----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        if not self._subscribed:
            self.room.subscribe(self._on_facts)
            self._subscribed = True
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="button-link", daemon=True)
        self._thread.start()
        log.info("help button: watching %s (%s mode, %s press)", self.url, self.mode, self.config.press)

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        port = self._port
        if port is not None:
            try:
                port.cancel_read()
            except Exception:
                pass
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("the button link thread did not stop within %.1f s", timeout)
            self._thread = None
        if self._subscribed:
            self.room.unsubscribe(self._on_facts)
            self._subscribed = False

    @property
    def outages(self) -> int:
        return self.supervision.outages

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _on_facts(self, facts: list[Fact]) -> None:
        if is_help_news(facts):
            self._led_stale.set()

    # --- the thread ------------------------------------------------------------------

    def _run(self) -> None:
        self.supervision.delay = self.backoff_initial
        while not self._stop.is_set():
            try:
                self._attempt()
            except Exception:
                log.exception("the help button link hit an unexpected error on %s; it carries on", self.url)
                self.wait(self._stop, self.backoff_max)
        log.info("help button link stopped")

    def _attempt(self) -> None:
        """One open, serve until unplugged, close; then the wait before the next."""
        try:
            port = self.opener(self.url, baudrate=self.config.baudrate, read_timeout=self.read_timeout)
        except Exception as exc:
            if not isinstance(exc, PortProblem):
                log.exception("opening the button port %s failed unexpectedly", self.url)
            self._apply(self.supervision.failed(Fault.CANNOT_OPEN, self.monotonic(), str(exc)))
            self.wait(self._stop, self.supervision.retry_delay())
            return
        self._port = port
        try:
            self._connected(port)
            self._serve(port)
        except UNPLUGGED as exc:
            if not self._stop.is_set():
                log.debug("help button port %s failed: %s: %s", self.url, type(exc).__name__, exc)
                self._apply(self.supervision.failed(Fault.LOST, self.monotonic(), f"{type(exc).__name__}: {exc}"))
        except Exception as exc:
            log.exception("the button link failed while serving %s", self.url)
            self._apply(self.supervision.failed(Fault.LOST, self.monotonic(),
                                                f"unexpected {type(exc).__name__}: {exc}"))
        finally:
            self._port = None
            self.connected = False
            try:
                port.close()
            except Exception:
                log.debug("closing %s failed", self.url, exc_info=True)
        self.wait(self._stop, self.supervision.retry_delay())

    def _apply(self, report: Report) -> None:
        for entry in report.entries:
            self.room.note(entry.kind, {"url": self.url, **entry.payload})
        if report.shown is not None:
            self.room.update_health(button_ok=report.shown.ok, button_detail=report.shown.detail)

    def _connected(self, port: serial.SerialBase) -> None:
        now = self.monotonic()
        self.connects += 1
        self.lines.reset()
        self.bytes.reset()
        self.modem.reset()
        self.heartbeat.connected(now)
        self._led_sent = None
        self._ignored_loud = 0
        if self.mode == "modem":
            port.rts = True
            port.dtr = True
        self.connected = True
        log.debug("help button port %s open", self.url)
        self._apply(self.supervision.opened(now))

    def _kind(self) -> str:
        if self.mode == "modem":
            return _("switch on {line}").format(line=self.config.modem_line.upper())
        return {"line": _("firmware button"), "any_byte": _("simple button")}[self.mode]

    def _serve(self, port: serial.SerialBase) -> None:
        if self.mode == "modem":
            self._serve_modem(port)
            return
        while not self._stop.is_set():
            data = port.read(port.in_waiting or 1)
            now = self.monotonic()
            if data:
                self._decode(data, now)
            if self.heartbeat.silent_too_long(now):
                self._silent(now)
            self._apply(self.supervision.tick(now))
            self._update_led(port)

    def _decode(self, data: bytes, now: float) -> None:
        if self.mode == "any_byte":
            for signal in self.bytes.feed(data, now):
                self.caller.handle(signal, now)
            return
        ignored = self.lines.counts.ignored
        signals = self.lines.feed(data)
        if self.lines.counts.ignored != ignored:
            self._report_ignored()
        for signal in signals:
            self._heard(signal, now)
            self.caller.handle(signal, now)

    def _heard(self, signal: Signal, now: float) -> None:
        heard = self.heartbeat.heard(now, heartbeat=signal.kind in (Kind.PING, Kind.HELLO))
        if heard is Heard.FIRST:
            self._led_stale.set()
        if heard is not Heard.NOTHING_NEW:
            self._apply(self.supervision.proven(now))

    def _silent(self, now: float) -> None:
        silence = round(self.heartbeat.silence(now), 1)
        if self.heartbeat.speaks_protocol:
            self._apply(self.supervision.failed(Fault.NO_PING, now, f"no PING for {silence} s",
                                                silent_seconds=silence))
        else:
            self._apply(self.supervision.failed(Fault.SILENT, now,
                                                f"no PING or HELLO in the {silence} s since the port opened",
                                                silent_seconds=silence))

    def _report_ignored(self) -> None:
        self._ignored_loud += 1
        text = self.lines.last_ignored[:80]
        if self._ignored_loud <= _LOUD_IGNORED:
            log.warning("ignored a line from the help button: %r (expected HELLO, PING, HELP, CANCEL or "
                        "TEST); %d ignored so far", text, self.lines.counts.ignored)
        else:
            log.debug("ignored a line from the help button: %r", text)

    def _update_led(self, port: serial.SerialBase) -> None:
        """Only a button that has spoken the protocol on this connection gets LED commands."""
        if not self.heartbeat.speaks_protocol or not self._led_stale.is_set():
            return
        self._led_stale.clear()
        state = self.caller.current_led()
        if state == self._led_sent:
            return
        try:
            port.write(led_command(state))
        except serial.SerialTimeoutException:
            log.warning("the help button is not reading its LED commands; LED %s will be sent again", state)
            self._led_stale.set()
            return
        self._led_sent = state

    def _serve_modem(self, port: serial.SerialBase) -> None:
        read_line = (lambda: port.cts) if self.config.modem_line == "cts" else (lambda: port.dsr)
        first = read_line()
        if first:
            log.warning("the help button's %s line is closed at connect: a held button or reversed wiring? "
                        "Not a call; waiting for it to open", self.config.modem_line.upper())
        self.modem.sample(first, self.monotonic())
        while not self.wait(self._stop, self.poll_seconds):
            now = self.monotonic()
            for signal in self.modem.sample(read_line(), now):
                self.caller.handle(signal, now)
            self._apply(self.supervision.tick(now))
