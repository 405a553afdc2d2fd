"""The staff page's alerts view: the channels with "Send a test alert", and the delivery log."""

from __future__ import annotations

import logging
from flask import Blueprint, abort, current_app, g, jsonify, redirect, render_template, request, session, url_for

from kiosk import local_time
from kiosk.hub.auth import hub_db, staff_required
from kiosk.hub.readerlanguage import gettext as _
from kiosk.language import N_
from kiosk.hub.notify import outbox
from kiosk.hub.notify.channels import ALERTS_FILE, describe

log = logging.getLogger(__name__)

alerts = Blueprint("alerts", __name__)

STATUS_LABELS = {outbox.PENDING: N_("waiting to send"), outbox.SENDING: N_("sending"), outbox.RETRYING: N_("retrying"),
                 outbox.SENT: N_("sent"), outbox.FAILED: N_("failed")}


@alerts.get("/alerts")
@staff_required
def alerts_page():
    hub = hub_db()
    ctx = current_app.extensions["kiosk_hub"]
    settings = outbox.settings_of(hub)
    zone = ctx.zone

    def clock(ts: float | None) -> str:
        return local_time.day_and_time(ts, zone, language=g.language, seconds=True) if ts else ""

    def what(d: outbox.Delivery) -> str:
        label = _(outbox.WHAT_LABELS[d.what]) if d.what in outbox.WHAT_LABELS else d.what
        return _("%(what)s (by %(name)s)") % {"what": label, "name": d.by} if d.what == outbox.TEST and d.by else label

    rows = [{"channel": d.channel, "room": d.room or "—", "what": what(d), "status": d.status,
             "status_label": _(STATUS_LABELS[d.status]) if d.status in STATUS_LABELS else d.status,
             "attempts": d.attempts,
             "at": clock(d.created_at), "sent_at": clock(d.sent_at),
             "next_at": clock(d.next_at) if d.status == outbox.RETRYING else "", "error": d.error}
            for d in outbox.deliveries(hub)]
    channels = list(zip(settings.channels, describe(settings, _)))
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
