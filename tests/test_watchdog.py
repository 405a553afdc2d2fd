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
