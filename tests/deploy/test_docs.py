"""The README's Pi set-up commands are ones the installer and the CLI accept."""

from __future__ import annotations

import re
import shlex

from kiosk.cli import build_parser
from tests.deploy.conftest import REPO, run_install

README = (REPO / "README.md").read_text()


def test_every_installer_command_in_the_readme_runs(pi_root):
    commands = re.findall(r"^\s*(?:sudo )?deploy/install\.sh (.+?)(?:\s+#.*)?$", README, re.M)
    assert len(commands) >= 2
    for command in commands:
        args = [a for a in shlex.split(command) if a != "--dry-run"]
        run_install(pi_root, "--dry-run", *args)


def test_every_doctor_and_run_option_in_the_readme_parses():
    parser = build_parser()
    for flags in re.findall(r"kiosk doctor((?: --[a-z-]+(?: [A-Z]+)?)*)", README):
        parser.parse_args(["doctor", *shlex.split(flags.replace("DIR", "/tmp"))])
    assert parser.parse_args(["run", "--allow-data-in-ram"]).allow_data_in_ram


def test_the_troubleshooting_table_covers_every_doctor_check():
    source = "".join(p.read_text() for p in (REPO / "kiosk/doctor").glob("*.py"))
    names = set(re.findall(r'(?:problem|note|ok)\("([a-z -]+)"', source))
    assert names >= {"config", "display", "touch", "audio", "button", "data", "journal", "clock", "hub",
                     "hub-tls", "hub-token", "watchdog", "avahi", "kiosk user"}
    table = README[README.index("| `kiosk doctor` says |"):]
    for name in names:
        assert f"| `{name}` " in table, f"no troubleshooting row for the doctor's {name!r} check"
