"""One-line FastAPI dependencies over the lifespan's resources.

All `async def`: FastAPI runs a plain `def` dependency in a thread pool, a hop per request for a lookup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.config import Settings
from hotel_agent.kit.state import StateBackend
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.resources import Resources


async def get_resources(request: Request) -> Resources:
    resources: Resources = request.app.state.resources
    return resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_settings_dep(resources: ResourcesDep) -> Settings:
    return resources.settings


async def get_state(resources: ResourcesDep) -> StateBackend:
    return resources.state


async def get_pms(resources: ResourcesDep) -> PmsAdapter:
    return resources.pms


_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request, resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    """The request's transaction: committed when the handler succeeds, rolled back when it raises.

    The commit happens before the response is sent, so a commit failure reaches the client as an error.
    A request that may write (POST, PUT, ...) takes SQLite's write lock when it begins: a deferred
    transaction that reads and then writes fails at once with "database is locked" when another
    connection wrote meanwhile (a login's UPDATE beside a template-usage flush). PostgreSQL is unaffected.
    """
    sessionmaker = (
        resources.sessionmaker if request.method in _READ_ONLY_METHODS else resources.write_sessionmaker
    )
    async with sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StateDep = Annotated[StateBackend, Depends(get_state)]
PmsDep = Annotated[PmsAdapter, Depends(get_pms)]
# scope="function": the commit runs when the handler returns, before the response is sent.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
