"""Fixtures for the template service: the fixture catalog, a service over it, and a log recorder."""

from __future__ import annotations

import pytest

from hotel_agent.message_templates import TemplateRenderer, YamlTemplateSource
from hotel_agent.message_templates import renderer as renderer_module
from tests.support.templates import FIXTURE_CATALOG, LogRecorder


@pytest.fixture(scope="session")
def yaml_source() -> YamlTemplateSource:
    return YamlTemplateSource(FIXTURE_CATALOG)


@pytest.fixture
def service(yaml_source: YamlTemplateSource) -> TemplateRenderer:
    return TemplateRenderer(yaml_source)


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> LogRecorder:
    recorder = LogRecorder()
    monkeypatch.setattr(renderer_module, "log", recorder)
    return recorder
