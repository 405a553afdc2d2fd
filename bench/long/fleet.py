"""The fleet soak: simulated kiosks and staff pages against two hub processes on one PostgreSQL.

Real Stations (journal, room, sync worker; no screen, no button) reach two `kiosk hub serve` processes
through a round-robin proxy (tests/sync/faultproxy.py, forwarding only), both hubs on one PostgreSQL
database. Each kiosk journals an event every --every seconds; staff pages (logged-in sessions) poll
/board.json once a second, as the page does. Every --help-every seconds a random kiosk raises a help
call: timed to the board showing it and to the staff webhook (each hub's alerts.toml), then resolved.
At the end every kiosk's outbox must drain and the database must hold every event once. The hubs'
CPU (utime+stime over the run) and PSS are reported per kiosk.

The kiosks run in --processes child processes (4) plus this one, which holds the --probes kiosks (10) whose
help calls are timed, and the proxy has a process of its own: two hundred Stations in one Python process
wait for each other's interpreter lock, and a call timed there measures that lock, not the kiosk or the hub
(run with --processes 0 to see it: at 200 kiosks the bench process used a whole core and calls took seconds
while the hubs idled at a tenth of one).

With --backlog N each kiosk holds N events before it first syncs (the hub was down all morning), and all
kiosks start syncing at the same moment: the first help call is raised in that flood of first syncs,
which is where a call once waited seconds behind the backlogs queued at the hubs (kiosk/hub/urgency.py).

    python bench/long/fleet.py [--kiosks 200] [--staff 20] [--minutes 10] [--backlog 300] [--short]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.alert_latency import SECRET, staff_session, station, timed_receiver  # noqa: E402
from bench.long.verdict import finish  # noqa: E402
from bench.ui import procstat  # noqa: E402
from kiosk.session import facts as F  # noqa: E402
from kiosk.store import outbox  # noqa: E402
from tests.hub.hubproc import fresh_postgres_database, start_hub  # noqa: E402
from tests.needs import PG_DSN, pg_available  # noqa: E402
from tests.sync.faultproxy import FORWARD, FaultProxy  # noqa: E402
from tests.sync.hubside import stored_by_room, stored_uuids  # noqa: E402

NAME = "long-fleet"
BOARD_BUDGET_MS = 2000.0  # the board's data within 2 s of the press (the page adds up to 1 s)
ALERT_BUDGET_MS = 5000.0


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))] if ordered else float("nan")


def fill(stations, backlog: int) -> None:
    for s in stations:
        last = None
        for n in range(backlog):
            last = s.journal.append("fleet.backlog", {"n": n})
        if last is not None:
            last.result(timeout=120)


def produce(index: int, s, every: float, stop) -> None:
    n = 0
    stop.wait(random.Random(index).uniform(0, every))
    while not stop.is_set():
        s.journal.append("fleet.tick", {"n": n})
        n += 1
        stop.wait(every)


def drain_and_stop(stations, producers) -> tuple[bool, dict[str, set[str]]]:
    """After the run: the producers end, every outbox drains (at most 3 minutes), the stations stop;
    returns whether all drained and each room's journalled UUIDs."""
    for t in producers:
        t.join(10)
    drain_started = time.monotonic()
    while any(outbox.counts(s.journal).waiting for s in stations):
        if time.monotonic() - drain_started > 180:
            break
        time.sleep(0.5)
    drained = not any(outbox.counts(s.journal).waiting for s in stations)
    expected = {s.room.config.room: {r.uuid for r in s.journal.records()} for s in stations}
    for s in stations:
        s.stop()
    return drained, expected


def kiosk_group(folder: str, rooms: list[tuple[str, str]], proxy_url: str, backlog: int, every: float,
                ready, go, stop, results) -> None:
    """A child process of kiosks: real Stations, their backlogs, their ticks; reports what they journalled.
    Kiosks live in several processes like kiosks on their own machines, so the few whose help calls are
    timed do not wait for the interpreter lock behind two hundred others (one process is a bench artefact)."""
    logging.basicConfig(level=logging.ERROR)
    stations = [station(Path(folder), name, proxy_url, token, None, start=False) for name, token in rooms]
    fill(stations, backlog)
    ready.put(len(stations))
    go.wait()
    for s in stations:
        s.start()
    producers = [threading.Thread(target=produce, args=(hash(s.room.config.room) % 1000, s, every, stop),
                                  daemon=True) for s in stations]
    for t in producers:
        t.start()
    stop.wait()
    results.put(drain_and_stop(stations, producers))


def proxy_process(ports: list[int], urls, stop) -> None:
    """The round-robin proxy in a process of its own (it forwards every kiosk's requests)."""
    proxy = FaultProxy(ports, seed=1, weights={FORWARD: 1.0}, inspect=False).start()
    urls.put(proxy.url)
    stop.wait()
    proxy.stop()


