"""Room kiosk: a calm session display for therapy rooms."""

__version__ = "0.1.0"
