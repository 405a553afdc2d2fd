"""A web page in its reader's language, chosen per request: the hub's pages and the kiosk's Wi-Fi
download page both speak it.

The kiosk's screens speak one language per process (kiosk/language.py); a web page is rendered for many
readers at once, so each request carries its language in `flask.g`, and Jinja's i18n extension and the
page's Python ask `gettext` and `ngettext` here. Each app says how it picks a reader's language
(`install(app, pick)`); `browser_language` is the part they share: the browser's Accept-Language, when it
names a language the kiosk speaks.
"""

from __future__ import annotations

from typing import Callable

from flask import Flask, g, has_request_context, request

from kiosk.language import LANGUAGES, SOURCE, translation


def browser_language(otherwise: str = SOURCE) -> str:
    """The shipped language this request's Accept-Language likes best ("de-DE" picks de), else `otherwise`."""
    return request.accept_languages.best_match(LANGUAGES) or otherwise


def current() -> str:
    """The language of this request; English outside one (the alert outbox's thread)."""
    return getattr(g, "language", SOURCE) if has_request_context() else SOURCE


def gettext(message: str) -> str:
    """For Jinja's newstyle gettext (it fills in %(name)s and escapes the values itself) and the page's Python."""
    return translation(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translation(current()).ngettext(singular, plural, n)


def install(app: Flask, pick: Callable[[], str]) -> None:
    """Every request of app speaks pick()'s language (called before the app's own before_request hooks
    that were registered after this, so their refusals are translated too); templates get `_`,
    `ngettext` and `language` (for <html lang>)."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)

    @app.before_request
    def _pick() -> None:
        g.language = pick()

    @app.context_processor
    def _language() -> dict:
        return {"language": current()}

    @app.after_request
    def _vary(response):
        response.vary.add("Accept-Language")
        return response
