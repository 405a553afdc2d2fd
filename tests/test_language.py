"""The kiosk's words in the room's language: the catalogs are complete, and no visible string escapes them."""

from __future__ import annotations

import ast
import re
from datetime import datetime
from pathlib import Path

import pytest

from kiosk import catalog, language
from kiosk.config import ConfigError
from kiosk.config_parse import parse_config

PACKAGE = Path(language.__file__).resolve().parent
SHIPPED = [lang for lang in language.LANGUAGES if lang != language.SOURCE]


@pytest.fixture(autouse=True)
def english_after():
    yield
    language.use("en")


@pytest.fixture(scope="module")
def template():
    return catalog.extract()


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_message_is_translated_and_none_is_fuzzy(lang, template):
    assert catalog.problems(lang, template) == []


def test_the_checker_sees_a_gap(tmp_path, monkeypatch, template):
    """The check above cannot pass by reading nothing: a catalog with one entry removed and one fuzzy fails."""
    from babel.messages.pofile import write_po

    de = catalog.read("de")
    ids = [m.id for m in de if m.id]
    del de[ids[0]]
    de[ids[1]].flags.add("fuzzy")
    po = tmp_path / "de" / "LC_MESSAGES" / "kiosk.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as f:
        write_po(f, de)
    monkeypatch.setattr(language, "LOCALE_DIR", tmp_path)
    found = catalog.problems("de", template)
    assert any(p.startswith("de: missing") for p in found) and any(p.startswith("de: fuzzy") for p in found)


def test_the_template_holds_the_kiosk_s_words(template):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in template}
    for text in ("hold\nto begin", "hold · end session", "Enter the facilitator PIN", "not sent",
                 "Write logs to the stick", "Welcome. When you are ready, hold to begin.", "{n} minute left",
                 "Help call NOT delivered: {why}. Get help another way."):
        assert text in ids


