"""The simulated button: a shell writing to the printed pty path presses it."""

from __future__ import annotations

import gc
import os
import subprocess

from kiosk.button.simulator import SimulatedButton
from kiosk.session import facts as F
from kiosk.session.glyph import Glyph
from tests.button.conftest import kinds, wait_for


def test_echo_help_to_the_printed_path_raises_one_call(make_room):
    room, _ = make_room()
    sim = SimulatedButton(room)
    sim.start()
    try:
        assert sim.path.startswith("/dev/pts/")
        assert room.health.button_ok and sim.path in room.health.button_detail
        subprocess.run(["sh", "-c", f"echo HELP > {sim.path}"], check=True, timeout=10)
        wait_for(lambda: room.view().help_call is not None, what="the simulated call")
        assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]
        assert room.glyph() is Glyph.NOT_DELIVERED
        subprocess.run(["sh", "-c", f"printf 'TEST\\r\\nnonsense\\ncancel\\n' > {sim.path}"], check=True, timeout=10)
        wait_for(lambda: room.view().help_call is None, what="the cancel")
        assert kinds(room, F.HELP_RAISED, F.HELP_CANCELLED, F.BUTTON_TEST) == [
            F.HELP_RAISED, F.BUTTON_TEST, F.HELP_CANCELLED]
        assert sim.decoder.counts.ignored == 1
    finally:
        sim.stop()


def test_the_led_is_followed_in_the_log(make_room, caplog):
    room, _ = make_room()
    sim = SimulatedButton(room)
    sim.start()
    try:
        with open(sim.path, "wb", buffering=0) as pressed:
            pressed.write(b"HELP\n")
        wait_for(lambda: room.view().help_call is not None, what="the call")
        caplog.set_level("INFO", logger="kiosk.button.simulator")
        room.change_help(F.HELP_ACKNOWLEDGED, by="staff")
        assert "simulated button LED: ACK" in caplog.text
    finally:
        sim.stop()


def test_stop_releases_every_descriptor_and_is_safe_twice(make_room):
    room, _ = make_room()
    kinds(room)
    gc.collect()
    before = set(os.listdir("/proc/self/fd"))
    sim = SimulatedButton(room)
    sim.start()
    sim.stop()
    sim.stop()
    assert set(os.listdir("/proc/self/fd")) == before
