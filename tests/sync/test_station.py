"""The worker as kiosk/station.py wires it: SyncWorker(config.hub, room, clock), start(), stop()."""

from __future__ import annotations

import threading

from kiosk.config import Config, HubConfig, PathsConfig
from kiosk.session.glyph import Glyph
from kiosk.station import Station
from tests.sync.conftest import wait_until


def test_station_runs_the_sync_worker_and_stops_it_cleanly(tmp_path, stub):
    token = stub.add_room("S")
    config = Config(room="Room S", hub=HubConfig(url=stub.url, token=token, sync_seconds=0.2),
                    paths=PathsConfig(data=tmp_path / "data"))
    station = Station(config)
    before = {t.name for t in threading.enumerate()}
    station.start()
    try:
        station.room.begin()
        call_id = station.room.raise_help("button")
        wait_until(lambda: station.room.glyph() is Glyph.DELIVERED, what="delivered")
        stub.acknowledge(call_id, "Kim")
        wait_until(lambda: station.room.glyph() is Glyph.COMING, timeout=2, what="help coming")
        wait_until(lambda: station.room.health.sync_waiting == 0 and len(stub.heartbeats) >= 1,
                   what="drained and a heartbeat")
        assert "session.started" in stub.kinds()
    finally:
        station.stop()
    left = {t.name for t in threading.enumerate()} - before
    assert not {"sync-upload", "sync-help-send", "sync-help"} & left, f"threads still running: {left}"
