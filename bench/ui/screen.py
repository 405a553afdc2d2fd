"""What the X server shows: a capture of the root window (`xwd`), its pixels, and a PNG of it.

Pure Python (struct + zlib), so neither ImageMagick nor Pillow is needed;
only `xwd` (Debian package x11-apps).
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from dataclasses import dataclass
from pathlib import Path

_HEADER = struct.Struct(">25I")
_ZPIXMAP = 2


class CaptureError(RuntimeError):
    pass


@dataclass(frozen=True)
class Frame:
    width: int
    height: int
    rgb: bytes

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        i = (y * self.width + x) * 3
        return self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]

    def lit_fraction(self, threshold: int = 16) -> float:
        """The share of pixels with any channel above threshold (0.0 for a black screen)."""
        r, g, b = self.rgb[0::3], self.rgb[1::3], self.rgb[2::3]
        lit = sum(1 for i in range(0, len(r), 7)
                  if r[i] > threshold or g[i] > threshold or b[i] > threshold)
        return lit / len(range(0, len(r), 7))

    def differs_from(self, other: "Frame") -> float:
        """The share of sampled pixels that differ between two frames of the same size."""
        if (self.width, self.height) != (other.width, other.height):
            return 1.0
        step = 7 * 3
        total = changed = 0
        for i in range(0, len(self.rgb) - 2, step):
            total += 1
            if self.rgb[i:i + 3] != other.rgb[i:i + 3]:
                changed += 1
        return changed / total if total else 0.0

    def bright_mask(self, x: int, y: int, width: int, height: int, threshold: int = 140) -> bytes:
        """One byte per pixel of the region, 1 where the green channel is above threshold: light text on
        a dark calm background, unchanged while only the background's colour drifts."""
        table = bytes(1 if v > threshold else 0 for v in range(256))
        rows = []
        for row in range(y, min(y + height, self.height)):
            start = (row * self.width + x) * 3
            rows.append(self.rgb[start + 1:start + width * 3:3].translate(table))
        return b"".join(rows)

    def png(self) -> bytes:
        rows = b"".join(b"\x00" + self.rgb[y * self.width * 3:(y + 1) * self.width * 3]
                        for y in range(self.height))

        def chunk(kind: bytes, data: bytes) -> bytes:
            return (struct.pack(">I", len(data)) + kind + data
                    + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))

    def save_png(self, path: Path | str) -> Path:
        path = Path(path)
        path.write_bytes(self.png())
        return path


def available() -> bool:
    return shutil.which("xwd") is not None


def capture(env: dict[str, str], timeout: float = 10.0) -> Frame:
    """The whole screen of env's DISPLAY as it is now."""
    if not available():
        raise CaptureError("xwd is not installed (apt-get install x11-apps)")
    done = subprocess.run(["xwd", "-root", "-silent"], env=env, capture_output=True, timeout=timeout)
    if done.returncode != 0:
        raise CaptureError(f"xwd failed ({done.returncode}): {done.stderr.decode(errors='replace').strip()}")
    return decode_xwd(done.stdout)


def decode_xwd(data: bytes) -> Frame:
    """A TrueColor ZPixmap XWD dump (what `xwd` writes for a 24- or 32-bit screen) as RGB."""
    if len(data) < _HEADER.size:
        raise CaptureError("xwd output is shorter than its header")
    (header_size, _version, pixmap_format, _depth, width, height, _xoffset, byte_order, _unit, _bit_order,
     _pad, bits_per_pixel, bytes_per_line, _visual, red_mask, green_mask, blue_mask, _bits_per_rgb,
     _cmap_entries, ncolors, *_rest) = _HEADER.unpack_from(data)
    if pixmap_format != _ZPIXMAP or bits_per_pixel != 32:
        raise CaptureError(f"unsupported xwd layout: format {pixmap_format}, {bits_per_pixel} bits per pixel "
                           "(start Xvfb with a 24-bit screen)")
    start = header_size + ncolors * 12
    pixels = data[start:start + bytes_per_line * height]
    if len(pixels) < bytes_per_line * height:
        raise CaptureError("xwd output is truncated")
    if bytes_per_line != width * 4:
        pixels = b"".join(pixels[y * bytes_per_line:y * bytes_per_line + width * 4] for y in range(height))

    def byte_index(mask: int) -> int:
        shift = (mask & -mask).bit_length() - 1
        index = shift // 8
        return index if byte_order == 0 else 3 - index

    rgb = bytearray(width * height * 3)
    for channel, mask in enumerate((red_mask, green_mask, blue_mask)):
        rgb[channel::3] = pixels[byte_index(mask)::4]
    return Frame(width, height, bytes(rgb))
