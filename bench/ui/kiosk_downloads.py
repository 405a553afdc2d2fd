"""The kiosk program with the Wi-Fi download page open from the start (for bench/wifi_download.py).

Run under flip_probe.py like the kiosk itself: `kiosk_downloads.py --config C run --windowed --data D`.
It opens the page the way the panel does (kiosk.downloads.server.Downloads with the Room's note),
on BENCH_DOWNLOADS_PORT with the code BENCH_DOWNLOADS_CODE, once the Station has started, so the
page's threads share the process (and its GIL) with the screen. Nothing in the app is changed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk import station  # noqa: E402

_start = station.Station.start


def _start_with_downloads(self) -> None:
    _start(self)
    from kiosk.downloads.server import Downloads

    self.bench_downloads = Downloads(self.config, self.clock, self.room.note, host="127.0.0.1",
                                     port=int(os.environ["BENCH_DOWNLOADS_PORT"]),
                                     make_code=lambda: os.environ["BENCH_DOWNLOADS_CODE"], lifetime=3600).start()


station.Station.start = _start_with_downloads

if __name__ == "__main__":
    from kiosk.cli import main

    sys.exit(main(sys.argv[1:]))
