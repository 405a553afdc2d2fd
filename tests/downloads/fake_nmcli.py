"""A fake `nmcli` for tests: put on PATH by install(), it checks each call against nmcli's documented
syntax (nmcli(1): global options, objects, commands, the hotspot's parameters, the fields each
command knows) and plays the outputs, error messages and exit codes a real NetworkManager gives.

Its state (NetworkManager running or not, the devices, the connections, failures to play) is a JSON
file named by FAKE_NMCLI_STATE; every call is appended to its "calls", so a test sees what was run.
Exit codes as nmcli(1) documents them: 0 success, 1 unknown error, 2 invalid user input, 4 activation
failed, 8 NetworkManager not running, 10 connection/device/access point does not exist.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

OBJECTS = ("general", "networking", "radio", "connection", "device", "agent", "monitor", "help")
FIELDS = {
    "general": {"RUNNING", "VERSION", "STATE", "STARTUP", "CONNECTIVITY", "NETWORKING", "WIFI-HW", "WIFI",
                "WWAN-HW", "WWAN"},
    "device": {"DEVICE", "TYPE", "STATE", "IP4-CONNECTIVITY", "IP6-CONNECTIVITY", "DBUS-PATH", "CONNECTION",
               "CON-UUID", "CON-PATH"},
    "device show": {"GENERAL", "IP4", "IP6", "GENERAL.DEVICE", "GENERAL.TYPE", "GENERAL.STATE", "IP4.ADDRESS",
                    "IP4.GATEWAY", "IP4.DNS", "IP6.ADDRESS"},
    "connection show": {"NAME", "UUID", "TYPE", "DEVICE", "ACTIVE", "STATE", "TIMESTAMP", "AUTOCONNECT"},
}
HOTSPOT_KEYS = ("ifname", "con-name", "ssid", "band", "channel", "password")
DEFAULT = {"running": True, "calls": [], "fail": {},
           "devices": [{"device": "wlan0", "type": "wifi", "state": "connected", "connection": "Clinic WiFi"},
                       {"device": "eth0", "type": "ethernet", "state": "unavailable", "connection": ""},
                       {"device": "lo", "type": "loopback", "state": "connected (externally)", "connection": "lo"}],
           "connections": [{"name": "Clinic WiFi", "uuid": "6f1d1d0e-1b4e-4a43-9a8c-2f7f0c1e5a11", "type": "wifi",
                            "device": "wlan0"}]}


class Exit(Exception):
    def __init__(self, code: int, err: str = "", out: str = "") -> None:
        self.code, self.err, self.out = code, err, out


def _match(word: str, choices) -> str | None:
    """nmcli accepts any unambiguous prefix of a keyword ('dev', 'con')."""
    hits = [c for c in choices if c.startswith(word)] if word else []
    return hits[0] if len(hits) == 1 or (hits and word in hits) else None


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _check_fields(fields: str | None, known: set, what: str) -> list[str] | None:
    if fields is None:
        return None
    names = fields.split(",")
    for name in names:
        if name not in known and name.split(".")[0] not in known:
            raise Exit(2, f"Error: invalid field '{name}'; allowed fields: {','.join(sorted(known))}.\n")
    return names


def main(argv: list[str], state: dict) -> str:
    args = list(argv)
    terse, fields = False, None
    while args and args[0].startswith("-"):
        opt = args.pop(0)
        if opt in ("-t", "--terse"):
            terse = True
        elif opt in ("-f", "--fields"):
            if not args:
                raise Exit(2, "Error: fields for '-f' option are missing.\n")
            fields = args.pop(0)
        elif opt in ("-e", "--escape"):
            if not args or args.pop(0) not in ("yes", "no"):
                raise Exit(2, "Error: '--escape' argument is missing or not yes/no.\n")
        elif opt in ("-w", "--wait"):
            if not args or not args.pop(0).isdigit():
                raise Exit(2, "Error: '--wait' option requires a number of seconds.\n")
        else:
            raise Exit(2, f"Error: Option '{opt}' is unknown, try 'nmcli -help'.\n")
    if not args:
        raise Exit(2, "Error: an object is required (fake: bare nmcli is not used by the kiosk).\n")
    obj = _match(args.pop(0), OBJECTS)
    if obj is None:
        raise Exit(2, f"Error: Object '{argv[-len(args) - 1] if args else argv[-1]}' is unknown, try 'nmcli help'.\n")
    if not state["running"]:
        raise Exit(8, "Error: NetworkManager is not running.\n")
    if obj == "general":
        cmd = _match(args.pop(0), ("status", "hostname", "permissions", "logging")) if args else "status"
        if cmd != "status" or args:
            raise Exit(2, "Error: argument not understood (fake: only 'general status' is played).\n")
        names = _check_fields(fields, FIELDS["general"], "general") or ["RUNNING", "STATE"]
        values = {"RUNNING": "running", "STATE": "connected", "VERSION": "1.42.4", "WIFI": "enabled",
                  "WIFI-HW": "enabled"}
        return ":".join(values.get(n, "") for n in names) + "\n" if terse else " ".join(names) + "\n"
    if obj == "device":
        cmd = _match(args.pop(0), ("status", "show", "set", "up", "connect", "reapply", "modify", "down",
                                   "disconnect", "delete", "monitor", "wifi", "lldp")) if args else "status"
        if cmd == "status":
            if args:
                raise Exit(2, f"Error: invalid extra argument '{args[0]}'.\n")
            names = _check_fields(fields, FIELDS["device"], "device") or ["DEVICE", "TYPE", "STATE", "CONNECTION"]
            lines = []
            for d in state["devices"]:
                row = [d.get(n.lower(), "") for n in names]
                lines.append(":".join(_escape(v) for v in row) if terse else "  ".join(row))
            return "\n".join(lines) + "\n"
        if cmd == "show":
            names = _check_fields(fields, FIELDS["device show"], "device show") or ["GENERAL.DEVICE"]
            if len(args) != 1:
                raise Exit(2, "Error: 'device show' takes one device name (fake).\n")
            dev = next((d for d in state["devices"] if d["device"] == args[0]), None)
            if dev is None:
                raise Exit(10, f"Error: Device '{args[0]}' not found.\n")
            out = []
            if "IP4.ADDRESS" in names and dev.get("ip4"):
                out.append(f"IP4.ADDRESS[1]:{dev['ip4']}")
            if "GENERAL.DEVICE" in names:
                out.append(f"GENERAL.DEVICE:{dev['device']}")
            return "\n".join(out) + "\n"
        if cmd == "wifi":
            sub = _match(args.pop(0), ("list", "connect", "hotspot", "rescan", "show-password")) if args else "list"
            if sub != "hotspot":
                raise Exit(2, "Error: fake nmcli plays only 'device wifi hotspot'.\n")
            if fields is not None:
                raise Exit(2, "Error: 'device wifi hotspot' takes no '--fields'.\n")
            given: dict[str, str] = {}
            while args:
                key = args.pop(0)
                if key not in HOTSPOT_KEYS:
                    raise Exit(2, f"Error: invalid extra argument '{key}'.\n")
                if not args:
                    raise Exit(2, f"Error: {key} argument is missing.\n")
                if key in given:
                    raise Exit(2, f"Error: '{key}' given twice.\n")
                given[key] = args.pop(0)
            if "band" in given and given["band"] not in ("a", "bg"):
                raise Exit(2, f"Error: band argument value '{given['band']}' is invalid; use 'a' or 'bg'.\n")
            if "ssid" in given and not (0 < len(given["ssid"].encode()) <= 32):
                raise Exit(2, "Error: ssid is too long.\n")
            wifi = [d for d in state["devices"] if d["type"] == "wifi"]
            if "ifname" in given:
                dev = next((d for d in state["devices"] if d["device"] == given["ifname"]), None)
                if dev is None:
                    raise Exit(10, f"Error: Device '{given['ifname']}' not found.\n")
                if dev["type"] != "wifi":
                    raise Exit(10, f"Error: Device '{given['ifname']}' is not a Wi-Fi device.\n")
            elif not wifi:
                raise Exit(10, "Error: No Wi-Fi device found.\n")
            else:
                dev = wifi[0]
            if "password" in given and not 8 <= len(given["password"]) <= 63:
                raise Exit(4, "Error: Failed to setup a Wi-Fi hotspot: 802-11-wireless-security.psk: "
                              "property is invalid.\n")
            if state["fail"].get("hotspot"):
                code, text = state["fail"]["hotspot"]
                raise Exit(code, text)
            name = given.get("con-name", "Hotspot")
            uuid = "0d3c9d0e-7f3a-4c55-8a56-5b4d2c0b9e01"
            state["connections"] = [c for c in state["connections"] if c["name"] != name]
            for c in state["connections"]:
                if c.get("device") == dev["device"]:
                    c["device"] = ""
            state["connections"].append({"name": name, "uuid": uuid, "type": "wifi", "device": dev["device"]})
            dev.update(state="connected", connection=name, ip4="10.42.0.1/24")
            return (f"Device '{dev['device']}' successfully activated with '{uuid}'.\n"
                    "Hint: \"nmcli dev wifi show-password\" shows the Wi-Fi name and password.\n")
        raise Exit(2, f"Error: fake nmcli does not play 'device {cmd}'.\n")
    if obj == "connection":
        cmd = _match(args.pop(0), ("show", "up", "down", "add", "modify", "clone", "edit", "delete", "monitor",
                                   "reload", "load", "import", "export", "migrate")) if args else "show"
        if cmd == "show":
            _check_fields(fields, FIELDS["connection show"], "connection show")
            return "".join(f"{_escape(c['name'])}:{c['uuid']}:{c['type']}:{c.get('device', '')}\n"
                           for c in state["connections"])
        if cmd in ("up", "down", "delete"):
            if fields is not None:
                raise Exit(2, f"Error: 'connection {cmd}' takes no '--fields'.\n")
            if args and args[0] in ("id", "uuid", "path", "apath"):
                kind = args.pop(0)
                if not args:
                    raise Exit(2, f"Error: missing argument for '{kind}'.\n")
            if len(args) != 1:
                raise Exit(2, f"Error: 'connection {cmd}' needs one connection (the kiosk names one).\n")
            name = args[0]
            conn = next((c for c in state["connections"] if name in (c["name"], c["uuid"])), None)
            if cmd == "up":
                if conn is None:
                    raise Exit(10, f"Error: unknown connection '{name}'.\n")
                if state["fail"].get("up"):
                    raise Exit(4, "Error: Connection activation failed: (53) The Wi-Fi network could not be "
                                  "found.\n")
                for d in state["devices"]:
                    if d["type"] == "wifi":
                        d.update(state="connected", connection=conn["name"])
                        d.pop("ip4", None)
                        conn["device"] = d["device"]
                return "Connection successfully activated (D-Bus active path: " \
                       "/org/freedesktop/NetworkManager/ActiveConnection/7)\n"
            if cmd == "down":
                if conn is None or not conn.get("device"):
                    raise Exit(10, f"Error: '{name}' is not an active connection.\n"
                                   "Error: no active connection provided.\n")
                for d in state["devices"]:
                    if d.get("connection") == conn["name"]:
                        d.update(state="disconnected", connection="")
                        d.pop("ip4", None)
                conn["device"] = ""
                return f"Connection '{conn['name']}' successfully deactivated (D-Bus active path: " \
                       "/org/freedesktop/NetworkManager/ActiveConnection/6)\n"
            if conn is None:
                raise Exit(10, f"Error: unknown connection '{name}'.\n")
            state["connections"].remove(conn)
            return f"Connection '{conn['name']}' ({conn['uuid']}) successfully deleted.\n"
        raise Exit(2, f"Error: fake nmcli does not play 'connection {cmd}'.\n")
    raise Exit(2, f"Error: fake nmcli does not play '{obj}'.\n")


def run_fake() -> int:
    path = Path(os.environ["FAKE_NMCLI_STATE"])
    state = json.loads(path.read_text())
    argv = sys.argv[1:]
    try:
        out = main(argv, state)
        code, err = 0, ""
    except Exit as e:
        out, code, err = e.out, e.code, e.err
    state["calls"].append({"argv": argv, "exit": code})
    path.write_text(json.dumps(state, indent=1))
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


def install(folder: Path, **state) -> Path:
    """Writes bin/nmcli (this fake) and its state file under folder; returns the bin folder for PATH
    (set FAKE_NMCLI_STATE to folder / "nmcli-state.json")."""
    bin_dir = folder / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    data = json.loads(json.dumps(DEFAULT))
    data.update(state)
    (folder / "nmcli-state.json").write_text(json.dumps(data, indent=1))
    script = bin_dir / "nmcli"
    root = Path(__file__).resolve().parents[2]
    script.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(root)!r})\n"
                      "from tests.downloads.fake_nmcli import run_fake\nsys.exit(run_fake())\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return bin_dir


def state(folder: Path) -> dict:
    return json.loads((folder / "nmcli-state.json").read_text())
