"""The client and the batch logic against a stub hub on a real loopback port."""

from __future__ import annotations

import json
import logging
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.store import outbox
from kiosk.session.record import EventRecord, dump_payload, iso_utc
from kiosk.sync.client import BatchRefused, HubClient, HubUnreachable, TokenRefused, encode_event
from kiosk.store.outbox import waiting_after
from kiosk.sync.upload import GOOD_EVENT_CHANCE, MAX_TRIES, MIN_TRIES, Progress, Suspect, Uploader
from tests.sync.conftest import append_many, logged
from tests.sync.stubhub import BREAKS, POISON


@pytest.fixture
def journal(make_room, stub):
    return make_room(stub.url, stub.add_room("A")).journal


def uploader(stub, journal, token, **kw) -> Uploader:
    return Uploader(journal, HubClient(stub.url, token, timeout=(2, 5)), journal.clock.now, **kw)


def test_drains_in_sequence_order_and_marks_only_what_the_hub_committed(stub, journal):
    token = next(iter(stub.tokens))
    append_many(journal, 25)
    up = uploader(stub, journal, token, batch_size=10)
    sent = [up.send_next() for _ in range(4)]
    up.settle()
    assert [p.confirmed for p in sent] == [10, 10, 5, 0]
    assert [n for _, n in stub.requests] == [10, 10, 5]
    seqs = [e["seq"] for e in stub.events.values()]
    assert seqs == sorted(seqs) == list(range(1, 26))
    assert outbox.counts(journal).waiting == 0


def test_repeat_uploads_are_confirmed_as_duplicates(stub, journal):
    token = next(iter(stub.tokens))
    append_many(journal, 5)
    records = outbox.pending(journal)
    up = uploader(stub, journal, token)
    up.send_next()
    up.settle()
    # the kiosk crashed before its marks reached the disk: the same events go again
    journal.write(lambda: journal.models.SyncMark.delete().execute()).result()
    up.begin()
    assert up.send_next().confirmed == 5
    up.settle()
    assert sum(stub.inserts.values()) == 5 and len(records) == 5
    assert outbox.counts(journal).waiting == 0


