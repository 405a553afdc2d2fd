"""The serial link over real pseudo-terminals: presses, noise, unplug/replug, LED, supervision."""

from __future__ import annotations

import gc
import random
from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.button.link import ButtonLink
from kiosk.button.line import MAX_LINE
from kiosk.button.port import PortProblem, open_port
from kiosk.session import facts as F
from kiosk.session.glyph import Glyph

from tests.button.conftest import SimulatedTime, button, kinds, records, wait_for
from tests.button.replug import Pty, open_fds, plug

FAST = dict(read_timeout=0.01, backoff_initial=0.01, backoff_max=0.05)


@pytest.fixture
def linked(make_room, pty, tmp_path):
    """A room, a link started on a symlink to a pty, connected; stopped afterwards."""
    made = []

    def start(seams: dict | None = None, **config):
        path = tmp_path / "kiosk-button"
        plug(path, pty)
        room, seen = make_room(button(str(path), **config))
        link = ButtonLink(room.config.button, room, **{**FAST, **(seams or {})})
        made.append(link)
        link.start()
        wait_for(lambda: link.connected, what="the link to connect")
        return room, link, path

    yield start
    for link in made:
        link.stop()


def speak(link: ButtonLink, pty: Pty) -> None:
    """The button's first PING on this connection (a Pico sends one every second)."""
    pty.write(b"PING\n")
    wait_for(lambda: link.supervision.working, what="the button's first PING")


def test_a_press_becomes_one_help_raised_and_changes_the_glyph(linked, pty):
    room, link, _ = linked()
    speak(link, pty)
    assert room.glyph() is Glyph.QUIET
    pty.write(b"HELP\r\n")
    wait_for(lambda: room.view().help_call is not None, what="the help call")
    assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]
    assert room.view().help_call.source == "button"
    assert room.glyph() is Glyph.NOT_DELIVERED
    assert kinds(room, F.BUTTON_CONNECTED) == [F.BUTTON_CONNECTED]
    assert room.health.button_ok


def test_random_bytes_long_lines_and_binary_noise_make_no_call_and_no_crash(linked, pty):
    room, link, _ = linked()
    rng = random.Random(4)
    noise = bytes(rng.randrange(256) for _ in range(20_000))
    assert b"HELP" not in noise.upper()
    pty.write(noise)
    pty.write(b"H" * (MAX_LINE * 10) + b"ELP\n")
    pty.write(b"HELP" * 40 + b"\n" + b"\x00\xff\x1b[2J\n" + b"help me\n" + b"LED ON\n")
    pty.write(b"\nPING\n")
    wait_for(lambda: link.heartbeat.speaks_protocol, what="the PING after the noise")
    assert kinds(room, F.HELP_RAISED) == []
    assert link.lines.counts.ignored >= 4 and link.lines.counts.too_long >= 2
    assert link.running and link.connects == 1
    pty.write(b"HELP\n")
    wait_for(lambda: kinds(room, F.HELP_RAISED), what="the call after the noise")
    assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]


def test_unplug_shows_a_fault_quickly_and_a_new_pty_at_the_same_path_reconnects(linked, pty):
    room, link, path = linked()
    speak(link, pty)
    pty.close()
    wait_for(lambda: not room.health.button_ok, timeout=2.0, what="the fault after unplugging")
    assert room.glyph() is Glyph.BUTTON_FAULT
    assert "unplugged" in room.health.button_detail
    replug = Pty()
    try:
        plug(path, replug)
        wait_for(lambda: link.connects == 2, what="the reconnect")
        assert not room.health.button_ok, "an open port is not yet a working button"
        speak(link, replug)
        assert room.health.button_ok and room.glyph() is Glyph.QUIET
        replug.write(b"HELP\n")
        wait_for(lambda: kinds(room, F.HELP_RAISED), what="a call on the new port")
        assert kinds(room, F.BUTTON_CONNECTED, F.BUTTON_DISCONNECTED) == [
            F.BUTTON_CONNECTED, F.BUTTON_DISCONNECTED, F.BUTTON_CONNECTED]
    finally:
        link.stop()
        replug.close()


