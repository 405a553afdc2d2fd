"""The hub serves a help upload before the backlog batches queued ahead of it (kiosk/hub/urgency.py)."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from types import SimpleNamespace

import pytest
import requests

from kiosk.hub.urgency import (BACKLOG_TURNS, DEFAULT_URGENCY, KEPT_FREE, BacklogBusy, UrgencyDispatcher,
                                UrgencyQueue, backlog_turn, may_take_backlog, task_urgency, urgency)
from kiosk.session import facts as F
from kiosk.session.record import BACKLOG_PRIORITY, HELP_PRIORITY
from tests.hub.hubproc import start_hub
from tests.sync.hubside import staff_acknowledges


@pytest.mark.parametrize("header, expected", [
    (None, DEFAULT_URGENCY), ("", DEFAULT_URGENCY), ("u=0", 0), ("u=7", 7), (" u = 5 ", 5), ("u=1, i", 1),
    ("i, u=6", 6), ("u=2;x", 2), ("u=8", DEFAULT_URGENCY), ("u=-1", DEFAULT_URGENCY), ("uu=0", DEFAULT_URGENCY),
    ("u=0x", DEFAULT_URGENCY), ("urgent", DEFAULT_URGENCY),
])
def test_urgency_reads_the_priority_header_and_defaults_to_three(header, expected):
    assert urgency(header) == expected


def task(priority: str | None, name: str) -> SimpleNamespace:
    headers = {} if priority is None else {"PRIORITY": priority}
    return SimpleNamespace(name=name, requests=[SimpleNamespace(headers=headers)])


def test_the_queue_serves_the_most_urgent_first_and_first_come_first_within_an_urgency():
    queue = UrgencyQueue()
    for t in (task(BACKLOG_PRIORITY, "batch 1"), task(BACKLOG_PRIORITY, "batch 2"), task(None, "board"),
              task(HELP_PRIORITY, "help"), task(BACKLOG_PRIORITY, "batch 3"), SimpleNamespace(name="odd")):
        queue.append(t)
    assert len(queue) == 6 and queue
    served = [queue.popleft().name for _ in range(6)]
    assert served == ["help", "board", "odd", "batch 1", "batch 2", "batch 3"]
    assert not queue and len(queue) == 0
    with pytest.raises(IndexError):
        queue.popleft()
    assert task_urgency(SimpleNamespace(requests=[])) == DEFAULT_URGENCY


def test_the_dispatcher_uses_the_urgency_queue():
    assert isinstance(UrgencyDispatcher().queue, UrgencyQueue)


def test_a_backlog_batch_is_offered_only_while_another_thread_stays_idle():
    assert KEPT_FREE == 1
    assert may_take_backlog(idle_others=1, threads=4) and may_take_backlog(idle_others=3, threads=4)
    assert not may_take_backlog(idle_others=0, threads=4) and not may_take_backlog(idle_others=0, threads=2)
    assert may_take_backlog(idle_others=0, threads=1), "a one-thread hub would never serve a backlog"
    assert may_take_backlog(idle_others=0, threads=0), "shutting down: every task is handed out to be cancelled"
    pool = [(0, 4)]
    queue = UrgencyQueue(lambda: pool[0])
    for t in (task(BACKLOG_PRIORITY, "batch"), task("u=4", "bulk")):
        queue.append(t)
    assert not queue and len(queue) == 2, "held-back backlog looked like work to a thread that would take it"
    with pytest.raises(IndexError):
        queue.popleft()
    queue.append(task(HELP_PRIORITY, "help"))
    assert queue and queue.popleft().name == "help" and not queue
    pool[0] = (1, 4)
    assert queue and [queue.popleft().name, queue.popleft().name] == ["bulk", "batch"]


def test_the_dispatcher_keeps_a_thread_free_of_backlog_for_the_next_help_upload():
    """Two threads, one held (a long poll): the other does not take the backlog batch, so the help upload
    after it is served at once; the batch goes when the held thread comes back."""
    dispatcher = UrgencyDispatcher()
    dispatcher.set_thread_count(2)
    served: list[str] = []
    holding, release, helped, batched = (threading.Event() for _ in range(4))

    def work(priority: str | None, name: str, fn) -> SimpleNamespace:
        job = task(priority, name)
        job.service = lambda: (served.append(name), fn())
        job.cancel = lambda: None
        return job

    try:
        dispatcher.add_task(work(None, "long poll", lambda: (holding.set(), release.wait(10))))
        assert holding.wait(10)
        dispatcher.add_task(work(BACKLOG_PRIORITY, "batch", batched.set))
        dispatcher.add_task(work(HELP_PRIORITY, "help", helped.set))
        assert helped.wait(10)
        assert served == ["long poll", "help"] and not batched.is_set()
        release.set()
        assert batched.wait(10), "the held-back batch was never served"
        assert served == ["long poll", "help", "batch"]
    finally:
        release.set()
        dispatcher.shutdown(timeout=5)


def test_backlog_batches_take_turns_and_anything_more_urgent_never_waits_for_one():
    turns = threading.Semaphore(1)
    with backlog_turn(turns, BACKLOG_PRIORITY):
        assert not turns.acquire(blocking=False), "a backlog batch ran without holding a turn"
        with pytest.raises(BacklogBusy, match="waited 0 s for its turn"):
            with backlog_turn(turns, "u=7", wait=0.01):
                pass
        for priority in (HELP_PRIORITY, None, "u=3"):
            with backlog_turn(turns, priority, wait=0.01):   # the turn is taken; these run anyway
                pass
    assert turns.acquire(blocking=False), "the turn was not given back"


def test_a_backlog_batch_that_gets_no_turn_is_told_to_come_back_and_a_help_upload_is_stored(app, make_kiosk,
                                                                                             monkeypatch):
    app.extensions["kiosk_hub"].backlog_turns = threading.Semaphore(0)   # every turn taken, for ever
    monkeypatch.setattr("kiosk.hub.urgency.BACKLOG_WAIT", 0.01)
    kiosk = make_kiosk()
    body = {"device_id": kiosk.device_id, "waiting": 1, "events": [kiosk.event()]}
    busy = kiosk.client.post("/api/v1/events", json=body, headers={**kiosk.headers, "Priority": BACKLOG_PRIORITY})
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert "waited" in busy.get_json()["error"] and "for its turn" in busy.get_json()["error"]
    call = {"device_id": kiosk.device_id, "events": [kiosk.event(F.HELP_RAISED, {"call_id": "c-1", "at": 1.0})]}
    stored = kiosk.client.post("/api/v1/events", json=call, headers={**kiosk.headers, "Priority": HELP_PRIORITY})
    assert stored.status_code == 200 and [r["status"] for r in stored.get_json()["results"]] == ["stored"]
    assert BACKLOG_TURNS >= 1


# --- a real hub with one worker thread, held busy while three uploads queue behind it ----------------------------

def event(device: str, seq: int, kind: str, payload: dict) -> dict:
    return {"uuid": str(uuid.uuid4()), "seq": seq, "device_id": device, "wall": "2026-11-25T10:00:00.000Z",
            "mono": float(seq), "boot_id": "b", "clock_trusted": True, "session_id": None, "kind": kind,
            "payload": payload}


def upload(url: str, token: str, events: list[dict], priority: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if priority:
        headers["Priority"] = priority
    body = json.dumps({"device_id": events[0]["device_id"], "waiting": 0, "events": events})
    return requests.post(f"{url}/api/v1/events", data=body, headers=headers, timeout=60)


def wait_for(condition, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_a_help_upload_is_served_before_the_backlog_batches_queued_ahead_of_it(tmp_path):
    hub = start_hub(tmp_path / "hub", threads=1)
    db = tmp_path / "hub" / "hub.sqlite3"
    try:
        tokens = {name: hub.add_room(name) for name in ("Holder", "Bulk", "Help")}
        holder = str(uuid.uuid4())
        assert upload(hub.url, tokens["Holder"], [event(holder, 1, F.HELP_RAISED, {"call_id": "c-hold", "at": 1.0})],
                      HELP_PRIORITY).ok

        def last_seen() -> float:
            with sqlite3.connect(db) as conn:
                return conn.execute("SELECT last_seen FROM hub_room WHERE name = 'Holder'").fetchone()[0]

        before = last_seen()
        answers: dict[str, int] = {}

        def send(name: str, fn) -> threading.Thread:
            thread = threading.Thread(target=lambda: answers.__setitem__(name, fn().status_code), daemon=True)
            thread.start()
            return thread

        # the hub's one thread: a long poll, which holds it until the Holder room's call changes
        threads = [send("hold", lambda: requests.get(f"{hub.url}/api/v1/help?wait=25", timeout=60,
                                                     headers={"Authorization": f"Bearer {tokens['Holder']}"}))]
        wait_for(lambda: last_seen() != before, "the long poll to hold the hub's thread")
        bulk = str(uuid.uuid4())
        batches = [[event(bulk, n * 200 + i + 1, "cue.fired", {"at": 1.0, "i": i}) for i in range(200)]
                   for n in range(2)]
        queued = iter(range(1, 4))
        help_call = [event(str(uuid.uuid4()), 1, F.HELP_RAISED, {"call_id": "c-help", "at": 1.0})]
        for name, room, events, priority in (("batch 1", "Bulk", batches[0], BACKLOG_PRIORITY),
                                             ("batch 2", "Bulk", batches[1], BACKLOG_PRIORITY),
                                             ("help", "Help", help_call, HELP_PRIORITY)):
            threads.append(send(name, lambda t=tokens[room], e=events, p=priority: upload(hub.url, t, e, p)))
            depth = next(queued)
            wait_for(lambda: f"Task queue depth is {depth}" in hub.output(), f"waitress to queue {name}")
        assert staff_acknowledges(hub.data_dir, None, "Holder", "c-hold", "Sam")  # the long poll returns
        for thread in threads:
            thread.join(60)
        assert answers == {"hold": 200, "batch 1": 200, "batch 2": 200, "help": 200}
        with sqlite3.connect(db) as conn:
            served = conn.execute("SELECT r.name, MIN(e.received_at) FROM hub_event e JOIN hub_room r "
                                  "ON r.id = e.room_id WHERE r.name != 'Holder' GROUP BY e.received_at, r.name "
                                  "ORDER BY MIN(e.received_at)").fetchall()
        assert [name for name, _ in served] == ["Help", "Bulk", "Bulk"], \
            "the help upload waited behind the backlog batches queued before it"
    finally:
        hub.stop()
