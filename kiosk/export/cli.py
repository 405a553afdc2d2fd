"""`kiosk export --to DIR [--since YYYY-MM-DD]`: the screen's export, for technicians."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-25") from None


def cmd_export(args: argparse.Namespace) -> int:
    from kiosk.invocation import config_from_args
    from kiosk.clock import SystemClock
    from kiosk.export.flow import NOT_SEALED, export_logs
    from kiosk.store.journal import existing_journal

    config = config_from_args(args)
    clock = SystemClock()

    def journal_event(kind: str, payload: dict) -> None:
        with existing_journal(config.paths.database, clock) as journal:
            if journal is not None:
                note_outcome(journal, kind, payload, clock.now())

    def progress(p) -> None:
        if args.verbose_progress and p.total:
            print(f"\r{p.stage} {p.fraction:4.0%}", end="", file=sys.stderr)

    result = export_logs(config, args.to, clock=clock, since=args.since, progress=progress,
                         journal_event=journal_event)
    if args.verbose_progress:
        print(file=sys.stderr)
    if result.ok:
        print(result.path)
        print(result.message, file=sys.stderr)
        if not result.sealed:
            print(f"warning: {NOT_SEALED} (set [export] recipient: see README, Taking logs off a kiosk)",
                  file=sys.stderr)
        return 0
    print(f"export {result.outcome.replace('_', ' ')}: {result.message}", file=sys.stderr)
    return 0 if result.outcome == "empty" else 1


RUNNING_WITHIN = 60.0  # a kiosk notes it is alive every 15 s (kiosk.station)


def note_outcome(journal, kind: str, payload: dict, now: float) -> None:
    """Journals export.done / export.failed, unless a running kiosk owns the journal: a second writer
    would take the sequence number the kiosk is about to use and lose the kiosk's next event. Then the
    outcome goes into the journal's meta table instead, which the settings card reads as well."""
    from kiosk.export.flow import LAST_EXPORT_META
    from kiosk.room import ALIVE_META

    alive = journal.get_meta(ALIVE_META)
    try:
        running = alive is not None and now - float(alive) < RUNNING_WITHIN
    except ValueError:
        running = False
    try:
        if running:
            journal.set_meta(LAST_EXPORT_META, json.dumps({"kind": kind, **payload})).result(10)
            print("note: the kiosk is running on this journal, so this export is noted beside it, not as an "
                  "event", file=sys.stderr)
        else:
            journal.append(kind, payload).result(10)
    except Exception as exc:  # the export is done (or failed) either way; say it was not noted
        print(f"warning: the export's outcome was not journalled: {exc}", file=sys.stderr)


def register(subparsers) -> None:
    export = subparsers.add_parser("export", help="write the logs to a folder (a USB stick), sealed to the hub "
                                                  "when [export] recipient is set")
    export.add_argument("--to", type=Path, required=True, metavar="DIR",
                        help="the folder to write into (made if only its parent exists)")
    export.add_argument("--since", type=_day, default=None, metavar="YYYY-MM-DD",
                        help="only events from this local day on (default: everything)")
    export.add_argument("--data", type=Path, help="data folder (overrides [paths] data)")
    export.add_argument("--progress", dest="verbose_progress", action="store_true", help="show progress")
    export.set_defaults(func=cmd_export)
