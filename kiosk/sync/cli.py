"""`kiosk sync status` and `kiosk sync now`.

`sync now` uploads in this process with its own connection to the kiosk's
database; a running kiosk may be syncing at the same time, which is safe
(the hub answers repeats as duplicates). It does not touch the session, so
it never records an interruption the way starting a second kiosk would.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.invocation import config_from_args


def cmd_status(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock, local_zone
    from kiosk.store.journal import existing_journal
    from kiosk.sync.status import describe, read_report

    config = config_from_args(args)
    with existing_journal(config.paths.database, SystemClock(), read_only=True) as journal:
        if journal is None:
            print(f"nothing to sync yet: {config.paths.database} does not exist")
            return 0
        print(f"hub: {config.hub.url or 'none configured ([hub] url): logs stay on this kiosk'}")
        print(describe(read_report(journal, limit=args.limit), local_zone(config.timezone)))
    return 0


def cmd_now(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock
    from kiosk.store.journal import existing_journal
    from kiosk.sync.client import HubClient

    config = config_from_args(args)
    if not config.hub.url:
        print("no hub configured: set [hub] url (and token) in the config, or pass --hub URL", file=sys.stderr)
        return 2
    clock = SystemClock()
    with existing_journal(config.paths.database, clock) as journal:
        if journal is None:
            print(f"nothing to sync: {config.paths.database} does not exist")
            return 0
        client = HubClient(config.hub.url, config.hub.token, now=clock.now, ca_file=config.hub.ca_file)
        try:
            return _send_everything(journal, client, clock.now, clock)
        finally:
            client.close()


def _send_everything(journal, client, now, clock=None) -> int:
    """Help events first (with their age on the steady clock, which this boot's processes share), then
    everything else, each until nothing more can be sent."""
    from kiosk.session import facts as F
    from kiosk.sync.client import HubError
    from kiosk.sync.helpsend import with_age
    from kiosk.sync.status import keep
    from kiosk.sync.upload import Progress, Uploader

    total = Progress()
    stamp = (lambda item: with_age(item, clock)) if clock is not None else None
    senders = (Uploader(journal, client, now, batch_size=50, kinds=F.HELP_KINDS, stamp=stamp),
               Uploader(journal, client, now))
    try:
        for sender in senders:
            sender.begin()
            while True:
                step = sender.send_next()
                total.add(step)
                if step.attempted == 0:
                    break
            sender.settle()
    except HubError as exc:
        for sender in senders:
            sender.settle()
        print(f"sync stopped: {exc}", file=sys.stderr)
        print(f"sent {total.confirmed}, set aside {total.rejected}, still waiting {senders[1].waiting()}")
        keep(journal, None, str(exc)).result(timeout=10)
        return 1
    print(f"sent {total.confirmed}, set aside {total.rejected}, still waiting {senders[1].waiting()}")
    keep(journal, now(), "").result(timeout=10)
    return 0


def register(subparsers) -> None:
    sync = subparsers.add_parser("sync", help="the kiosk's uploads to the hub: status, or send now")
    sub = sync.add_subparsers(dest="sync_command", metavar="SYNC_COMMAND", required=True)

    status = sub.add_parser("status", help="events waiting, set aside (with the hub's reasons), last error")
    status.add_argument("--data", type=Path, help="data folder (overrides [paths] data)")
    status.add_argument("--limit", type=int, default=20, help="how many set-aside events to list (default 20)")
    status.set_defaults(func=cmd_status)

    now = sub.add_parser("now", help="upload everything waiting now, and say what happened")
    now.add_argument("--data", type=Path, help="data folder (overrides [paths] data)")
    now.add_argument("--hub", help="hub URL (overrides [hub] url)")
    now.set_defaults(func=cmd_now)
