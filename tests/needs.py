"""Skip with a reason where a system tool or service is missing; fail instead under CI.

CI (`CI=true`, set by .ci/run) installs and starts everything the tests need,
so a missing tool there is a broken set-up, never a silent skip.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def need(condition: bool, reason: str, *, required: bool | None = None) -> None:
    if condition:
        return
    if required is None:
        required = in_ci()
    if required:
        pytest.fail(f"required for this run but missing: {reason}")
    pytest.skip(reason)


def need_tool(name: str, package: str | None = None) -> str:
    path = shutil.which(name)
    need(path is not None, f"{name} is not installed (apt-get install {package or name})")
    return path or name


PG_DSN = os.environ.get("KIOSK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_available(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def need_postgres() -> str:
    """The test database's URL; fails when KIOSK_REQUIRE_PG=1 and PostgreSQL is not there."""
    required = os.environ.get("KIOSK_REQUIRE_PG") == "1" or in_ci()
    need(pg_available(), "PostgreSQL is not running on 127.0.0.1:5432 (trust auth, database test)",
         required=required)
    return PG_DSN
