"""Real hub processes: the CLI, restarts, and two hubs sharing one PostgreSQL database."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest
import requests

from tests.hub.hubproc import REPO, HubProcess, start_hub


def _event(device_id: str, seq: int, kind: str = "cue.fired", payload: dict | None = None) -> dict:
    return {"uuid": str(uuid.uuid4()), "seq": seq, "device_id": device_id, "wall": "2026-11-25T10:00:00.000Z",
            "mono": float(seq), "boot_id": "b", "clock_trusted": True, "session_id": None, "kind": kind,
            "payload": payload or {}}


def _upload(url: str, token: str, device_id: str, events: list[dict]) -> list[dict]:
    response = requests.post(f"{url}/api/v1/events", json={"device_id": device_id, "events": events},
                             headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["results"]


def _login(session: requests.Session, url: str, password: str = "correct horse") -> None:
    page = session.get(f"{url}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(f"{url}/login", data={"user": "staff", "password": password, "csrf_token": token},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text


def test_cli_rooms_tokens_and_passwords(tmp_path):
    hub = HubProcess(tmp_path / "hub")
    token = hub.add_room("Room 3")
    assert len(token) >= 40
    with pytest.raises(RuntimeError, match="already exists"):
        hub.add_room("Room 3")
    assert "Room 3\tphase=-" in hub.cli("list-rooms")
    with pytest.raises(RuntimeError, match="too short"):
        hub.set_password("staff", "short")
    hub.set_password("staff", "correct horse")
    new = hub.rotate_token("Room 3")
    with start_hub(tmp_path / "hub") as running:
        def status(tok: str) -> int:
            return requests.get(f"{running.url}/api/v1/help", headers={"Authorization": f"Bearer {tok}"},
                                timeout=10).status_code
        assert (status(token), status(new)) == (401, 200)
        _login(requests.Session(), running.url)


def test_bad_database_url_is_a_clear_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kiosk", "hub", "add-room", "X", "--data", str(tmp_path),
                           "--database", "mysql://x@y/z"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "unsupported database URL" in done.stderr


def test_sqlite_hub_survives_kill_and_stops_cleanly_on_sigterm(tmp_path):
    hub = start_hub(tmp_path / "hub")
    token = hub.add_room("Room 3")
    device = str(uuid.uuid4())
    events = [_event(device, i) for i in range(1, 301)]
    assert {r["status"] for r in _upload(hub.url, token, device, events)} == {"stored"}
    port = hub.port
    hub.restart(kill=True)
    assert hub.port == port
    assert {r["status"] for r in _upload(hub.url, token, device, events)} == {"duplicate"}
    assert hub.stop() == 0
    assert "hub stopped" in hub.output()


def test_two_hub_processes_share_one_postgresql_database(tmp_path, pg_url):
    hubs = [HubProcess(tmp_path / "a", pg_url), HubProcess(tmp_path / "b", pg_url)]
    starters = [threading.Thread(target=h.start) for h in hubs]   # both create the schema at once
    for t in starters:
        t.start()
    for t in starters:
        t.join(60)
    a, b = hubs
    try:
        assert a.running and b.running, a.output() + b.output()
        token = a.add_room("Room 3")
        a.set_password("staff", "correct horse")
        device = str(uuid.uuid4())
        events = [_event(device, i) for i in range(1, 2001)]
        batches = [events[i:i + 250] for i in range(0, 2000, 125)]   # every event sent twice, to both hubs
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda n: _upload((a, b)[n % 2].url, token, device, batches[n]),
                                    range(len(batches))))
        stored = [r["uuid"] for results in answers for r in results if r["status"] == "stored"]
        assert sorted(stored) == sorted(e["uuid"] for e in events)   # each UUID stored exactly once
        with psycopg2.connect(pg_url) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*), count(DISTINCT uuid) FROM hub_event")
            assert cur.fetchone() == (2000, 2000)

        # A help call uploaded through A; B's long poll wakes when staff acknowledge through A.
        _upload(a.url, token, device, [_event(device, 2001, "help.raised", {"at": 1.0, "call_id": "c1"})])
        staff = requests.Session()
        _login(staff, a.url)
        assert staff.get(f"{b.url}/board.json", timeout=10).status_code == 200   # one login, every hub
        polled: dict = {}

        def poll() -> None:
            started = time.monotonic()
            polled["calls"] = requests.get(f"{b.url}/api/v1/help?wait=20", timeout=30,
                                           headers={"Authorization": f"Bearer {token}"}).json()["calls"]
            polled["seconds"] = time.monotonic() - started

        poller = threading.Thread(target=poll)
        poller.start()
        time.sleep(0.5)
        page = staff.get(f"{a.url}/", timeout=10).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        action = re.search(r'action="(/calls/\d+/c1/ack)"', page).group(1)
        response = staff.post(f"{a.url}{action}", data={"csrf_token": csrf, "by": "Sam"}, allow_redirects=False,
                              timeout=10)
        assert response.status_code == 302
        poller.join(25)
        assert polled["calls"][0]["state"] == "acknowledged" and polled["calls"][0]["by"] == "Sam"
        assert polled["seconds"] < 15
    finally:
        for h in hubs:
            h.stop()


def test_database_gone_is_503_with_retry_after(tmp_path, pg_url):
    hub = start_hub(tmp_path / "hub", pg_url)
    try:
        token = hub.add_room("Room 3")
        device = str(uuid.uuid4())
        _upload(hub.url, token, device, [_event(device, 1)])
        name = pg_url.rsplit("/", 1)[1]
        admin = psycopg2.connect(pg_url.rsplit("/", 1)[0] + "/test")
        admin.autocommit = True
        with admin.cursor() as cur:   # cut the hub off: end its connections and refuse new ones
            cur.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        try:
            response = requests.post(f"{hub.url}/api/v1/events", json={"device_id": device,
                                     "events": [_event(device, 2)]},
                                     headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert response.status_code == 503
            assert int(response.headers["Retry-After"]) > 0 and "retry" in response.json()["error"]
        finally:
            with admin.cursor() as cur:
                cur.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            admin.close()
        results = _upload(hub.url, token, device, [_event(device, 3)])
        assert results[0]["status"] == "stored"
    finally:
        hub.stop()
