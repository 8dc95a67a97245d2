"""The catalog shipped in the package loads, compiles, and renders every sample within its limits."""

from __future__ import annotations

import pytest

from hotel_agent.message_templates import TemplateRenderer, YamlTemplateSource, validate_catalog
from hotel_agent.message_templates.source import DEFAULT_CATALOG

pytestmark = pytest.mark.skipif(not DEFAULT_CATALOG.is_dir(), reason="no catalog shipped yet")


@pytest.fixture(scope="module")
def shipped() -> YamlTemplateSource:
    return YamlTemplateSource()


def test_every_shipped_template_validates(shipped: YamlTemplateSource) -> None:
    failures = [
        f"{report.language}/{report.key}: {problem.kind} line {problem.line}: {problem.message}"
        for report in validate_catalog(shipped)
        for problem in report.problems
    ]
    assert failures == []


def test_the_shipped_catalog_warms_up(shipped: YamlTemplateSource) -> None:
    TemplateRenderer(shipped).warm_up()