def first(values: list[float]) -> float:
    return values[0] if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kiosks", type=int, default=200)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between one kiosk's events")
    parser.add_argument("--help-every", type=float, default=10.0)
    parser.add_argument("--backlog", type=int, default=300,
                        help="events each kiosk holds before its first sync; all kiosks start syncing at once")
    parser.add_argument("--probes", type=int, default=10,
                        help="kiosks in this process, the ones that raise the timed help calls")
    parser.add_argument("--processes", type=int, default=4,
                        help="child processes the other kiosks run in (0: all kiosks in this process)")
    parser.add_argument("--short", action="store_true", help="40 kiosks, 4 staff pages, 1 minute")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    kiosks, staff_pages, minutes = (40, 4, 1.0) if args.short else (args.kiosks, args.staff, args.minutes)
    if not pg_available():
        return finish(NAME, False, "not run: PostgreSQL is not running at 127.0.0.1:5432", short=args.short)
    receiver = timed_receiver()
    os.environ["BENCH_WEBHOOK_SECRET"] = SECRET
    stop = threading.Event()
    stations, pollers = [], []
    board_ms, alert_ms, poll_errors = [], [], [0]
    committed: dict[tuple[str, str], float] = {}   # (help.raised or help.delivered, call_id): when journalled
    commit_ms, delivered_ms = [], []   # press -> help.raised committed on the kiosk; -> the hub's confirmation journalled
    with fresh_postgres_database(PG_DSN, prefix="longfleet") as database, \
            tempfile.TemporaryDirectory(prefix="long-fleet-") as tmp:
        folder = Path(tmp)
        hubs = []
        for name in ("hub-a", "hub-b"):
            (folder / name).mkdir()
            (folder / name / "alerts.toml").write_text(
                f'[[channel]]\nname = "bench"\ntype = "webhook"\nurl = "{receiver.url}/hook"\n'
                'secret_env = "BENCH_WEBHOOK_SECRET"\n')
            hubs.append(start_hub(folder / name, database=database, threads=16))
        mp = multiprocessing.get_context("spawn")
        proxy_stop, group_go, group_stop = mp.Event(), mp.Event(), mp.Event()
        proxy_urls, group_ready, group_results = mp.Queue(), mp.Queue(), mp.Queue()
        children = [mp.Process(target=proxy_process, args=([h.port for h in hubs], proxy_urls, proxy_stop),
                               daemon=True)]
        children[0].start()
        proxy_url = proxy_urls.get(timeout=60)
        try:
            hubs[0].set_password("staff", "correct horse")
            tokens = {f"Room {n}": hubs[n % 2].add_room(f"Room {n}") for n in range(1, kiosks + 1)}
            (folder / "kiosks").mkdir()
            rooms = list(tokens.items())
            here, elsewhere = (rooms[:args.probes], rooms[args.probes:]) if args.processes > 0 else (rooms, [])
            groups = [elsewhere[i::args.processes] for i in range(args.processes)] if elsewhere else []
            for group in groups:
                child = mp.Process(target=kiosk_group, args=(str(folder / "kiosks"), group, proxy_url, args.backlog,
                                                             args.every, group_ready, group_go, group_stop,
                                                             group_results), daemon=True)
                child.start()
                children.append(child)
            for name, token in here:
                stations.append(station(folder / "kiosks", name, proxy_url, token, None, start=False))
            for s in stations:
                s.journal.on_commit(lambda records: committed.update(
                    {(r.kind, r.payload.get("call_id")): time.perf_counter() for r in records
                     if r.kind in (F.HELP_RAISED, F.HELP_DELIVERED)}))
            fill(stations, args.backlog)
            for _ in groups:
                group_ready.get(timeout=900)
            staff = [staff_session(h.url) for h in hubs]   # staff are logged in before any flood

            def poll(session) -> None:
                while not stop.is_set():
                    try:
                        session.get(f"{proxy_url}/board.json", timeout=10).raise_for_status()
                    except Exception:  # a staff page that misses a refresh shows it on the next
                        poll_errors[0] += 1
                    stop.wait(1.0)

            for i in range(staff_pages):
                t = threading.Thread(target=poll, args=(staff_session(hubs[i % 2].url),), daemon=True)
                t.start()
                pollers.append(t)
            group_go.set()   # every kiosk's first sync at once: the flood the first help call meets
            for s in stations:
                s.start()
            producers = [threading.Thread(target=produce, args=(i, s, args.every, stop), daemon=True)
                         for i, s in enumerate(stations)]
            for t in producers:
                t.start()
            hub_start = [procstat.sample(h.proc.pid) for h in hubs]
            started = time.monotonic()
            rng = random.Random(7)
            pss = []
            while time.monotonic() - started < minutes * 60:
                kiosk = rng.choice(stations)   # a kiosk of this process: its call is timed here
                t0 = time.perf_counter()
                call_id = kiosk.room.raise_help(source="bench")
                deadline = time.monotonic() + 30
                while not staff[0].get(f"{hubs[0].url}/board.json", timeout=10).json()["alert"]["unanswered"]:
                    if time.monotonic() > deadline:
                        raise RuntimeError("a help call never reached the board")
                    time.sleep(0.05)
                board_ms.append((time.perf_counter() - t0) * 1000)
                alert_ms.append((receiver.wait_event("raised", call_id) - t0) * 1000)
                while (F.HELP_DELIVERED, call_id) not in committed and time.monotonic() < deadline:
                    time.sleep(0.01)
                commit_ms.append((committed.get((F.HELP_RAISED, call_id), float("nan")) - t0) * 1000)
                delivered_ms.append((committed.get((F.HELP_DELIVERED, call_id), float("nan")) - t0) * 1000)
                kiosk.room.change_help(F.HELP_RESOLVED, call_id, by="bench")
                while staff[0].get(f"{hubs[0].url}/board.json", timeout=10).json()["alert"]["unanswered"]:
                    if time.monotonic() > deadline:
                        raise RuntimeError("a resolved call stayed on the board")
                    time.sleep(0.05)
                pss.append(sum(procstat.tree_pss_kib(h.proc.pid)[0] for h in hubs))
                print(f"  {time.monotonic() - started:4.0f} s: help call journalled in {commit_ms[-1]:.0f} ms, "
                      f"confirmed by the hub in {delivered_ms[-1]:.0f} ms, on the board in {board_ms[-1]:.0f} ms, "
                      f"webhook in {alert_ms[-1]:.0f} ms", flush=True)
                time.sleep(max(0.0, args.help_every - (time.perf_counter() - t0)))
            stop.set()
            hub_cpu = sum(procstat.cpu_share(a, procstat.sample(h.proc.pid)) for a, h in zip(hub_start, hubs))
            group_stop.set()
            drained, expected = drain_and_stop(stations, producers)
            stations = []
            for _ in groups:
                group_drained, group_expected = group_results.get(timeout=600)
                drained = drained and group_drained
                expected.update(group_expected)
            by_room = stored_by_room(database)
            counts = stored_uuids(folder / "hub-a", database)
        finally:
            stop.set()
            for s in stations:
                s.stop()
            group_stop.set()
            proxy_stop.set()
            for child in children:
                child.join(30)
                if child.is_alive():
                    child.kill()
            for h in hubs:
                h.stop()
            receiver.stop()
    events = sum(len(u) for u in expected.values())
    missing = sum(len(u - by_room.get(room, set())) for room, u in expected.items())
    twice = sum(1 for n in counts.values() if n > 1)
    pss_mib = statistics.mean(pss) / 1024 if pss else float("nan")
    ok = (drained and missing == 0 and twice == 0 and p99(board_ms) <= BOARD_BUDGET_MS
          and p99(alert_ms) <= ALERT_BUDGET_MS)
    figures = {"kiosks": kiosks, "staff_pages": staff_pages, "minutes": minutes, "events": events,
               "missing": missing, "twice": twice, "drained": drained, "calls": len(board_ms),
               "board_p99_ms": p99(board_ms), "webhook_p99_ms": p99(alert_ms), "hub_cpu_core": hub_cpu,
               "hub_pss_mib": pss_mib, "poll_errors": poll_errors[0], "backlog": args.backlog,
               "processes": args.processes, "probes": args.probes,
               "first_board_ms": first(board_ms), "first_webhook_ms": first(alert_ms),
               "first_committed_ms": first(commit_ms), "first_confirmed_ms": first(delivered_ms),
               "committed_p99_ms": p99(commit_ms), "confirmed_p99_ms": p99(delivered_ms)}
    return finish(NAME, ok,
                  f"{kiosks} kiosks ({args.processes} kiosk processes and this one), {staff_pages} staff pages, "
                  f"two hubs on one PostgreSQL for {minutes:g} min: "
                  f"{events:,} events, {missing} missing, {twice} stored twice, outboxes drained: {drained}; "
                  f"{len(board_ms)} help calls, on the board p99 {p99(board_ms):.0f} ms (budget {BOARD_BUDGET_MS:.0f}), "
                  f"webhook p99 {p99(alert_ms):.0f} ms (budget {ALERT_BUDGET_MS:.0f}); hubs together "
                  f"{hub_cpu * 100:.1f} % of a core ({hub_cpu * 100 / kiosks:.2f} % per kiosk), PSS {pss_mib:.0f} MiB "
                  f"({pss_mib * 1024 / kiosks:.0f} KiB per kiosk); {poll_errors[0]} staff refreshes failed; the first "
                  f"call, raised as the {kiosks} kiosks began syncing {args.backlog} waiting events each: journalled "
                  f"in {first(commit_ms):.0f} ms, confirmed by the hub in {first(delivered_ms):.0f} ms, on the board "
                  f"in {first(board_ms):.0f} ms, webhook in {first(alert_ms):.0f} ms",
                  figures, args.short)


if __name__ == "__main__":
    sys.exit(main())
