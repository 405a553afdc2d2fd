from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.clock import FakeClock
from kiosk.config import Config
from tests.export.journals import kiosk_config, run_sessions


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(tmp_path: Path, clock: FakeClock) -> Config:
    """A kiosk with two whole sessions in its journal."""
    config = kiosk_config(tmp_path / "data")
    run_sessions(config, clock)
    return config


@pytest.fixture
def hub_key(tmp_path: Path) -> tuple[str, Path]:
    """(recipient, identity file) of a hub, made by the hub's own command code."""
    from kiosk.hub.exportkey import ensure_identity, identity_path

    recipient, _ = ensure_identity(tmp_path / "hub")
    return recipient, identity_path(tmp_path / "hub")


@pytest.fixture
def sealed_config(config: Config, hub_key) -> Config:
    from dataclasses import replace

    from kiosk.config import ExportConfig

    return replace(config, export=ExportConfig(recipient=hub_key[0]))


def journal_records(config: Config):
    from kiosk.store.reader import read_journal

    with read_journal(config.paths.database) as reader:
        first, last, _ = reader.seq_range()
        return list(reader.events(first, last))