def test_a_hundred_unplug_replug_cycles_leave_no_descriptors_behind(make_room, tmp_path):
    path = tmp_path / "kiosk-button"
    room, _ = make_room(button(str(path)))
    kinds(room)  # this thread's SQLite connection is opened before the count, not during it
    room.journal.claim()  # and the ownership lock and the writer thread's connection
    room.journal.flush()
    gc.collect()  # earlier tests' SQLite connections from finished threads go now, not mid-count
    before = open_fds()
    current = Pty()
    plug(path, current)
    link = ButtonLink(room.config.button, room, **FAST)
    link.start()
    try:
        wait_for(lambda: link.connected, what="the first connect")
        speak(link, current)
        for cycle in range(2, 102):
            current.close()
            wait_for(lambda: not link.connected, what=f"unplug {cycle}")
            current = Pty()
            plug(path, current)
            wait_for(lambda: link.connects == cycle, what=f"replug {cycle}")
            speak(link, current)
        current.write(b"HELP\n")
        wait_for(lambda: kinds(room, F.HELP_RAISED), what="a call after 100 replugs")
    finally:
        link.stop()
        current.close()
    assert link.connects == 101 and link.outages == 100
    assert open_fds() == before
    assert len(kinds(room, F.BUTTON_DISCONNECTED)) == 100


def test_a_missing_button_is_one_fault_however_many_retries_then_it_connects(make_room, tmp_path):
    path = tmp_path / "kiosk-button"
    room, _ = make_room(button(str(path)))
    link = ButtonLink(room.config.button, room, read_timeout=0.01, backoff_initial=0.002, backoff_max=0.01)
    link.start()
    p = Pty()
    try:
        wait_for(lambda: not room.health.button_ok, what="the fault")
        assert "no button at" in room.health.button_detail
        assert room.glyph() is Glyph.BUTTON_FAULT
        wait_for(lambda: link.outages == 1 and link.connects == 0, what="retries")
        plug(path, p)
        wait_for(lambda: link.connected, what="the late button")
        speak(link, p)
        assert kinds(room, F.BUTTON_FAULT, F.BUTTON_CONNECTED) == [F.BUTTON_FAULT, F.BUTTON_CONNECTED]
        assert room.health.button_ok
    finally:
        link.stop()
        p.close()


def test_cancel_cancels_and_test_is_logged_never_a_call(linked, pty):
    room, link, _ = linked()
    pty.write(b"TEST\n")
    wait_for(lambda: kinds(room, F.BUTTON_TEST), what="the self-test")
    pty.write(b"HELP\n")
    wait_for(lambda: room.view().help_call is not None, what="the call")
    pty.write(b"cancel\n")
    wait_for(lambda: room.view().help_call is None, what="the cancel")
    assert kinds(room, F.HELP_RAISED, F.HELP_CANCELLED, F.BUTTON_TEST) == [
        F.BUTTON_TEST, F.HELP_RAISED, F.HELP_CANCELLED]


def test_a_second_press_during_an_open_call_is_a_repeat_not_a_new_call(linked, pty):
    room, link, _ = linked()
    pty.write(b"HELP\n")
    wait_for(lambda: room.view().help_call is not None, what="the call")
    pty.write(b"HELP\n")
    wait_for(lambda: kinds(room, "help.repeated"), what="the repeat")
    assert kinds(room, F.HELP_RAISED) == [F.HELP_RAISED]


def test_double_press_mode_needs_two_presses_within_the_window(linked, pty):
    room, link, _ = linked(press="double", double_press_seconds=5.0)
    pty.write(b"HELP\nPING\n")
    wait_for(lambda: link.caller.presses == 1, what="the first press")
    assert kinds(room, F.HELP_RAISED) == []
    pty.write(b"HELP\n")
    wait_for(lambda: kinds(room, F.HELP_RAISED), what="the double press")


def test_hello_is_journalled_and_the_led_follows_the_call(linked, pty):
    room, link, _ = linked()
    pty.write(b"HELLO pico-help 1.0\r\n")
    wait_for(lambda: kinds(room, F.BUTTON_HELLO), what="hello")
    hello = records(room, F.BUTTON_HELLO)[0]
    assert hello.payload["model"] == "pico-help" and hello.payload["version"] == "1.0"
    assert wait_for(lambda: pty.read_available(0.05), what="the LED state at hello") == b"LED OFF\n"
    pty.write(b"HELP\n")
    wait_for(lambda: room.view().help_call is not None, what="the call")
    assert pty.read_available(0.1) == b""
    got = b""
    for kind, expect in ((F.HELP_DELIVERED, b"LED SENT\n"), (F.HELP_ACKNOWLEDGED, b"LED ACK\n"),
                         (F.HELP_RESOLVED, b"LED OFF\n")):
        room.change_help(kind, by="hub")
        got = wait_for(lambda: pty.read_available(0.05), what=f"LED after {kind}")
        assert got == expect


