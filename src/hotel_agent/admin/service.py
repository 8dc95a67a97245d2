"""Admin accounts: creation, sign-in with a failed-login limit, token checks."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.admin.repository import AdminUserRepository
from hotel_agent.admin.schemas import AdminPrincipal, AdminRole, TokenResponse
from hotel_agent.admin.security import decode_token, hash_password, issue_token, needs_rehash, verify_password
from hotel_agent.config import Settings
from hotel_agent.errors import ConflictError, TooManyRequestsError, UnauthorizedError, UnprocessableError
from hotel_agent.kit.state import StateBackend
from hotel_agent.models import AdminUser

MIN_PASSWORD_LENGTH = 10


async def create_admin_user(
    session: AsyncSession, username: str, password: str, role: AdminRole
) -> AdminUser:
    username = username.strip().lower()
    if not username:
        raise UnprocessableError("username must not be empty")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UnprocessableError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    repository = AdminUserRepository.from_session(session)
    if await repository.get_by_username(username) is not None:
        raise ConflictError(f"admin user '{username}' already exists")
    return await repository.add(
        AdminUser(username=username, password_hash=hash_password(password), role=role.value, is_active=True)
    )


class LoginService:
    """Counts failed logins per username and per client address in the shared state backend."""

    def __init__(self, session: AsyncSession, state: StateBackend, settings: Settings) -> None:
        self._repository = AdminUserRepository.from_session(session)
        self._state = state
        self._settings = settings

    async def login(self, username: str, password: str, client_address: str) -> TokenResponse:
        username = username.strip().lower()
        keys = (f"login-failures:user:{username}", f"login-failures:addr:{client_address}")
        await self._refuse_when_locked(keys)
        user = await self._repository.get_by_username(username)
        valid = verify_password(user.password_hash if user else None, password)
        if user is None or not valid or not user.is_active:
            for key in keys:
                await self._state.incr(key, ttl=self._settings.login_lockout_seconds)
            raise UnauthorizedError("invalid username or password")
        await self._state.delete(keys[0])
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = datetime.now(UTC)
        ttl = self._settings.admin_token_ttl_seconds
        token = issue_token(
            subject=user.username,
            role=user.role,
            secret=self._settings.secret_key.get_secret_value(),
            ttl_seconds=ttl,
        )
        return TokenResponse(access_token=token, expires_in=ttl, role=AdminRole(user.role))

    async def _refuse_when_locked(self, keys: tuple[str, ...]) -> None:
        for key, raw in zip(keys, await self._state.get_many(list(keys)), strict=True):
            if raw is not None and int(raw) >= self._settings.login_max_failures:
                retry_after = await self._state.ttl(key)
                raise TooManyRequestsError(
                    "too many failed logins; try again later",
                    retry_after=int(retry_after or self._settings.login_lockout_seconds) + 1,
                )


def principal_from_token(token: str, settings: Settings) -> AdminPrincipal:
    try:
        claims = decode_token(token, secret=settings.secret_key.get_secret_value())
        return AdminPrincipal(username=str(claims["sub"]), role=AdminRole(claims.get("role", "")))
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise UnauthorizedError("invalid or expired token") from exc