def test_a_batch_refused_as_a_whole_is_bisected_down_to_the_bad_event(stub, journal, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.sync.upload")
    token = next(iter(stub.tokens))
    append_many(journal, 6)
    journal.append(POISON, {"x": 1}).result()
    append_many(journal, 9)
    up = uploader(stub, journal, token)
    progress = up.send_next()
    up.settle()
    assert (progress.confirmed, progress.rejected) == (15, 1)
    counts = outbox.counts(journal)
    assert (counts.waiting, counts.rejected) == (0, 1)
    [(record, reason)] = outbox.rejected_events(journal)
    assert record.kind == POISON and "breaks this hub" in reason and "400" in reason
    assert len(stub.events) == 15
    splits = [m for level, m in logged(caplog, "kiosk.sync.upload") if level == "INFO"]
    assert splits == [f"hub refused a batch of {n} events (HTTP 400); splitting to find the bad ones"
                      for n in (16, 8, 4, 2)]


def test_events_the_hub_rejects_are_set_aside_with_its_reason(stub, journal, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.sync.upload")
    token = next(iter(stub.tokens))
    journal.append("k" * 65, {}).result()
    append_many(journal, 3)
    up = uploader(stub, journal, token)
    progress = up.send_next()
    up.settle()
    assert (progress.confirmed, progress.rejected) == (3, 1)
    [(record, reason)] = outbox.rejected_events(journal)
    assert reason == "kind is longer than 64 characters"
    assert logged(caplog, "kiosk.sync.upload") == [
        ("WARNING", f"hub rejected event {record.uuid}: kind is longer than 64 characters; set aside")]


def test_events_the_hub_leaves_out_of_its_answer_stay_waiting(stub, journal, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.sync.upload")
    token = next(iter(stub.tokens))
    append_many(journal, 4)
    stub.leave_out.add(outbox.pending(journal)[1].uuid)
    up = uploader(stub, journal, token)
    assert up.send_next().confirmed == 3
    up.settle()
    assert outbox.counts(journal).waiting == 1
    assert logged(caplog, "kiosk.sync.upload") == [
        ("WARNING", "hub did not answer for 1 of 4 events; they stay waiting")]
    assert up.send_next().attempted == 0, "within one drain the cursor moves past what was answered"
    up.begin()
    assert [i.uuid for i in waiting_after(journal)] == list(stub.leave_out)


def test_a_hub_that_confirms_nothing_is_an_error_not_a_busy_loop(stub, journal):
    token = next(iter(stub.tokens))
    append_many(journal, 2)
    stub.leave_out.update(r.uuid for r in outbox.pending(journal))
    with pytest.raises(HubUnreachable, match="confirmed none"):
        uploader(stub, journal, token).send_next()


def test_batches_are_cut_by_bytes_as_well_as_count(stub, journal):
    token = next(iter(stub.tokens))
    for _ in range(5):
        journal.append("big", {"blob": "x" * 3000})
    journal.append("big", {"blob": "x"}).result()
    up = uploader(stub, journal, token, max_bytes=8000)
    up.send_next()
    assert stub.requests[0][1] == 2


def test_wrong_token_is_said_plainly(stub, journal):
    append_many(journal, 1)
    with pytest.raises(TokenRefused, match=r"check \[hub\] token"):
        uploader(stub, journal, "nope").send_next()
    assert outbox.counts(journal).waiting == 1


def test_busy_hub_passes_retry_after(stub, journal):
    token = next(iter(stub.tokens))
    append_many(journal, 1)
    stub.refuse.append((503, {"error": "database is down"}, {"Retry-After": "4"}))
    with pytest.raises(HubUnreachable) as info:
        uploader(stub, journal, token).send_next()
    assert info.value.retry_after == 4.0 and "database is down" in str(info.value)
    assert outbox.counts(journal).waiting == 1


def test_server_error_and_413_are_told_apart(stub, journal):
    token = next(iter(stub.tokens))
    client = HubClient(stub.url, token)
    stub.refuse.append((500, {"error": "boom"}, {}))
    with pytest.raises(HubUnreachable, match="internal error"):
        client.upload(journal.device_id, 0, [], [])
    stub.refuse.append((413, {"error": "too big"}, {}))
    with pytest.raises(BatchRefused, match="too big"):
        client.upload(journal.device_id, 0, [], [])


def test_no_hub_listening_is_unreachable_in_plain_words(journal, refused_url):
    append_many(journal, 1)
    client = HubClient(refused_url, "t", timeout=(1, 1))
    up = Uploader(journal, client, journal.clock.now)
    with pytest.raises(HubUnreachable, match="cannot reach the hub .*connection refused"):
        up.send_next()
    assert outbox.counts(journal).waiting == 1


def test_backlog_encodes_exactly_what_to_wire_says(journal):
    journal.append("help.raised", {"call_id": "c-1", "at": 1.5, "note": "ünïcode"}, session_id="s-1")
    journal.append("test.event", {}).result()
    items = waiting_after(journal)
    assert [json.loads(i.text) for i in items] == [r.to_wire() for r in journal.records()]
    assert [i.call_id for i in items] == ["c-1", None]


def _envelope_the_slow_way(uuid, seq, device_id, wall, mono, boot_id, trusted, session_id, kind, payload) -> str:
    """What waiting_after() wrote before wire_text(): json.dumps of the envelope, the payload text spliced in."""
    envelope = json.dumps({"uuid": uuid, "seq": seq, "device_id": device_id, "wall": iso_utc(wall), "mono": mono,
                           "boot_id": boot_id, "clock_trusted": bool(trusted), "session_id": session_id,
                           "kind": kind}, separators=(",", ":"), ensure_ascii=False)
    return envelope[:-1] + ',"payload":' + (payload or "{}") + "}"


texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=300, deadline=None)
@given(uuid=texts, seq=st.integers(min_value=1, max_value=2**31 - 1), device_id=texts,
       wall=st.floats(min_value=0, max_value=2**32 - 1), mono=st.one_of(st.floats(allow_nan=False), st.integers()),
       boot_id=texts, trusted=st.sampled_from([True, False, 0, 1]), session_id=st.none() | texts, kind=texts,
       payload=st.dictionaries(texts, st.one_of(st.none(), st.booleans(), st.integers(), texts,
                                                st.floats(allow_nan=False, allow_infinity=False)), max_size=4))
def test_the_fast_wire_text_is_byte_for_byte_the_slow_one(uuid, seq, device_id, wall, mono, boot_id, trusted,
                                                          session_id, kind, payload):
    stored = dump_payload(payload)
    columns = (uuid, seq, device_id, wall, mono, boot_id, trusted, session_id, kind, stored)
    assert outbox.wire_text(*columns) == _envelope_the_slow_way(*columns)
    if isinstance(mono, float) and math.isfinite(mono):
        record = EventRecord(uuid, seq, device_id, wall, mono, boot_id, bool(trusted), session_id, kind, payload)
        assert json.loads(outbox.wire_text(*columns)) == json.loads(encode_event(record.to_wire()))


# --- an event the hub keeps failing on (500 or a dropped connection), and a hub that is down -----

INTERNAL_ERROR = (500, {"error": "internal error"}, {})


def drain(up: Uploader, drains: int = 20) -> tuple[Progress, int]:
    """Drain after drain, as the worker would (a failed one ends, the next begins); returns the
    total and how many drains failed."""
    total, failed = Progress(), 0
    for _ in range(drains):
        up.begin()
        try:
            while (step := up.send_next()).attempted:
                total.add(step)
        except HubUnreachable:
            failed += 1
        finally:
            up.settle()
        if outbox.counts(up.journal).waiting == 0:
            break
    return total, failed


def test_an_event_the_hub_fails_on_alone_is_found_and_set_aside_after_a_few_tries(stub, journal, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.sync.upload")
    token = next(iter(stub.tokens))
    append_many(journal, 30)
    journal.append(BREAKS, {"x": 1}).result()
    append_many(journal, 100)
    up = uploader(stub, journal, token, batch_size=8)
    total, failed = drain(up, drains=1)
    assert (total.confirmed, total.rejected, failed) == (130, 1, 0), "one drain finds it and moves on"
    assert total.attempted == total.confirmed + total.rejected + total.failed, "each event sent is counted once"
    [(record, reason)] = outbox.rejected_events(journal)
    assert record.kind == BREAKS
    assert reason == ("set aside after 7 tries: the hub failed on this event alone each time while it "
                      "took others (6 of 6 other requests got through meanwhile; last: the hub had an "
                      "internal error (HTTP 500): internal error)")
    assert len(stub.events) == 130 and not up.suspects
    assert len(stub.requests) == 17 + 2 * 3 + 6, "the batches, the split down to it, its tries alone"
    lines = logged(caplog, "kiosk.sync.upload")
    error = "the hub had an internal error (HTTP 500): internal error"
    split = [("INFO", f"hub failed on a batch of {n} events ({error}); splitting to see whether an event is the cause")
             for n in (8, 4, 2)]
    strikes = [("WARNING", f"hub failed on event {record.uuid} ({BREAKS}, seq {record.seq}) alone, {n} times, while "
                f"it took others: {error}; it leaves the batches and is tried alone again") for n in range(1, 7)]
    assert lines == split + strikes + [
        ("WARNING", f"event {record.uuid} ({BREAKS}, seq {record.seq}): {reason}")], lines


def test_how_often_a_suspect_must_fail_follows_how_lossy_the_link_is():
    def needed(ok: int, failed: int) -> int | None:
        return Suspect(None, others_ok=ok, others_failed=failed).tries_needed()

    assert needed(0, 0) == 20, "nothing known yet about the link: as if it lost one request in two"
    assert needed(6, 0) == 7 and needed(1000, 0) == MIN_TRIES
    assert needed(60, 40) == 16, "a link losing 4 requests in 10: 0.4**16 is about 4e-7"
    assert needed(36, 61) == MAX_TRIES, "the most tries a link may need and still be told apart"
    assert needed(10, 40) is None, "a link this bad cannot tell a bad event from bad luck: never set aside"
    for ok in range(0, 200, 7):
        for failed in range(0, 200, 11):
            n = needed(ok, failed)
            share = (failed + 1) / (ok + failed + 2)
            assert n is None or (MIN_TRIES <= n <= MAX_TRIES and share ** n <= GOOD_EVENT_CHANCE * (1 + 1e-9))


def test_a_suspect_leaves_the_batches_so_the_queue_moves_while_it_is_tried_again(stub, journal, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.sync.upload")
    token = next(iter(stub.tokens))
    journal.append(BREAKS, {"x": 1}).result()
    append_many(journal, 4)
    up = uploader(stub, journal, token)
    up.begin()
    first = up.send_next()
    assert first == Progress(attempted=5, confirmed=4, failed=1)
    [suspect] = up.suspects.values()
    assert suspect.item.kind == BREAKS and suspect.strikes == 1
    assert up.send_next() == Progress(attempted=1, failed=1), "nothing else waits: it is tried alone, once a drain"
    assert up.send_next().attempted == 0
    assert suspect.strikes == 1, "nothing was answered just before: no evidence against it"
    assert suspect.tries == 1
    assert [m for level, m in logged(caplog, "kiosk.sync.upload") if level == "INFO"][-1] == (
        f"event {suspect.item.uuid} still fails alone (the hub had an internal error (HTTP 500): internal error); "
        "tried again after the next batch gets through")
    append_many(journal, 2)
    up.begin()
    assert up.send_next().confirmed == 2, "newer events go without it"
    assert up.send_next().failed == 1 and suspect.strikes == 2, "then it is tried alone, right after an answer"
    up.settle()
    assert outbox.counts(journal).waiting == 1 and outbox.counts(journal).rejected == 0


def test_a_hub_that_fails_every_request_never_sets_anything_aside(stub, journal):
    token = next(iter(stub.tokens))
    append_many(journal, 40)
    stub.refuse.extend([INTERNAL_ERROR] * 200)
    up = uploader(stub, journal, token, batch_size=10)
    total, failed = drain(up, drains=30)
    assert failed == 30 and total.rejected == 0 and not up.suspects
    assert outbox.counts(journal).rejected == 0 and outbox.counts(journal).waiting == 40
    assert [n for _, n in stub.requests] == [10, 5, 5, 5, 3, 2, 2, 1, 1] + [1] * 27, (
        "a failed batch is split once; both halves failing stops the drain and the next starts smaller")
    stub.refuse.clear()
    drain(up)
    assert outbox.counts(journal).confirmed == 40 and outbox.counts(journal).rejected == 0


def test_a_lone_event_and_a_hub_that_fails_it_is_never_set_aside(stub, journal):
    token = next(iter(stub.tokens))
    journal.append(BREAKS, {}).result()
    up = uploader(stub, journal, token)
    total, failed = drain(up, drains=10)
    assert failed == 10 and not up.suspects and outbox.counts(journal).rejected == 0, (
        "with nothing else answered, the hub may be down: no evidence against the event")


def test_a_connection_refused_is_never_counted_against_an_event(journal, refused_url):
    append_many(journal, 3)
    up = Uploader(journal, HubClient(refused_url, "t", timeout=(1, 1)), journal.clock.now)
    assert drain(up, drains=5)[1] == 5 and not up.suspects


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_hub_failing_one_request_in_three_sets_no_good_event_aside(stub, journal, seed):
    token = next(iter(stub.tokens))
    append_many(journal, 300)
    rng = random.Random(seed)
    stub.refuse.extend(INTERNAL_ERROR if rng.random() < 1 / 3 else None for _ in range(2000))
    up = uploader(stub, journal, token, batch_size=20)
    total, failed = drain(up, drains=200)
    counts = outbox.counts(journal)
    assert (counts.waiting, counts.rejected, counts.confirmed) == (0, 0, 300)
    assert failed > 0 and len(stub.events) == 300


def test_sendable_counts_this_senders_kinds_less_its_suspects(stub, journal):
    token = next(iter(stub.tokens))
    append_many(journal, 3, kind="help.raised")
    append_many(journal, 5)
    helps = uploader(stub, journal, token, kinds={"help.raised"})
    backlog = uploader(stub, journal, token, exclude={"help.raised"})
    assert (helps.sendable(), backlog.sendable()) == (3, 5)
    [first, *_] = waiting_after(journal, kinds={"help.raised"})
    helps.suspects[first.uuid] = Suspect(first)
    assert (helps.sendable(), backlog.sendable()) == (2, 5), "a suspect is tried alone, not in the batches"
    drain(backlog)
    helps.suspects.clear()
    drain(helps)
    assert (helps.sendable(), backlog.sendable()) == (0, 0)


def test_suspects_are_tried_in_turn_the_least_tried_first_then_the_oldest(stub, journal):
    token = next(iter(stub.tokens))
    for x in (1, 2):
        journal.append(BREAKS, {"x": x}).result()
        append_many(journal, 2)
    up = uploader(stub, journal, token, batch_size=3)
    up.begin()
    up.send_next()
    up.send_next()
    older, newer = sorted(up.suspects.values(), key=lambda s: s.item.seq)
    tried = []
    for _ in range(4):
        append_many(journal, 1)
        up.begin()
        assert up.send_next().confirmed == 1
        before = {s.item.uuid: s.tries for s in up.suspects.values()}
        assert up.send_next() == Progress(attempted=1, failed=1), "a suspect alone, right after an answer"
        [uuid] = [u for u, s in up.suspects.items() if s.tries == before[u] + 1]
        tried.append(uuid)
        up.settle()
    assert tried == [older.item.uuid, newer.item.uuid] * 2
    assert (older.tries, newer.tries) == (2, 2)


def test_with_nothing_else_to_send_each_suspect_is_tried_alone_once_a_drain_however_often_it_was_before(
        stub, journal):
    token = next(iter(stub.tokens))
    for x in (1, 2):
        journal.append(BREAKS, {"x": x}).result()
    older, newer = waiting_after(journal)
    up = uploader(stub, journal, token)
    up.suspects[older.uuid] = Suspect(older, tries=3)
    up.suspects[newer.uuid] = Suspect(newer)
    up.begin()
    assert [up.send_next() for _ in range(3)] == [Progress(attempted=1, failed=1)] * 2 + [Progress()]
    up.settle()
    assert (up.suspects[older.uuid].tries, up.suspects[newer.uuid].tries) == (4, 1)


def test_a_suspect_tried_alone_tells_the_hub_how_many_wait_itself_included(stub, journal):
    token = next(iter(stub.tokens))
    journal.append(BREAKS, {"x": 1}).result()
    [item] = waiting_after(journal)
    up = uploader(stub, journal, token)
    up.suspects[item.uuid] = Suspect(item)
    up.begin()
    assert up.send_next() == Progress(attempted=1, failed=1)
    assert stub.waiting == [1]


def test_the_set_aside_reason_counts_the_other_requests_that_failed_too(stub, journal):
    """Strikes on a lossy link: 60 of 100 other requests got through, so 16 lone failures are needed."""
    token = next(iter(stub.tokens))
    journal.append(BREAKS, {"x": 1}).result()
    append_many(journal, 1)
    bad, good = waiting_after(journal)
    up = uploader(stub, journal, token)
    up.suspects[bad.uuid] = Suspect(bad, strikes=15, others_ok=60, others_failed=40)
    up.begin()
    assert up.send_next().confirmed == 1
    assert up.send_next() == Progress(attempted=1, rejected=1)
    up.settle()
    [(record, reason)] = outbox.rejected_events(journal)
    assert reason.startswith("set aside after 16 tries: the hub failed on this event alone each time while it "
                             "took others (61 of 101 other requests got through meanwhile; last: ")


def test_an_event_the_hub_refuses_alone_is_set_aside_with_its_reason_and_counts_as_an_answer_for_the_others(
        stub, journal, caplog):
    caplog.set_level(logging.INFO, logger="kiosk.sync.upload")
    token = next(iter(stub.tokens))
    journal.append(POISON, {"x": 1}).result()
    journal.append(BREAKS, {"x": 2}).result()
    poison, other = waiting_after(journal)
    up = uploader(stub, journal, token)
    up.suspects[poison.uuid] = Suspect(poison)
    up.suspects[other.uuid] = Suspect(other, tries=5)
    up.begin()
    assert up.send_next() == Progress(attempted=1, rejected=1)
    up.settle()
    assert poison.uuid not in up.suspects, "set aside: no longer a suspect"
    assert (up.suspects[other.uuid].others_ok, up.suspects[other.uuid].others_failed) == (1, 0), (
        "a refusal is the hub answering: the link got through")
    reason = "event kind 'poison' breaks this hub"
    assert logged(caplog, "kiosk.sync.upload") == [
        ("WARNING", f"hub refused event {poison.uuid} ({POISON}, seq {poison.seq}): {reason}; set aside")]
    assert [r for _, r in outbox.rejected_events(journal)] == [f"HTTP 400: {reason}"]


def test_each_request_counts_once_for_every_suspect_it_did_not_carry(stub, journal):
    token = next(iter(stub.tokens))
    for x in (1, 2):
        journal.append(BREAKS, {"x": x}).result()
    first, second = waiting_after(journal)
    up = uploader(stub, journal, token)
    up.suspects[first.uuid] = Suspect(first)
    up.suspects[second.uuid] = Suspect(second, tries=1)
    up.begin()
    assert up.send_next() == Progress(attempted=1, failed=1), "the least tried, alone"
    counts = {u: (s.others_ok, s.others_failed) for u, s in up.suspects.items()}
    assert counts == {first.uuid: (0, 0), second.uuid: (0, 1)}, "the one it carried is not counted"
    up._observe([first], False)
    up._observe([first], True)
    assert (up.suspects[second.uuid].others_ok, up.suspects[second.uuid].others_failed) == (1, 2)


def test_a_request_the_hub_could_not_take_counts_as_a_failure_for_the_suspects(stub, journal):
    token = next(iter(stub.tokens))
    journal.append(BREAKS, {"x": 1}).result()
    append_many(journal, 2)
    suspect, *_ = waiting_after(journal)
    up = uploader(stub, journal, token)
    up.suspects[suspect.uuid] = Suspect(suspect)
    stub.refuse.append((503, {"error": "busy"}, {}))
    up.begin()
    with pytest.raises(HubUnreachable):
        up.send_next()
    assert (up.suspects[suspect.uuid].others_ok, up.suspects[suspect.uuid].others_failed) == (0, 1)


def test_a_batch_fills_its_bytes_exactly_and_not_one_byte_more(stub, journal):
    """Each event costs its text and a comma; the envelope's share is kept apart (ENVELOPE_BYTES)."""
    from kiosk.sync.upload import ENVELOPE_BYTES

    token = next(iter(stub.tokens))
    for _ in range(3):
        journal.append("big", {"blob": "x" * 1000})
    journal.flush()
    items = waiting_after(journal)

    def cost(pair) -> int:
        return sum(len(i.text.encode("utf-8")) + 1 for i in pair)

    short = uploader(stub, journal, token, max_bytes=cost(items[:2]) + ENVELOPE_BYTES - 1)
    short.send_next()
    short.settle()
    exact = uploader(stub, journal, token, max_bytes=cost(items[1:]) + ENVELOPE_BYTES)
    exact.send_next()
    exact.settle()
    assert [n for _, n in stub.requests] == [1, 2], "one byte short of two: one goes; two that fit exactly: both"


def test_progress_added_up_keeps_every_help_call_the_hub_confirmed():
    """The help sender marks delivered the calls of a batch the uploader split in halves: both halves' calls."""
    total = Progress(attempted=1, confirmed=1, raised_confirmed=["a"])
    total.add(Progress(attempted=2, confirmed=1, failed=1, raised_confirmed=["b"]))
    assert total == Progress(attempted=3, confirmed=2, failed=1, raised_confirmed=["a", "b"])
