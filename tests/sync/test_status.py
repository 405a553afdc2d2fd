from __future__ import annotations

from datetime import timedelta, timezone

from kiosk.clock import FakeClock
from kiosk.roomview import Health
from kiosk.session.record import EventRecord
from kiosk.store.journal import Journal
from kiosk.sync.status import STATUS_META, SyncReport, describe, keep, kept, read_report, summary


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
        for trouble in ("key", "busy", "inside"):
            second = summary(Health(hub_configured=True, sync_error=detail, sync_trouble=trouble)).split("\n")[1:]
            assert second and "http://" not in second[0] and "the " not in second[0], (trouble, second)
        unreachable = summary(Health(hub_configured=True, sync_error=detail, sync_trouble="unreachable"))
        assert "\n" not in unreachable, "sync_line says the hub is unreachable; the detail stays in the log"
    finally:
        language.use("en")


def _record(seq: int, kind: str, wall: float) -> EventRecord:
    return EventRecord(f"u{seq}", seq, "dev", wall, 0.0, "boot", True, None, kind)


def test_the_technicians_report_says_every_count_and_each_set_aside_event():
    report = SyncReport(waiting=4, confirmed=120, rejected_count=3, last_sync_at=1_764_620_000.0,
                        last_error="the hub at http://hub:8000 did not answer in time",
                        rejected=[(_record(9, "session.began", 1_764_610_000.0), "unknown kind"),
                                  (_record(7, "help.raised", 1_764_600_000.0), "failed on alone 5 times")])
    assert describe(report, timezone.utc).split("\n") == [
        "waiting:   4",
        "sent:      120",
        "set aside: 3",
        "last sync: 2025-12-01 20:13:20",
        "last error: the hub at http://hub:8000 did not answer in time",
        "",
        "set aside: refused by the hub, or failed on alone too often (kept on this kiosk; newest first):",
        "  #9 session.began at 2025-12-01 17:26:40: unknown kind",
        "  #7 help.raised at 2025-12-01 14:40:00: failed on alone 5 times",
        "  ... and 1 more"]


def test_the_report_tells_times_in_the_zone_given_and_adds_no_more_when_all_are_listed():
    report = SyncReport(waiting=0, confirmed=0, rejected_count=1, last_sync_at=1_764_620_000.0, last_error="",
                        rejected=[(_record(9, "session.began", 1_764_610_000.0), "unknown kind")])
    lines = describe(report, timezone(timedelta(hours=-5))).split("\n")
    assert lines[3] == "last sync: 2025-12-01 15:13:20"
    assert lines[-1] == "  #9 session.began at 2025-12-01 12:26:40: unknown kind"


def test_a_kiosk_that_never_synced_says_never_and_none():
    report = SyncReport(waiting=0, confirmed=0, rejected=[], rejected_count=0, last_sync_at=None, last_error="")
    assert describe(report) == "waiting:   0\nsent:      0\nset aside: 0\nlast sync: never\nlast error: none"


def test_the_last_sync_and_error_are_kept_across_opens(tmp_path):
    clock = FakeClock()
    journal = Journal(tmp_path / "k.sqlite3", clock)
    assert kept(journal) == (None, "")
    keep(journal, 1234.5, "hub down").result(timeout=10)
    journal.close()
    journal = Journal(tmp_path / "k.sqlite3", clock)
    try:
        assert kept(journal) == (1234.5, "hub down")
        journal.set_meta(STATUS_META, "{not json").result(timeout=10)
        assert kept(journal) == (None, "")
        journal.set_meta(STATUS_META, '{"last_sync_at": "yesterday", "error": null}').result(timeout=10)
        assert kept(journal) == (None, "")
        journal.set_meta(STATUS_META, '{"last_sync_at": 7}').result(timeout=10)
        assert kept(journal) == (7.0, "")
    finally:
        journal.close()


def test_each_trouble_has_its_words_for_the_facilitator_and_only_with_an_error():
    def second_line(trouble: str, error: str = "detail") -> str:
        return summary(Health(hub_configured=True, sync_error=error, sync_trouble=trouble)).partition("\n")[2]

    assert second_line("key") == "the hub refused this kiosk's key (ask whoever runs the hub)"
    assert second_line("busy") == "the hub is busy: the logs wait here and go a little later"
    assert second_line("inside") == "sending failed inside the kiosk: the logs wait here (see the kiosk log)"
    assert second_line("unreachable") == ""
    assert second_line("key", error="") == "", "trouble with no error is over: nothing to say"


def test_one_and_many_read_in_each_languages_own_plural():
    from kiosk import language

    language.use("de")
    try:
        assert summary(Health(hub_configured=True, sync_waiting=1, sync_rejected=1)).split(" · ")[0] == "1 wartet"
        assert summary(Health(hub_configured=True, sync_waiting=2)).split(" · ")[0] == "2 warten"
    finally:
        language.use("en")


def test_the_report_reads_the_outbox_and_the_kept_status(tmp_path):
    from kiosk.store import outbox
    from kiosk.store.outbox import waiting_after

    journal = Journal(tmp_path / "k.sqlite3", FakeClock())
    try:
        for i in range(30):
            journal.append("test.event", {"i": i})
        journal.flush()
        items = waiting_after(journal)
        outbox.mark(journal, [i.uuid for i in items[:4]], {i.uuid: f"bad {i.seq}" for i in items[4:25]},
                    1000.0).result(timeout=10)
        keep(journal, 1234.5, "hub down").result(timeout=10)
        report = read_report(journal)
        assert (report.waiting, report.confirmed, report.rejected_count) == (5, 4, 21)
        assert (report.last_sync_at, report.last_error) == (1234.5, "hub down")
        assert [(r.seq, why) for r, why in report.rejected] == [(seq, f"bad {seq}") for seq in range(25, 5, -1)]
        assert len(read_report(journal, limit=3).rejected) == 3
    finally:
        journal.close()
