"""A fake Raspberry Pi as folders: /proc, /sys, /dev, /etc, /run and a mount table the doctor reads."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from kiosk.config import ButtonConfig, Config, PathsConfig
from kiosk.doctor.host import Host

REPO = Path(__file__).resolve().parents[2]

OFFICIAL_TOUCH = """I: Bus=0018 Vendor=0000 Product=0000 Version=0000
N: Name="raspberrypi-ts"
P: Phys=
S: Sysfs=/devices/platform/soc/soc:firmware/soc:firmware:touchscreen/input/input0
U: Uniq=
H: Handlers=event0
B: PROP=2
B: EV=b
B: KEY=400 0 0 0 0 0 0 0 0 0 0
B: ABS=2608000 3

I: Bus=0003 Vendor=046d Product=c31c Version=0110
N: Name="Logitech USB Keyboard"
H: Handlers=sysrq kbd leds event1
B: PROP=0
B: EV=120013
"""


class FakePi:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "var/lib/room-kiosk"
        self.free = 8 * 10**9
        self.kernel_clock: bool | None = None

    def write(self, path: str, text: str = "") -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return target

    def mounts(self, *lines: str) -> None:
        """mountinfo lines as `POINT FSTYPE SOURCE [OPTIONS [SUPER]]`, as the Pi names them (from its /)."""
        out = []
        for n, line in enumerate(lines, start=20):
            parts = line.split()
            point, fstype, source = parts[:3]
            options = parts[3] if len(parts) > 3 else "rw,relatime"
            sup = parts[4] if len(parts) > 4 else "rw"
            out.append(f"{n} 1 0:{n} / {point} {options} shared:1 - {fstype} {source} {sup}")
        self.write("proc/self/mountinfo", "\n".join(out) + "\n")

    def healthy(self) -> "FakePi":
        """The way deploy/install.sh leaves a Pi 4 with the official 7-inch display, on its SD card."""
        self.data.mkdir(parents=True, exist_ok=True)
        self.write("dev/dri/card1")
        self.write("dev/dri/renderD128")
        self.write("sys/class/drm/card1-DSI-1/status", "connected\n")
        self.write("sys/class/drm/card1-HDMI-A-1/status", "disconnected\n")
        self.write("proc/bus/input/devices", OFFICIAL_TOUCH)
        self.write("dev/input/event0")
        self.write("proc/asound/cards", " 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones\n"
                                       "                      bcm2835 Headphones\n")
        self.write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"
                                 "kiosk:x:999:996::/var/lib/room-kiosk:/usr/sbin/nologin\n")
        self.write("etc/group", "video:x:44:kiosk\nrender:x:105:kiosk\ninput:x:104:kiosk\n"
                                "dialout:x:20:kiosk\naudio:x:29:kiosk\nkiosk:x:996:\n")
        self.write("etc/systemd/system/room-kiosk.service", (REPO / "deploy/room-kiosk.service").read_text())
        self.write("etc/avahi/services/room-kiosk.service", (REPO / "deploy/avahi/room-kiosk.service").read_text())
        self.write("run/avahi-daemon/pid", "612\n")
        self.write("run/systemd/timesync/synchronized")
        self.write("proc/sys/kernel/hostname", "room-3\n")
        self.mounts("/ ext4 /dev/mmcblk0p2", "/boot/firmware vfat /dev/mmcblk0p1", "/run tmpfs tmpfs")
        return self

    def host(self) -> Host:
        return Host.under(self.root, free_bytes=lambda _path: self.free, kernel_clock=lambda: self.kernel_clock)

    def config(self, **changes) -> Config:
        config = Config(room="Room 3", pin="4826", paths=PathsConfig(data=self.data), button=ButtonConfig())
        return replace(config, **changes)


@pytest.fixture
def pi(tmp_path: Path) -> FakePi:
    return FakePi(tmp_path / "pi")
