"""'Download over Wi-Fi', behind the PIN: the page's addresses, its one-time code, a QR code of the
address, and the kiosk's own hotspot (its name, password and a Wi-Fi QR code) where NetworkManager
and a Wi-Fi device allow it; where they do not, the hotspot button says why.

The page's server runs in its own threads (kiosk.downloads.server); what it tells the card (a phone
signed in, a file sent, the page closed) crosses the UI bridge. Closing the card closes the page and
the hotspot; so does the page's own time-out. nmcli and the server's stop run off the UI thread.
"""

from __future__ import annotations

import atexit
import io
import logging
import threading
from typing import Callable

from kivy.app import App
from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.downloads.hotspot import Availability, Hotspot, HotspotFailed, HotspotOn
from kiosk.downloads.qr import qr_png, wifi_join
from kiosk.downloads.server import Downloads, PortTaken
from kiosk.export.safewrite import size_text
from kiosk.language import N_, _
from kiosk.local_time import clock
from kiosk.session.facts import Fact
from kiosk.ui import cards, rules  # noqa: F401  (cards: the widgets its rules use)
from kiosk.ui.bridge import Bridge

log = logging.getLogger(__name__)

rules.load("downloads")

CLOSED_WHY = {"time": N_("its 15 minutes were up"), "code expired": N_("the code expired before anyone used it"),
              "downloaded": N_("the download over the hotspot is done"), "failed": N_("its server stopped")}


def texture_of(png: bytes):
    return CoreImage(io.BytesIO(png), ext="png", nocache=True).texture


