"""A fake WhatsApp Cloud API on loopback: see app.py."""

from tools.fake_graph_api.app import FakeConfig, FakeGraphApi, create_app
from tools.fake_graph_api.server import running_fake

__all__ = ["FakeConfig", "FakeGraphApi", "create_app", "running_fake"]
