"""Config: defaults for everything, and one clear message per kind of mistake."""

from __future__ import annotations

import json
from dataclasses import replace as _replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.config import CHIME_FLOOR, Config, ConfigError, render
from kiosk.config_parse import load_config, parse_config
from kiosk.session.plan import Phase

GOOD = """
room = "Room 3"
timezone = "Europe/London"
pin = "4826"

[display]
profile = "still"
show_minutes = true
chime_volume = 0.2

[[plans]]
name = "School"
opening_minutes = 3
holding_minutes = 25
closing_minutes = 4
hard_end = "10:45"
cue_minutes = { holding = [5, 2] }
prompts = { opening = "Arriving" }

[[plans]]
name = "Long"
holding_minutes = 50

[button]
url = "/dev/kiosk-button"
mode = "modem"
modem_line = "dsr"
press = "double"

[hub]
url = "http://hub.local:8080/"
token = "abc"

[paths]
data = "/tmp/kiosk-data"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("/etc/room-kiosk/kiosk.toml"))
    return info.value.problems


def test_no_file_at_all_gives_working_defaults(monkeypatch, tmp_path):
    monkeypatch.delenv("KIOSK_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setattr("kiosk.config.SYSTEM_CONFIG", tmp_path / "absent.toml")
    config = load_config(None)
    assert config == Config(paths=config.paths)
    assert config.plans[0].holding == 2400 and config.button.url is None and config.hub.url is None


def test_a_full_file_is_read_into_the_dataclasses():
    c = parse_config(GOOD)
    assert c.room == "Room 3" and c.pin == "4826" and c.display.profile == "still"
    school, long = c.plans
    assert (school.opening, school.holding, school.closing) == (180, 1500, 240)
    assert school.hard_end == "10:45" and school.leads(Phase.HOLDING) == (300, 120)
    assert school.leads(Phase.OPENING) == (60,)  # default kept where not given
    assert school.prompt(Phase.OPENING) == "Arriving" and school.prompt(Phase.CLOSING)
    assert long.opening == 300 and long.holding == 3000
    assert c.button.mode == "modem" and c.button.modem_line == "dsr" and c.button.press == "double"
    assert c.hub.url == "http://hub.local:8080" and c.paths.data == Path("/tmp/kiosk-data")


def test_the_rendered_config_reads_back_the_same():
    c = parse_config(GOOD)
    again = parse_config(render(c).replace('token = "abc…"', 'token = "abc"'))
    assert again.plans == c.plans and again.display == c.display and again.button == c.button


def test_an_unknown_key_names_the_line_and_suggests_the_right_one():
    [p] = problems('[display]\nprofil = "calm"\n')
    assert p.startswith("line 2: [display] profil: unknown key")
    assert 'did you mean "profile"?' in p and "allowed here: profile" in p


def test_an_unknown_top_level_key():
    [p] = problems('rooom = "x"\n')
    assert "rooom: unknown key" in p and '"room"' in p


def test_a_value_outside_its_choices_names_what_is_allowed():
    [p] = problems('[button]\nmode = "lien"\n')
    assert p == 'line 2: [button] mode: "lien" is not allowed; expected one of line, any_byte, modem'


def test_a_wrong_type():
    [p] = problems('[[plans]]\nname = "A"\nholding_minutes = "forty"\n')
    assert '[[plans]] #1 holding_minutes: "forty" is not allowed' in p and "number of minutes" in p
    assert p.startswith("line 3:")


def test_a_number_out_of_range_and_the_chime_floor():
    [p] = problems("[display]\nchime_volume = 0.01\n")
    assert "0.01 is not allowed" in p and str(CHIME_FLOOR) in p and "floor" in p


def test_a_bad_time_of_day():
    [p] = problems('[[plans]]\nname = "A"\nhard_end = "25:00"\n')
    assert 'hard_end: "25:00" is not allowed' in p and "HH:MM" in p


def test_plans_need_distinct_names_and_a_name():
    ps = problems('[[plans]]\nname = "A"\n[[plans]]\nname = "A"\n[[plans]]\nholding_minutes = 3\n')
    assert any('"A" is used by two plans' in p for p in ps)
    assert any("#3: name is missing" in p for p in ps)


def test_bad_cue_minutes_and_prompts():
    ps = problems('[[plans]]\nname = "A"\ncue_minutes = { holding = [5, -1], openin = [1] }\n'
                  'prompts = { closing = "" }\n')
    assert any("holding = [5, -1] is not allowed" in p for p in ps)
    assert any('openin: unknown key (did you mean "opening"?)' in p for p in ps)
    assert any("closing = \"\" is not allowed" in p for p in ps)


def test_a_section_that_is_not_a_table():
    [p] = problems('display = "calm"\n')
    assert "display: must be a table ([display])" in p


def test_an_unknown_time_zone_and_a_bad_pin():
    ps = problems('timezone = "Mars/Olympus"\npin = 1234\n')
    assert any('timezone: "Mars/Olympus" is not allowed' in p for p in ps)
    assert any("pin: 1234 is not allowed" in p and "in quotes" in p for p in ps)


def test_a_bad_hub_url():
    [p] = problems('[hub]\nurl = "hub.local"\n')
    assert '[hub] url: "hub.local" is not allowed; expected an http:// or https:// address' in p


def test_broken_toml_says_where():
    [p] = problems('room = "unterminated\n')
    assert p.startswith("not valid TOML:") and "line 1" in p


def test_every_problem_is_reported_at_once_with_the_file_name():
    with pytest.raises(ConfigError) as info:
        parse_config('[display]\nprofile = "loud"\n[button]\nmode = 3\n', Path("/etc/room-kiosk/kiosk.toml"))
    text = str(info.value)
    assert text.count("/etc/room-kiosk/kiosk.toml: ") == 2


def test_an_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")


def test_empty_button_url_means_no_button():
    assert parse_config('[button]\nurl = ""\n').button.url is None


def test_the_shipped_example_config_is_valid():
    example = Path(__file__).resolve().parents[1] / "deploy" / "kiosk.toml.example"
    config = load_config(example)
    assert config.room == "Room 3" and len(config.plans) == 2 and config.hub.url is None


def test_a_home_folder_of_nobody_is_a_clear_error():
    [p] = problems('[paths]\ndata = "~nosuchuser-kiosk/data"\n')
    assert '[paths] data: "~nosuchuser-kiosk/data" is not allowed; expected a folder path' in p
    from kiosk.config import with_overrides
    with pytest.raises(ConfigError, match="no such user's home folder"):
        with_overrides(Config(), data="~nosuchuser-kiosk/data")


# --- check-config prints what it would accept --------------------------------------------------------




def _str(v: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL must be escaped too)."""
    return json.dumps(v, ensure_ascii=False).replace("\x7f", "\\u007f")


