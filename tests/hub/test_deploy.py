import shlex
from configparser import ConfigParser

from kiosk.cli import build_parser
from tests.hub.hubproc import REPO


def test_the_systemd_unit_runs_a_hub_command_the_cli_accepts():
    unit = ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(REPO / "deploy/hub/room-kiosk-hub.service")
    argv = shlex.split(unit["Service"]["ExecStart"])
    assert argv[0].endswith("/kiosk")
    args = build_parser().parse_args(argv[1:])
    assert (args.command, args.hub_command, args.port) == ("hub", "serve", 8470)
    assert unit["Service"]["KillSignal"] == "SIGTERM"
    assert "/var/lib/room-kiosk-hub" in unit["Service"]["ReadWritePaths"]
