"""Config: defaults for everything, and one clear message per kind of mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import CHIME_FLOOR, Config, ConfigError, load_config, render
from kiosk.config_parse import parse_config
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
