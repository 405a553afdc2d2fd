"""The USB stick mount helper (with stand-ins for id, logger and systemd-mount) and the udev rules' syntax."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.deploy.conftest import REPO

USB_MOUNT = REPO / "deploy/usb/usb-mount"


@pytest.fixture
def stand_ins(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    scripts = {
        "id": 'case "$1" in -u) echo 999 ;; -g) echo 996 ;; esac',
        "logger": "true",
        "systemd-mount": f'printf "%s\\n" "$@" > "{calls}"',
    }
    for name, body in scripts.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return tmp_path


def mount(stand_ins: Path, *args: str) -> list[str]:
    env = {**os.environ, "PATH": f"{stand_ins / 'bin'}:{os.environ['PATH']}"}
    subprocess.run(["sh", str(USB_MOUNT), *args], env=env, check=True, timeout=10)
    return (stand_ins / "calls").read_text().splitlines()


def test_a_fat_stick_is_mounted_for_the_kiosk_user_never_executable(stand_ins):
    argv = mount(stand_ins, "/dev/sda1", "sda1", "vfat")
    assert argv[:3] == ["--no-block", "--collect", "--automount=no"]
    assert argv[-2:] == ["/dev/sda1", "/media/kiosk/sda1"]
    options = argv[3].removeprefix("--options=").split(",")
    assert {"uid=999", "gid=996", "umask=0077", "flush", "noexec", "nosuid", "nodev"} <= set(options)


def test_exfat_gets_owners_and_other_file_systems_keep_theirs(stand_ins):
    exfat = mount(stand_ins, "/dev/sdb1", "sdb1", "exfat")[3]
    assert "uid=999" in exfat and "flush" not in exfat
    ext4 = mount(stand_ins, "/dev/sdc1", "sdc1", "ext4")[3]
    assert ext4 == "--options=noexec,nosuid,nodev"


RULE_ITEM = re.compile(r'^\s*[A-Z_]+(\{[^}]+\})?(==|!=|=|\+=|-=|:=)"[^"]*"\s*$')


@pytest.mark.parametrize("rules", ["deploy/button/78-kiosk-button.rules", "deploy/usb/79-kiosk-usb.rules"])
def test_every_udev_rule_line_is_well_formed(rules):
    text = (REPO / rules).read_text().replace("\\\n", " ")
    labels, gotos = set(), set()
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        for item in line.split(", "):
            assert RULE_ITEM.match(item), f"{rules}: not a udev key: {item!r}"
        labels |= set(re.findall(r'LABEL="([^"]+)"', line))
        gotos |= set(re.findall(r'GOTO="([^"]+)"', line))
    assert gotos <= labels, f"{rules}: GOTO without LABEL: {gotos - labels}"
