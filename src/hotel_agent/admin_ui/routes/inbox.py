"""The conversations inbox: handoffs waiting for staff, a conversation's transcript, reply, release.

The list refreshes itself (admin.js polls the same page every few seconds; without script, a Refresh
link). A reply goes out through the guest's channel (WhatsApp: text inside the 24-hour window, otherwise
the approved template), sent while the operator waits, so the page can say what WhatsApp answered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.admin_ui.deps import CsrfChecked, CurrentSession, Editor, current_session
from hotel_agent.admin_ui.rendering import BASE_PATH, render
from hotel_agent.channels.whatsapp.service.staff_replies import guest_of
from hotel_agent.deps import HandoffsDep, StaffRepliesDep
from hotel_agent.errors import NotFoundError

router = APIRouter(prefix="/inbox", dependencies=[Depends(current_session)])

REPLY_OUTCOMES = {
    "accepted": "Sent: WhatsApp accepted the reply.",
    "skipped": "Not sent: the 24-hour window is closed and no approved template is configured.",
    "failed": "WhatsApp refused the reply.",
    "pending": "WhatsApp did not answer in time; the reply waits to be retried.",
    "sending": "WhatsApp did not confirm the reply yet.",
}


def _conversation_url(conversation_id: str, **params: str) -> str:
    extra = "".join(f"&{name}={quote(value)}" for name, value in params.items())
    return f"{BASE_PATH}/inbox/conversation?id={quote(conversation_id)}{extra}"


@router.get("", response_class=HTMLResponse)
async def inbox(request: Request, session: CurrentSession, handoffs: HandoffsDep) -> Response:
    """Conversations handed to staff, newest first, with how long each guest has waited."""
    waiting = await handoffs.list_open(newest_first=True)
    return render(request, "inbox/list.html", session=session, handoffs=waiting, now=datetime.now(UTC))


@router.get("/conversation", response_class=HTMLResponse)
async def conversation(
    request: Request,
    session: CurrentSession,
    handoffs: HandoffsDep,
    staff: StaffRepliesDep,
    conversation_id: Annotated[str, Query(alias="id", min_length=1, max_length=128)],
    sent: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    """One conversation: the transcript, how a reply would go out now, the reply box, release."""
    handoff = await handoffs.get_open(conversation_id)
    language = handoff.language if handoff is not None else "en"
    on_whatsapp = guest_of(conversation_id) is not None
    transcript = await staff.transcript(conversation_id) if on_whatsapp else []
    window = await staff.window(conversation_id, language) if on_whatsapp else None
    if handoff is None and not transcript:
        raise NotFoundError(f"no conversation {conversation_id} waits for staff")
    return render(
        request,
        "inbox/conversation.html",
        session=session,
        conversation_id=conversation_id,
        handoff=handoff,
        transcript=transcript,
        window=window,
        on_whatsapp=on_whatsapp,
        outcome=REPLY_OUTCOMES.get(sent, ""),
        outcome_ok=sent == "accepted",
        now=datetime.now(UTC),
        can_edit=request.state.operator.role.allows(AdminRole.EDITOR),
    )


@router.post("/reply", dependencies=[CsrfChecked])
async def reply(
    editor: Editor,
    handoffs: HandoffsDep,
    staff: StaffRepliesDep,
    conversation_id: Annotated[str, Form(min_length=1, max_length=128)],
    text: Annotated[str, Form(max_length=4096)],
) -> Response:
    """Send the operator's reply to the guest through WhatsApp."""
    handoff = await handoffs.get_open(conversation_id)
    language = handoff.language if handoff is not None else "en"
    result = await staff.send(conversation_id, text, language, editor.username)
    return RedirectResponse(
        _conversation_url(conversation_id, sent=result.state),
        status_code=303,
    )


@router.post("/release", dependencies=[CsrfChecked])
async def release(
    editor: Editor,
    handoffs: HandoffsDep,
    conversation_id: Annotated[str, Form(min_length=1, max_length=128)],
) -> Response:
    """Staff are done: the bot answers this conversation again."""
    await handoffs.release(conversation_id, editor.username)
    return RedirectResponse(f"{BASE_PATH}/inbox?done=released", status_code=303)