KV_LITERAL = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\"""")
NOT_WORDS = re.compile(r"^[\W\d_]*$")


def test_no_literal_text_in_a_kv_file_escapes_translation():
    """Every quoted text with letters on a `text:` or `title:` line is the argument of `_()`."""
    bad = []
    for path in sorted((PACKAGE / "ui" / "kv").glob("*.kv")):
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            key = line.strip().split(":", 1)[0]
            if key not in ("text", "title"):
                continue
            expr = line.split(":", 1)[1]
            for m in KV_LITERAL.finditer(expr):
                value = ast.literal_eval(m.group(0))
                inside = expr[:m.start()].rstrip().endswith("_(")
                before, after = expr[:m.start()], expr[m.end():]
                compared = (re.match(r"\s*(==|!=|in\b)", after) or re.search(r"(==|!=)\s*$", before)
                            or re.search(r"\bin\s*\([^)]*$", before))  # profile in ('silent', 'still')
                key_of_dict = expr[m.end():].lstrip().startswith(":")
                if NOT_WORDS.match(value) or inside or compared or key_of_dict:
                    continue
                bad.append(f"{path.name}:{n}: {value!r}")
    assert bad == []


KEY_TAKERS = {"setdefault", "get", "pop", "bind", "dispatch", "register_event_type", "load"}  # load: a kv file's name


def _untranslated_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    wrapped, skipped = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_", "ngettext"):
            wrapped.update(id(a) for a in node.args)
        if isinstance(node, (ast.FunctionDef, ast.Module, ast.ClassDef)) and ast.get_docstring(node) is not None:
            skipped.add(id(node.body[0].value))
        if isinstance(node, ast.Compare):  # glyph == "sending": a state name, not a word on screen
            skipped.update(id(c) for c in [node.left, *node.comparators])
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in KEY_TAKERS:
            skipped.update(id(a) for a in node.args[:1])  # kwargs.setdefault("auto_dismiss", ...): a name
        if isinstance(node, ast.Subscript):
            skipped.add(id(node.slice))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
            if re.search(r"[A-Za-z]{2}", parts):
                out.append(f"{path.name}:{node.lineno}: f-string {parts!r}")
            skipped.update(id(v) for v in node.values)
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and re.search(r"[A-Za-z]{2}", node.value)
              and id(node) not in wrapped and id(node) not in skipped):
            out.append(f"{path.name}:{node.lineno}: {node.value!r}")
    return out


@pytest.mark.parametrize("module", ["ui/status.py", "ui/pinpad.py"])
def test_no_visible_string_in_the_facilitator_words_escapes_translation(module):
    assert _untranslated_literals(PACKAGE / module) == []


def test_the_literal_check_sees_an_untranslated_string(tmp_path):
    src = tmp_path / "m.py"
    src.write_text('"""doc"""\nfrom x import _\nA = _("Fine")\nB = "Holding"\nC = f"{A} left"\n')
    assert _untranslated_literals(src) == ["m.py:4: 'Holding'", "m.py:5: f-string ' left'"]


def test_a_language_is_used_and_english_is_the_source():
    assert language._("Holding") == "Holding"
    language.use("de")
    assert language._("Holding") != "Holding"
    assert language._("a room's own prompt") == "a room's own prompt"
    language.use("en")
    assert language._("Holding") == "Holding"


def test_welsh_has_six_plural_forms_and_the_numbers_pick_them():
    welsh = language.translation("cy")
    assert [welsh.plural(n) for n in (0, 1, 2, 3, 6, 11)] == [0, 1, 2, 3, 4, 5]
    language.use("cy")
    # munud mutates after one and two: "1 funud", "2 funud", "3 munud"
    assert [language.ngettext("{n} minute left", "{n} minutes left", n).format(n=n) for n in (1, 2, 3)] == \
        ["1 funud ar ôl", "2 funud ar ôl", "3 munud ar ôl"]


def test_an_unknown_language_is_refused_by_name():
    with pytest.raises(ValueError, match="'xx'.*en, de, es, cy"):
        language.use("xx")


def test_the_language_key_is_checked():
    assert parse_config('language = "cy"\n').language == "cy"
    assert parse_config("").language == "en"
    with pytest.raises(ConfigError) as err:
        parse_config('language = "fr"\n')
    text = str(err.value)
    assert "language" in text and "'fr'" in text or '"fr"' in text
    assert '"cy" (Cymraeg)' in text


# --- what a person sees, rendered: no English message is left where its language has a translation ----------

_PLACEHOLDERS = re.compile(r"\{\w*\}|%\(\w+\)[sd]|<[^>]+>")


def english_left(text: str, lang: str, template) -> list[str]:
    """The English messages (or, for a message with placeholders, its longer literal pieces) that appear
    verbatim in text, though `lang` translates them to something else. Single words and short pieces ("Live",
    "UUID", a column key, "by Sam") are left out: they may be a name, or the same word in both languages."""
    translated = catalog.read(lang)
    shown = " ".join(text.split())
    left = []
    for message in template:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        found = translated.get(message.id, context=message.context)
        if found is None:
            continue
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        for english in ids:
            for piece in _PLACEHOLDERS.split(english):
                piece = " ".join(piece.split()).strip(" ·:;,.()")
                if len(piece) < 10 or " " not in piece or any(piece in s for s in strings):
                    continue
                if piece in shown:
                    left.append(piece)
    return sorted(set(left))


def test_the_leak_finder_sees_english_left_in_a_page(template):
    assert english_left("<h1>Deliveries</h1> Live · Status", "de", template) == []  # one word: maybe a name
    assert english_left("<h1>Download logs</h1>", "de", template) == ["Download logs"]
    assert "Import from a USB stick" in english_left("<h2>Import from a USB stick</h2>", "de", template)
    assert "shortened from" in " ".join(english_left("geplant 10:00-10:40, shortened from 40 min to keep the hard "
                                                     "end", "de", template))


def _report_and_export(tmp_path, lang):
    """`kiosk sessions` and both CSV files of an export, for a journal with a hard end, a help call, an
    extension, a cue, a clock step and an interruption, in `lang`."""
    from dataclasses import replace
    from zoneinfo import ZoneInfo

    from kiosk.clock import FakeClock
    from kiosk.config import Config, PathsConfig
    from kiosk.export.flow import export_logs
    from kiosk.room import Room
    from tests.help_story import a_whole_help_call
    from kiosk.session.plan import Plan
    from kiosk.session_report import describe_sessions
    from kiosk.store.journal import Journal, existing_journal

    language.use(lang)
    clock = FakeClock(start=datetime(2026, 12, 1, 10, 12, tzinfo=ZoneInfo("Europe/London")).timestamp())
    config = replace(Config(), room="Room 3", timezone="Europe/London", language=lang,
                     plans=(Plan("School", hard_end="10:45"),), paths=PathsConfig(data=tmp_path / "data"))
    journal = Journal(config.paths.database, clock)
    room = Room(config, journal, clock)
    room.begin()
    clock.advance(300)
    room.tick()
    a_whole_help_call(room)
    room.extend()
    clock.advance(20 * 60)
    room.tick()
    clock.wall += 600
    room.tick()
    room.alive()
    journal.close()
    clock.reboot(120)
    journal = Journal(config.paths.database, clock)
    room = Room(config, journal, clock)
    room.go_to_closing()
    clock.advance(300)
    room.tick()
    journal.close()
    with existing_journal(config.paths.database, clock, read_only=True) as reader:
        report = describe_sessions(reader, room.zone)
    result = export_logs(config, tmp_path / "stick", clock=clock)
    csvs = {name: (result.path / name).read_text(encoding="utf-8-sig") for name in ("sessions.csv", "events.csv")}
    return report, csvs, result


@pytest.mark.parametrize("lang", SHIPPED)
def test_kiosk_sessions_and_the_csv_files_leave_no_english(tmp_path, lang, template):
    report, csvs, _result = _report_and_export(tmp_path, lang)
    assert english_left(report, lang, template) == []
    header = {name: text.splitlines()[0] for name, text in csvs.items()}
    assert english_left(csvs["sessions.csv"], lang, template) == []
    assert "how_it_ended" not in header["sessions.csv"] and "local_time" not in header["events.csv"]


def test_the_english_report_is_the_source_and_says_what_happened(tmp_path, template):
    report, csvs, _result = _report_and_export(tmp_path, "en")
    assert "closing by 10:45 (hard end)" not in report  # this session ran long: its closing began late
    assert "shortened from 40.0 min to keep the hard end" in report
    assert "help call: raised" in report and "by Sam" in report and "resolved" in report
    assert csvs["sessions.csv"].splitlines()[0].startswith("session_id,plan,started,how_it_ended")


def test_the_button_s_words_for_the_facilitator_are_translated():
    from kiosk.button.supervision import Fault, Supervision, fault_text

    language.use("de")
    assert [fault_text(f, "x") for f in Fault] == [
        "funktioniert nicht: x", "ausgesteckt oder antwortet nicht: bitte das Kabel prüfen; er verbindet sich von selbst neu",
        "verbunden, aber stumm: bitte aus- und wieder einstecken", "antwortet nicht mehr: bitte das Kabel prüfen"]
    supervision = Supervision("line", language._("firmware button"), backoff_initial=0.1, backoff_max=1.0)
    supervision.opened(0.0)
    assert supervision.proven(1.0).shown.detail == "verbunden (Taster mit Firmware)"
    language.use("cy")
    assert fault_text(Fault.NO_PING) == "wedi peidio ag ateb: gwiriwch ei gebl"


def _download_pages(tmp_path, accept):
    """Every page and refusal of the Wi-Fi download page, as a phone whose browser asks for `accept` reads it."""
    from kiosk.clock import FakeClock
    from tests.downloads.phone_pages import every_page, readable
    from tests.export.journals import kiosk_config, run_sessions

    clock = FakeClock()
    config = kiosk_config(tmp_path / "data")
    run_sessions(config, clock, sessions=2)
    return {name: (page, readable(page)) for name, page in every_page(config, clock, accept).items()}


@pytest.mark.parametrize("lang", SHIPPED)
def test_the_wi_fi_download_page_leaves_no_english(tmp_path, lang, template):
    pages = _download_pages(tmp_path, f"{lang},en;q=0.5")
    assert len(pages) > 25
    left = {name: english_left(text, lang, template) for name, (_page, text) in pages.items()}
    assert {name: found for name, found in left.items() if found} == {}
    html = [page for page, _text in pages.values() if page.startswith("<!doctype html>")]
    assert len(html) > 15 and all(f'<html lang="{lang}">' in page for page in html)


def test_the_leak_finder_sees_the_english_download_page(tmp_path, template):
    """The test above reads the words: the same pages in English are found out, page by page."""
    pages = _download_pages(tmp_path, "en")
    left = {name: english_left(text, "de", template) for name, (_page, text) in pages.items()}
    assert all(left.values()), [name for name, found in left.items() if not found]
    assert "That is not the code" in left["wrong code"] and "tries left" in " ".join(left["three tries left"])
