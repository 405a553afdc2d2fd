"""Can this kiosk talk to its hub: reachable, its certificate trusted, the room token accepted."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import requests

from kiosk.config import HubConfig
from kiosk.doctor.findings import Finding, note, ok, problem

PROBE_PATH = "/api/v1/help?wait=0"  # cheap, authenticated, changes nothing at the hub
CADDY_ROOT = "/var/lib/caddy/.local/share/caddy/pki/authorities/local/root.crt"


@dataclass(frozen=True)
class HubAnswer:
    outcome: str  # answered | refused_token | untrusted | unreachable
    detail: str = ""


def probe(url: str, token: str | None, ca_file: Path | None, timeout: float = 5.0) -> HubAnswer:
    try:
        resp = requests.get(url.rstrip("/") + PROBE_PATH, headers={"Authorization": f"Bearer {token or ''}"},
                            timeout=timeout, verify=str(ca_file) if ca_file else True)
    except requests.exceptions.SSLError as exc:
        return HubAnswer("untrusted", _reason(exc))
    except requests.RequestException as exc:
        return HubAnswer("unreachable", _reason(exc))
    if resp.status_code in (401, 403):
        return HubAnswer("refused_token", f"HTTP {resp.status_code}")
    if resp.status_code != 200:
        return HubAnswer("unreachable", f"HTTP {resp.status_code} from {url}: is it the hub?")
    return HubAnswer("answered")


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("CERTIFICATE_VERIFY_FAILED", "certificate verify failed", "hostname mismatch",
                   "Connection refused", "Name or service not known", "timed out", "No route to host"):
        if marker in text:
            tail = text.split(marker, 1)[1].split(")")[0].strip(" :(")
            return f"{marker}{': ' + tail if tail else ''}"[:160]
    return type(exc).__name__


def in_clear(url: str) -> bool:
    """http:// to anything but this machine: the room token would cross the network readable."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def check_hub(hub: HubConfig, probe: Callable[[str, str | None, Path | None], HubAnswer] = probe) -> list[Finding]:
    if not hub.url:
        return [note("hub", "no hub configured: logs stay on this kiosk (USB and Wi-Fi downloads still work)")]
    out: list[Finding] = []
    if in_clear(hub.url):
        out.append(problem("hub", f"{hub.url} is plain HTTP: the room token crosses the network readable",
                           "put the hub behind HTTPS (deploy/hub/Caddyfile), then set [hub] url = \"https://...\" "
                           "and, for Caddy's own CA, [hub] ca_file"))
    if hub.ca_file and not hub.ca_file.is_file():
        out.append(problem("hub-tls", f"[hub] ca_file {hub.ca_file} does not exist",
                           f"copy the hub's CA certificate there (with Caddy's internal CA: {CADDY_ROOT} on the hub)"))
        return out
    answer = probe(hub.url, hub.token, hub.ca_file)
    if answer.outcome == "unreachable":
        out.append(problem("hub", f"cannot reach the hub at {hub.url} ({answer.detail})",
                           "check the network (`ip addr`), [hub] url, and that the hub runs "
                           "(`systemctl status room-kiosk-hub` on the hub)"))
    elif answer.outcome == "untrusted":
        out.append(problem("hub-tls", f"the hub's certificate is not trusted ({answer.detail})",
                           f"set [hub] ca_file to the hub's CA certificate (Caddy's internal CA: {CADDY_ROOT} "
                           "on the hub), or give the hub a certificate from a public CA"))
    elif answer.outcome == "refused_token":
        out.append(ok("hub", f"the hub at {hub.url} answers"))
        out.append(problem("hub-token", f"the hub refuses this kiosk's token ({answer.detail})",
                           "on the hub: kiosk hub rotate-token \"ROOM\"; put the new token in [hub] token"))
    else:
        if not out:
            out.append(ok("hub", f"the hub at {hub.url} answers"
                                 + (" over HTTPS" if hub.url.startswith("https://") else "")))
        out.append(ok("hub-token", "the hub accepts this kiosk's token"))
    return out