def test_a_button_that_never_speaks_the_protocol_gets_no_led_commands(linked, pty):
    room, link, _ = linked()
    pty.write(b"HELP\n")
    wait_for(lambda: room.view().help_call is not None, what="the call")
    room.change_help(F.HELP_DELIVERED, by="hub")
    assert pty.read_available(0.2) == b""


def test_missed_pings_are_a_fault_and_a_ping_clears_it(linked, pty):
    room, link, _ = linked(seams={"ping_timeout": 0.3})
    pty.write(b"PING\n")
    wait_for(lambda: link.heartbeat.speaks_protocol, what="the first ping")
    wait_for(lambda: not room.health.button_ok, what="the missed-ping fault")
    assert "stopped answering" in room.health.button_detail
    assert room.glyph() is Glyph.BUTTON_FAULT
    pty.write(b"PING\n")
    wait_for(lambda: room.health.button_ok, what="the recovery")
    faults = records(room, F.BUTTON_FAULT)
    assert [f.payload.get("cleared", False) for f in faults] == [False, True]
    assert link.connects == 1


def test_a_silent_any_byte_button_is_never_faulted_for_silence(make_room, pty, tmp_path):
    path = tmp_path / "kiosk-button"
    plug(path, pty)
    room, _ = make_room(button(str(path), mode="any_byte"))
    time = SimulatedTime()
    link = ButtonLink(room.config.button, room, monotonic=time.monotonic, wait=time.wait,
                      ping_timeout=0.05, **FAST)
    link.start()
    try:
        wait_for(lambda: link.connected, what="the port to open")
        time.advance(2.5)
        wait_for(lambda: kinds(room, F.BUTTON_CONNECTED) == [F.BUTTON_CONNECTED],
                 what="good reads to prove the port")
        time.advance(3600)
        time.seen()
        assert room.health.button_ok and room.health.button_detail == "connected (simple button)"
        pty.write(b"x")
        wait_for(lambda: kinds(room, F.HELP_RAISED), what="the call")
        time.advance(3600)
        time.seen()
        assert room.health.button_ok
        assert kinds(room, F.BUTTON_FAULT, F.BUTTON_DISCONNECTED) == []
    finally:
        link.stop()


def silent_link(make_room, pty: Pty, tmp_path: Path, **config):
    path = tmp_path / "kiosk-button"
    plug(path, pty)
    room, seen = make_room(button(str(path), **config))
    time = SimulatedTime()
    link = ButtonLink(room.config.button, room, monotonic=time.monotonic, wait=time.wait, **FAST)
    return room, seen, link, time, path


def test_a_line_button_that_opens_and_never_speaks_is_a_fault_journalled_once(make_room, pty, tmp_path):
    """A Pico whose program crashed still enumerates: the port opens, and nothing ever comes."""
    room, seen, link, time, _ = silent_link(make_room, pty, tmp_path)
    link.start()
    try:
        wait_for(lambda: link.connected, what="the port to open")
        time.advance(3.0)
        time.seen()
        assert room.health.button_ok, "within its heartbeat window the button is not judged yet"
        time.advance(1.0)
        wait_for(lambda: not room.health.button_ok, what="the silent button's fault")
        assert room.glyph() is Glyph.BUTTON_FAULT
        assert "connected but silent" in room.health.button_detail
        for _ in range(37):
            time.advance(10.0)
            time.seen()
        assert not room.health.button_ok and room.glyph() is Glyph.BUTTON_FAULT
        faults = records(room, F.BUTTON_FAULT)
        assert [(f.payload["fault"], f.payload["silent_seconds"]) for f in faults] == [("silent", 4.0)]
        assert kinds(room, F.BUTTON_CONNECTED) == []
        assert link.connects == 1
        pty.write(b"PING\n")
        wait_for(lambda: room.health.button_ok, what="the first PING")
        connected = records(room, F.BUTTON_CONNECTED)
        assert [c.payload["after"] for c in connected] == ["silent"]
        assert connected[0].payload["outage_seconds"] == 370.0
    finally:
        link.stop()


