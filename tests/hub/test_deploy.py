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


def test_every_hub_command_in_the_deploy_readme_parses_and_uses_the_services_data_folder():
    import re

    unit = (REPO / "deploy/hub/room-kiosk-hub.service").read_text()
    data = re.search(r"KIOSK_HUB_DATA=(\S+)", unit).group(1)
    readme = (REPO / "deploy/hub/README.md").read_text()
    assert "pip install '/path/to/checkout[hub]'" in readme
    lines = [line for line in readme.splitlines() if "/bin/kiosk hub " in line and line.startswith("    ")]
    assert len(lines) >= 3
    for line in lines:
        command = line.split("/bin/kiosk ", 1)[1].split("#")[0]
        args = build_parser().parse_args(shlex.split(command))
        if args.hub_command in ("serve", "set-password", "add-room") and "ExecStart=" not in line:  # unit: env
            assert str(args.data) == data, command
        if args.hub_command == "serve" and "--trusted-proxy" not in command:
            assert args.host == "0.0.0.0", command
