"""`kiosk downloads open [--port N]`: the Wi-Fi download page from a terminal (a technician over SSH).

Prints the addresses and the one-time code, serves until Ctrl-C (or SIGTERM, or the page's own
time-out), and journals what it served beside a running kiosk (the journal takes a second writer).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from kiosk.session import facts as F


BESIDE_META = "downloads.beside_kiosk"  # what a terminal's page served while the kiosk itself was running
BESIDE_KEPT = 200


def journal_note(journal):
    """How the terminal's page journals: as events when it may append (no kiosk is running on this data
    folder), else into the journal's meta beside the running kiosk, which owns the sequence numbers
    (a second appender is refused, kiosk.store.ownership). Each entry is printed as well."""
    from kiosk.store.ownership import DataFolderInUse

    try:
        journal.claim()
        beside = False
    except DataFolderInUse:
        beside = True
        print("note: the kiosk is running on this data folder, so what this page serves is noted beside its "
              f"journal (meta {BESIDE_META!r}), not as events; opening the page from the kiosk's own "
              "facilitator layer journals it as events", file=sys.stderr, flush=True)

    def note(kind: str, payload: dict):
        if kind == F.DOWNLOAD_SERVED:
            print(f"served {payload['file']} ({payload['bytes']} bytes{'' if payload['complete'] else ', stopped'})"
                  f" to {payload['to']}", flush=True)
        if not beside:
            return journal.append(kind, payload)
        try:
            kept = json.loads(journal.get_meta(BESIDE_META) or "[]")
        except ValueError:
            kept = []
        kept = (kept + [{"kind": kind, **payload}])[-BESIDE_KEPT:]
        return journal.set_meta(BESIDE_META, json.dumps(kept))

    return note


def cmd_open(args: argparse.Namespace) -> int:
    from kiosk.invocation import config_from_args
    from kiosk import local_time
    from kiosk.clock import SystemClock, local_zone
    from kiosk.downloads.server import Downloads, PortTaken
    from kiosk.store.journal import existing_journal

    config = config_from_args(args)
    clock = SystemClock()
    with existing_journal(config.paths.database, clock) as journal:
        if journal is None:
            print(f"nothing to download: {config.paths.database} does not exist (nothing logged on this kiosk yet)",
                  file=sys.stderr)
            return 1
        note = journal_note(journal)
        try:
            downloads = Downloads(config, clock, note, host=args.host, port=args.port)
        except PortTaken as exc:
            print(f"downloads: {exc}", file=sys.stderr)
            return 1
        downloads.start()
        zone = local_zone(config.timezone)
        # the terminal speaks English (a technician's), in the kiosk's zone
        until = local_time.clock(clock.now() + downloads.opening.gate.lifetime, zone, language="en")
        print(f"download page open at {downloads.where.name_url}", flush=True)
        if downloads.where.ip_url:
            print(f"             or  {downloads.where.ip_url}  (for phones that do not resolve .local)", flush=True)
        print(f"one-time code: {downloads.code}  (works once, until {until})", flush=True)
        print("Ctrl-C closes the page.", flush=True)

        def stop(_signum, _frame) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        try:
            while not downloads.wait_closed(1.0):
                pass
            why = downloads.opening.why_closed
            print(f"download page closed ({why})", flush=True)
        except KeyboardInterrupt:
            downloads.close("ctrl-c")
            print("download page closed", flush=True)
        journal.flush()
    return 0


def register(subparsers) -> None:
    downloads = subparsers.add_parser("downloads", help="the Wi-Fi download page")
    sub = downloads.add_subparsers(dest="downloads_command", required=True)
    opened = sub.add_parser("open", help="open the download page, print its address and one-time code; "
                                         "Ctrl-C closes it")
    opened.add_argument("--port", type=int, default=None, help="port (default: [downloads] port, 8480)")
    opened.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every local one)")
    opened.add_argument("--data", type=Path, help="data folder (overrides [paths] data)")
    opened.set_defaults(func=cmd_open)
