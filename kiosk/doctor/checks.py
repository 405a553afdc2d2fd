"""The device checks: each reads the Host and the config, and returns findings with fixes.

The doctor should run as the kiosk's own user (`sudo -u kiosk kiosk doctor`), so
that "writable" and "can open" mean what they mean for the kiosk.
"""

from __future__ import annotations

import os
import re
import sqlite3
from configparser import ConfigParser
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kiosk.config import DEFAULT_PIN, ButtonConfig, Config
from kiosk.doctor.findings import Finding, note, ok, problem
from kiosk.doctor.host import Host
from kiosk.doctor.mounts import mount_of, ram_reason

KIOSK_USER = "kiosk"
KIOSK_GROUPS = ("video", "render", "input", "dialout", "audio")
STABLE_BUTTON = "/dev/kiosk-button"
UNIT = "systemd/system/room-kiosk.service"
AVAHI_SERVICE = "avahi/services/room-kiosk.service"
LOW_SPACE = 200 * 1024 * 1024
DIRECT = 1 << 1  # INPUT_PROP_DIRECT (linux/input-event-codes.h): a touch screen, not a touch pad
SILENT_PROFILES = ("silent", "still")
RESTART = "then: sudo systemctl restart room-kiosk"


# --- display, touch, the kiosk user ------------------------------------------------------------------


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


def _group_members(text: str) -> dict[str, set[str]]:
    groups = {}
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) >= 4:
            groups[parts[0]] = {m for m in parts[3].split(",") if m}
    return groups


def check_kiosk_user(host: Host) -> list[Finding]:
    passwd = host.read(host.etc / "passwd") or ""
    entry = next((line.split(":") for line in passwd.splitlines() if line.startswith(KIOSK_USER + ":")), None)
    if entry is None:
        return [problem("kiosk user", f"there is no {KIOSK_USER} user", "run deploy/install.sh (it creates it)")]
    if entry[2:3] == ["0"]:
        return [problem("kiosk user", f"{KIOSK_USER} has uid 0: the kiosk would run as root",
                        "give it its own uid; the display needs no root rights")]
    groups = _group_members(host.read(host.etc / "group") or "")
    primary = entry[3] if len(entry) > 3 else ""
    missing = [g for g in KIOSK_GROUPS if g in groups and KIOSK_USER not in groups[g]
               and _gid(host, g) != primary]
    findings = []
    if missing:
        findings.append(problem("kiosk user", f"{KIOSK_USER} is not in {', '.join(missing)}: "
                                "without them it cannot open the display, the touch screen, the button or sound",
                                f"sudo usermod -a -G {','.join(missing)} {KIOSK_USER}; {RESTART}"))
    xwrapper = host.read(host.etc / "X11/Xwrapper.config") or ""
    if re.search(r"^\s*needs_root_rights\s*=\s*yes", xwrapper, re.M):
        findings.append(problem("kiosk user", "/etc/X11/Xwrapper.config gives the X server root rights",
                                "remove the needs_root_rights=yes line (deploy/install.sh does it)"))
    return findings or [ok("kiosk user", f"{KIOSK_USER}, not root, in {', '.join(g for g in KIOSK_GROUPS if g in groups)}")]


def _gid(host: Host, group: str) -> str | None:
    for line in (host.read(host.etc / "group") or "").splitlines():
        parts = line.split(":")
        if parts[0] == group and len(parts) > 2:
            return parts[2]
    return None


# --- the help button ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ButtonAnswer:
    outcome: str  # speaking | silent | busy | closed | open | error
    detail: str = ""


def listen(path: str, button: ButtonConfig, seconds: float = 3.0) -> ButtonAnswer:
    """Open the button as the kiosk would and listen briefly; never while the kiosk holds it."""
    import time

    from kiosk.button.line import LineDecoder
    from kiosk.button.port import PortProblem, open_port

    try:
        port = open_port(path, baudrate=button.baudrate, read_timeout=0.1)
    except PortProblem as exc:
        return ButtonAnswer("busy" if "in use" in str(exc) else "error", str(exc))
    try:
        if button.mode == "modem":
            port.rts = port.dtr = True
            time.sleep(0.1)
            closed = port.cts if button.modem_line == "cts" else port.dsr
            return ButtonAnswer("closed" if closed else "open", button.modem_line.upper())
        if button.mode == "any_byte":
            return ButtonAnswer("open", "opens")
        decoder, deadline = LineDecoder(), time.monotonic() + seconds
        while time.monotonic() < deadline:
            signals = decoder.feed(port.read(port.in_waiting or 1))
            if signals:
                return ButtonAnswer("speaking", str(signals[0]))
        return ButtonAnswer("silent", f"{seconds:g} s")
    except OSError as exc:
        return ButtonAnswer("error", f"it went away while listening: {exc}")
    finally:
        port.close()


