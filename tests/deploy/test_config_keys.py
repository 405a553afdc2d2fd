"""The config keys the appliance adds: [hub] ca_file and [paths] allow_data_in_ram."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, render
from kiosk.config_parse import parse_config


def test_ca_file_is_a_path_or_empty_for_the_systems_cas():
    assert parse_config('[hub]\nca_file = "/etc/room-kiosk/hub-ca.crt"\n').hub.ca_file == \
        Path("/etc/room-kiosk/hub-ca.crt")
    assert parse_config('[hub]\nca_file = ""\n').hub.ca_file is None
    assert parse_config("").hub.ca_file is None
    with pytest.raises(ConfigError, match=r'line 2: \[hub\] ca_file: 5 is not allowed; expected the path of a PEM'):
        parse_config("[hub]\nca_file = 5\n")


def test_the_new_keys_show_in_the_effective_config():
    text = render(parse_config('[hub]\nca_file = "/x/ca.crt"\n[paths]\nallow_data_in_ram = true\n'))
    assert 'ca_file = "/x/ca.crt"' in text and "allow_data_in_ram = true" in text
    with pytest.raises(ConfigError, match="allow_data_in_ram"):
        parse_config('[paths]\nallow_data_in_ram = "yes"\n')


def test_the_avahi_service_announces_the_download_page_port():
    import re
    from pathlib import Path

    from kiosk.config import Config

    text = (Path(__file__).resolve().parents[2] / "deploy/avahi/room-kiosk.service").read_text()
    assert re.search(r"<port>(\d+)</port>", text).group(1) == str(Config().downloads.port)
