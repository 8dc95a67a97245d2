"""Queries on admin accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.models import AdminUser


class AdminUserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> AdminUserRepository:
        return cls(session)

    async def get_by_username(self, username: str) -> AdminUser | None:
        result = await self.session.execute(select(AdminUser).where(AdminUser.username == username))
        return result.scalar_one_or_none()

    async def add(self, user: AdminUser) -> AdminUser:
        self.session.add(user)
        await self.session.flush()
        return user
