"""The help button as the doctor sees it: present, on its stable name, speaking; never while the kiosk holds it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kiosk.config import ButtonConfig
from kiosk.doctor.findings import Finding, note, ok, problem
from kiosk.doctor.host import Host

STABLE_BUTTON = "/dev/kiosk-button"


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
        return ButtonAnswer("busy" if exc.busy else "error", str(exc))
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
