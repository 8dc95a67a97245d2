"""POST /api/v1/nlu/parse: the same reading of a message as `hotel-agent nlu parse`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from hotel_agent.deps import NluServiceDep
from hotel_agent.nlu.schemas import ParseResult

router = APIRouter(prefix="/api/v1/nlu", tags=["nlu"])


class ParseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4096)
    now: datetime | None = Field(
        default=None, description="Reference time; naive values are in the hotel's time zone."
    )
    lang: Literal["en", "es", "pt"] | None = Field(
        default=None, description="The message's language, when known; detected otherwise."
    )


# A plain `def`: parsing is CPU-bound (~1-5 ms), so it runs in the thread pool and the event
# loop keeps serving other requests meanwhile.
@router.post("/parse", response_model=ParseResult, response_model_exclude_none=True)
def parse_message(body: ParseRequest, nlu: NluServiceDep) -> dict[str, object]:
    """Language, intent with confidence, and entities of one guest message."""
    return nlu.parse(body.text, now=body.now, lang=body.lang).as_json()
