"""Admin accounts: creation, sign-in (throttled, never locked: admin/throttle.py), token checks."""

from __future__ import annotations

from datetime import UTC, datetime

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.admin.repository import AdminUserRepository
from hotel_agent.admin.schemas import AdminPrincipal, AdminRole, TokenResponse
from hotel_agent.admin.security import decode_token, hash_password, issue_token, needs_rehash, verify_password
from hotel_agent.admin.throttle import LoginThrottle
from hotel_agent.config import Settings
from hotel_agent.errors import ConflictError, UnauthorizedError, UnprocessableError
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
    """Signs operators in; attempts go through the shared throttle (admin/throttle.py) first."""

    def __init__(self, session: AsyncSession, state: StateBackend, settings: Settings) -> None:
        self._repository = AdminUserRepository.from_session(session)
        self._throttle = LoginThrottle(state, settings)
        self._settings = settings

    async def login(self, username: str, password: str, client_address: str) -> TokenResponse:
        username = username.strip().lower()
        attempt = await self._throttle.reserve(username, client_address)
        user = await self._repository.get_by_username(username)
        valid = verify_password(user.password_hash if user else None, password)
        if user is None or not valid or not user.is_active:
            raise UnauthorizedError("invalid username or password")
        await self._throttle.succeeded(attempt)
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


def principal_from_token(token: str, settings: Settings) -> AdminPrincipal:
    try:
        claims = decode_token(token, secret=settings.secret_key.get_secret_value())
        return AdminPrincipal(username=str(claims["sub"]), role=AdminRole(claims.get("role", "")))
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise UnauthorizedError("invalid or expired token") from exc
