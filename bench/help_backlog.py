"""Help press to the hub confirming it, while a 10,000-event backlog drains through a lossy link.

A real hub on loopback (`kiosk hub serve`, SQLite) behind a proxy on loopback
that drops (resets) about one request in three, the kiosk's SyncWorker with its
production settings, and a help call raised every --interval seconds for as
long as the backlog is draining. Each call is timed from Room.raise_help (the
press, journalled) to the kiosk learning that the hub stored it (the
help.delivered fact), then resolved on the kiosk so the next press is a new
call. The baseline is the same run with a clean link: the same proxy
forwarding everything. Also printed: how long the backlog took to drain.

    python bench/help_backlog.py [--events 10000] [--rounds 3] [--interval 0.05] [--drop 0.333]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.runner import figures  # noqa: E402
from kiosk.clock import SystemClock  # noqa: E402
from kiosk.config import Config, HubConfig  # noqa: E402
from kiosk.room import Room  # noqa: E402
from kiosk.session import facts as F  # noqa: E402
from kiosk.store import outbox  # noqa: E402
from kiosk.store.journal import Journal  # noqa: E402
from kiosk.sync.worker import SyncWorker  # noqa: E402
from tests.hub.hubproc import start_hub  # noqa: E402
from tests.sync.faultproxy import DROP_REQUEST, FORWARD, FaultProxy  # noqa: E402

BUDGET_P99 = 2.0  # the "within about 2 s"


def fill(journal: Journal, n: int) -> None:
    last = None
    for i in range(n):
        last = journal.append("cue.fired", {"at": 1_780_000_000.0 + i, "lead": 300.0, "i": i})
    last.result(timeout=120)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def one_round(work: Path, label: str, index: int, drop: float, events: int, interval: float,
              seed: int) -> tuple[list[float], float, dict]:
    hub = start_hub(work / f"hub-{label}-{index}")
    weights = {FORWARD: 1.0 - drop, DROP_REQUEST: drop} if drop > 0 else {FORWARD: 1.0}
    proxy = FaultProxy([hub.port], seed=seed, weights=weights).start()
    clock = SystemClock()
    journal = Journal(work / f"kiosk-{label}-{index}.sqlite3", clock)
    worker = None
    try:
        fill(journal, events)
        token = hub.add_room("Bench")
        room = Room(Config(room="Bench", hub=HubConfig(url=proxy.url, token=token, sync_seconds=3600)),
                    journal, clock)
        delivered: dict[str, float] = {}
        arrived = threading.Condition()

        def watch(facts) -> None:
            for f in facts:
                if f.kind == F.HELP_DELIVERED:
                    with arrived:
                        delivered.setdefault(f.data.get("call_id"), time.perf_counter())
                        arrived.notify_all()

        room.subscribe(watch)
        worker = SyncWorker(room.config.hub, room, clock)

        def backlog_waiting() -> int:
            return outbox.waiting_count(journal, exclude=F.HELP_KINDS)

        latencies: list[float] = []
        start = time.perf_counter()
        worker.start()
        drain = None
        while drain is None:
            pressed = time.perf_counter()
            call_id = room.raise_help("button")
            with arrived:
                if not arrived.wait_for(lambda: call_id in delivered, timeout=120):
                    raise SystemExit(f"a help call was not delivered within 120 s ({label} link)")
            latencies.append(delivered[call_id] - pressed)
            room.change_help(F.HELP_RESOLVED, call_id)
            if backlog_waiting() == 0:
                drain = time.perf_counter() - start
                break
            time.sleep(interval)
        counts = outbox.counts(journal)
        help_tries = sum(1 for _, path, kinds, _ in proxy.log if F.HELP_RAISED in kinds)
        return latencies, drain, {"requests": proxy.requests, "dropped": proxy.counts[DROP_REQUEST],
                                  "rejected": counts.rejected, "help_tries": help_tries}
    finally:
        if worker is not None:
            worker.stop()
        proxy.stop()
        hub.stop()
        journal.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--interval", type=float, default=0.05, help="seconds between one call's "
                        "resolution and the next press")
    parser.add_argument("--drop", type=float, default=1 / 3, help="share of requests the lossy link drops")
    figures.json_option(parser)
    args = parser.parse_args()
    figures.apply_json(args)
    logging.basicConfig(level=logging.ERROR)  # the kiosk's warnings about dropped requests are the point here

    results: dict[str, tuple[list[float], list[float]]] = {"clean": ([], []), "lossy": ([], [])}
    with tempfile.TemporaryDirectory(prefix="help-backlog-") as tmp:
        for i in range(args.rounds):
            for label, drop in (("clean", 0.0), ("lossy", args.drop)):
                latencies, drain, info = one_round(Path(tmp), label, i, drop, args.events, args.interval,
                                                   seed=1000 + i)
                results[label][0].extend(latencies)
                results[label][1].append(drain)
                print(f"round {i + 1}, {label} link: {len(latencies)} presses, p50 "
                      f"{statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms; "
                      f"backlog drained in {drain:.1f} s; {info['requests']} requests, {info['dropped']} "
                      f"dropped, {info['help_tries']} uploads carried a help.raised, {info['rejected']} set aside")
    print(f"help press -> hub confirms, while {args.events} events drain, real hub (SQLite) behind a proxy on "
          f"loopback, {args.rounds} rounds, production SyncWorker settings:")
    for label, title in (("clean", "baseline, clean link          "),
                         ("lossy", f"lossy link, {args.drop:.0%} of requests dropped")):
        lat, drains = results[label]
        print(f"  {title}: p50 {percentile(lat, 50) * 1000:6.0f} ms, p99 {percentile(lat, 99) * 1000:6.0f} ms, "
              f"max {max(lat) * 1000:6.0f} ms over {len(lat)} presses; drain median "
              f"{statistics.median(drains):.1f} s")
    clean, lossy = results["clean"][0], results["lossy"][0]
    p99 = percentile(lossy, 99)
    print(f"  ratio lossy/clean: p50 {percentile(lossy, 50) / percentile(clean, 50):.1f}x, "
          f"p99 {p99 / percentile(clean, 99):.1f}x; drain {statistics.median(results['lossy'][1]) / statistics.median(results['clean'][1]):.1f}x")
    print(f"  budget: p99 within about {BUDGET_P99:.0f} s on the lossy link: {'PASS' if p99 <= BUDGET_P99 else 'OVER'}")
    figures.record("help_backlog", f"help press -> hub confirms p99, lossy link, {args.events} backlog", p99 * 1000,
                   "ms", baseline=percentile(clean, 99) * 1000, baseline_label="clean link p99",
                   limit=BUDGET_P99 * 1000, against="value", budget=f"p99 <= about {BUDGET_P99:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
