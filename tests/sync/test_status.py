from __future__ import annotations

from datetime import timezone

from kiosk.roomview import Health
from kiosk.sync.status import summary


def test_summary_reads_like_the_facilitator_layer_wants():
    at = 1_780_000_000.0  # 2026-05-28 20:26:40 UTC
    h = Health(hub_configured=True, sync_waiting=12, last_sync_at=at)
    assert summary(h, timezone.utc) == "12 waiting · last sync 20:26"
    h = Health(hub_configured=True, sync_waiting=0, sync_rejected=2, last_sync_at=at,
               sync_error="the hub is busy or cannot store now: its database is busy", sync_trouble="busy")
    assert summary(h, timezone.utc) == ("all sent · 2 set aside · last sync 20:26\n"
                                        "the hub is busy: the logs wait here and go a little later")
    h = Health(hub_configured=True, sync_error="a detail no trouble names")
    assert summary(h).endswith("\na detail no trouble names"), "an error of no known kind is shown as it is"
    assert summary(Health(hub_configured=True)) == "all sent · not synced yet"
    assert summary(Health()) == "no hub configured · logs stay on this kiosk"


def test_the_facilitator_reads_sync_trouble_in_the_room_language_not_the_detail():
    from kiosk import language

    detail = "talking to the hub at http://hub:8080 failed (ConnectionResetError)"
    language.use("de")
    try:
        for trouble in ("key", "busy", "failed", "inside"):
            second = summary(Health(hub_configured=True, sync_error=detail, sync_trouble=trouble)).split("\n")[1:]
            assert second and "http://" not in second[0] and "the " not in second[0], (trouble, second)
        unreachable = summary(Health(hub_configured=True, sync_error=detail, sync_trouble="unreachable"))
        assert "\n" not in unreachable, "sync_line says the hub is unreachable; the detail stays in the log"
    finally:
        language.use("en")
