"""Times a person reads (kiosk/local_time.py): the room's zone with its daylight-saving rules, the locale's form."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from kiosk import language, local_time

LONDON = ZoneInfo("Europe/London")
BERLIN = ZoneInfo("Europe/Berlin")
WINTER = datetime(2026, 12, 1, 10, 42, 7, tzinfo=timezone.utc).timestamp()   # GMT: London = UTC
SUMMER = datetime(2026, 7, 1, 9, 42, 7, tzinfo=timezone.utc).timestamp()     # BST: London = UTC + 1


@pytest.fixture(autouse=True)
def english_after():
    yield
    language.use("en")


def test_a_winter_and_a_summer_time_each_read_as_the_room_s_clock_did():
    """The same zone, two offsets: 10:42 in December and 10:42 in July (09:42 UTC), never a fixed offset."""
    assert local_time.clock(WINTER, LONDON) == "10:42"
    assert local_time.clock(SUMMER, LONDON) == "10:42"
    assert local_time.iso(WINTER, LONDON) == "2026-12-01T10:42:07+00:00"
    assert local_time.iso(SUMMER, LONDON) == "2026-07-01T10:42:07+01:00"
    assert local_time.clock(SUMMER, BERLIN, seconds=True) == "11:42:07"
    assert local_time.sortable(SUMMER, LONDON) == "2026-07-01 10:42:07"


def test_days_in_the_locale_s_form():
    assert local_time.day(WINTER, LONDON, "en") == "Tue, 1 Dec 2026"
    assert local_time.day(WINTER, LONDON, "de") == "Di., 1. Dez. 2026"
    assert local_time.day(WINTER, LONDON, "cy") == "Maw, 1 Rhag 2026"
    assert local_time.day(SUMMER, LONDON, "es") == "mié, 1 jul 2026"
    assert local_time.day_and_time(WINTER, LONDON, "en") == "Tue 1 Dec 10:42"
    assert local_time.day_and_time(WINTER, LONDON, "de") == "Di., 1. Dez. 10:42"
    assert local_time.day_and_time(WINTER, LONDON, "cy", seconds=True) == "Maw, 1 Rhag 10:42:07"


def test_the_process_language_is_the_default():
    language.use("de")
    assert local_time.day(WINTER, LONDON) == "Di., 1. Dez. 2026"
    language.use("cy")
    assert local_time.day_and_time(WINTER, LONDON).startswith("Maw, 1 Rhag")


def test_24_hour_clocks_in_every_shipped_language():
    evening = datetime(2026, 12, 1, 18, 5, tzinfo=timezone.utc).timestamp()
    assert {lang: local_time.clock(evening, LONDON, language=lang) for lang in language.LANGUAGES} == \
        {"en": "18:05", "de": "18:05", "es": "18:05", "cy": "18:05"}


def test_a_time_that_is_not_known_says_so():
    assert local_time.clock(None, LONDON) == local_time.NO_TIME
    assert local_time.clock(None, LONDON, missing="?") == "?"
    assert local_time.clock(1e20, LONDON, missing="?") == "?"   # beyond any calendar: not a traceback
    assert local_time.iso(None, LONDON) == ""
