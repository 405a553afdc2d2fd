from __future__ import annotations

from datetime import timezone

from kiosk.roomview import Health
from kiosk.sync.status import summary


def test_summary_reads_like_the_facilitator_layer_wants():
    at = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC
    h = Health(hub_configured=True, sync_waiting=12, last_sync_at=at)
    assert summary(h, timezone.utc) == "12 waiting · last sync 20:26"
    h = Health(hub_configured=True, sync_waiting=0, sync_rejected=2, last_sync_at=at,
               sync_error="cannot reach the hub at http://hub:8080 (connection refused)")
    assert summary(h, timezone.utc) == ("all sent · 2 set aside · last sync 20:26\n"
                                        "cannot reach the hub at http://hub:8080 (connection refused)")
    assert summary(Health(hub_configured=True)) == "all sent · not synced yet"
    assert summary(Health()) == "no hub configured · logs stay on this kiosk"
