"""The staff page (placeholder until the full page lands)."""

from __future__ import annotations

from flask import Blueprint

staff = Blueprint("staff", __name__)


@staff.get("/login")
def login():
    return "log in"
