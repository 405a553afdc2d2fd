"""Two real hub processes on one PostgreSQL database: every alert is sent exactly once."""

from __future__ import annotations

import json
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import requests

from tests.hub.hubproc import HubProcess
from tests.hub.notify.receivers import HttpReceiver

SECRET = "two-hubs-one-key"


def _help(device: str, seq: int, call_id: str) -> dict:
    return {"uuid": str(uuid.uuid4()), "seq": seq, "device_id": device, "wall": "2026-11-25T10:00:00.000Z",
            "mono": float(seq), "boot_id": "b", "clock_trusted": False, "session_id": None, "kind": "help.raised",
            "payload": {"at": 1.0, "call_id": call_id}, "age": 0.5}


def test_two_hubs_send_each_alert_exactly_once(tmp_path, pg_url, monkeypatch):
    receiver = HttpReceiver().start()
    monkeypatch.setenv("PROC_WEBHOOK_SECRET", SECRET)
    alerts = (f'[[channel]]\nname = "office"\ntype = "webhook"\nurl = "{receiver.url}/hook"\n'
              'secret_env = "PROC_WEBHOOK_SECRET"\n')
    hubs = [HubProcess(tmp_path / "a", pg_url), HubProcess(tmp_path / "b", pg_url)]
    for h in hubs:
        h.data_dir.mkdir(parents=True)
        (h.data_dir / "alerts.toml").write_text(alerts)
    starters = [threading.Thread(target=h.start) for h in hubs]
    for t in starters:
        t.start()
    for t in starters:
        t.join(60)
    try:
        a, b = hubs
        assert a.running and b.running, a.output() + b.output()
        tokens = [a.add_room(f"Room {n}") for n in range(1, 9)]
        calls = 64

        def press(n: int) -> None:
            device = str(uuid.uuid4())
            hub = hubs[n % 2]
            event = _help(device, 1, f"call-{n}")
            for target in (hub, hubs[(n + 1) % 2]):   # each press reaches both hubs (a kiosk retrying elsewhere)
                r = requests.post(f"{target.url}/api/v1/events", json={"device_id": device, "events": [event]},
                                  headers={"Authorization": f"Bearer {tokens[n % 8]}"}, timeout=30)
                assert r.status_code == 200, r.text

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(press, range(calls)))
        got = receiver.wait_for(calls, timeout=60)
        time.sleep(2.0)   # four more rounds of both senders: nothing more may come
        got = list(receiver.requests)
        ids = [r.headers["X-Room-Kiosk-Delivery"] for r in got]
        call_ids = [json.loads(r.body)["call_id"] for r in got]
        assert len(got) == calls, f"{len(got)} deliveries for {calls} calls"
        assert len(set(ids)) == calls and sorted(call_ids) == sorted(f"call-{n}" for n in range(calls))
        with psycopg2.connect(pg_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT status, count(*), max(attempts) FROM hub_alert GROUP BY status")
            assert cur.fetchall() == [("sent", calls, 1)]
        both = {line.split()[0] for h in hubs for line in h.output().splitlines() if "alerts: office" in line}
        assert both, "each hub logged its channels at start"
    finally:
        for h in hubs:
            h.stop()
        receiver.stop()
