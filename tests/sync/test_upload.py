"""The client and the batch logic against a stub hub on a real loopback port."""

from __future__ import annotations

import json

import pytest

from kiosk.store import outbox
from kiosk.sync.client import BatchRefused, HubClient, HubUnreachable, TokenRefused
from kiosk.store.outbox import waiting_after
from kiosk.sync.upload import Uploader
from tests.sync.conftest import append_many
from tests.sync.stubhub import POISON


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


def test_a_batch_refused_as_a_whole_is_bisected_down_to_the_bad_event(stub, journal):
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


def test_events_the_hub_rejects_are_set_aside_with_its_reason(stub, journal):
    token = next(iter(stub.tokens))
    journal.append("k" * 65, {}).result()
    append_many(journal, 3)
    up = uploader(stub, journal, token)
    progress = up.send_next()
    up.settle()
    assert (progress.confirmed, progress.rejected) == (3, 1)
    [(record, reason)] = outbox.rejected_events(journal)
    assert reason == "kind is longer than 64 characters"


def test_events_the_hub_leaves_out_of_its_answer_stay_waiting(stub, journal):
    token = next(iter(stub.tokens))
    append_many(journal, 4)
    stub.leave_out.add(outbox.pending(journal)[1].uuid)
    up = uploader(stub, journal, token)
    assert up.send_next().confirmed == 3
    up.settle()
    assert outbox.counts(journal).waiting == 1
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
