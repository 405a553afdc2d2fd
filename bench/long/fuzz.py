"""Hypothesis at a higher example count: the serial decoders and the hub's upload endpoint, ending with what was tried and found.

- The line protocol (kiosk/button/line.py): streams of real words in any case, HELLO lines, noise bytes,
  non-ASCII, over-long lines, every terminator, cut into reads at random points. Checked against an
  independent reading of the protocol's text (complete lines of at most 64 printable bytes, one word or
  HELLO with two): the same signals, whatever the cuts, and never an exception.
- Any-byte mode (kiosk/button/anybyte.py): reads at random gaps; a press is exactly a read after at least
  the quiet time.
- The hub's POST /api/v1/events and /api/v1/heartbeat (tests/hub/test_fuzz.py's bodies: malformed JSON,
  odd numbers and texts, surrogates, truncations, raw bytes, 5 MB bodies, wrong content types), in process
  on SQLite and PostgreSQL: never a 5xx, a 4xx always names what is wrong.

    python bench/long/fuzz.py [--examples 20000] [--hub-examples 3000] [--short]
"""

from __future__ import annotations

import argparse
import collections
import logging
import re
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bench.long.verdict import finish  # noqa: E402
from kiosk.button.anybyte import QUIET_SECONDS, AnyByteDecoder  # noqa: E402
from kiosk.button.line import MAX_LINE, LineDecoder  # noqa: E402

NAME = "long-fuzz"
WORDS = [b"HELP", b"help", b"Help", b"CANCEL", b"cancel", b"TEST", b"PING", b"ping", b"HELLO pico 1.0",
         b"hello x y", b"HELLO a", b"HELP now", b"HEL", b"HELPP", b" HELP ", b"\tPING", b"H\xc3\xa9LP", b"HELP\x00",
         b"x" * 64, b"HELP" + b" " * 60, b"y" * 65, b"z" * 200]
TERMINATORS = [b"\n", b"\r", b"\r\n", b"\n\r", b"\n\n"]


def reference(stream: bytes) -> list[str]:
    """The protocol as its docstring states it, written apart from the decoder: complete lines only."""
    out = []
    for line in re.split(rb"[\r\n]", stream)[:-1]:
        if len(line) > MAX_LINE or not line.strip(b" \t"):
            continue
        if any((b < 0x20 and b != 0x09) or b > 0x7E for b in line):
            continue
        words = line.decode("ascii").split()
        if words[0].upper() == "HELLO" and len(words) == 3:
            out.append(f"HELLO {words[1]} {words[2]}")
        elif len(words) == 1 and words[0].upper() in ("HELP", "CANCEL", "TEST", "PING"):
            out.append(words[0].upper())
    return out


pieces = st.one_of(st.sampled_from(WORDS), st.sampled_from(TERMINATORS), st.binary(max_size=12),
                   st.text(alphabet="HELPCANCTESIGhelpancd \t\r\n", max_size=10).map(str.encode))
streams = st.lists(pieces, max_size=40).map(b"".join)


def fuzz_line(examples: int, tally: collections.Counter) -> str | None:
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(stream=streams, cuts=st.lists(st.integers(0, 10_000), max_size=12))
    def prop(stream: bytes, cuts: list[int]) -> None:
        points = sorted({c % (len(stream) + 1) for c in cuts})
        decoder = LineDecoder()
        got = []
        for start, end in zip([0] + points, points + [len(stream)]):
            got += [str(s) for s in decoder.feed(stream[start:end])]
        whole = [str(s) for s in LineDecoder().feed(stream)]
        expected = reference(stream)
        assert got == whole == expected, (stream, points, got, whole, expected)
        tally["examples"] += 1
        tally["bytes"] += len(stream)
        tally["reads"] += len(points) + 1
        for s in got:
            tally[s.split()[0]] += 1
        tally["ignored lines"] += decoder.counts.ignored
    return run(prop)