def check_button(host: Host, button: ButtonConfig,
                 listen: Callable[[str, ButtonConfig], ButtonAnswer] = listen) -> list[Finding]:
    url = button.url
    if not url:
        return [note("button", "no help button configured ([button] url)")]
    findings = []
    device = url if "://" in url else str(host.device(url))
    if "://" not in url:
        if not Path(device).exists():
            return [problem("button", f"no button at {url}",
                            "plug it in; `ls -l /dev/kiosk-button /dev/serial/by-id/` shows what is there; the udev "
                            "rule (deploy/button/78-kiosk-button.rules) names it /dev/kiosk-button")]
        if url != STABLE_BUTTON and not url.startswith("/dev/serial/by-id/"):
            findings.append(problem("button", f"[button] url = \"{url}\" may name another device after a reboot",
                                    f"set [button] url = \"{STABLE_BUTTON}\" (the udev rule's stable name)"))
    answer = listen(device, button)
    if answer.outcome == "busy":
        findings.append(ok("button", f"{url} is held open by another program, as the running kiosk holds it "
                                     "(stop the kiosk to test the button here)"))
    elif answer.outcome == "error":
        findings.append(problem("button", answer.detail, "check the cable and the dialout group, then try "
                                                         f"`kiosk button watch --url {url} --mode {button.mode}`"))
    elif answer.outcome == "silent":
        findings.append(problem("button", f"{url} opens but said nothing in {answer.detail}: a firmware button "
                                          "sends PING every second",
                                "check [button] mode and baudrate, and the firmware (deploy/button/README.md); "
                                f"`kiosk button watch --url {url}` shows what arrives"))
    elif answer.outcome == "closed":
        findings.append(problem("button", f"{answer.detail} reads closed with nobody pressing",
                                "the switch is held, or wired to the wrong pins (deploy/button/README.md)"))
    elif answer.outcome == "speaking":
        findings.append(ok("button", f"{url} speaks: {answer.detail}"))
    else:
        what = "the switch reads open" if button.mode == "modem" else "it opens (it sends only when pressed)"
        findings.append(ok("button", f"{url}: {what}; press it during `kiosk button watch` to test"))
    return findings


# --- the data folder and its journal -----------------------------------------------------------------


def check_data(host: Host, config: Config) -> list[Finding]:
    data = config.paths.data
    if not data.is_dir():
        return [problem("data", f"the data folder {data} does not exist",
                        f"sudo install -d -o {KIOSK_USER} -g {KIOSK_USER} -m 0750 {data} (deploy/install.sh does it)")]
    findings = []
    if not os.access(data, os.W_OK | os.X_OK):
        findings.append(problem("data", f"{data} is not writable by this user (run the doctor as the kiosk: "
                                        "sudo -u kiosk kiosk doctor)",
                                f"sudo chown -R {KIOSK_USER}:{KIOSK_USER} {data}"))
    mounts = host.mounts()
    where = host.as_mounted(data)
    reason = ram_reason(where, mounts)
    mount = mount_of(where, mounts)
    if reason:
        findings.append(problem("data", f"{reason}: a power cut would lose every log",
                                "put the data folder on a writable partition (README: Read-only root), or turn the "
                                "overlay file system off in raspi-config"))
    elif mount is not None and mount.read_only:
        findings.append(problem("data", f"{data} is on a read-only mount ({mount.point})",
                                "mount the data partition read-write (README: Read-only root)"))
    try:
        free = host.free_bytes(data)
    except OSError as exc:
        free = None
        findings.append(problem("data", f"cannot tell the free space of {data}: {exc}", "check the disk: df -h"))
    if free is not None and free < LOW_SPACE:
        findings.append(problem("data", f"only {free // (1024 * 1024)} MB free for {data}",
                                "free space on that partition (old logs are safe to export first: USB or Wi-Fi)"))
    if not findings:
        on = f"{mount.fstype} at {mount.point}" if mount else "its disk"
        findings.append(ok("data", f"{data}: writable, on {on}, {free / 1e9:.1f} GB free"))
    return findings


