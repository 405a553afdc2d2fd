"""room-kiosk.service: its watchdog, the folders its sandbox lets it write, and what systemd says of it."""

from __future__ import annotations

from configparser import ConfigParser

from kiosk.config import Config
from kiosk.doctor.findings import Finding, note, ok, problem
from kiosk.doctor.host import Host

UNIT = "systemd/system/room-kiosk.service"
RESTART = "then: sudo systemctl restart room-kiosk"


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
