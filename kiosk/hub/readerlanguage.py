"""The hub speaks each reader's language: their own choice (a cookie, set by `?lang=de` from the
language links on every page), else the browser's Accept-Language, else English.

The kiosk speaks one language per process (kiosk/language.py); the hub's pages are rendered for many
readers at once, so each request carries its own translation in `g` and Jinja's i18n extension asks it.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context, request

from kiosk.language import LANGUAGE_NAMES, LANGUAGES, SOURCE, translation

COOKIE = "kiosk_hub_lang"
YEAR = 365 * 24 * 3600


def reader_language() -> str:
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or SOURCE


def gettext(message: str) -> str:
    """For Jinja's newstyle gettext (it fills in %(name)s and escapes the values itself) and the page's
    Python; outside a request (the alert outbox's thread) it is English."""
    return _translation().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation().ngettext(singular, plural, n)


def _translation():
    return translation(getattr(g, "language", SOURCE) if has_request_context() else SOURCE)


def install(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)

    @app.before_request
    def _pick() -> None:
        g.language = reader_language()

    @app.context_processor
    def _languages() -> dict:
        return {"language": getattr(g, "language", SOURCE), "language_names": LANGUAGE_NAMES}

    @app.after_request
    def _remember(response):
        asked = request.args.get("lang")
        if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=YEAR, httponly=True, samesite="Lax")
        response.vary.add("Accept-Language")
        response.vary.add("Cookie")
        return response
