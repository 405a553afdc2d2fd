"""Modem-line mode through a fake adapter registered as a pyserial URL handler (fakemodem://)."""

from __future__ import annotations

import serial

from kiosk.button.link import ButtonLink
from kiosk.session import facts as F
from kiosk.session.glyph import Glyph
from tests.button import protocol_fakemodem
from tests.button.conftest import button, kinds, wait_for
from tests.button.protocol_fakemodem import ADAPTERS, Adapter

if "tests.button" not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append("tests.button")


def start(make_room, name: str, **config):
    adapter = ADAPTERS[name] = Adapter(step=0.01)
    room, _ = make_room(button(f"fakemodem://{name}", mode="modem", **config))
    link = ButtonLink(room.config.button, room, monotonic=adapter.monotonic, poll_seconds=0.001,
                      settle_seconds=0.03, backoff_initial=0.005, backoff_max=0.02)
    link.start()
    wait_for(lambda: link.supervision.working, what="the adapter to open and prove itself")
    return room, link, adapter


def run_script(adapter: Adapter) -> None:
    wait_for(adapter.idle, what="the switch script to play")
    mark = adapter.monotonic()
    wait_for(lambda: adapter.monotonic() > mark + 0.05, what="a few more polls")


def test_the_handler_is_found_by_serial_for_url():
    ADAPTERS["lookup"] = Adapter()
    port = serial.serial_for_url("fakemodem://lookup")
    assert isinstance(port, protocol_fakemodem.Serial) and port.is_open
    port.close()


def test_a_switch_closing_cts_is_one_help_call(make_room):
    room, link, adapter = start(make_room, "press")
    try:
        adapter.press_for(samples=10)
        run_script(adapter)
        assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]
        assert room.glyph() is Glyph.NOT_DELIVERED
    finally:
        link.stop()
    assert adapter.open_ports == 0


def test_bounce_shorter_than_the_settle_time_is_no_call(make_room):
    room, link, adapter = start(make_room, "bounce")
    try:
        with adapter.lock:
            adapter.script.extend([True, False, True, True, False, True, False, False] * 20)
        run_script(adapter)
        assert kinds(room, F.HELP_RAISED) == []
        adapter.press_for(samples=6)
        run_script(adapter)
        assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]
    finally:
        link.stop()


def test_a_switch_held_at_connect_is_not_a_call_until_released_and_pressed(make_room):
    adapter = ADAPTERS["held"] = Adapter()
    adapter.switch_closed = True
    room, _ = make_room(button("fakemodem://held", mode="modem"))
    link = ButtonLink(room.config.button, room, monotonic=adapter.monotonic, poll_seconds=0.001)
    link.start()
    try:
        wait_for(lambda: link.connected, what="connect")
        mark = adapter.monotonic()
        wait_for(lambda: adapter.monotonic() > mark + 0.2, what="polls while held")
        assert kinds(room, F.HELP_RAISED) == []
        with adapter.lock:
            adapter.script.extend([False] * 10)
        adapter.press_for(samples=10)
        run_script(adapter)
        assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]
    finally:
        link.stop()


def test_dsr_option_watches_dsr_driven_by_dtr(make_room):
    room, link, adapter = start(make_room, "dsr", modem_line="dsr")
    try:
        adapter.press_for(samples=10)
        run_script(adapter)
        assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]
    finally:
        link.stop()


def test_the_link_drives_the_source_line_or_the_switch_reads_open(make_room):
    """With RTS low the switch cannot close CTS: proves the link raises RTS."""
    adapter = ADAPTERS["rts"] = Adapter()
    port = serial.serial_for_url("fakemodem://rts")
    port.rts = False
    adapter.switch_closed = True
    assert port.cts is False
    port.rts = True
    assert port.cts is True
    port.close()


def test_unplugging_the_adapter_is_a_fault_and_it_reconnects(make_room):
    room, link, adapter = start(make_room, "unplug")
    try:
        adapter.plugged = False
        wait_for(lambda: not room.health.button_ok, timeout=2.0, what="the fault")
        assert room.glyph() is Glyph.BUTTON_FAULT
        adapter.plugged = True
        wait_for(lambda: link.connects == 2 and room.health.button_ok, what="the reconnect")
        adapter.press_for(samples=10)
        run_script(adapter)
        assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]
        assert kinds(room, F.BUTTON_CONNECTED, F.BUTTON_DISCONNECTED) == [
            F.BUTTON_CONNECTED, F.BUTTON_DISCONNECTED, F.BUTTON_CONNECTED]
    finally:
        link.stop()
    assert adapter.open_ports == 0


def test_double_press_pattern_in_modem_mode(make_room):
    room, link, adapter = start(make_room, "double", press="double", double_press_seconds=60.0)
    try:
        adapter.press_for(samples=6, then_open=6)
        run_script(adapter)
        assert kinds(room, F.HELP_RAISED) == []
        adapter.press_for(samples=6)
        run_script(adapter)
        assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]
    finally:
        link.stop()
