"""`kiosk doctor`: every check, each problem with its fix; exit 1 when something is wrong."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Callable

from kiosk.config import SYSTEM_CONFIG, ButtonConfig, Config
from kiosk.doctor import checks
from kiosk.doctor.findings import Finding, exit_code, render_json, render_text
from kiosk.doctor.host import Host
from kiosk.doctor.hubcheck import HubAnswer, check_hub, probe as hub_probe


def examine(config: Config, host: Host, *,
            listen: Callable[[str, ButtonConfig], checks.ButtonAnswer] = checks.listen,
            probe: Callable[[str, str | None, Path | None], HubAnswer] = hub_probe) -> list[Finding]:
    """All checks, in the order a technician would walk through them."""
    hub = check_hub(config.hub, probe)
    return [*checks.check_config(config), *checks.check_kiosk_user(host), *checks.check_display(host),
            *checks.check_touch(host), *checks.check_audio(host, config),
            *checks.check_button(host, config.button, listen), *checks.check_data(host, config),
            *checks.check_journal(config), *checks.check_clock(host), *hub, *checks.check_watchdog(host),
            *checks.check_sandbox(host, config), *checks.check_service(host),
            *checks.check_avahi(host)]


def register(subparsers: argparse._SubParsersAction) -> None:
    doctor = subparsers.add_parser("doctor", help="check this kiosk device; print each problem with its fix")
    doctor.add_argument("--json", action="store_true", help="machine-readable output")
    doctor.add_argument("--data", type=Path, help="data folder (overrides [paths] data)")
    doctor.add_argument("--root", type=Path, default=None,
                        help="examine the tree DIR (its proc, sys, dev, etc, run; its config and data folder) "
                             "instead of this machine")
    doctor.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
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
