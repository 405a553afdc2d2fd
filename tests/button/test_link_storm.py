"""A port that opens and fails at once, every time: one fault in the journal and a retry that slows down.

The field saw `button.disconnected` journalled (and uploaded) every 0.25 s:
312 in 78 s. Here the link runs with its production backoffs and summary
rate on a simulated clock, so an hour passes in well under a second.
"""

from __future__ import annotations

import pytest
import serial

from kiosk.button.link import ButtonLink
from kiosk.session import facts as F
from kiosk.session.glyph import Glyph
from tests.button.conftest import SimulatedTime, button, kinds, records, wait_for
from tests.button.protocol_fakemodem import ADAPTERS, Adapter
from tests.button.protocol_flaky import DEVICES, Device

if "tests.button" not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append("tests.button")

BUTTON_KINDS = (F.BUTTON_CONNECTED, F.BUTTON_DISCONNECTED, F.BUTTON_FAULT)


def broken_port(mode: str, name: str):
    """(url, the far end): it opens, then its first ioctl fails with EIO."""
    if mode == "modem":
        adapter = ADAPTERS[name] = Adapter()
        adapter.broken = True
        return f"fakemodem://{name}", adapter
    device = DEVICES[name] = Device(broken=True, says=b"PING\n" if mode == "line" else b"")
    return f"flaky://{name}", device


@pytest.mark.parametrize("mode", ["line", "any_byte", "modem"])
def test_a_port_that_opens_and_fails_at_once_is_one_fault_not_a_storm(make_room, mode):
    url, far = broken_port(mode, f"storm-{mode}")
    room, seen = make_room(button(url, mode=mode))
    time = SimulatedTime()
    link = ButtonLink(room.config.button, room, monotonic=time.monotonic, wait=time.wait)
    link.start()
    try:
        time.run_until(60.0)
        assert kinds(room, *BUTTON_KINDS) == [F.BUTTON_DISCONNECTED]
        assert time.waits[:6] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]
        assert 25 <= far.opens <= 35, f"{far.opens} opens in a simulated minute"
        assert not room.health.button_ok and room.glyph() is Glyph.BUTTON_FAULT
        assert "unplugged or not answering" in room.health.button_detail
        shown = [f.data for f in seen if f.kind == "health.changed" and "button_ok" in f.data]
        assert shown == [{"button_ok": False, "button_detail": room.health.button_detail}], \
            "a flapping port is shown once, never flickering back to all quiet"

        time.run_until(3600.0)
        assert kinds(room, *BUTTON_KINDS) == [F.BUTTON_DISCONNECTED] + [F.BUTTON_FAULT] * 5
        summaries = [r.payload for r in records(room, F.BUTTON_FAULT)]
        assert all(s["ongoing"] and s["fault"] == "lost" for s in summaries)
        counts = [s["failures"] for s in summaries]
        assert counts == sorted(counts) and counts[-1] > 1400, counts

        far.broken = False
        time.release()
        if mode == "any_byte":
            wait_for(lambda: link.connected, what="the mended port open")
            time.advance(2.5)
        wait_for(lambda: room.health.button_ok, what="the mended button proving itself")
        journalled = kinds(room, *BUTTON_KINDS)
        assert journalled[0] == F.BUTTON_DISCONNECTED and journalled[-1] == F.BUTTON_CONNECTED
        assert journalled[1:-1] in ([F.BUTTON_FAULT] * 5, [F.BUTTON_FAULT] * 6), "summaries, one each 10 minutes"
        ended = records(room, F.BUTTON_CONNECTED)[0].payload
        assert ended["after"] == "lost" and ended["failures"] > 1700 and ended["outage_seconds"] >= 3600
        assert room.glyph() is Glyph.QUIET
    finally:
        link.stop()
    assert far.open_ports == 0


def test_a_port_that_works_briefly_then_fails_still_backs_off(make_room):
    """Reads that succeed for less than the proving time do not reset the backoff."""
    url, device = broken_port("any_byte", "brief")
    device.broken = False
    room, _ = make_room(button(url, mode="any_byte"))
    time = SimulatedTime()
    link = ButtonLink(room.config.button, room, monotonic=time.monotonic, wait=time.wait)
    link.start()
    try:
        for opens in range(1, 6):
            wait_for(lambda: link.connected and device.opens == opens, what=f"open {opens}")
            time.hold()
            time.advance(1.0)
            time.seen()
            device.broken = True
            wait_for(lambda: time.parked, what=f"the wait after failure {opens}")
            device.broken = False
            time.release()
        wait_for(lambda: link.connected and device.opens == 6, what="open 6")
        assert time.waits == [0.25, 0.5, 1.0, 2.0, 2.0]
        assert kinds(room, *BUTTON_KINDS) == [F.BUTTON_DISCONNECTED]
    finally:
        link.stop()
