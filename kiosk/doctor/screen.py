"""The screen the kiosk draws on and the touch screen it reads: KMS or X, a connected display, GL, touch."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.doctor.findings import Finding, note, ok, problem
from kiosk.doctor.host import Host

UNIT = "systemd/system/room-kiosk.service"
DIRECT = 1 << 1  # INPUT_PROP_DIRECT (linux/input-event-codes.h): a touch screen, not a touch pad
RESTART = "then: sudo systemctl restart room-kiosk"


def check_display(host: Host) -> list[Finding]:
    cards = sorted(p.name for p in host.dev.glob("dri/card*"))
    x11 = (host.etc / (UNIT + ".d") / "x11.conf").exists()
    if not cards:
        if x11 and (host.dev / "fb0").exists():
            return [note("display", "X on the framebuffer: /dev/dri offers no KMS device",
                         "KMS draws with less CPU and no X server: add dtoverlay=vc4-kms-v3d to "
                         "/boot/firmware/config.txt, reboot, run deploy/install.sh again")]
        return [problem("display", "no display device: /dev/dri has no card",
                        "add dtoverlay=vc4-kms-v3d to /boot/firmware/config.txt (Raspberry Pi OS has it by "
                        "default) and reboot")]
    connected = sorted(d.name.split("-", 1)[1] for d in host.sys.glob("class/drm/card*-*")
                       if (host.read(d / "status") or "").strip() == "connected")
    if not connected:
        return [problem("display", f"no screen is connected to {', '.join(cards)}",
                        "check the display's ribbon cable (both ends, contacts the right way round) or the HDMI "
                        f"cable; {RESTART}")]
    gl = "GL on the GPU" if list(host.dev.glob("dri/renderD*")) else "no render node: GL in software (slow)"
    how = "X (the fallback; KMS is offered: run deploy/install.sh again to use it)" if x11 else "KMS, no X server"
    return [ok("display", f"{how}: {', '.join(connected)} on {', '.join(cards)}; {gl}")]


@dataclass(frozen=True)
class InputDevice:
    name: str
    handlers: tuple[str, ...]
    props: int

    @property
    def touch_screen(self) -> bool:
        return bool(self.props & DIRECT) and any(h.startswith("event") for h in self.handlers)

    @property
    def event(self) -> str | None:
        return next((h for h in self.handlers if h.startswith("event")), None)


def parse_input_devices(text: str) -> list[InputDevice]:
    out = []
    for block in text.split("\n\n"):
        name = re.search(r'^N: Name="(.*)"$', block, re.M)
        handlers = re.search(r"^H: Handlers=(.*)$", block, re.M)
        props = re.search(r"^B: PROP=([0-9a-fA-F]+)$", block, re.M)
        if name and handlers:
            out.append(InputDevice(name.group(1), tuple(handlers.group(1).split()),
                                   int(props.group(1), 16) if props else 0))
    return out


def check_touch(host: Host) -> list[Finding]:
    devices = parse_input_devices(host.read(host.proc / "bus/input/devices") or "")
    screens = [d for d in devices if d.touch_screen]
    if not screens:
        return [problem("touch", "no touch screen found (no input device that reports direct touch)",
                        "check the display's ribbon cable and its power; `cat /proc/bus/input/devices` lists what "
                        f"the kernel sees; {RESTART}")]
    missing = [d for d in screens if not (host.dev / "input" / (d.event or "")).exists()]
    if missing:
        return [problem("touch", f"{missing[0].name} has no /dev/input/{missing[0].event}",
                        "udev has not made the device node: sudo udevadm trigger --subsystem-match=input")]
    names = ", ".join(f"{d.name} (/dev/input/{d.event})" for d in screens)
    return [ok("touch", f"touch screen: {names}; the kiosk reads it through one input provider")]
