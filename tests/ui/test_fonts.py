"""The font for a prompt in another script: Noto where the system has it, DejaVu else, Kivy's Roboto last."""

from __future__ import annotations

from kiosk.ui import fonts


def test_latin_greek_and_cyrillic_stay_in_kivy_s_font():
    for text in ("Willow room", "Αίθουσα Ιτιάς", "Ивовая комната", ""):
        assert fonts.font_for(text) == fonts.DEFAULT


def test_another_script_takes_the_first_font_that_is_installed(tmp_path, monkeypatch):
    noto, dejavu = tmp_path / "noto", tmp_path / "dejavu"
    noto.mkdir(), dejavu.mkdir()
    (dejavu / "DejaVuSans.ttf").write_bytes(b"")
    monkeypatch.setattr(fonts, "FONT_DIRS", (noto, dejavu))
    fonts.installed.cache_clear()
    try:
        assert fonts.font_for("غرفة الصفصاف") == str(dejavu / "DejaVuSans.ttf")
        assert fonts.font_for("विलो कक्ष") == fonts.DEFAULT  # no font here draws Devanagari: Roboto's boxes
        (noto / "NotoSansArabic-Regular.ttf").write_bytes(b"")
        (noto / "NotoSansDevanagari-Regular.ttf").write_bytes(b"")
        fonts.installed.cache_clear()
        assert fonts.font_for("Room غرفة") == str(noto / "NotoSansArabic-Regular.ttf")
        assert fonts.font_for("विलो कक्ष") == str(noto / "NotoSansDevanagari-Regular.ttf")
    finally:
        fonts.installed.cache_clear()
