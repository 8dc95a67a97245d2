"""The staff queue: conversations handed to a person, recorded so staff can list them and release one.

The dialogue step that hands a conversation over is `flows/handoff.py`; this module is what staff see.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.conversation import metrics
from hotel_agent.conversation.state import ConversationStore, Stage
from hotel_agent.db import session_scope
from hotel_agent.errors import NotFoundError
from hotel_agent.models import Handoff


class HandoffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    conversation_id: str
    language: str
    reason: str
    last_message: str
    status: str
    created_at: datetime
    released_at: datetime | None
    released_by: str | None


class StaffQueue:
    """Each method is its own committed transaction (the transaction rule's exception, docs/architecture.md):
    a handoff must be visible to staff, and a release must hold, whatever the rest of the turn does.

    `write_sessionmaker`: each write reads the open handoff first, and on SQLite a deferred transaction
    that then writes fails at once with "database is locked" when another connection writes meanwhile
    (template usage flushes do), so writes take the lock up front. PostgreSQL ignores the option.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        write_sessionmaker: async_sessionmaker[AsyncSession],
        store: ConversationStore,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._write_sessionmaker = write_sessionmaker
        self._store = store

    async def open_handoff(self, conversation_id: str, language: str, reason: str, last_message: str) -> None:
        async with session_scope(self._write_sessionmaker) as session:
            existing = await self._open_for(session, conversation_id)
            if existing is not None:
                existing.last_message = last_message[:4000]
                return
            session.add(
                Handoff(
                    conversation_id=conversation_id,
                    language=language,
                    reason=reason,
                    last_message=last_message[:4000],
                    status="open",
                )
            )
        metrics.HANDOFFS_REQUESTED.labels(reason).inc()

    async def note_message(self, conversation_id: str, text: str) -> None:
        """While staff handle it, keep the latest guest message visible to them."""
        async with session_scope(self._write_sessionmaker) as session:
            existing = await self._open_for(session, conversation_id)
            if existing is not None:
                existing.last_message = text[:4000]

    async def list_open(self, *, newest_first: bool = False) -> list[HandoffOut]:
        order = (Handoff.created_at.desc(), Handoff.id.desc()) if newest_first else (Handoff.created_at,)
        async with self._sessionmaker() as session:
            rows = await session.execute(select(Handoff).where(Handoff.status == "open").order_by(*order))
            return [HandoffOut.model_validate(row) for row in rows.scalars()]

    async def get_open(self, conversation_id: str) -> HandoffOut | None:
        """The conversation's open handoff, if staff have it."""
        async with self._sessionmaker() as session:
            handoff = await self._open_for(session, conversation_id)
            return HandoffOut.model_validate(handoff) if handoff is not None else None

    async def release(self, conversation_id: str, staff: str) -> HandoffOut:
        """Staff are done: the bot answers this conversation again."""
        async with session_scope(self._write_sessionmaker) as session:
            handoff = await self._open_for(session, conversation_id)
            if handoff is None:
                raise NotFoundError(f"conversation {conversation_id} is not handed over to staff")
            handoff.status = "released"
            handoff.released_at = datetime.now(UTC)
            handoff.released_by = staff
            await session.flush()
            released = HandoffOut.model_validate(handoff)
        metrics.record_handoff_wait(released.created_at, released.released_at)
        async with self._store.lock(conversation_id):
            conversation = await self._store.load(conversation_id)
            if conversation is not None:
                conversation.handoff = False
                conversation.stage = Stage.IDLE
                await self._store.save(conversation)
        return released

    @staticmethod
    async def _open_for(session: AsyncSession, conversation_id: str) -> Handoff | None:
        result = await session.execute(
            select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status == "open")
        )
        return result.scalars().first()
