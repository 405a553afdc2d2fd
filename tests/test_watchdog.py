"""The systemd notify protocol over a real datagram socket."""

from __future__ import annotations

import socket

from kiosk.watchdog import Watchdog


def test_ready_and_ping_reach_the_notify_socket(tmp_path):
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(5)
        dog = Watchdog({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "30000000"})
        assert dog.enabled and dog.interval == 15.0
        dog.ready()
        dog.ping()
        assert server.recv(64) == b"READY=1"
        assert server.recv(64) == b"WATCHDOG=1"


def test_without_systemd_it_does_nothing():
    dog = Watchdog({})
    assert not dog.enabled and dog.interval is None
    dog.ping()


def test_the_station_says_ready_when_its_screen_first_beats_not_when_its_threads_start(tmp_path):
    from kiosk.clock import FakeClock
    from kiosk.config import Config, PathsConfig
    from kiosk.station import Station

    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        server.settimeout(0.2)
        station = Station(Config(paths=PathsConfig(data=tmp_path / "data")), clock=FakeClock())
        station.watchdog = Watchdog({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "30000000"})
        try:
            station.start()
            try:
                got = server.recv(64)
            except TimeoutError:
                got = b""
            assert got == b""  # no READY before the window exists
            station.heartbeat()  # the UI loop's first beat
            station.heartbeat()
            assert [server.recv(64) for _ in range(3)] == [b"READY=1", b"WATCHDOG=1", b"WATCHDOG=1"]
        finally:
            station.stop()
