"""Staff alerts: a press of the help button on a real kiosk -> the webhook received, and -> the staff
page's board showing the call; 20 kiosks connected to one hub on loopback.

The kiosk under test is a real Station (journal, Room, ButtonLink on a pseudo-terminal, sync worker);
19 more Stations are connected to the same hub subprocess (heartbeats and help long polls). The hub has
one webhook channel pointing at a receiver in this process, so both ends are timed with perf_counter.
"Board shows the call" polls /board.json every 50 ms: the moment the page's data has it (the page itself
asks once a second, which adds 0 to 1 s on top). Between presses the call is resolved on the kiosk and
the bench waits for the hub to see it, so every press raises a new call.

Baselines measured in the same run: the receiver's own floor (a signed POST from this process straight
to it) and a bare upload of one help.raised to the hub (HTTP, committed, no kiosk).

    python bench/alert_latency.py [--presses 50] [--kiosks 20] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import requests  # noqa: E402

from bench.runner import figures  # noqa: E402
from kiosk.config import ButtonConfig, Config, HubConfig, PathsConfig  # noqa: E402
from kiosk.session import facts as F  # noqa: E402
from kiosk.station import Station  # noqa: E402
from tests.hub.hubproc import fresh_postgres_database, start_hub  # noqa: E402
from tests.hub.notify.receivers import HttpReceiver  # noqa: E402

logging.getLogger("kiosk").addHandler(logging.NullHandler())
SECRET = "bench-webhook-key"
TIMEOUT = 20.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def line(label: str, ms: list[float]) -> str:
    return (f"  {label:<50} p50 {pct(ms, 50):8.1f} ms   p99 {pct(ms, 99):8.1f} ms   max {max(ms):8.1f} ms"
            f"   (n={len(ms)})")


class TimedReceiver(HttpReceiver):
    """Notes when each webhook arrived, by its event and call."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[tuple[str, str | None], float] = {}
        self.changed = threading.Condition()

    def wait_event(self, event: str, call_id: str, timeout: float = TIMEOUT) -> float:
        deadline = time.monotonic() + timeout
        while True:
            for r in list(self.requests):
                body = json.loads(r.body)
                self.arrivals.setdefault((body["event"], body["call_id"]), r.headers.get("_at", 0.0))
            if (event, call_id) in self.arrivals:
                return self.arrivals[(event, call_id)]
            with self.arrived:
                self.arrived.wait(max(0.0, min(0.01, deadline - time.monotonic())))
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {event} webhook for {call_id}")


def timed_receiver() -> HttpReceiver:
    receiver = TimedReceiver()
    original = receiver.requests

    class Stamping(list):
        def append(self, item) -> None:   # the handler appends under the receiver's lock as the POST arrives
            item.headers["_at"] = time.perf_counter()
            super().append(item)

    receiver.requests = Stamping(original)
    return receiver.start()


