"""The translators' catalog: every string a person sees, extracted from the source, and the .po files
kept in step with it.

    python -m kiosk.catalog update    # extract kiosk/locale/kiosk.pot and merge it into each .po
    python -m kiosk.catalog check     # what is untranslated, fuzzy or has wrong placeholders; exit 1 if any

A developer tool (Babel's extraction); the running kiosk and hub only read the .po files
(kiosk/language.py).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path
from typing import IO, Iterator

from kiosk.language import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE, po_path

ROOT = Path(__file__).resolve().parent.parent
POT = LOCALE_DIR / f"{DOMAIN}.pot"
METHOD_MAP = [
    ("kiosk/ui/kv/**.kv", "kiosk.catalog:extract_kv"),
    ("kiosk/hub/templates/**.html", "jinja2.ext:babel_extract"),
    ("kiosk/downloads/templates/**.html", "jinja2.ext:babel_extract"),
    ("kiosk/**.py", "python"),
]
JINJA = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}
OPTIONS = {"kiosk/hub/templates/**.html": JINJA, "kiosk/downloads/templates/**.html": JINJA}
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "gettext": None}
_KV_CALL = re.compile(r"""\b_\(\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\s*\)""")
_PLACEHOLDER = re.compile(r"\{(\w*)\}|%\((\w+)\)[sd]")  # the kiosk's str.format, the hub's Jinja


def extract_kv(fileobj: IO[bytes], keywords, comment_tags, options) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extraction for .kv files: each `_('...')` call on a line (kv has no other way to say it)."""
    for lineno, raw in enumerate(fileobj.read().decode("utf-8").splitlines(), start=1):
        for m in _KV_CALL.finditer(raw):
            yield lineno, "_", ast.literal_eval(m.group(1)), []


def extract():
    """The catalog of the source as it is now (a babel Catalog)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    catalog = Catalog(domain=DOMAIN, project="room-kiosk", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), METHOD_MAP, options_map=OPTIONS, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
            strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def read(language: str):
    from babel.messages.pofile import read_po

    with po_path(language).open("rb") as f:
        return read_po(f, locale=language, domain=DOMAIN)


def update() -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = extract()
    POT.parent.mkdir(parents=True, exist_ok=True)
    with POT.open("wb") as f:
        write_po(f, template, width=100, omit_header=False, sort_output=False)
    for language in LANGUAGES:
        if language == SOURCE:
            continue
        path = po_path(language)
        if path.exists():
            catalog = read(language)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=language, domain=DOMAIN, project="room-kiosk", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as f:
            write_po(f, catalog, width=100, ignore_obsolete=True)


def placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


def problems(language: str, template=None) -> list[str]:
    """Every message of the source that this language lacks, has fuzzy, or says with other placeholders."""
    template = template if template is not None else extract()
    catalog = read(language)
    out = []
    for message in template:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        found = catalog.get(message.id, context=message.context)
        where = ", ".join(f"{f}:{n}" for f, n in message.locations[:2])
        if found is None:
            out.append(f"{language}: missing {key!r} ({where}): run `python -m kiosk.catalog update`")
            continue
        if found.fuzzy:
            out.append(f"{language}: fuzzy {key!r} ({where}): check the translation, then remove the fuzzy flag")
            continue
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
            out.append(f"{language}: {key!r} has {len(strings)} plural forms, the language has {catalog.num_plurals}")
        if not all(strings):
            out.append(f"{language}: untranslated {key!r} ({where})")
            continue
        wanted = placeholders(ids[-1]) | placeholders(ids[0])
        for s in strings:
            if not placeholders(s) <= wanted or not placeholders(s) >= placeholders(ids[0]) - {"n", "num"}:
                out.append(f"{language}: {key!r} is translated with placeholders {sorted(placeholders(s))}, "
                           f"the source has {sorted(wanted)}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.catalog", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["update", "check"])
    args = parser.parse_args(argv)
    if args.command == "update":
        update()
        return 0
    template = extract()
    found = [p for lang in LANGUAGES if lang != SOURCE for p in problems(lang, template)]
    for p in found:
        print(p)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
