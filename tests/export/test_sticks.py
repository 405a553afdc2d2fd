"""Noticing sticks: mount points under the mount root, directly (systemd-mount) or one level down (udisks2)."""

from __future__ import annotations

import threading

from kiosk.export.sticks import StickWatcher, find_sticks
from tests.export.sticks import fat_stick, tmpfs_stick


def test_a_real_fat_stick_under_the_mount_root_is_found_and_leaves_when_unmounted(tmp_path):
    media = tmp_path / "media"
    (media / "kiosk").mkdir(parents=True)
    (media / "not-a-stick").mkdir()
    with fat_stick(media / "kiosk") as stick:
        found = find_sticks(media)
        assert [(s.path, s.label, s.read_only) for s in found] == [(stick.path, "KIOSKSTICK", False)]
        assert 15 * 1024 * 1024 < found[0].free <= 16 * 1024 * 1024
        stick.unmount()
        assert find_sticks(media) == ()


def test_a_read_only_stick_is_found_as_read_only(tmp_path):
    with tmpfs_stick(tmp_path, read_only=True) as stick:
        assert [(s.label, s.read_only) for s in find_sticks(tmp_path)] == [(stick.name, True)]


def test_the_watcher_tells_its_listeners_of_changes_only_and_stops_at_once(tmp_path):
    media = tmp_path / "media"
    (media / "STICK").mkdir(parents=True)
    mounted = {media / "STICK"}
    watcher = StickWatcher(media, poll_seconds=3600, is_mount=lambda p: p in mounted)
    heard: list[tuple] = []
    told = threading.Event()
    watcher.subscribe(lambda sticks: (heard.append(tuple(s.label for s in sticks)), told.set()))
    watcher.start()
    assert told.wait(10)
    watcher.poll()
    mounted.clear()
    watcher.poll()
    watcher.stop()  # wakes the hour-long wait at once
    assert not watcher._thread.is_alive()
    assert heard == [("STICK",), ()]


def test_no_mount_root_means_no_sticks(tmp_path):
    assert find_sticks(tmp_path / "nowhere") == ()


def test_usb_root_on_the_command_line_is_where_the_running_kiosk_looks(tmp_path):
    from kiosk.cli import build_parser
    from kiosk.invocation import config_from_args
    from kiosk.station import Station

    args = build_parser().parse_args(["run", "--data", str(tmp_path / "data"), "--usb-root", str(tmp_path / "m")])
    station = Station(config_from_args(args))
    try:
        assert station.sticks.root == tmp_path / "m"
    finally:
        station.stop()
