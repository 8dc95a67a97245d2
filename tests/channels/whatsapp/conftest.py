"""Fixtures of the WhatsApp channel tests: the fake Graph API on loopback, the channel's own databases."""

from __future__ import annotations

from tests.support.whatsapp_fixtures import (  # noqa: F401 - fixtures, found by their names
    database_url,
    fake,
    fake_server,
    whatsapp_postgres_url,
    whatsapp_sqlite_url,
)
