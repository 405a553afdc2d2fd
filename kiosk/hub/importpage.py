"""The Logs page's upload: staff import a USB export (a sealed .age file, or a plain export's files)."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from flask import Blueprint, current_app, render_template, request

from kiosk.export.bundle import DATA_FILES, MANIFEST
from kiosk.hub.auth import hub_db, staff_required
from kiosk.hub.database import default_data_dir
from kiosk.hub.exportkey import identity_path
from kiosk.hub.imports import ImportRefused, ImportReport, import_files, import_sealed
from kiosk.hub.readerlanguage import gettext as _

imports_page = Blueprint("imports", __name__)

MAX_UPLOAD_BYTES = 512 * 1024 * 1024
IDENTITY_CONFIG = "KIOSK_EXPORT_IDENTITY"


def export_identity() -> Path:
    """The hub's export key: set by `kiosk hub serve` from its data folder."""
    return Path(current_app.config.get(IDENTITY_CONFIG) or identity_path(default_data_dir()))


@imports_page.before_app_request
def _room_for_an_export() -> None:
    """A year of one room's logs, sealed, is tens of MB: more than the API's limit, on this form only.
    Runs before any hook reads the form (the CSRF check), so the blueprint is registered first."""
    if request.method == "POST" and request.path == "/logs/import":
        request.max_content_length = MAX_UPLOAD_BYTES


@imports_page.post("/logs/import")
@staff_required
def upload():
    from kiosk.hub.rooms import statuses

    ctx = current_app.extensions["kiosk_hub"]
    hub, now = hub_db(), ctx.now()
    uploads = [f for f in request.files.getlist("export") if f and f.filename]
    reports: list[ImportReport] = []
    with tempfile.TemporaryDirectory(prefix="kiosk-import-") as work:
        plain: dict[str, Path] = {}
        for n, f in enumerate(uploads):
            name = Path(f.filename.replace("\\", "/")).name
            if name.endswith(".age"):
                report = ImportReport(source=name)
                try:
                    import_sealed(hub, f.stream, export_identity(), now, report)
                except ImportRefused as exc:
                    report.refused = str(exc)
                reports.append(report)
            elif name in DATA_FILES + (MANIFEST,):
                path = Path(work) / f"{n}-{name}"
                f.save(path)
                plain[name] = path
            elif not name.endswith(".label.json"):
                reports.append(ImportReport(source=name, refused=_("not part of an export: choose a sealed .age "
                                                                   "file, or the files of a plain export's folder")))
        if plain:
            reports.append(import_files(hub, plain, now, source=_("plain export")))
    if not uploads:
        reports.append(ImportReport(source=_("upload"), refused=_("no file chosen")))
    today = datetime.now(ctx.zone).date()
    status = 200 if all(r.ok for r in reports) else 400
    return render_template("logs.html", rooms=[s.name for s in statuses(hub)],
                           first=(today - timedelta(days=7)).isoformat(), last=today.isoformat(), error=None,
                           imports=reports), status
