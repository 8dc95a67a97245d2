"""What the database itself guarantees about template versions, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.models import Template, TemplateVersion
from tests.support.templates import unique_key


async def template(session: AsyncSession) -> Template:
    row = Template(key=unique_key(), language="en", category="greeting", variables=[], meta={}, revision=0)
    session.add(row)
    await session.flush()
    return row


def version(
    template_id: int, number: int, status: str = "draft", variant: str | None = None
) -> TemplateVersion:
    return TemplateVersion(
        template_id=template_id,
        version=number,
        content=f"v{number}",
        status=status,
        variant=variant,
        created_by="t",
    )


async def insert(session: AsyncSession, *rows: TemplateVersion) -> None:
    async with session.begin_nested():
        session.add_all(rows)
        await session.flush()


async def test_one_active_default_version_per_template(session: AsyncSession) -> None:
    owner = await template(session)
    await insert(
        session, version(owner.id, 1, "active"), version(owner.id, 2, "archived"), version(owner.id, 3)
    )
    with pytest.raises(IntegrityError):
        await insert(session, version(owner.id, 4, "active"))
    # Another template has its own slot.
    other = await template(session)
    await insert(session, version(other.id, 1, "active"))


async def test_one_active_version_per_variant(session: AsyncSession) -> None:
    owner = await template(session)
    await insert(
        session,
        version(owner.id, 1, "active"),
        version(owner.id, 2, "active", "control"),
        version(owner.id, 3, "active", "variant_a"),
    )
    with pytest.raises(IntegrityError):
        await insert(session, version(owner.id, 4, "active", "control"))


async def test_version_numbers_are_unique_per_template(session: AsyncSession) -> None:
    owner = await template(session)
    await insert(session, version(owner.id, 1))
    with pytest.raises(IntegrityError):
        await insert(session, version(owner.id, 1))


async def test_status_and_number_are_checked(session: AsyncSession) -> None:
    owner = await template(session)
    with pytest.raises(IntegrityError):
        await insert(session, version(owner.id, 1, "live"))
    with pytest.raises(IntegrityError):
        await insert(session, version(owner.id, 0))


async def test_a_key_exists_once_per_language(session: AsyncSession) -> None:
    first = await template(session)
    twin = Template(key=first.key, language="en", category="info", variables=[], meta={}, revision=0)
    with pytest.raises(IntegrityError):
        await add_in_savepoint(session, twin)


async def add_in_savepoint(session: AsyncSession, row: Template) -> None:
    async with session.begin_nested():
        session.add(row)
        await session.flush()