def staff_session(url: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    session.post(f"{url}/login", data={"user": "staff", "password": "correct horse", "csrf_token": token}, timeout=10)
    return session


def station(folder: Path, name: str, hub_url: str, token: str, button: str | None, start: bool = True) -> Station:
    (folder / name).mkdir()
    config = Config(room=name, button=ButtonConfig(url=button), hub=HubConfig(url=hub_url, token=token, sync_seconds=5),
                    paths=PathsConfig(data=folder / name, allow_data_in_ram=True))
    s = Station(config)
    if start:
        s.start()
    return s


def receiver_floor(receiver: TimedReceiver, n: int) -> list[float]:
    from kiosk.hub.notify.transports import sign

    out = []
    session = requests.Session()
    for i in range(n):
        body = json.dumps({"event": "floor", "call_id": f"floor-{i}"}).encode()
        ts = str(int(time.time()))
        t0 = time.perf_counter()
        session.post(receiver.url + "/hook", data=body, timeout=10,
                     headers={"X-Room-Kiosk-Signature": sign(SECRET, ts, body), "X-Room-Kiosk-Timestamp": ts})
        out.append((receiver.wait_event("floor", f"floor-{i}") - t0) * 1000)
    return out


def bare_upload(url: str, token: str, n: int) -> list[float]:
    device = str(uuid.uuid4())
    session = requests.Session()
    out = []
    for i in range(n):
        event = {"uuid": str(uuid.uuid4()), "seq": i + 1, "device_id": device, "wall": "2026-11-25T10:00:00.000Z",
                 "mono": float(i), "boot_id": "b", "clock_trusted": True, "session_id": None, "kind": "cue.fired",
                 "payload": {"at": 1.0}}
        t0 = time.perf_counter()
        r = session.post(f"{url}/api/v1/events", json={"device_id": device, "events": [event]},
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)
        r.raise_for_status()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def run(presses: int, kiosks: int, postgres: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="alert-bench-"))
    receiver = timed_receiver()
    os.environ["BENCH_WEBHOOK_SECRET"] = SECRET
    (folder / "hub").mkdir()
    (folder / "hub" / "alerts.toml").write_text(f'[[channel]]\nname = "bench"\ntype = "webhook"\n'
                                                f'url = "{receiver.url}/hook"\nsecret_env = "BENCH_WEBHOOK_SECRET"\n')
    hub = start_hub(folder / "hub", database=postgres)
    stations: list[Station] = []
    master, slave = os.openpty()
    button = folder / "kiosk-button"
    button.symlink_to(os.ttyname(slave))
    try:
        hub.set_password("staff", "correct horse")
        tokens = {f"Room {n}": hub.add_room(f"Room {n}") for n in range(1, kiosks + 1)}
        for n, (name, token) in enumerate(tokens.items()):
            stations.append(station(folder, name, hub.url, token, str(button) if n == 0 else None))
        kiosk = stations[0]
        staff = staff_session(hub.url)
        time.sleep(3)   # every kiosk has connected and is long polling
        to_webhook, to_board = [], []
        for i in range(presses):
            done = threading.Event()
            seen: dict[str, float] = {}

            def poll_board() -> None:
                while not done.is_set():
                    data = staff.get(f"{hub.url}/board.json", timeout=10).json()
                    if data["alert"]["unanswered"]:
                        seen["board"] = time.perf_counter()
                        return
                    done.wait(0.05)

            poller = threading.Thread(target=poll_board)
            poller.start()
            t0 = time.perf_counter()
            os.write(master, b"HELP\n")
            deadline = time.monotonic() + TIMEOUT
            while kiosk.room.help.open_call() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            call = kiosk.room.help.open_call()
            if call is None:
                raise RuntimeError("the kiosk did not raise a call")
            at = receiver.wait_event("raised", call.call_id)
            to_webhook.append((at - t0) * 1000)
            poller.join(TIMEOUT)
            done.set()
            to_board.append((seen["board"] - t0) * 1000)
            kiosk.room.change_help(F.HELP_RESOLVED, call.call_id, by="bench")
            receiver.wait_event("resolved", call.call_id)
            while staff.get(f"{hub.url}/board.json", timeout=10).json()["alert"]["unanswered"]:
                time.sleep(0.02)
        floor = receiver_floor(receiver, presses)
        upload = bare_upload(hub.url, tokens["Room 2"], presses)
        print(f"alert_latency: {presses} presses on a real kiosk, {kiosks} kiosks connected, hub on "
              f"{'PostgreSQL' if postgres else 'SQLite'}, loopback")
        print(line("press -> webhook received", to_webhook))
        print(line("press -> staff board has the call (50 ms poll)", to_board))
        print(line("baseline: a signed POST straight to the receiver", floor))
        print(line("baseline: one bare upload to the hub", upload))
        print(f"  ratio press->webhook p50 / bare upload p50: {pct(to_webhook, 50) / pct(upload, 50):.1f}x "
              "(the kiosk's serial read, journal fsync and sync hop, the hub's commit, the sender and the POST)")
        print("  the staff page itself refreshes once a second: add 0 to 1 s (mean 0.5 s) to the board figure")
        backend = "PostgreSQL" if postgres else "SQLite"
        figures.record("alert_latency", f"press -> staff webhook p99 ({backend})", pct(to_webhook, 99), "ms",
                       baseline=pct(upload, 99), baseline_label="bare upload p99")
        figures.record("alert_latency", f"press -> staff board data p99 ({backend})", pct(to_board, 99), "ms",
                       baseline=pct(upload, 99), baseline_label="bare upload p99")
    finally:
        for s in stations:
            s.stop()
        hub.stop()
        receiver.stop()
        os.close(master)
        os.close(slave)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=50)
    parser.add_argument("--kiosks", type=int, default=20)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL server URL; a fresh database is made on it")
    figures.json_option(parser)
    args = parser.parse_args()
    figures.apply_json(args)
    try:
        if args.postgres:
            with fresh_postgres_database(args.postgres, "alertbench") as url:
                run(args.presses, args.kiosks, url)
        else:
            run(args.presses, args.kiosks, None)
    except Exception as exc:   # a bench reports; it never fails the build
        print(f"alert_latency: not measured: {type(exc).__name__}: {exc}")
        figures.not_measured("alert_latency", f"{type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
