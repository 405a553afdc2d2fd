"""Outages, proofs and backoff, pure: made-up times, no ports."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.button.supervision import Fault, Supervision
from kiosk.session import facts as F


def make(**changes) -> Supervision:
    options = dict(backoff_initial=0.25, backoff_max=2.0, proven_seconds=None, summary_seconds=600.0)
    return Supervision("line", "firmware button", **{**options, **changes})


def journal(reports) -> list[tuple[str, dict]]:
    return [(e.kind, e.payload) for r in reports for e in r.entries]


# one try at the port: it cannot open, or it opens and fails in less than the proving time, or (a line
# button) it opens and stays silent past its heartbeat window
tries = st.lists(st.tuples(st.sampled_from(["cannot_open", "lost", "silent"]),
                           st.floats(min_value=0.0, max_value=1.9)), max_size=300)


@given(tries, st.sampled_from([None, 2.0]))
@settings(max_examples=200, deadline=None)
def test_a_fault_that_persists_is_one_entry_plus_rare_summaries_and_never_shown_working(attempts, proven):
    s = make(proven_seconds=proven)
    now, reports, delays = 0.0, [], []
    for what, lasted in attempts:
        if what == "cannot_open":
            reports.append(s.failed(Fault.CANNOT_OPEN, now, "no button"))
        else:
            reports.append(s.opened(now))
            now += lasted
            reports.append(s.tick(now))
            if what == "silent" and proven is None:
                now += 3.5
                reports.append(s.failed(Fault.SILENT, now, "nothing"))
                reports.append(s.tick(now))
            reports.append(s.failed(Fault.LOST, now, "EIO"))
        delay = s.retry_delay()
        delays.append(delay)
        now += delay
    entries = journal(reports)
    if attempts:
        first_kind, _ = entries[0]
        assert first_kind in (F.BUTTON_FAULT, F.BUTTON_DISCONNECTED)
        assert all(p.get("ongoing") for _, p in entries[1:])
        assert len(entries) <= 1 + now / 600.0
        assert s.outages == 1
    assert not any(r.shown and r.shown.ok for r in reports)
    assert delays == sorted(delays) and all(d <= 2.0 for d in delays)
    if len(delays) >= 4:
        assert delays[3] == 2.0


def test_a_heartbeat_proves_a_line_button_resets_the_backoff_and_ends_the_outage():
    s = make()
    s.failed(Fault.CANNOT_OPEN, 0.0, "no button at /dev/kiosk-button")
    assert [s.retry_delay() for _ in range(4)] == [0.25, 0.5, 1.0, 2.0]
    s.opened(10.0)
    assert journal([s.tick(100.0)]) == [], "time alone never proves a line button"
    report = s.proven(100.5)
    assert journal([report]) == [(F.BUTTON_CONNECTED, {"mode": "line", "after": "cannot_open",
                                                       "outage_seconds": 100.5, "failures": 1})]
    assert report.shown.ok and report.shown.detail == "connected (firmware button)"
    assert s.working and s.retry_delay() == 0.25


def test_a_heartbeat_that_stops_and_resumes_on_one_connection_is_a_fault_then_cleared():
    s = make()
    s.opened(0.0)
    assert journal([s.proven(0.5)]) == [(F.BUTTON_CONNECTED, {"mode": "line"})]
    assert journal([s.proven(1.5)]) == []
    assert journal([s.failed(Fault.NO_PING, 5.1, "no PING for 3.6 s", silent_seconds=3.6)]) == [
        (F.BUTTON_FAULT, {"fault": "no_ping", "detail": "no PING for 3.6 s", "silent_seconds": 3.6})]
    assert journal([s.proven(9.0)]) == [
        (F.BUTTON_FAULT, {"fault": "no_ping", "cleared": True, "after": "no_ping", "outage_seconds": 3.9,
                          "failures": 1})]


def test_good_reads_for_long_enough_prove_an_any_byte_button():
    s = Supervision("any_byte", "simple button", backoff_initial=0.25, backoff_max=2.0, proven_seconds=2.0)
    s.opened(0.0)
    assert not s.tick(1.9).entries and not s.working
    assert journal([s.tick(2.0)]) == [(F.BUTTON_CONNECTED, {"mode": "any_byte"})]
    assert journal([s.tick(500.0)]) == []


def test_a_lost_working_button_is_a_new_outage_shown_at_once():
    s = make()
    s.opened(0.0)
    s.proven(0.5)
    report = s.failed(Fault.LOST, 60.0, "OSError: [Errno 5] Input/output error")
    assert journal([report]) == [(F.BUTTON_DISCONNECTED, {"reason": "OSError: [Errno 5] Input/output error"})]
    assert report.shown and not report.shown.ok and "unplugged" in report.shown.detail
    assert s.outages == 1 and s.retry_delay() == 0.25


def test_a_summary_falls_due_while_the_port_is_open_and_silent():
    s = make(summary_seconds=600.0)
    s.opened(0.0)
    s.failed(Fault.SILENT, 3.6, "no PING or HELLO")
    assert journal([s.tick(603.0)]) == []
    summary = journal([s.tick(603.6)])
    assert [(kind, p["fault"], p["ongoing"], p["outage_seconds"]) for kind, p in summary] == [
        (F.BUTTON_FAULT, "silent", True, 600.0)]
    assert "connected but silent" in summary[0][1]["detail"]
    assert journal([s.tick(1000.0)]) == []
