"""The measuring tools the UI benches and the end-to-end test rely on (bench/ui/), checked against known inputs."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from bench.ui import flips, procstat, screen
from bench.ui.xserver import Xvfb
from tests.needs import need_tool


def xwd_blob(width: int, height: int, bgrx: bytes, pad: int = 0) -> bytes:
    """An XWD dump as `xwd` writes it for a 24-bit TrueColor LSBFirst screen."""
    name = b"root\x00"
    header_size = 100 + len(name)
    bytes_per_line = width * 4 + pad
    header = struct.pack(">25I", header_size, 7, 2, 24, width, height, 0, 0, 32, 0, 32, 32, bytes_per_line,
                         4, 0xFF0000, 0x00FF00, 0x0000FF, 8, 256, 2, width, height, 0, 0, 0)
    colours = b"\x00" * 12 * 2
    rows = b"".join(bgrx[y * width * 4:(y + 1) * width * 4] + b"\x00" * pad for y in range(height))
    return header + name + colours + rows


def test_an_xwd_dump_decodes_to_its_rgb_pixels_and_a_valid_png() -> None:
    width, height = 3, 2
    pixels = [(10, 20, 30), (200, 100, 50), (0, 0, 0), (255, 255, 255), (1, 2, 3), (90, 80, 70)]
    bgrx = b"".join(bytes((b, g, r, 0)) for r, g, b in pixels)
    frame = screen.decode_xwd(xwd_blob(width, height, bgrx, pad=4))
    assert (frame.width, frame.height) == (3, 2)
    assert [frame.pixel(x, y) for y in range(height) for x in range(width)] == pixels
    png = frame.png()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    idat_len = struct.unpack(">I", png[33:37])[0]
    raw = zlib.decompress(png[41:41 + idat_len])
    assert raw == b"\x00" + bytes(sum(pixels[:3], ())) + b"\x00" + bytes(sum(pixels[3:], ()))
    assert frame.bright_mask(0, 0, 3, 2, threshold=90) == bytes((0, 1, 0, 1, 0, 0))


def test_a_truncated_xwd_dump_is_refused() -> None:
    blob = xwd_blob(2, 2, b"\x00" * 16)
    with pytest.raises(screen.CaptureError, match="truncated"):
        screen.decode_xwd(blob[:-3])


def test_cpu_and_pss_are_summed_over_the_whole_process_tree() -> None:
    spin = "import time\nend = time.monotonic() + 60\nwhile time.monotonic() < end: pass\n"
    parent = subprocess.Popen([sys.executable, "-c",
                               f"import subprocess, sys; subprocess.run([sys.executable, '-c', {spin!r}])"])
    try:
        deadline = time.monotonic() + 10
        while len(procstat.tree(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        tree = procstat.tree(parent.pid)
        assert len(tree) == 2, "the spinning grandchild did not start"
        spinner = tree[1]
        start = procstat.sample(parent.pid)
        deadline = time.monotonic() + 30
        while procstat.cpu_seconds([spinner])[spinner] - start.cpu[spinner] < 0.3:
            assert time.monotonic() < deadline, "the spinner got no CPU for 30 s"
            time.sleep(0.05)
        end = procstat.sample(parent.pid)
        kib, count = procstat.tree_pss_kib(parent.pid)
    finally:
        for pid in reversed(procstat.tree(parent.pid)[1:]):
            os.kill(pid, signal.SIGTERM)
        parent.wait(timeout=10)
    used = procstat.cpu_share(start, end) * (end.wall - start.wall)
    parent_used = end.cpu[parent.pid] - start.cpu[parent.pid]
    assert used >= 0.3 > parent_used, f"the tree used {used:.2f} s, its root alone {parent_used:.2f} s"
    assert count == 2 and kib > 2 * 1024, f"two Pythons have more than 2 MiB PSS, measured {kib} KiB"


def test_the_flip_probe_counts_a_kivy_apps_frames_on_a_real_x_server(tmp_path: Path) -> None:
    need_tool("Xvfb", "xvfb")
    app = Path(__file__).resolve().parents[2] / "bench" / "ui" / "minimal_app.py"
    with Xvfb() as x:
        env = x.env()
        env["KIVY_HOME"] = str(tmp_path / "kivy")
        report = tmp_path / "flips.txt"
        spawned = time.monotonic()
        process = subprocess.Popen([sys.executable, str(flips.PROBE), str(report), str(app)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            got = flips.wait_first(report, lambda: process.poll() is None, timeout=60)
            lit = 0.0
            deadline = time.monotonic() + 5
            while screen.available() and lit == 0 and time.monotonic() < deadline:
                lit = screen.capture(env).lit_fraction()
        finally:
            process.terminate()
            process.wait(timeout=10)
    assert got.count >= 1, "no frame was counted"
    assert spawned < got.first <= got.latest < time.monotonic()
    if screen.available():
        assert lit > 0, "the label the probe counted never reached the X server's screen"