def check_journal(config: Config) -> list[Finding]:
    db = config.paths.database
    if not db.exists():
        return [note("journal", f"no journal yet at {db} (the first start creates it)")]
    try:
        rows = _quick_check(f"file:{db}?mode=ro")
    except sqlite3.OperationalError:
        try:  # the WAL's shared memory file is not ours to create: read the main file as it stands
            rows = _quick_check(f"file:{db}?immutable=1")
        except sqlite3.DatabaseError as exc:
            rows = [str(exc)]
    except sqlite3.DatabaseError as exc:
        rows = [str(exc)]
    if rows == ["ok"]:
        return [ok("journal", f"{db}: intact (SQLite quick_check)")]
    return [problem("journal", f"{db} is damaged: {'; '.join(rows[:3])}",
                    "stop the kiosk (sudo systemctl stop room-kiosk), copy the whole data folder somewhere safe "
                    "before anything else (unsynced logs are in it), then ask for help")]


def _quick_check(uri: str) -> list[str]:
    con = sqlite3.connect(uri, uri=True, timeout=2)
    try:
        return [row[0] for row in con.execute("PRAGMA quick_check")]
    finally:
        con.close()


# --- clock, audio, service, avahi, config ------------------------------------------------------------


def check_clock(host: Host) -> list[Finding]:
    synced = host.clock_synchronized()
    if synced:
        return [ok("clock", "the wall clock is synchronised")]
    if synced is None:
        return [note("clock", "cannot tell whether the wall clock is synchronised", "timedatectl shows it")]
    return [problem("clock", "the wall clock is not synchronised: events are logged as 'clock not trusted' "
                             "(a Pi has no battery clock)",
                    "connect the network; `timedatectl` should say 'System clock synchronized: yes' "
                    "(sudo systemctl enable --now systemd-timesyncd)")]


def check_audio(host: Host, config: Config) -> list[Finding]:
    cards = re.findall(r"^\s*\d+\s+\[(.+?)\s*\]:\s*(.*)$", host.read(host.proc / "asound/cards") or "", re.M)
    if cards:
        return [ok("audio", "sound: " + ", ".join(f"{name.strip()} ({desc.strip()})" for name, desc in cards))]
    if config.display.profile in SILENT_PROFILES:
        return [note("audio", f"no sound card; the {config.display.profile} profile plays no chimes")]
    return [problem("audio", "no sound card: the chimes cannot play (the kiosk logs a CRITICAL line at the first "
                             "chime and stays silent)",
                    "plug in a USB speaker, or enable the headphone jack (dtparam=audio=on in "
                    f"/boot/firmware/config.txt) or HDMI sound; or set [display] profile = \"silent\"; {RESTART}")]


def check_watchdog(host: Host) -> list[Finding]:
    unit = host.etc / UNIT
    if not unit.is_file():
        return [problem("watchdog", "room-kiosk.service is not installed: nothing restarts a frozen or "
                                    "crashed kiosk", "run deploy/install.sh")]
    parser = ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read([unit, *sorted((host.etc / (UNIT + ".d")).glob("*.conf"))])
    service = parser["Service"] if parser.has_section("Service") else {}
    kind, seconds = service.get("Type", "simple"), service.get("WatchdogSec", "0")
    if kind != "notify" or seconds in ("0", "", "infinity"):
        return [problem("watchdog", f"room-kiosk.service has Type={kind}, WatchdogSec={seconds}: a frozen screen "
                                    "would stay frozen",
                        "reinstall the unit (deploy/install.sh); sudo systemctl daemon-reload")]
    return [ok("watchdog", f"Type=notify, WatchdogSec={seconds}: a screen frozen that long is restarted")]


