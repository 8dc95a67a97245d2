"""A part of a signed webhook delivery that could not be read (a message without `from`, a status whose
id is too long, an entry that is not an object...), kept as it arrived for an operator.

The rest of its delivery is stored and acknowledged: refusing the whole delivery would lose its valid
messages and make Meta retry it for days. `digest` keys the item, so a redelivered one is kept once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime


class WhatsAppRejectedItem(TimestampMixin, Base):
    __tablename__ = "whatsapp_rejected_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # delivery, entry, change, message, status
    location: Mapped[str] = mapped_column(String(128))  # e.g. entry[0].changes[1].value.messages[2]
    reason: Mapped[str] = mapped_column(Text)
    wamid: Mapped[str | None] = mapped_column(String(255), nullable=True)
    phone_number_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payload: Mapped[Any] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
