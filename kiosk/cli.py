"""The `kiosk` command. Logging is configured here and nowhere else."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import replace
from pathlib import Path

from kiosk import __version__
from kiosk.button import cli as button_cli
from kiosk.config import ConfigError, render
from kiosk.doctor import cli as doctor_cli
from kiosk.downloads import cli as downloads_cli
from kiosk.export import cli as export_cli
from kiosk.hub import cli as hub_cli
from kiosk.invocation import config_from_args
from kiosk.language import LANGUAGES, _
from kiosk.sync import cli as sync_cli
from kiosk.store.database import DatabaseUnavailable
from kiosk.store.migrations import SchemaTooNew
from kiosk.store.ownership import DataFolderInUse

log = logging.getLogger(__name__)


def cmd_check_config(args: argparse.Namespace) -> int:
    from kiosk.clock import resolve_zone

    config = config_from_args(args)
    print(render(config))
    zone, source = resolve_zone(config.timezone)
    print(f"time zone: {zone} ({source})", file=sys.stderr)
    for warning in config.warnings():
        print(f"warning: {warning}", file=sys.stderr)
    print(f"ok: {config.source or 'no config file found; built-in defaults'}", file=sys.stderr)
    return 0


def cmd_sessions(args: argparse.Namespace) -> int:
    from kiosk.clock import SystemClock, local_zone
    from kiosk.session_report import describe_sessions
    from kiosk.store.journal import existing_journal

    config = config_from_args(args)
    with existing_journal(config.paths.database, SystemClock(), read_only=True) as journal:
        if journal is None:
            print(_("no sessions yet: {path} does not exist").format(path=config.paths.database))
            return 0
        print(describe_sessions(journal, local_zone(config.timezone), limit=args.limit))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from kiosk.launch import run_kiosk

    config = config_from_args(args)
    if args.allow_data_in_ram:
        config = replace(config, paths=replace(config.paths, allow_data_in_ram=True))
    return run_kiosk(config, simulate_button=args.simulate_button)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Room kiosk: a calm session display for therapy rooms, with a help button "
                                  "and a hub. Run `kiosk run` on the kiosk, `kiosk hub serve` on the hub.")
    parser.add_argument("--version", action="version", version=f"room kiosk {__version__}")
    parser.add_argument("--config", type=Path, default=None,
                        help="the TOML config file (default: $KIOSK_CONFIG, ~/.config/room-kiosk/kiosk.toml, "
                             "/etc/room-kiosk/kiosk.toml, else built-in defaults)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run the kiosk screen")
    run.add_argument("--windowed", action="store_true", help="a window (800x480) instead of full screen")
    run.add_argument("--simulate-button", action="store_true",
                     help="a help button on the H key and on a pseudo-terminal whose path is printed")
    run.add_argument("--data", type=Path, help="data folder (overrides [paths] data)")
    run.add_argument("--button", help="help button serial URL (overrides [button] url)")
    run.add_argument("--hub", help="hub URL (overrides [hub] url)")
    run.add_argument("--usb-root", type=Path, help="where USB sticks are mounted (overrides [paths])")
    run.add_argument("--allow-data-in-ram", action="store_true",
                     help="run sessions even if the data folder is in RAM (tmpfs, overlay): a power cut loses the logs")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check-config", help="print the effective config, or what is wrong with it")
    check.add_argument("--data", type=Path, help="data folder (overrides [paths] data)")
    check.set_defaults(func=cmd_check_config)

    sessions = sub.add_parser("sessions", help="list recent sessions from the journal")
    sessions.add_argument("--data", type=Path, help="data folder (overrides [paths] data)")
    sessions.add_argument("--limit", type=int, default=10, help="how many sessions (default 10)")
    sessions.add_argument("--language", choices=LANGUAGES, help="the language to print in (default: the config's "
                                                                "language)")
    sessions.set_defaults(func=cmd_sessions)

    for commands in (hub_cli, button_cli, sync_cli, doctor_cli, export_cli, downloads_cli):  # a broken one fails here
        commands.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # inside the try: a closed pipe is found here, not as a traceback at exit
        return code
    except ConfigError as exc:
        print(f"configuration error:\n{exc}", file=sys.stderr)
        return 2
    except (DatabaseUnavailable, SchemaTooNew, DataFolderInUse) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `kiosk sessions | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141

