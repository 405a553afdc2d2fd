"""The hub speaks each reader's language: their own choice (a cookie, set by `?lang=de` from the
language links on every page), else the browser's Accept-Language, else English.

The per-request translation (`gettext`, `ngettext`, Jinja's i18n) is kiosk/page_language.py, which the
kiosk's Wi-Fi download page speaks too; this module adds the hub's choice and its cookie.
"""

from __future__ import annotations

from flask import Flask, request

from kiosk import page_language
from kiosk.language import LANGUAGE_NAMES, LANGUAGES, SOURCE
from kiosk.page_language import gettext, ngettext  # the hub's modules import them from here

__all__ = ["COOKIE", "gettext", "install", "ngettext", "reader_language"]

COOKIE = "kiosk_hub_lang"
YEAR = 365 * 24 * 3600


def reader_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return page_language.browser_language(SOURCE)


def install(app: Flask) -> None:
    page_language.install(app, reader_language)

    @app.context_processor
    def _languages() -> dict:
        return {"language_names": LANGUAGE_NAMES}

    @app.after_request
    def _remember(response):
        asked = request.args.get("lang")
        if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=YEAR, httponly=True, samesite="Lax")
        response.vary.add("Cookie")
        return response
