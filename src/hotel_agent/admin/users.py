"""Managing operator accounts (admins only): list, create, change role, disable or enable, reset password.

Every change is written to the admin audit trail (who, what, to whom). The last active admin cannot be
demoted or disabled: nobody could manage accounts any more.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.admin.repository import AdminAuditRepository, AdminUserRepository
from hotel_agent.admin.schemas import AdminRole, AdminUserOut
from hotel_agent.admin.security import hash_password
from hotel_agent.admin.service import MIN_PASSWORD_LENGTH, create_admin_user
from hotel_agent.errors import ConflictError, NotFoundError, UnprocessableError
from hotel_agent.models import AdminUser


class UserService:
    def __init__(self, session: AsyncSession) -> None:
        self._users = AdminUserRepository.from_session(session)
        self._audit = AdminAuditRepository.from_session(session)
        self._session = session

    async def list_users(self) -> list[AdminUserOut]:
        return [
            AdminUserOut.model_validate(user, from_attributes=True) for user in await self._users.list_users()
        ]

    async def create(self, username: str, password: str, role: AdminRole, actor: str) -> AdminUserOut:
        user = await create_admin_user(self._session, username, password, role)
        await self._audit.record(actor, "user.created", user.username, role=role.value)
        return AdminUserOut.model_validate(user, from_attributes=True)

    async def set_role(self, username: str, role: AdminRole, actor: str) -> AdminUserOut:
        user = await self._user(username)
        if user.role == role.value:
            return AdminUserOut.model_validate(user, from_attributes=True)
        if user.role == AdminRole.ADMIN.value and user.is_active:
            await self._keep_an_admin(user)
        previous, user.role = user.role, role.value
        await self._session.flush()
        await self._audit.record(
            actor, "user.role_changed", user.username, role=role.value, previous=previous
        )
        return AdminUserOut.model_validate(user, from_attributes=True)

    async def set_active(self, username: str, active: bool, actor: str) -> AdminUserOut:
        user = await self._user(username)
        if user.is_active == active:
            return AdminUserOut.model_validate(user, from_attributes=True)
        if not active and user.role == AdminRole.ADMIN.value:
            await self._keep_an_admin(user)
        user.is_active = active
        await self._session.flush()
        await self._audit.record(actor, "user.enabled" if active else "user.disabled", user.username)
        return AdminUserOut.model_validate(user, from_attributes=True)

    async def reset_password(self, username: str, password: str, actor: str) -> AdminUserOut:
        if len(password) < MIN_PASSWORD_LENGTH:
            raise UnprocessableError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
        user = await self._user(username)
        user.password_hash = hash_password(password)
        await self._session.flush()
        await self._audit.record(actor, "user.password_reset", user.username)
        return AdminUserOut.model_validate(user, from_attributes=True)

    async def _user(self, username: str) -> AdminUser:
        user = await self._users.get_by_username(username.strip().lower())
        if user is None:
            raise NotFoundError(f"no admin user '{username}'")
        return user

    async def _keep_an_admin(self, user: AdminUser) -> None:
        if await self._users.count_active_admins() <= 1:
            raise ConflictError(f"'{user.username}' is the last active admin; make another admin first")
