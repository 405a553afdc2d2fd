"""A 100,000-event download over the Wi-Fi page while the kiosk shows Holding: the screen's redraw
rate and the UI thread's CPU with and without the download, measured in the same run and the same
kiosk process; and the kiosk's memory (RSS and PSS) before, at its peak during each of three rounds
of the same downloads (bounded: it levels off), and after.

The kiosk runs under Xvfb with the page open (bench/ui/kiosk_downloads.py), in Holding (breathing
shape) over a journal of 100,000 events. First a quiet window with the page open and idle, then a
phone-like client signs in and downloads everything (the bundle, then events.csv), reading as fast
as loopback allows, while frames and CPU are counted.

    .venv/bin/python bench/wifi_download.py [--events 100000] [--window 10]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.runner import figures  # noqa: E402
from bench.ui import flips, procstat, report  # noqa: E402
from bench.ui.kiosk_run import KioskFailed, KioskRun, app_available, seed_holding  # noqa: E402
from bench.ui.xserver import Xvfb  # noqa: E402

NAME = "wifi_download"
CODE = "246802"
LAUNCHER = REPO / "bench" / "ui" / "kiosk_downloads.py"


class KioskWithDownloads(KioskRun):
    def command(self) -> list[str]:
        return [sys.executable, str(flips.PROBE), str(self.report), str(LAUNCHER), "--config", str(self.config),
                "run", "--windowed", "--data", str(self.data)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ui_thread_cpu(pid: int) -> float:
    """CPU seconds of the process's main thread: Kivy's loop, which draws the screen."""
    raw = Path(f"/proc/{pid}/task/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / procstat.TICKS


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Window:
    """Frames, process CPU, UI-thread CPU and peak memory between start() and stop()."""

    def __init__(self, kiosk: KioskRun) -> None:
        self.kiosk = kiosk
        self.peak_rss = self.peak_pss = 0

    def start(self) -> "Window":
        self.t0 = time.monotonic()
        self.frames0 = self.kiosk.flips().count
        self.cpu0 = procstat.sample(self.kiosk.pid)
        self.ui0 = ui_thread_cpu(self.kiosk.pid)
        return self

    def sample_memory(self) -> None:
        self.peak_rss = max(self.peak_rss, rss_kib(self.kiosk.pid))
        self.peak_pss = max(self.peak_pss, procstat.pss_kib(self.kiosk.pid))

    def stop(self) -> dict:
        seconds = time.monotonic() - self.t0
        frames = self.kiosk.flips().count - self.frames0
        end = procstat.sample(self.kiosk.pid)
        return {"seconds": seconds, "redraws": frames / seconds, "cpu": procstat.cpu_share(self.cpu0, end),
                "ui_cpu": (ui_thread_cpu(self.kiosk.pid) - self.ui0) / seconds, "rss": self.peak_rss,
                "pss": self.peak_pss}


def quiet(kiosk: KioskRun, seconds: float) -> dict:
    w = Window(kiosk).start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        w.sample_memory()
        time.sleep(0.25)
    return w.stop()


SESSION = None


def download_all(url: str, formats: tuple[str, ...], out: dict) -> None:
    """Signs in once (the code works once), then downloads each format in turn."""
    global SESSION
    import requests

    s = SESSION = SESSION or requests.Session()
    page = s.get(url + "/", timeout=30)
    html = page.text
    if 'id="sessions"' not in html:
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        html = s.post(url + "/code", data={"csrf_token": token, "code": CODE}, timeout=30).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    out["bytes"] = {}
    for fmt in formats:
        t0 = time.monotonic()
        with s.post(url + "/download", data={"csrf_token": token, "what": "all", "format": fmt}, stream=True,
                    timeout=600) as r:
            r.raise_for_status()
            n = sum(len(chunk) for chunk in r.iter_content(64 * 1024))
        out["bytes"][fmt] = (n, time.monotonic() - t0)


def during_download(kiosk: KioskRun, url: str) -> tuple[dict, dict]:
    got: dict = {}
    client = threading.Thread(target=download_all, args=(url, ("bundle", "events.csv"), got))
    w = Window(kiosk).start()
    client.start()
    while client.is_alive():
        w.sample_memory()
        client.join(0.25)
    return w.stop(), got


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--window", type=float, default=10.0, help="seconds of each quiet window (default 10)")
    parser.add_argument("--settle", type=float, default=3.0)
    figures.json_option(parser)
    args = parser.parse_args()
    figures.apply_json(args)
    if not shutil.which("Xvfb"):
        report.skipped(NAME, "missing Xvfb (apt-get install xvfb)")
        return 0
    why_not = app_available()
    if why_not:
        report.skipped(NAME, why_not)
        return 0
    from bench.export import build_journal

    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-wifi-") as tmp, Xvfb() as x:
        work = Path(tmp)
        env = x.env()
        env.update(KIVY_HOME=str(work / "kivy-home"), BENCH_DOWNLOADS_PORT=str(port), BENCH_DOWNLOADS_CODE=CODE)
        t0 = time.monotonic()
        build_journal(work / "data", args.events)
        built = time.monotonic() - t0
        kiosk = KioskWithDownloads(env, phase="holding", workdir=work)
        seed_holding(kiosk.config, kiosk.data)
        try:
            with kiosk:
                kiosk.wait_first_frame()
                time.sleep(args.settle)
                before = quiet(kiosk, args.window)
                during, got = during_download(kiosk, f"http://127.0.0.1:{port}")
                again, _ = during_download(kiosk, f"http://127.0.0.1:{port}")
                third, _ = during_download(kiosk, f"http://127.0.0.1:{port}")
                after = quiet(kiosk, args.window)
        except KioskFailed as exc:
            report.skipped(NAME, f"the kiosk screen cannot run: {exc}")
            return 0
    print(f"{NAME}: the kiosk in Holding, 800x480 under Xvfb, the download page open; a journal of "
          f"{args.events} events (built in {built:.0f} s)")
    for fmt, (n, secs) in got["bytes"].items():
        print(report.figure(f"download of everything: {fmt}", f"{n / 1e6:.1f} MB", f"in {secs:.1f} s"))
    for label, w in (("page open, no download", before), ("during the downloads", during),
                     ("during the same downloads again", again), ("during them a third time", third),
                     ("after the downloads", after)):
        print(report.figure(f"{label}: redraws", f"{w['redraws']:.2f} /s",
                            f"over {w['seconds']:.1f} s; UI thread CPU {report.percent(w['ui_cpu'])}; "
                            f"whole kiosk CPU {report.percent(w['cpu'])}"))
    for label, w in (("first", during), ("second", again), ("third", third)):
        ratio = w["redraws"] / before["redraws"] if before["redraws"] else float("nan")
        print(f"  redraw rate during the {label} downloads / without: ratio {ratio:.2f} (the same within 10 %: "
              f"{'PASS' if 0.9 <= ratio <= 1.1 else 'OFF'}); UI thread CPU ratio "
              f"{w['ui_cpu'] / before['ui_cpu'] if before['ui_cpu'] else float('nan'):.2f}")
    print(report.figure("memory, page open, no download", f"RSS {report.mib(before['rss'])}",
                        f"PSS {report.mib(before['pss'])}"))
    print(report.figure("memory, peak during the downloads", f"RSS {report.mib(during['rss'])}",
                        f"PSS {report.mib(during['pss'])}; growth {report.mib(during['rss'] - before['rss'])}"))
    print(report.figure("memory, peak during the same again", f"RSS {report.mib(again['rss'])}",
                        f"PSS {report.mib(again['pss'])}; growth over the first {report.mib(again['rss'] - during['rss'])}"))
    print(report.figure("memory, peak during a third time", f"RSS {report.mib(third['rss'])}",
                        f"PSS {report.mib(third['pss'])}; growth over the second {report.mib(third['rss'] - again['rss'])}"
                        " (a plateau: glibc keeps a peak per serving thread's arena)"))
    print(report.figure("memory, after the downloads", f"RSS {report.mib(after['rss'])}",
                        f"PSS {report.mib(after['pss'])}"))
    figures.record(NAME, "redraws/s during a download", during["redraws"], "/s", baseline=before["redraws"],
                   baseline_label="page open, no download", limit=1.1, budget="the same within 10 % (<= 1.1x)")
    figures.record(NAME, "peak RSS during the third download", third["rss"] / 1024, "MiB",
                   baseline=during["rss"] / 1024, baseline_label="peak during the first")
    return 0


if __name__ == "__main__":
    sys.exit(main())
