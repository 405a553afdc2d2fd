"""Where a phone finds the page: http://<hostname>.local:PORT (avahi answers for the name) and the
kiosk's address on the local network, for phones that do not resolve .local (many Android versions)."""

from __future__ import annotations

import socket

HOTSPOT_ADDRESS = "10.42.0.1"  # NetworkManager's address for a shared (hotspot) connection


def local_ip(probe: str = "192.0.2.1") -> str | None:
    """The address the kiosk's default route would use (a UDP connect sends nothing); None without one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((probe, 9))
            ip = s.getsockname()[0]
    except OSError:
        return None
    return None if ip.startswith("127.") or ip == "0.0.0.0" else ip


def hostname() -> str:
    return socket.gethostname().split(".", 1)[0] or "kiosk"


def page_urls(port: int, ip: str | None, name: str | None = None) -> tuple[str, str | None]:
    """(http://room-3.local:PORT, http://192.168.1.23:PORT or None)."""
    name = name or hostname()
    return f"http://{name}.local:{port}/", (f"http://{ip}:{port}/" if ip else None)
