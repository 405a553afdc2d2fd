"""The kiosk's own hotspot, through NetworkManager's nmcli (what Raspberry Pi OS uses).

Only documented nmcli commands, in their terse form (`-t`, fields separated by ':' with '\\:' for a
colon in a value):
    nmcli -t -f RUNNING general                                  is NetworkManager there
    nmcli -t -f DEVICE,TYPE,STATE,CONNECTION device               the Wi-Fi device and what it is on
    nmcli device wifi hotspot ifname DEV con-name NAME ssid SSID band bg password PW
    nmcli -t -f IP4.ADDRESS device show DEV                       the hotspot's address (10.42.0.1)
    nmcli connection down id NAME ; nmcli connection delete id NAME ; nmcli connection up id EARLIER
nmcli runs behind a seam (`run`), so tests put a fake nmcli on PATH that checks each call's syntax.
Where NetworkManager or a Wi-Fi device is missing, check() says why in words for the panel.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from typing import Callable, Sequence

from kiosk.export.names import fat_slug

log = logging.getLogger(__name__)

CONNECTION = "room-kiosk-hotspot"
HOTSPOT_SECONDS = 15 * 60.0
PASSWORD_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"  # nothing a person misreads (no l/1, o/0)
NM_NOT_RUNNING = 8


class HotspotFailed(RuntimeError):
    """nmcli refused or failed; str() says so for the panel."""


@dataclass(frozen=True)
class Availability:
    ok: bool
    reason: str = ""
    device: str | None = None
    connected_to: str | None = None  # the connection the Wi-Fi device is on now, brought back afterwards


@dataclass(frozen=True)
class HotspotOn:
    ssid: str
    password: str
    device: str
    address: str | None
    earlier: str | None


Run = Callable[[Sequence[str]], subprocess.CompletedProcess]


def terse_fields(line: str) -> list[str]:
    """One line of `nmcli -t` output split at ':' (a '\\:' is a colon inside a value, '\\\\' a backslash)."""
    out, field, escaped = [], [], False
    for c in line:
        if escaped:
            field.append(c)
            escaped = False
        elif c == "\\":
            escaped = True
        elif c == ":":
            out.append("".join(field))
            field = []
        else:
            field.append(c)
    out.append("".join(field))
    return out


def new_password(length: int = 12) -> str:
    return "".join(secrets.choice(PASSWORD_LETTERS) for _ in range(length))


def hotspot_name(room: str) -> str:
    return f"{fat_slug(room, 'kiosk')[:24]}-logs"


class Hotspot:
    def __init__(self, room: str, run: Run | None = None, which: Callable[[str], str | None] = shutil.which,
                 make_password: Callable[[], str] = new_password) -> None:
        self.ssid = hotspot_name(room)
        self._which = which
        self._run = run
        self._make_password = make_password

    def _nmcli(self, *args: str) -> subprocess.CompletedProcess:
        if self._run is not None:
            return self._run(["nmcli", *args])
        binary = self._which("nmcli") or "nmcli"
        return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60)

    def check(self) -> Availability:
        if self._run is None and self._which("nmcli") is None:
            return Availability(False, "No hotspot: NetworkManager (nmcli) is not installed on this kiosk.")
        try:
            r = self._nmcli("-t", "-f", "RUNNING", "general")
        except (OSError, subprocess.SubprocessError) as exc:
            return Availability(False, f"No hotspot: nmcli could not be run ({exc}).")
        if r.returncode == NM_NOT_RUNNING or (r.returncode == 0 and r.stdout.strip() != "running"):
            return Availability(False, "No hotspot: NetworkManager is not running on this kiosk.")
        if r.returncode != 0:
            return Availability(False, f"No hotspot: {_said(r)}")
        r = self._nmcli("-t", "-f", "DEVICE,TYPE,STATE,CONNECTION", "device")
        if r.returncode != 0:
            return Availability(False, f"No hotspot: {_said(r)}")
        wifi = [terse_fields(line) for line in r.stdout.splitlines() if line.strip()]
        wifi = [f for f in wifi if len(f) >= 4 and f[1] == "wifi"]
        if not wifi:
            return Availability(False, "No hotspot: this kiosk has no Wi-Fi device.")
        usable = [f for f in wifi if f[2] not in ("unavailable", "unmanaged")]
        if not usable:
            device, state = wifi[0][0], wifi[0][2]
            why = ("its Wi-Fi is switched off (radio or rfkill)" if state == "unavailable"
                   else "NetworkManager does not manage its Wi-Fi")
            return Availability(False, f"No hotspot: {why} ({device}).", device)
        device, _, state, connection = usable[0][:4]
        earlier = connection if state == "connected" and connection not in ("", "--", CONNECTION) else None
        return Availability(True, device=device, connected_to=earlier)

    def open(self, where: Availability) -> HotspotOn:
        if not where.ok or not where.device:
            raise HotspotFailed(where.reason or "no Wi-Fi device")
        password = self._make_password()
        r = self._nmcli("device", "wifi", "hotspot", "ifname", where.device, "con-name", CONNECTION,
                        "ssid", self.ssid, "band", "bg", "password", password)
        if r.returncode != 0:
            raise HotspotFailed(f"The hotspot did not start: {_said(r)}")
        address = None
        r = self._nmcli("-t", "-f", "IP4.ADDRESS", "device", "show", where.device)
        if r.returncode == 0:
            for line in r.stdout.splitlines():
                key, _, value = line.partition(":")
                if key.startswith("IP4.ADDRESS") and value:
                    address = value.split("/", 1)[0]
                    break
        return HotspotOn(self.ssid, password, where.device, address, where.connected_to)

    def close(self, on: HotspotOn) -> list[str]:
        """Takes the hotspot down, removes its profile, brings the earlier connection back. Returns what
        did not work (logged; the kiosk goes on either way)."""
        problems = []
        for args in (("connection", "down", "id", CONNECTION), ("connection", "delete", "id", CONNECTION)):
            r = self._nmcli(*args)
            if r.returncode != 0:
                problems.append(_said(r))
        if on.earlier:
            r = self._nmcli("connection", "up", "id", on.earlier)
            if r.returncode != 0:
                problems.append(f"the earlier connection {on.earlier!r} did not come back: {_said(r)}")
        for p in problems:
            log.warning("closing the hotspot: %s", p)
        return problems


def _said(r: subprocess.CompletedProcess) -> str:
    text = (r.stderr or r.stdout or "").strip().splitlines()
    first = text[0] if text else f"nmcli exited with {r.returncode}"
    return first.removeprefix("Error: ")
