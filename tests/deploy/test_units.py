"""The systemd units pass `systemd-analyze verify` as installed, and say what the appliance needs."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from configparser import ConfigParser
from pathlib import Path
from xml.etree import ElementTree

import pytest

from kiosk.cli import build_parser
from tests.deploy.conftest import REPO, run_install
from tests.needs import need_tool

SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def read_unit(*paths: Path) -> ConfigParser:
    unit = ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    for path in paths:
        unit.read(path)
    return unit


def verify(root: Path, unit: str) -> subprocess.CompletedProcess:
    analyze = need_tool("systemd-analyze", "systemd")
    return subprocess.run([analyze, "verify", "--man=no", f"--root={root}", unit],
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def verify_root(pi_root: Path) -> Path:
    """The installed tree, with systemd's own units (sysinit.target, getty@.service) and the programs
    the units start, as stubs."""
    need_tool("systemd-analyze", "systemd")
    if not (SYSTEM_UNITS / "sysinit.target").exists():
        pytest.skip(f"no systemd units in {SYSTEM_UNITS} to verify against")
    shutil.copytree(SYSTEM_UNITS, pi_root / "usr/lib/systemd/system", symlinks=True)
    for program in ("opt/room-kiosk/venv/bin/kiosk", "usr/bin/xinit", "usr/bin/Xorg"):
        path = pi_root / program
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    return pi_root


def test_the_kms_unit_verifies_clean_as_installed(verify_root):
    run_install(verify_root, "--room", "Room 3", "--pin", "4826")
    out = verify(verify_root, "/etc/systemd/system/room-kiosk.service")
    assert (out.returncode, out.stdout + out.stderr) == (0, "")


def test_the_x11_fallback_verifies_clean_as_installed(verify_root):
    (verify_root / "dev/dri/card0").unlink()
    run_install(verify_root, "--room", "Room 3", "--pin", "4826")
    assert (verify_root / "etc/systemd/system/room-kiosk.service.d/x11.conf").exists()
    out = verify(verify_root, "/etc/systemd/system/room-kiosk.service")
    assert (out.returncode, out.stdout + out.stderr) == (0, "")


def test_the_hub_unit_verifies_clean(verify_root):
    target = verify_root / "etc/systemd/system/room-kiosk-hub.service"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "deploy/hub/room-kiosk-hub.service", target)
    out = verify(verify_root, "/etc/systemd/system/room-kiosk-hub.service")
    assert (out.returncode, out.stdout + out.stderr) == (0, "")


def test_verify_is_not_a_rubber_stamp(verify_root):
    run_install(verify_root, "--room", "Room 3", "--pin", "4826")
    unit = verify_root / "etc/systemd/system/room-kiosk.service"
    unit.write_text(unit.read_text().replace("WatchdogSec=30", "WatchdogSecs=30"))
    out = verify(verify_root, "/etc/systemd/system/room-kiosk.service")
    assert "Unknown key 'WatchdogSecs'" in out.stdout + out.stderr


def test_the_kiosk_unit_is_a_watched_sandboxed_service_without_root():
    unit = read_unit(REPO / "deploy/room-kiosk.service")
    service = unit["Service"]
    assert service["Type"] == "notify" and service["NotifyAccess"] == "main"
    assert int(service["WatchdogSec"]) >= 10
    assert service["Restart"] == "always"
    assert int(unit["Unit"]["StartLimitBurst"]) >= 3 and int(unit["Unit"]["StartLimitIntervalSec"]) > 0
    assert service["User"] == "kiosk"
    for key, value in (("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                       ("NoNewPrivileges", "yes")):
        assert service[key] == value, key
    text = (REPO / "deploy/room-kiosk.service").read_text()
    assert "ReadWritePaths=/var/lib/room-kiosk\n" in text and "ReadWritePaths=-/media/kiosk\n" in text
    assert "SDL_VIDEODRIVER=kmsdrm" in service["Environment"] or "Environment=SDL_VIDEODRIVER=kmsdrm" in text
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == "/opt/room-kiosk/venv/bin/kiosk"
    assert build_parser().parse_args(argv[1:]).command == "run"


def test_the_x11_dropin_runs_the_same_kiosk_under_xinit_without_root_rights():
    dropin = (REPO / "deploy/room-kiosk-x11.conf").read_text()
    exec_lines = [line for line in dropin.splitlines() if line.startswith("ExecStart=")]
    assert exec_lines[0] == "ExecStart="                     # clears the KMS ExecStart
    argv = shlex.split(exec_lines[1].split("=", 1)[1])
    assert argv[0] == "/usr/bin/xinit"
    client, server = argv[1:argv.index("--")], argv[argv.index("--") + 1:]
    assert build_parser().parse_args(client[1:]).command == "run"
    assert server[0] == "/usr/bin/Xorg"                       # not the set-uid wrapper
    assert {"-s", "0", "-dpms", "-nocursor"} <= set(server)
    assert "NotifyAccess=all" in dropin
    assert "needs_root_rights" not in dropin


def test_the_data_folder_the_unit_may_write_is_the_one_the_installer_configures(pi_root):
    from kiosk.config_parse import load_config

    run_install(pi_root, "--room", "Room 3", "--pin", "4826")
    config = load_config(pi_root / "etc/room-kiosk/kiosk.toml")
    text = (REPO / "deploy/room-kiosk.service").read_text()
    assert f"ReadWritePaths={config.paths.data}\n" in text
    assert f"ReadWritePaths=-{config.paths.usb_mount_root}\n" in text
    assert f"root={config.paths.usb_mount_root}\n" in (REPO / "deploy/usb/usb-mount").read_text()


def test_the_button_rule_names_the_pico_and_the_common_usb_serial_chips():
    rules = (REPO / "deploy/button/78-kiosk-button.rules").read_text()
    active = "\n".join(line for line in rules.splitlines() if not line.lstrip().startswith("#"))
    for vendor, product in (("2e8a", "0005"), ("1a86", "7523"), ("10c4", "ea60"), ("0403", "6001"),
                            ("0403", "6015"), ("067b", "2303")):
        assert f'ATTRS{{idVendor}}=="{vendor}"' in active and product in active, (vendor, product)
    assert active.count('SYMLINK+="kiosk-button"') == 2
    assert active.count('ENV{ID_MM_DEVICE_IGNORE}="1"') == 2


def test_the_usb_rule_mounts_only_usb_file_systems_through_systemd():
    rules = (REPO / "deploy/usb/79-kiosk-usb.rules").read_text()
    assert 'ENV{ID_BUS}!="usb", GOTO="kiosk_usb_end"' in rules
    assert 'ENV{ID_FS_USAGE}!="filesystem", GOTO="kiosk_usb_end"' in rules
    assert "/opt/room-kiosk/bin/usb-mount" in rules
    script = (REPO / "deploy/usb/usb-mount").read_text()
    assert "systemd-mount --no-block" in script and "noexec,nosuid,nodev" in script


def test_the_avahi_service_file_is_valid_xml_announcing_http():
    tree = ElementTree.parse(REPO / "deploy/avahi/room-kiosk.service")
    service = tree.getroot().find("service")
    assert service.findtext("type") == "_http._tcp"
    assert 1024 < int(service.findtext("port")) < 65536


def test_the_constraints_pin_every_runtime_dependency_exactly():
    import tomllib

    from packaging.requirements import Requirement  # pip's vendored copy is not importable; packaging is

    pins = {}
    for line in (REPO / "deploy/constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[name.lower()] = version
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for spec in project["dependencies"] + project["optional-dependencies"]["ui"]:
        req = Requirement(spec)
        assert req.name.lower() in pins, f"{req.name} is not pinned: run `make constraints`"
        assert req.specifier.contains(pins[req.name.lower()]), f"{req.name}=={pins[req.name.lower()]} vs {spec}"
