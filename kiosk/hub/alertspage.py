"""The staff page's alerts view: the channels with "Send a test alert", and the delivery log."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for

from kiosk.hub.auth import hub_db, staff_required
from kiosk.hub.notify import outbox
from kiosk.hub.notify.channels import ALERTS_FILE, describe

log = logging.getLogger(__name__)

alerts = Blueprint("alerts", __name__)

STATUS_LABELS = {outbox.PENDING: "waiting to send", outbox.SENDING: "sending", outbox.RETRYING: "retrying",
                 outbox.SENT: "sent", outbox.FAILED: "failed"}


@alerts.get("/alerts")
@staff_required
def alerts_page():
    hub = hub_db()
    ctx = current_app.extensions["kiosk_hub"]
    settings = outbox.settings_of(hub)
    zone = ctx.zone

    def clock(ts: float | None) -> str:
        if not ts:
            return ""
        return datetime.fromtimestamp(ts, zone).strftime("%d %b %H:%M:%S")

    rows = [{"channel": d.channel, "room": d.room or "—",
             "what": outbox.WHAT_LABELS.get(d.what, d.what) + (f" (by {d.by})" if d.what == outbox.TEST and d.by else ""),
             "status": d.status, "status_label": STATUS_LABELS.get(d.status, d.status), "attempts": d.attempts,
             "at": clock(d.created_at), "sent_at": clock(d.sent_at),
             "next_at": clock(d.next_at) if d.status == outbox.RETRYING else "", "error": d.error}
            for d in outbox.deliveries(hub)]
    channels = list(zip(settings.channels, describe(settings)))
    return render_template("alerts.html", channels=channels, deliveries=rows, settings=settings,
                           alerts_file=ALERTS_FILE, sent=request.args.get("sent"))


@alerts.post("/alerts/test/<int:index>")
@staff_required
def send_test(index: int):
    hub = hub_db()
    settings = outbox.settings_of(hub)
    if not 0 <= index < len(settings.channels):
        abort(404)
    channel = settings.channels[index]
    by = session.get("display_name") or g.staff
    outbox.enqueue_test(hub, channel, by, current_app.extensions["kiosk_hub"].now())
    log.info("staff %s sent a test alert to channel %r", g.staff, channel.name)
    if request.headers.get("X-Requested-With") == "fetch":
        return jsonify(ok=True, message=None)
    return redirect(url_for("alerts.alerts_page", sent=channel.name))
