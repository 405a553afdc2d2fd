"""Times a person reads, in the room's zone and the locale's form: one place for every clock on a screen,
in `kiosk sessions`, in the export's CSV files and in the sync status.

Every function takes the epoch seconds and the zone to show them in (a real zone with its daylight-saving
rules, so a winter session and a summer one each read as the room's clock did); the language is the
process's (kiosk.language.use) unless one is given. No I/O beyond Babel's locale data, no Kivy.

    clock(ts, zone)          "10:42"            (de "10:42", cy "10:42")
    clock(ts, zone, True)    "10:42:07"
    day(ts, zone)            "Tue, 1 Dec 2026"  (de "Di., 1. Dez. 2026", cy "Maw, 1 Rhag 2026")
    day_and_time(ts, zone)   "Tue 1 Dec 10:42"  (de "Di., 1. Dez. 10:42")
    iso(ts, zone)            "2026-12-01T10:42:07+00:00": for spreadsheets and scripts, never translated
    sortable(ts, zone)       "2026-12-01 10:42:07": a plain local stamp that sorts as text
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo

from kiosk.language import babel_locale

NO_TIME = "-"  # a time that is not known (or not yet: a phase still running)


def moment(ts: float, zone: tzinfo | None) -> datetime:
    """The instant as the room's clock showed it (zone None: the system's local time)."""
    return datetime.fromtimestamp(ts, timezone.utc).astimezone(zone) if zone is not None \
        else datetime.fromtimestamp(ts).astimezone()


def clock(ts: float | None, zone: tzinfo | None, seconds: bool = False, language: str | None = None,
          missing: str = NO_TIME) -> str:
    """A time of day in the locale's form: "10:42", or "10:42:07" with seconds; `missing` for None."""
    if ts is None:
        return missing
    from babel.dates import format_time

    try:
        when = moment(ts, zone)
    except (OverflowError, ValueError, OSError):
        return missing
    return format_time(when, "medium" if seconds else "short", locale=babel_locale(language))


def day(ts: float, zone: tzinfo | None, language: str | None = None) -> str:
    """The day with its weekday and year, in the locale's form ("Tue, 1 Dec 2026")."""
    from babel.dates import format_skeleton

    return format_skeleton("yMMMEd", moment(ts, zone), locale=babel_locale(language))


def day_and_time(ts: float, zone: tzinfo | None, language: str | None = None, seconds: bool = False) -> str:
    """A day of this year and its time, for "last export" lines ("Tue 1 Dec 10:42", "Di., 1. Dez. 10:42")."""
    from babel.dates import format_skeleton, format_time

    when, loc = moment(ts, zone), babel_locale(language)
    return f"{format_skeleton('MMMEd', when, locale=loc)} {format_time(when, 'medium' if seconds else 'short', locale=loc)}"


def iso(ts: float | None, zone: tzinfo | None) -> str:
    """ISO 8601 in the room's zone with its offset, to the second, so no reader guesses the zone; "" for None."""
    if ts is None:
        return ""
    return moment(ts, zone).isoformat(timespec="seconds")


def sortable(ts: float, zone: tzinfo | None) -> str:
    """"2026-12-01 10:42:07": the local time as a plain stamp that sorts as text (no offset)."""
    return moment(ts, zone).strftime("%Y-%m-%d %H:%M:%S")