class DownloadsCard(ModalView):
    state = OptionProperty("open", options=["open", "closed", "failed"])
    title = StringProperty("")
    name_url = StringProperty("")
    ip_url = StringProperty("")
    code = StringProperty("")
    code_text = StringProperty("")
    status = StringProperty("")
    address_qr = ObjectProperty(None, allownone=True)
    hotspot_state = OptionProperty("checking", options=["checking", "available", "unavailable", "opening", "on",
                                                        "failed"])
    hotspot_text = StringProperty("")
    wifi_qr = ObjectProperty(None, allownone=True)
    sealed = BooleanProperty(False)

    def __init__(self, hotspot: Hotspot | None = None, downloads_factory: Callable[..., Downloads] | None = None,
                 **kwargs) -> None:
        kwargs.setdefault("auto_dismiss", False)
        super().__init__(**kwargs)
        self.app = App.get_running_app()
        station = self.app.station
        self.sealed = bool(station.config.export.recipient)
        self.hotspot = hotspot or Hotspot(station.config.room)
        self._available: Availability | None = None
        self._bridge = Bridge(self._on_news)
        self._threads: list[threading.Thread] = []
        self.downloads: Downloads | None = None
        self._make = downloads_factory or (lambda: Downloads(station.config, station.clock, station.room.note))
        self.bind(on_dismiss=lambda *_: self.close_page("panel closed"))
        self._open_page()

    def _open_page(self) -> None:
        self.wifi_qr = None
        try:
            self.downloads = self._make().start()
        except PortTaken as exc:
            self.state, self.title = "failed", _("The download page did not open")
            self.status = str(exc)
            self.hotspot_state, self.hotspot_text = "unavailable", ""
            return
        self.state, self.title = "open", _("Download over Wi-Fi")
        atexit.register(self._close_at_exit, self.downloads)
        opening = self.downloads.opening
        opening.subscribe(lambda change: self._bridge([Fact(change.kind, {**change.data, "opening": opening})]))
        self._show_where()
        self._show_code()
        self.status = _("Waiting for a phone or laptop…")
        self.hotspot_state, self.hotspot_text = "checking", _("Looking for the Wi-Fi device…")
        self._in_thread(self._check_hotspot, "hotspot-check")

    def open_again(self) -> None:
        """After the page closed (its time-out): a new opening, with a new code."""
        if self.state == "open" or (self.downloads is not None and not self.downloads.finished.is_set()):
            return
        self._open_page()

    # --- threads (nmcli, the server's stop) -----------------------------------------

    def _in_thread(self, work: Callable[[], None], name: str) -> None:
        def run() -> None:
            try:
                work()
            except Exception as exc:  # thread boundary: say so on the card, keep the kiosk up
                log.exception("%s failed", name)
                self._bridge([Fact("hotspot.failed", {"why": str(exc)})])

        t = threading.Thread(target=run, name=name, daemon=True)
        self._threads.append(t)
        t.start()

    def wait(self, timeout: float = 30.0) -> None:
        """For tests: until the card's threads are done (their news still crosses the bridge)."""
        for t in list(self._threads):
            t.join(timeout)

    def _check_hotspot(self) -> None:
        self._bridge([Fact("hotspot.checked", {"where": self.hotspot.check()})])

    def open_hotspot(self) -> None:
        if self.hotspot_state != "available" or self._available is None or self.downloads is None:
            return
        self.hotspot_state, self.hotspot_text = "opening", _("Starting the hotspot…")
        where = self._available

        def work() -> None:
            try:
                on = self.hotspot.open(where)
            except HotspotFailed as exc:
                self._bridge([Fact("hotspot.failed", {"why": str(exc)})])
                return
            if self.downloads is None or self.downloads.opening.closed.is_set():
                self.hotspot.close(on)
                return
            self.downloads.use_hotspot(self.hotspot, on)
            self._bridge([Fact("hotspot.on", {"on": on})])

        self._in_thread(work, "hotspot-open")

    # --- what the page and the hotspot say ------------------------------------------

    def _on_news(self, facts: list[Fact]) -> None:
        for fact in facts:
            opening = fact.data.get("opening")
            if opening is not None and (self.downloads is None or opening is not self.downloads.opening):
                continue  # news from an earlier opening, arriving late
            getattr(self, "_news_" + fact.kind.replace(".", "_"), lambda _d: None)(fact.data)

    def _news_hotspot_checked(self, data: dict) -> None:
        where: Availability = data["where"]
        self._available = where
        if self.state != "open":
            return
        if where.ok:
            self.hotspot_state = "available"
            self.hotspot_text = (_("No network here? The kiosk can make its own Wi-Fi for a phone to join "
                                   "(it leaves {network} until the page closes).").format(network=where.connected_to)
                                 if where.connected_to else
                                 _("No network here? The kiosk can make its own Wi-Fi for a phone to join."))
        else:
            self.hotspot_state, self.hotspot_text = "unavailable", where.reason

    def _news_hotspot_on(self, data: dict) -> None:
        on: HotspotOn = data["on"]
        self.hotspot_state = "on"
        self.hotspot_text = _("Join the Wi-Fi  {network}   password  {password}").format(network=on.ssid,
                                                                                       password=on.password)
        self.wifi_qr = texture_of(qr_png(wifi_join(on.ssid, on.password)))
        self._show_where()

    def _news_hotspot_failed(self, data: dict) -> None:
        self.hotspot_state, self.hotspot_text = "failed", data["why"]

    def _news_signed_in(self, data: dict) -> None:
        self.status = _("A phone or laptop is signed in ({address}).").format(address=data["address"])
        self.code_text = _("Code used. “New code” lets another device in.")

    def _news_served(self, data: dict) -> None:
        text = (_("{file} ({size}) sent to {to}.") if data.get("complete")
                else _("{file} ({size}) not finished (the download stopped) to {to}."))
        self.status = text.format(file=data["file"], size=size_text(int(data["bytes"])), to=data["to"])

    def _news_closed(self, data: dict) -> None:
        self.state = "closed"
        self.title = _("The download page is closed")
        why = data.get("why", "")
        self.status = (_("It closed because {why}.").format(why=_(CLOSED_WHY[why])) if why in CLOSED_WHY
                       else _("It is closed."))
        self.code, self.code_text, self.address_qr, self.wifi_qr = "", "", None, None
        if self.hotspot_state in ("on", "opening"):
            self.hotspot_state, self.hotspot_text = "unavailable", _("The hotspot is closed too.")

    # --- showing ----------------------------------------------------------------------

    def _show_where(self) -> None:
        where = self.downloads.where
        self.name_url = where.name_url
        self.ip_url = where.ip_url or ""
        self.address_qr = texture_of(qr_png(where.ip_url or where.name_url))

    def _show_code(self) -> None:
        d = self.downloads
        self.code = f"{d.code[:3]} {d.code[3:]}"
        until = d.clock.now() + max(0.0, d.opening.gate.expires_at - d.clock.monotonic())
        self.code_text = _("Works once, until {time}.").format(time=clock(until, self.app.room.zone))

    def new_code(self) -> None:
        if self.downloads is not None and self.state == "open":
            self.downloads.opening.new_code()
            self._show_code()

    @staticmethod
    def _close_at_exit(downloads: Downloads) -> None:
        """The kiosk quitting with the page open still closes it, and takes the hotspot down."""
        if not downloads.finished.is_set():
            downloads.close("kiosk stopped")

    def close_page(self, why: str = "panel closed") -> None:
        d = self.downloads
        if d is not None and not d.finished.is_set():
            self._in_thread(lambda: d.close(why), "downloads-close")


def open_downloads_card() -> DownloadsCard:
    card = DownloadsCard()
    card.open(animation=False)
    return card
