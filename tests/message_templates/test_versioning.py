"""TemplateVersionService on SQLite and PostgreSQL: versions, activation, rollback, diff, preview, audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.message_templates.api_schemas import PreviewRequest, TemplateCreate, VersionCreate
from hotel_agent.message_templates.errors import (
    NoSuchTemplateError,
    NoSuchVersionError,
    RollbackRefusedError,
    TemplateExistsError,
    TemplateInvalidError,
)
from hotel_agent.message_templates.repository import TemplateUsageRepository
from hotel_agent.message_templates.versioning import TemplateOptions, TemplateVersionService
from hotel_agent.models import TemplateAuditEvent, TemplateVersion
from tests.support.templates import add_version, make_template, unique_key


@pytest.fixture
def service(session: AsyncSession) -> TemplateVersionService:
    return TemplateVersionService(session, TemplateOptions())


async def statuses(session: AsyncSession, template_id: int) -> dict[int, str]:
    rows = await session.execute(
        select(TemplateVersion.version, TemplateVersion.status).where(
            TemplateVersion.template_id == template_id
        )
    )
    return dict(rows.all())


async def test_a_new_template_starts_with_version_1_live(
    service: TemplateVersionService, session: AsyncSession
) -> None:
    detail = await make_template(service, content="Hi {{ name }}")
    assert detail.active is not None
    assert (detail.active.version, detail.active.status, detail.active.created_by) == (1, "active", "tester")
    assert detail.variables == ["name"]
    assert detail.missing_languages == ["es", "pt"]
    assert service.changes == {detail.id}
    assert await statuses(session, detail.id) == {1: "active"}


async def test_a_translation_borrows_variables_and_sample_of_the_key(service: TemplateVersionService) -> None:
    english = await make_template(service, content="Hi {{ name }}", sample={"name": "Ana"})
    spanish = await service.create_template(
        TemplateCreate(key=english.key, language="ES", category="greeting", content="Hola {{ name }}"),  # type: ignore[arg-type]
        "tester",
    )
    assert (spanish.language, spanish.variables, spanish.sample) == ("es", ["name"], {"name": "Ana"})
    assert spanish.translations == {"en": english.id, "es": spanish.id}
    assert spanish.missing_languages == ["pt"]
    with pytest.raises(TemplateExistsError, match=f"already exists in 'es' \\(id {spanish.id}\\)"):
        await make_template(service, key=english.key, language="es")


async def test_versions_number_up_and_activation_archives_the_live_one(
    service: TemplateVersionService, session: AsyncSession
) -> None:
    detail = await make_template(service)
    draft = await add_version(service, detail.id, "Hello there, {{ name }}.")
    assert (draft.version, draft.status) == (2, "draft")
    assert await statuses(session, detail.id) == {1: "active", 2: "draft"}
    live = await add_version(service, detail.id, "Welcome, {{ name }}!", status="active")
    assert (live.version, live.status) == (3, "active")
    assert await statuses(session, detail.id) == {1: "archived", 2: "draft", 3: "active"}
    activated = await service.activate(detail.id, 2, "tester")
    assert activated.status == "active"
    assert await statuses(session, detail.id) == {1: "archived", 2: "active", 3: "archived"}
    again = await service.activate(detail.id, 2, "tester")  # already live: nothing happens
    assert again.activated_at == activated.activated_at


async def test_rollback_targets_a_version_that_was_live(
    service: TemplateVersionService, session: AsyncSession
) -> None:
    detail = await make_template(service)
    await add_version(service, detail.id, "v2 {{ name }}", status="active")
    await add_version(service, detail.id, "v3 draft {{ name }}")
    rolled = await service.rollback(detail.id, 1, "tester")
    assert rolled.status == "active"
    assert await statuses(session, detail.id) == {1: "active", 2: "archived", 3: "draft"}
    with pytest.raises(RollbackRefusedError, match=r"version 3 .* was never live; activate it instead"):
        await service.rollback(detail.id, 3, "tester")
    with pytest.raises(RollbackRefusedError, match="live already"):
        await service.rollback(detail.id, 1, "tester")
    with pytest.raises(NoSuchVersionError, match="has no version 9; it has 1, 2, 3"):
        await service.rollback(detail.id, 9, "tester")
    with pytest.raises(NoSuchTemplateError, match="no template with id 0"):
        await service.rollback(0, 1, "tester")


async def test_variants_have_their_own_live_version(
    service: TemplateVersionService, session: AsyncSession
) -> None:
    detail = await make_template(service)
    control = await service.create_version(
        detail.id, VersionCreate(content="A {{ name }}", status="active", variant="control"), "tester"
    )
    service.changes.clear()
    other = await service.create_version(
        detail.id, VersionCreate(content="B {{ name }}", status="active", variant="variant_a"), "tester"
    )
    assert (control.variant, other.variant) == ("control", "variant_a")
    # The default text is untouched; the variant is announced all the same, since a running experiment
    # renders it on every replica.
    assert await statuses(session, detail.id) == {1: "active", 2: "active", 3: "active"}
    assert service.changes == {detail.id}


async def test_saving_rejects_what_is_wrong_saying_what_and_where(service: TemplateVersionService) -> None:
    detail = await make_template(service, content="Hi {{ name }}")
    with pytest.raises(TemplateInvalidError) as unknown:
        await add_version(service, detail.id, "Hi {{ name }},\nyour room: {{ rooom }}")
    assert unknown.value.status_code == 422
    assert unknown.value.extra["problems"] == [
        {
            "kind": "unknown_variable",
            "message": "'rooom' is used but not declared in `variables` (declared: name)",
            "line": 2,
        },
        {"kind": "render", "message": "undefined variable: 'rooom' is undefined", "line": 2},
    ]
    assert "line 2: 'rooom' is used but not declared" in unknown.value.detail
    with pytest.raises(TemplateInvalidError) as syntax:
        await add_version(service, detail.id, "Hi\n\n{% if name %}{{ name }}")
    assert syntax.value.extra["problems"][0]["kind"] == "syntax"
    assert syntax.value.extra["problems"][0]["line"] == 3
    with pytest.raises(TemplateInvalidError, match="undefined"):
        await add_version(service, detail.id, "{{ name.missing_attribute }}")


async def test_whatsapp_limits_are_checked_on_the_rendered_sample(service: TemplateVersionService) -> None:
    button = await make_template(
        service, content="Book {{ name }}", category="buttons", max_length=20, sample={"name": "Suite"}
    )
    with pytest.raises(TemplateInvalidError, match="renders to 25 characters, over the limit of 20"):
        await add_version(service, button.id, "Book the lovely {{ name }} now")


async def test_diff_shows_lines_and_words(service: TemplateVersionService) -> None:
    detail = await make_template(service, content="Hello {{ name }}!\nSee you soon.")
    await add_version(service, detail.id, "Hello {{ name }}!\nSee you very soon.")
    diff = await service.diff(detail.id, 1, 2)
    assert not diff.identical
    assert "-See you soon.\n+See you very soon.\n" in diff.unified
    assert diff.unified.startswith(f"--- {detail.key}@1\n+++ {detail.key}@2\n")
    assert diff.word_diff == "Hello {{ name }}!\nSee you {+very +}soon."
    assert [change.op for change in diff.words] == ["equal", "insert", "equal"]
    same = await service.diff(detail.id, 2, 2)
    assert same.identical
    assert same.unified == ""


async def test_history_lists_author_note_usage_and_the_audit_trail(
    service: TemplateVersionService, session: AsyncSession
) -> None:
    detail = await make_template(service, actor="ana")
    await service.create_version(
        detail.id, VersionCreate(content="Hey {{ name }}", note="friendlier", status="active"), "bruno"
    )
    await service.rollback(detail.id, 1, "carla")
    first = (
        await session.execute(
            select(TemplateVersion.id).where(
                TemplateVersion.template_id == detail.id, TemplateVersion.version == 1
            )
        )
    ).scalar_one()
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    usage = TemplateUsageRepository.from_session(session)
    await usage.insert_many(
        [
            {
                "version_id": first,
                "conversation_id": "c1",
                "language": "en",
                "used_at": now,
                "render_micros": 20,
            },
            {
                "version_id": first,
                "conversation_id": "c2",
                "language": "en",
                "used_at": now,
                "render_micros": 25,
            },
        ]
    )
    await usage.mark_converted("c1", now, since=now.replace(year=now.year - 1))
    history = await service.history(detail.id)
    assert [(v.version, v.status, v.created_by, v.note) for v in history.versions] == [
        (2, "archived", "bruno", "friendlier"),
        (1, "active", "ana", None),
    ]
    assert (history.versions[1].uses, history.versions[1].conversions) == (2, 1)
    assert [(e.action, e.version, e.actor) for e in history.events] == [
        ("version.rolled_back", 1, "carla"),
        ("version.activated", 2, "bruno"),
        ("version.created", 2, "bruno"),
        ("version.activated", 1, "ana"),
        ("version.created", 1, "ana"),
        ("template.created", None, "ana"),
    ]
    assert history.events[0].details["previous_version"] == 2
    trail = await session.execute(
        select(TemplateAuditEvent).where(TemplateAuditEvent.template_id == detail.id)
    )
    assert all(event.template_key == detail.key for event in trail.scalars())


async def test_preview_renders_any_version_or_draft_in_any_language(service: TemplateVersionService) -> None:
    detail = await make_template(
        service,
        content="{{ name }}: {{ price|money }} for {{ plural(nights, one='# night', other='# nights') }}",
        variables=["name", "price", "nights"],
        sample={"name": "Suite", "price": 1234.5, "nights": 1},
    )
    live = await service.preview(detail.id, PreviewRequest())
    assert (live.text, live.version, live.context) == ("Suite: €1,234.50 for 1 night", 1, "sample")
    spanish = await service.preview(
        detail.id, PreviewRequest(language="es", context={"name": "Doble", "price": 80, "nights": 3})
    )
    assert spanish.text == "Doble: 80,00\xa0€ for 3 nights"
    assert (spanish.language, spanish.context) == ("es", "given")
    draft = await service.preview(detail.id, PreviewRequest(content="{{ name|upper }}", language="pt-br"))
    assert (draft.text, draft.version, draft.language) == ("SUITE", None, "pt-BR")
    with pytest.raises(TemplateInvalidError, match="'guest' is used but not declared"):
        await service.preview(detail.id, PreviewRequest(content="{{ guest }}"))
    with pytest.raises(NoSuchVersionError):
        await service.preview(detail.id, PreviewRequest(version=7))


async def test_preview_reports_a_limit_without_refusing(service: TemplateVersionService) -> None:
    detail = await make_template(
        service, content="Ok", variables=[], sample={}, category="buttons", max_length=5
    )
    preview = await service.preview(detail.id, PreviewRequest(content="Much too long"))
    assert preview.text == "Much too long"
    assert [problem.kind for problem in preview.problems] == ["max_length"]


async def test_preview_of_a_template_without_live_version(service: TemplateVersionService) -> None:
    detail = await make_template(service, status="draft")
    assert detail.active is None
    with pytest.raises(NoSuchVersionError, match="has no live version"):
        await service.preview(detail.id, PreviewRequest())
    assert (await service.preview(detail.id, PreviewRequest(version=1))).text == "Hello Ana!"


async def test_list_filters_by_category_language_text_and_missing_translations(
    service: TemplateVersionService,
) -> None:
    marker = unique_key("zz").split(".")[1]
    english = await make_template(service, content=f"Hello {{{{ name }}}} {marker}", category="info")
    await service.create_template(
        TemplateCreate(key=english.key, language="es", category="info", content="Hola {{ name }}"),  # type: ignore[arg-type]
        "tester",
    )
    found = await service.list_templates(text=marker)
    assert [(item.key, item.language) for item in found.items] == [(english.key, "en")]
    assert found.items[0].missing_languages == ["pt"]
    assert found.items[0].content == f"Hello {{{{ name }}}} {marker}"
    by_key = await service.list_templates(text=english.key.upper())
    assert [item.language for item in by_key.items] == ["en", "es"]
    assert [
        item.language for item in (await service.list_templates(text=english.key, language="es")).items
    ] == ["es"]
    assert (await service.list_templates(text=english.key, category="greeting")).count == 0
    assert (await service.list_templates(text=english.key, missing_in="pt")).count == 2
    assert (await service.list_templates(text=english.key, missing_in="es")).count == 0
    assert (await service.list_templates(text=english.key, missing_in="any")).count == 2
    assert (await service.list_templates(text="100%_not_there")).count == 0
