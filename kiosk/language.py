"""The language the kiosk speaks: gettext catalogs, `_` and `ngettext`, and the Babel locale for its times
(kiosk/local_time.py formats them).

The catalogs are the .po files under kiosk/locale/<lang>/LC_MESSAGES/kiosk.po, shipped as package
data. They are compiled in memory the first time a language is used (Babel's reader and writer),
so there is no build step to forget and no compiled file that could fall out of step with its .po.
English is the source language: its catalog is empty and every msgid is the English text.

One language is in use at a time for the process (the kiosk: the room's `language` key). The hub
speaks each reader's language and asks `translation(lang)` for it per request instead.
"""

from __future__ import annotations

import gettext
import io
import threading
from functools import lru_cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kiosk"
SOURCE = "en"
LANGUAGES = ("en", "de", "es", "cy")  # complete translations; the tests fail on any gap
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch", "es": "Español", "cy": "Cymraeg"}
# Babel's locale for times and dates: English times in the 24-hour form the rooms read ("10:42")
BABEL_LOCALES = {"en": "en_GB", "de": "de_DE", "es": "es_ES", "cy": "cy_GB"}

_lock = threading.Lock()
_current: gettext.NullTranslations = gettext.NullTranslations()
_current_language = SOURCE


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def translation(language: str) -> gettext.NullTranslations:
    """The catalog of a shipped language, compiled from its .po; English (the source) is the identity."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one the kiosk speaks; use one of {', '.join(LANGUAGES)}")
    path = po_path(language)
    if language == SOURCE and not path.exists():
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        catalog = read_po(f, locale=language, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def use(language: str) -> None:
    """Speak this language from now on (the kiosk calls it once, from its config, before building screens)."""
    global _current, _current_language
    t = translation(language)
    with _lock:
        _current, _current_language = t, language


def current() -> str:
    return _current_language


def _(message: str) -> str:
    return _current.gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a string for the catalog where it is defined; `_` translates it where it is shown."""
    return message


def babel_locale(language: str | None = None) -> str:
    return BABEL_LOCALES.get(language or _current_language, "en_GB")

