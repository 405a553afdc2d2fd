"""The configuration a command runs with: the config file, then the command line's overrides.

Every `kiosk` subcommand (run, sessions, sync, export, doctor) starts from this one function, so a
`--data` or `--hub` means the same everywhere, and each speaks the room's `language` where its words are
translated (`kiosk sessions`, the export's CSV files); `--language` overrides it where a command has it.
"""

from __future__ import annotations

import argparse

from kiosk import language
from kiosk.config import Config, with_overrides
from kiosk.config_parse import load_config


def config_from_args(args: argparse.Namespace) -> Config:
    """The config file with the command line's overrides (each only where the command has the option)."""
    config = load_config(args.config)
    language.use(getattr(args, "language", None) or config.language)
    return with_overrides(config, data=getattr(args, "data", None),
                          button_url=getattr(args, "button", None),
                          hub_url=getattr(args, "hub", None),
                          usb_mount_root=getattr(args, "usb_root", None),
                          windowed=getattr(args, "windowed", False))
