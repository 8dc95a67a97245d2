"""Queries on admin accounts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.models import AdminAuditEvent, AdminUser


class AdminUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> AdminUserRepository:
        return cls(session)

    async def get_by_username(self, username: str) -> AdminUser | None:
        result = await self.session.execute(select(AdminUser).where(AdminUser.username == username))
        return result.scalar_one_or_none()

    async def list_users(self) -> list[AdminUser]:
        result = await self.session.execute(select(AdminUser).order_by(AdminUser.username))
        return list(result.scalars())

    async def count_active_admins(self) -> int:
        result = await self.session.execute(
            select(func.count()).where(AdminUser.role == "admin", AdminUser.is_active.is_(True))
        )
        return int(result.scalar_one())

    async def add(self, user: AdminUser) -> AdminUser:
        self.session.add(user)
        await self.session.flush()
        return user


class AdminAuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> AdminAuditRepository:
        return cls(session)

    async def record(self, actor: str, action: str, subject: str, **details: Any) -> None:
        self.session.add(AdminAuditEvent(actor=actor, action=action, subject=subject, details=details))
        await self.session.flush()

    async def latest(self, limit: int) -> list[AdminAuditEvent]:
        result = await self.session.execute(
            select(AdminAuditEvent)
            .order_by(AdminAuditEvent.created_at.desc(), AdminAuditEvent.id.desc())
            .limit(limit)
        )
        return list(result.scalars())
