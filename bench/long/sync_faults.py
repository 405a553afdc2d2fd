"""10,000 events synced through the fault-injecting proxy, the hub SIGKILLed mid-batch and restarted, on SQLite and PostgreSQL.

The run is tests/sync/test_faults.py's (tests/sync/faultproxy.py drops requests, drops responses after the
hub committed, answers 500, delays, stalls past the kiosk's timeout; the hub is killed twice just after a
request reached it), repeated with different seeds: at the end the hub must hold exactly the kiosk's UUIDs,
each once (nothing lost, nothing duplicated), and the kiosk's outbox nothing waiting or set aside.

    python bench/long/sync_faults.py [--rounds 3] [--short]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.long.verdict import finish  # noqa: E402
from tests.hub.hubproc import fresh_postgres_database  # noqa: E402
from tests.needs import PG_DSN, pg_available  # noqa: E402
from tests.sync import test_faults  # noqa: E402

NAME = "long-sync"


def one(backend: str, seed: int) -> tuple[bool, str, float]:
    started = time.monotonic()
    out = io.StringIO()
    with tempfile.TemporaryDirectory(prefix="long-sync-") as tmp, contextlib.redirect_stdout(out):
        try:
            if backend == "PostgreSQL":
                with fresh_postgres_database(PG_DSN, prefix="longsync") as url:
                    test_faults.run_faulty_sync(Path(tmp), url, seed)
            else:
                test_faults.run_faulty_sync(Path(tmp), None, seed)
            ok, what = True, out.getvalue().strip().splitlines()[-1]
        except AssertionError as exc:
            ok, what = False, str(exc).splitlines()[0]
    return ok, what, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="seeds per database (default 3)")
    parser.add_argument("--short", action="store_true", help="one round per database")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the kiosk's retries are the point; hundreds of warnings
    rounds = 1 if args.short else args.rounds
    backends = ["SQLite"] + (["PostgreSQL"] if pg_available() else [])
    results = []
    for backend in backends:
        for r in range(rounds):
            seed = 20261201 + r
            ok, what, seconds = one(backend, seed)
            results.append((backend, seed, ok, what, seconds))
            print(f"  {backend} seed {seed}: {'exactly once' if ok else 'FAILED'} in {seconds:.0f} s; {what}", flush=True)
    resent = sum(int(m.group(1)) for *_, what, _s in results if (m := re.search(r"(\d+) events reached", what)))
    ok = all(r[2] for r in results)
    missing = "" if "PostgreSQL" in backends else "; PostgreSQL not running at 127.0.0.1:5432, not run"
    figures = {"rounds": [{"backend": b, "seed": s, "ok": o, "what": w, "seconds": round(t, 1)}
                          for b, s, o, w, t in results]}
    return finish(NAME, ok,
                  f"{len(results)} runs of {test_faults.EVENTS:,} events through the fault proxy with the hub killed "
                  f"mid-batch twice and restarted ({', '.join(backends)}): "
                  f"{sum(r[2] for r in results)} exactly once (0 lost, 0 duplicated), {sum(not r[2] for r in results)} "
                  f"failed; {resent} events were resent to the hub and stored once{missing}",
                  figures, args.short)


if __name__ == "__main__":
    sys.exit(main())
