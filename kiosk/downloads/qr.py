"""QR codes for the panel (segno, pure Python): the page's address, and the hotspot's Wi-Fi join string
that a phone camera joins in one scan."""

from __future__ import annotations

import io

import segno

_SPECIAL = '\\;,:"'


def _escape(text: str) -> str:
    return "".join("\\" + c if c in _SPECIAL else c for c in text)


def wifi_join(ssid: str, password: str) -> str:
    """WIFI:T:WPA;S:<ssid>;P:<password>;; with \\ ; , : and " escaped, as phone cameras read it."""
    return f"WIFI:T:WPA;S:{_escape(ssid)};P:{_escape(password)};;"


def qr_png(text: str, scale: int = 8, dark: str = "#1f2430", light: str = "#eeebe4") -> bytes:
    """A PNG of text's QR code (error correction M, the standard quiet zone of 4 modules)."""
    out = io.BytesIO()
    segno.make(text, error="m", boost_error=False).save(out, kind="png", scale=scale, border=4, dark=dark,
                                                        light=light)
    return out.getvalue()