def fuzz_anybyte(examples: int, tally: collections.Counter) -> str | None:
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(reads=st.lists(st.tuples(st.floats(0, 1.0, allow_nan=False), st.binary(max_size=4)), max_size=30))
    def prop(reads: list[tuple[float, bytes]]) -> None:
        decoder = AnyByteDecoder()
        now, last, presses, expected = 1000.0, None, 0, 0
        for gap, data in reads:
            now += gap
            presses += len(decoder.feed(data, now))
            if data:
                expected += last is None or now - last >= QUIET_SECONDS
                last = now
        assert presses == expected, (reads, presses, expected)
        tally["examples"] += 1
        tally["reads"] += len(reads)
        tally["HELP"] += presses
    return run(prop)


def fuzz_hub(examples: int, tally: collections.Counter, postgres: str | None) -> str | None:
    from kiosk.hub.database import open_hub_database
    from tests.hub import test_fuzz

    checked = test_fuzz.check_answer

    def counting(status, answer, raw):
        tally["examples"] += 1
        tally[f"HTTP {status}"] += 1
        tally["bytes"] += len(raw)
        checked(status, answer, raw)

    test_fuzz.check_answer = counting
    try:
        with tempfile.TemporaryDirectory(prefix="long-fuzz-hub-") as tmp:
            hub = open_hub_database(Path(tmp) / "hub", postgres)
            try:
                return run(lambda: test_fuzz._fuzz_in_process(hub, examples))
            finally:
                hub.close()
    finally:
        test_fuzz.check_answer = checked


def run(prop) -> str | None:
    try:
        prop()
        return None
    except Exception as exc:  # a falsified property: what hypothesis found is the result
        return "".join(traceback.format_exception_only(type(exc), exc)).strip()[:600]


def describe(tally: collections.Counter) -> str:
    return ", ".join(f"{k} {v:,}" for k, v in sorted(tally.items(), key=lambda kv: (kv[0] != "examples", kv[0])))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=20_000, help="per decoder (default 20,000)")
    parser.add_argument("--hub-examples", type=int, default=3_000, help="per hub database (default 3,000)")
    parser.add_argument("--short", action="store_true", help="2,000 per decoder, 300 per hub database")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)  # the hub logs each rejected body; thousands here
    examples, hub_examples = (2_000, 300) if args.short else (args.examples, args.hub_examples)
    from tests.needs import PG_DSN, pg_available

    targets = [("line protocol decoder", lambda t: fuzz_line(examples, t)),
               ("any-byte decoder", lambda t: fuzz_anybyte(examples, t)),
               ("hub upload endpoint, SQLite", lambda t: fuzz_hub(hub_examples, t, None))]
    pg_note = ""
    if pg_available():
        from tests.hub.hubproc import fresh_postgres_database

        def on_postgres(t):
            with fresh_postgres_database(PG_DSN, prefix="longfuzz") as url:
                return fuzz_hub(max(hub_examples // 3, 100), t, url)
        targets.append(("hub upload endpoint, PostgreSQL", on_postgres))
    else:
        pg_note = "; PostgreSQL not running, its hub fuzz not run"
    found, tried = [], []
    for label, target in targets:
        tally: collections.Counter = collections.Counter()
        started = time.monotonic()
        problem = target(tally)
        seconds = time.monotonic() - started
        print(f"  {label}: {'FOUND ' + problem if problem else 'nothing found'}; tried {describe(tally)} "
              f"in {seconds:.0f} s", flush=True)
        tried.append(f"{label} {tally['examples']:,}")
        if problem:
            found.append(f"{label}: {problem.splitlines()[0][:160]}")
    summary = (f"tried {', '.join(tried)} examples{pg_note}; found "
               + ("; ".join(found) if found else "nothing (no exception, no 5xx, decoders agree with the protocol text "
                                                 "whatever the read boundaries)"))
    return finish(NAME, not found, summary, {"tried": tried, "found": found}, args.short)


if __name__ == "__main__":
    sys.exit(main())
