"""The download page's server: waitress in its own thread, only while downloads are open.

open_downloads() binds the port, starts the thread and a watcher that closes everything when the
opening's time is up or its code expired unused (Event.wait, so tests drive it with a fake clock and
a poke). close() stops waitress, forgets every visitor and removes the scratch files; it is safe
from any thread and more than once. The page reads the journal read-only and journals through
`note` (Room.note in the kiosk, which is safe from any thread).
"""

from __future__ import annotations

import logging
import shutil
import threading
from dataclasses import dataclass
from typing import Callable

from waitress import create_server

from kiosk.clock import Clock
from kiosk.config import Config
from kiosk.downloads.address import HOTSPOT_ADDRESS, local_ip, page_urls
from kiosk.downloads.hotspot import Hotspot, HotspotOn
from kiosk.downloads.delivery import clear_stale_staging, staging_folder
from kiosk.downloads.opening import Opening
from kiosk.downloads.page import Note, create_page
from kiosk.session import facts as F

log = logging.getLogger(__name__)

OPENED, CLOSED = F.DOWNLOADS_OPENED, F.DOWNLOADS_CLOSED
HOTSPOT_OPENED, HOTSPOT_CLOSED = "hotspot.opened", "hotspot.closed"
WATCH_SECONDS = 1.0
THREADS = 2  # one download and the page beside it; more would only compete with the screen


class PortTaken(OSError):
    pass


@dataclass(frozen=True)
class Where:
    port: int
    name_url: str
    ip_url: str | None


class Downloads:
    def __init__(self, config: Config, clock: Clock, note: Note, *, host: str = "0.0.0.0", port: int | None = None,
                 ip: Callable[[], str | None] = local_ip, make_code: Callable[[], str] | None = None,
                 lifetime: float | None = None) -> None:
        self.config, self.clock, self.note = config, clock, note
        kwargs = {}
        if make_code is not None:
            kwargs["make_code"] = make_code
        if lifetime is not None:
            kwargs["lifetime"] = lifetime
        self.opening = Opening(clock.monotonic, **kwargs)
        clear_stale_staging(config)
        self.staging = staging_folder(config)
        app = create_page(config, clock, self.opening, note, staging=self.staging)
        wanted = config.downloads.port if port is None else port
        try:
            self.server = create_server(app, host=host, port=wanted, threads=THREADS, ident="room-kiosk",
                                        max_request_body_size=64 * 1024, channel_timeout=60,
                                        clear_untrusted_proxy_headers=True)
        except OSError as exc:
            raise PortTaken(exc.errno, f"the download page cannot listen on port {wanted} ({exc.strerror}): "
                                       "another program uses it; set [downloads] port to a free one") from None
        self.port = int(self.server.effective_port)
        name_url, ip_url = page_urls(self.port, ip())
        self.where = Where(self.port, name_url, ip_url)
        self._poke = threading.Event()
        self._serving = threading.Thread(target=self._serve, name="downloads-http", daemon=True)
        self._watching = threading.Thread(target=self._watch, name="downloads-watch", daemon=True)
        self._closing = threading.Lock()
        self._done = False
        self.hotspot: tuple[Hotspot, HotspotOn] | None = None
        self.opening.subscribe(self._after_download)
        self.finished = threading.Event()  # set when close() has done everything, journal included

    def start(self) -> "Downloads":
        self.note(OPENED, {"at": self.clock.now(), "port": self.port, "address": self.where.ip_url})
        self._serving.start()
        self._watching.start()
        return self

    @property
    def code(self) -> str:
        return self.opening.code

    def _serve(self) -> None:
        try:
            self.server.run()
        except Exception:  # thread boundary: the page stops, the kiosk stays up
            log.exception("the download page's server stopped")
            self.close("failed")

    def _watch(self) -> None:
        while not self.opening.closed.is_set():
            why = self.opening.due_to_close()
            if why:
                self.close(why)
                return
            self._poke.wait(WATCH_SECONDS)
            self._poke.clear()

    def use_hotspot(self, hotspot: Hotspot, on: HotspotOn) -> None:
        """The page is now reached over the kiosk's own hotspot: its address there, and the hotspot
        closes with the page, which closes after a whole download (or at the opening's 15 minutes)."""
        self.hotspot = (hotspot, on)
        self.where = Where(self.port, self.where.name_url, f"http://{on.address or HOTSPOT_ADDRESS}:{self.port}/")
        self.note(HOTSPOT_OPENED, {"at": self.clock.now(), "ssid": on.ssid, "device": on.device,
                                   "earlier": on.earlier})

    def _after_download(self, change) -> None:
        if change.kind == "served" and change.data.get("complete") and self.hotspot is not None:
            # told from the waitress thread that served it: close from another one
            threading.Thread(target=self.close, args=("downloaded",), name="downloads-close", daemon=True).start()

    def poke(self) -> None:
        """Look at the clock now (tests, after advancing a fake clock)."""
        self._poke.set()

    def close(self, why: str = "closed") -> None:
        with self._closing:
            if self._done:
                return
            self._done = True
        self.opening.close(why)
        try:
            self._stop_waitress()
        except Exception:
            log.exception("closing the download page's server")
        self._poke.set()
        if self._serving.is_alive() and threading.current_thread() is not self._serving:
            self._serving.join(10)
        shutil.rmtree(self.staging, ignore_errors=True)
        if self.hotspot is not None:
            hotspot, on = self.hotspot
            try:
                problems = hotspot.close(on)
            except Exception as exc:  # the page is closed either way; say what happened to the network
                log.exception("closing the hotspot")
                problems = [str(exc)]
            try:
                self.note(HOTSPOT_CLOSED, {"at": self.clock.now(), "ssid": on.ssid, "problems": problems})
            except Exception:
                log.exception("hotspot.closed could not be journalled")
        try:
            self.note(CLOSED, {"at": self.clock.now(), "why": why, "served": self.opening.served})
        except Exception:
            log.exception("downloads.closed could not be journalled")
        self.finished.set()

    def _stop_waitress(self) -> None:
        """A single-socket waitress server's close() closes only its listening socket; the loop runs on
        while a browser keeps a connection alive. So: let the worker threads finish (a download stops
        at its next chunk, the opening being closed), then close every channel, which ends the loop."""
        from waitress import wasyncore

        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        wasyncore.close_all(self.server._map, ignore_all=True)

    def wait_closed(self, timeout: float | None = None) -> bool:
        return self.finished.wait(timeout)