def check_sandbox(host: Host, config: Config) -> list[Finding]:
    """The unit lets the kiosk write only some folders: the configured data folder must be one of them."""
    unit = host.etc / UNIT
    if not unit.is_file():
        return []
    allowed = []
    for path in [unit, *sorted((host.etc / (UNIT + ".d")).glob("*.conf"))]:
        for line in (host.read(path) or "").splitlines():
            key, _, value = line.strip().partition("=")
            if key == "ReadWritePaths":
                allowed += [v.lstrip("-+") for v in value.split()] if value else []
                if not value:
                    allowed = []
    data = str(host.as_mounted(config.paths.data))
    if any(data == a or data.startswith(a.rstrip("/") + "/") for a in allowed):
        return [ok("sandbox", f"the service may write {data}")]
    return [problem("sandbox", f"room-kiosk.service may write only {', '.join(allowed) or 'nothing'}, not the data "
                               f"folder {data}: the kiosk could not keep its logs",
                    f"sudo systemctl edit room-kiosk, add [Service] ReadWritePaths={data}; {RESTART}")]


def check_service(host: Host) -> list[Finding]:
    """Whether room-kiosk.service runs, and what its restarts say (a tree or a laptop cannot tell)."""
    state = host.unit_state("room-kiosk.service") if host.unit_state else None
    if not state or state.get("LoadState") != "loaded":
        return [note("service", "cannot ask systemd about room-kiosk.service here")]
    active, result, restarts = state.get("ActiveState"), state.get("Result", ""), state.get("NRestarts", "0")
    if active == "failed" and result == "start-limit-hit":
        return [problem("service", "room-kiosk.service crashed too often and systemd stopped restarting it "
                                   "(10 starts in 10 minutes)",
                        "find why: journalctl -u room-kiosk -b; then sudo systemctl reset-failed room-kiosk "
                        "&& sudo systemctl start room-kiosk")]
    if active != "active":
        return [problem("service", f"room-kiosk.service is {active} ({result or 'no result'})",
                        "journalctl -u room-kiosk -b shows why; sudo systemctl start room-kiosk")]
    if result == "watchdog":
        return [note("service", f"running; its last restart was the watchdog's: the screen froze ({restarts} "
                                "restarts since boot)", "journalctl -u room-kiosk -b shows what it was doing")]
    if restarts not in ("", "0"):
        return [note("service", f"running; restarted {restarts} times since boot",
                     "journalctl -u room-kiosk -b shows why")]
    return [ok("service", "room-kiosk.service is running")]


def check_avahi(host: Host) -> list[Finding]:
    hostname = (host.read(host.proc / "sys/kernel/hostname") or "").strip()
    findings = []
    if not (host.run / "avahi-daemon" / "pid").exists():
        findings.append(problem("avahi", f"avahi-daemon is not running: nobody finds this kiosk as {hostname}.local",
                                "sudo apt-get install avahi-daemon && sudo systemctl enable --now avahi-daemon"))
    if not (host.etc / AVAHI_SERVICE).is_file():
        findings.append(problem("avahi", "the kiosk's download page is not announced (no "
                                         f"/etc/{AVAHI_SERVICE})", "run deploy/install.sh"))
    if hostname in ("raspberrypi", "localhost", ""):
        findings.append(problem("avahi", f"the hostname is \"{hostname}\": every new Pi is called that",
                                "sudo deploy/install.sh --hostname room-3 (one name per room)"))
    return findings or [ok("avahi", f"announced as {hostname}.local")]


def check_config(config: Config) -> list[Finding]:
    where = config.source or "the built-in defaults (no config file)"
    findings = []
    if config.pin == DEFAULT_PIN:
        findings.append(problem("config", f"the facilitator PIN is the default ({DEFAULT_PIN}) in {where}",
                                f"set pin = \"...\" in /etc/room-kiosk/kiosk.toml (or deploy/install.sh --pin); {RESTART}"))
    if config.room == Config().room:
        findings.append(problem("config", f"the room has no name of its own in {where}",
                                f"set room = \"Room 3\" in /etc/room-kiosk/kiosk.toml; {RESTART}"))
    if config.hub.url and not config.hub.token:
        findings.append(problem("config", "[hub] url is set but token is empty: the hub will refuse every upload",
                                "on the hub: kiosk hub add-room \"ROOM\"; put the token in [hub] token"))
    return findings or [ok("config", f"{where}: room \"{config.room}\", PIN set")]
