"""Serving the hub with waitress until SIGTERM or Ctrl-C, then stopping cleanly."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path

from waitress import create_server

from kiosk.hub.app import create_app
from kiosk.hub.database import open_hub_database, redact
from kiosk.hub.exportkey import identity_path
from kiosk.hub.notify.channels import ALERTS_FILE, describe, load_alerts, missing_secrets
from kiosk.hub.notify.sender import AlertSender
from kiosk.hub.urgency import UrgencyDispatcher

log = logging.getLogger(__name__)


PROXY_HEADERS = frozenset({"x-forwarded-proto", "x-forwarded-host", "x-forwarded-for"})


def serve(data_dir: Path, database: str | None, host: str, port: int, threads: int,
          timezone: str | None = None, secure_cookies: bool = False, trusted_proxy: str | None = None) -> int:
    """trusted_proxy: the address of a reverse proxy whose X-Forwarded-Proto/-Host/-For headers waitress
    believes, so the hub sees the browser's https://host (the staff pages' Origin check) and client address
    (the login throttle). Those headers from any other peer are dropped."""
    data_dir.mkdir(parents=True, exist_ok=True)
    alerts = load_alerts(data_dir)   # a mistake in alerts.toml stops the start, with the reason
    hub = open_hub_database(data_dir, database, max_connections=threads + 8)
    hub.alerts = alerts
    for problem in missing_secrets(alerts):
        log.warning("alerts: %s; that channel's alerts will fail until it is", problem)
    app = create_app(hub, timezone=timezone, threads=threads, secure_cookies=secure_cookies)
    app.config["KIOSK_EXPORT_IDENTITY"] = str(identity_path(data_dir))
    ctx = app.extensions["kiosk_hub"]
    proxy = {"trusted_proxy": trusted_proxy, "trusted_proxy_headers": set(PROXY_HEADERS),
             "clear_untrusted_proxy_headers": True} if trusted_proxy else {}
    dispatcher = UrgencyDispatcher()   # help uploads and staff pages before backlog batches (urgency.py)
    dispatcher.set_thread_count(threads)
    server = create_server(app, host=host, port=port, threads=threads, ident="room-kiosk-hub",
                           max_request_body_size=8 * 1024 * 1024, _dispatcher=dispatcher, **proxy)

    def _stop(signum, _frame) -> None:
        ctx.stopping.set()
        ctx.alerts_due.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, _stop)
    # The line tests and scripts wait for; with --port 0 it is the only way to learn the port.
    print(f"hub listening on http://{host}:{server.effective_port} (database {redact(hub.url)})", flush=True)
    log.info("hub serving on %s:%s with %d threads%s", host, server.effective_port, threads,
             f", trusting proxy headers from {trusted_proxy}" if trusted_proxy else "")
    sender = AlertSender(hub, stop=ctx.stopping, wake=ctx.alerts_due, zone=ctx.zone).start()
    log.info("alerts: %s", "; ".join(describe(alerts)) or f"no channels ({ALERTS_FILE} in {data_dir} sets them)")
    try:
        server.run()
    except (SystemExit, KeyboardInterrupt):
        pass
    finally:
        ctx.stopping.set()
        sender.stop()
        server.close()
        hub.close()
        log.info("hub stopped")
    sys.stdout.flush()
    return 0