def test_a_silent_device_at_the_name_after_a_replug_is_never_shown_healthy(make_room, pty, tmp_path):
    """Another device takes the button's name: the port reopens, but it is not the button."""
    room, seen, link, time, path = silent_link(make_room, pty, tmp_path)
    link.start()
    other = Pty()
    try:
        wait_for(lambda: link.connected, what="the port to open")
        speak(link, pty)
        pty.close()
        wait_for(lambda: not room.health.button_ok, what="the unplug")
        time.run_until(5.0)
        plug(path, other)
        time.release()
        wait_for(lambda: link.connects == 2, what="the other device opened")
        mark = len(seen)
        for _ in range(40):
            time.advance(10.0)
            time.seen()
        assert not room.health.button_ok and "connected but silent" in room.health.button_detail
        assert not any(f.kind == "health.changed" and f.data.get("button_ok") for f in seen[mark:])
        assert kinds(room, F.BUTTON_CONNECTED, F.BUTTON_DISCONNECTED, F.BUTTON_FAULT) == [
            F.BUTTON_CONNECTED, F.BUTTON_DISCONNECTED]
    finally:
        link.stop()
        other.close()


def test_any_byte_mode_counts_debounced_presses(linked, pty):
    room, link, _ = linked(mode="any_byte", seams={"quiet_seconds": 5.0})
    pty.write(b"x")
    wait_for(lambda: kinds(room, F.HELP_RAISED), what="the press")
    pty.write(b"xxxx")
    wait_for(lambda: link.bytes.bytes_seen == 5, what="the bounces")
    assert kinds(room, F.HELP_RAISED, "help.repeated") == [F.HELP_RAISED]


def test_the_port_is_held_exclusively(linked, pty):
    room, link, path = linked()
    with pytest.raises(PortProblem, match="in use"):
        open_port(str(path))


def test_loop_url_works_without_an_exclusive_lock(make_room):
    room, _ = make_room(button("loop://"))
    link = ButtonLink(room.config.button, room, **FAST)
    link.start()
    try:
        wait_for(lambda: link.connected, what="loop:// to open")
    finally:
        link.stop()
    assert not link.running


def test_stop_is_prompt_and_safe_twice_and_before_start(linked, make_room):
    room, link, _ = linked(seams={"read_timeout": 5.0})
    link.stop(timeout=1.0)
    assert not link.running
    link.stop()
    idle = ButtonLink(room.config.button, room)
    idle.stop()


def test_bad_config_is_refused_with_the_choices(make_room):
    room, _ = make_room(button("loop://"))
    for change, words in (({"url": None}, "url"), ({"mode": "morse"}, "line, any_byte, modem"),
                          ({"modem_line": "ri"}, "cts, dsr")):
        with pytest.raises(ValueError, match=words):
            ButtonLink(replace(room.config.button, **change), room)


def test_an_unexpected_error_is_logged_shown_and_survived(make_room, pty, tmp_path, caplog):
    path = tmp_path / "kiosk-button"
    plug(path, pty)
    room, _ = make_room(button(str(path)))
    calls = []

    def flaky_opener(url, **kwargs):
        calls.append(url)
        if len(calls) == 1:
            raise RuntimeError("a driver bug")
        return open_port(url, **kwargs)

    link = ButtonLink(room.config.button, room, opener=flaky_opener, **FAST)
    link.start()
    try:
        wait_for(lambda: link.connected, what="the second try")
        assert "a driver bug" in caplog.text
        faults = records(room, F.BUTTON_FAULT)
        assert len(faults) == 1 and "a driver bug" in faults[0].payload["detail"]
        pty.write(b"HELP\n")
        wait_for(lambda: kinds(room, F.HELP_RAISED), what="a call after the error")
    finally:
        link.stop()


def test_a_failing_room_listener_does_not_stop_the_link(linked, pty):
    room, link, _ = linked()

    def broken(_facts):
        raise RuntimeError("a listener bug")

    room.subscribe(broken)
    pty.write(b"HELP\n")
    wait_for(lambda: kinds(room, F.HELP_RAISED), what="the call")
    pty.write(b"TEST\n")
    wait_for(lambda: kinds(room, F.BUTTON_TEST), what="the next message")
    assert link.running and link.connects == 1


def test_stop_is_prompt_during_a_long_backoff(make_room, tmp_path):
    room, _ = make_room(button(str(tmp_path / "absent")))
    link = ButtonLink(room.config.button, room, backoff_initial=30.0, backoff_max=30.0)
    link.start()
    wait_for(lambda: link.outages == 1, what="the first failed open")
    link.stop(timeout=2.0)
    assert not link.running
