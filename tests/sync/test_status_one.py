"""The sync line for one event waiting or set aside, and in the kiosk's own zone (test_status.py has the rest)."""

from __future__ import annotations

from datetime import timedelta, timezone

from kiosk.roomview import Health
from kiosk.sync.status import summary

AT = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC


def test_one_waiting_and_one_set_aside_read_as_one():
    h = Health(hub_configured=True, sync_waiting=1, sync_rejected=1, last_sync_at=AT)
    assert summary(h, timezone.utc) == "1 waiting · 1 set aside · last sync 20:26"


def test_the_last_sync_is_told_in_the_zone_given():
    h = Health(hub_configured=True, last_sync_at=AT)
    assert summary(h, timezone(timedelta(hours=-5))) == "all sent · last sync 15:26"
