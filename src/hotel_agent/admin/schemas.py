"""Admin account payloads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class AdminRole(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"viewer": 0, "editor": 1, "admin": 2}[self.value]

    def allows(self, required: AdminRole) -> bool:
        return self.rank >= required.rank


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    expires_in: int
    role: AdminRole


class AdminPrincipal(BaseModel):
    """The signed-in operator, as the token proves."""

    username: str
    role: AdminRole


class AdminUserOut(BaseModel):
    username: str
    role: AdminRole
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
