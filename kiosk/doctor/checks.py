"""Every check the doctor runs, in one place; each reads the Host and the config and returns findings.

The doctor should run as the kiosk's own user (`sudo -u kiosk kiosk doctor`), so
that "writable" and "can open" mean what they mean for the kiosk. The checks of
the screen, the button, the data folder and the service live in their own modules;
the small ones (config, the kiosk user, sound, clock, avahi) live here.
"""

from __future__ import annotations

import re

from kiosk.config import DEFAULT_PIN, Config
from kiosk.doctor.button import ButtonAnswer, check_button, listen
from kiosk.doctor.findings import Finding, note, ok, problem
from kiosk.doctor.host import Host
from kiosk.doctor.screen import InputDevice, check_display, check_touch, parse_input_devices
from kiosk.doctor.service import check_sandbox, check_service, check_watchdog
from kiosk.doctor.storage import check_data, check_journal

__all__ = ["ButtonAnswer", "InputDevice", "check_audio", "check_avahi", "check_button", "check_clock", "check_config",
           "check_data", "check_display", "check_journal", "check_kiosk_user", "check_sandbox", "check_service",
           "check_touch", "check_watchdog", "listen", "parse_input_devices"]

KIOSK_USER = "kiosk"
KIOSK_GROUPS = ("video", "render", "input", "dialout", "audio")
AVAHI_SERVICE = "avahi/services/room-kiosk.service"
SILENT_PROFILES = ("silent", "still")
RESTART = "then: sudo systemctl restart room-kiosk"


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
