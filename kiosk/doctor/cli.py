"""`kiosk doctor`: every check, each problem with its fix; exit 1 when something is wrong."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from kiosk.config import SYSTEM_CONFIG


def register(subparsers: argparse._SubParsersAction) -> None:
    doctor = subparsers.add_parser("doctor", help="check this kiosk device; print each problem with its fix")
    doctor.add_argument("--json", action="store_true", help="machine-readable output")
    doctor.add_argument("--data", type=Path, help="data folder (overrides [paths] data)")
    doctor.add_argument("--root", type=Path, default=None,
                        help="examine the tree DIR (its proc, sys, dev, etc, run; its config and data folder) "
                             "instead of this machine")
    doctor.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    from kiosk.doctor.examination import examine
    from kiosk.doctor.findings import exit_code, render_json, render_text
    from kiosk.doctor.host import Host
    from kiosk.invocation import config_from_args

    host = Host.under(args.root) if args.root else Host()
    if args.root and args.config is None and (args.root / SYSTEM_CONFIG.relative_to("/")).is_file():
        args.config = args.root / SYSTEM_CONFIG.relative_to("/")
    config = config_from_args(args)
    if args.root and args.data is None and config.paths.data.is_absolute():
        config = replace(config, paths=replace(config.paths, data=args.root / config.paths.data.relative_to("/")))
    findings = examine(config, host)
    print(render_json(findings) if args.json else render_text(findings))
    return exit_code(findings)