def _same(a, b) -> bool:
    return _replace(a, source=None) == _replace(b, source=None)


def test_the_defaults_print_as_a_file_that_parses_back_to_them():
    defaults = Config()
    assert _same(parse_config(render(defaults)), defaults)


texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30).filter(lambda t: t.strip())


@st.composite
def config_files(draw) -> str:
    lines = [f"room = {_str(draw(texts))}"]
    if draw(st.booleans()):
        lines.append(f"timezone = {_str(draw(st.sampled_from(['Europe/London', 'Europe/Berlin', 'UTC'])))}")
    lines.append(f"pin = {_str(draw(st.from_regex(r'[0-9]{4,8}', fullmatch=True)))}")
    lines += ["[display]", f"breaths_per_minute = {draw(st.floats(2, 20))!r}",
              f"chime_volume = {draw(st.floats(0.05, 1.0))!r}", f"show_minutes = {str(draw(st.booleans())).lower()}"]
    lines += ["[button]", f"url = {_str(draw(st.sampled_from(['', '/dev/ttyACM0', 'loop://'])))}",
              f"baudrate = {draw(st.integers(300, 4_000_000))}",
              f"double_press_seconds = {draw(st.floats(0.2, 3.0))!r}"]
    lines += ["[hub]", f"url = {_str(draw(st.sampled_from(['', 'http://hub.local:8470', 'https://hub'])))}",
              f"sync_seconds = {draw(st.integers(1, 3600))}"]
    for n in range(draw(st.integers(1, 3))):
        opening, holding, closing = draw(st.floats(0.5, 240)), draw(st.floats(1, 240)), draw(st.floats(0.5, 240))
        cue = draw(st.floats(0.01, 0.99))
        lines += ["[[plans]]", f"name = {_str(f'plan {n}')}", f"opening_minutes = {opening!r}",
                  f"holding_minutes = {holding!r}", f"closing_minutes = {closing!r}",
                  f"cue_minutes = {{ holding = [{holding * cue!r}] }}",
                  f"prompts = {{ holding = {_str(draw(texts))} }}"]
        if draw(st.booleans()):
            lines.append(f"hard_end = {_str(draw(st.sampled_from(['08:05', '10:45', '23:59'])))}")
    return "\n".join(lines) + "\n"


@settings(max_examples=150, deadline=None)
@given(config_files())
def test_what_check_config_prints_parses_back_to_the_same_config(text):
    config = parse_config(text)
    again = parse_config(render(config))
    assert _same(again, config)
    assert "1e+" not in render(config).split("[button]")[1].split("[hub]")[0]  # a baud rate stays an integer


def test_check_config_refuses_a_button_url_it_cannot_open_a_data_path_that_is_a_file_and_a_cue_too_long(tmp_path):
    a_file = tmp_path / "journal-here"
    a_file.write_text("")
    text = (f'[button]\nurl = "bogus://x"\n[paths]\ndata = {_str(str(a_file))}\n'
            '[[plans]]\nname = "Short"\nopening_minutes = 2\ncue_minutes = { opening = [3] }\n')
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    message = str(caught.value)
    assert 'url: "bogus://x" is not allowed' in message
    assert "data:" in message and "not a file" in message
    assert "opening = 3 is not before the opening ends: the phase is 2 minutes long" in message
