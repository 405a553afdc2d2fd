"""Cells a spreadsheet opens as text: shared by the hub's CSV download and the kiosk's USB export."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
