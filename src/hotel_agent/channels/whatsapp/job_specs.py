"""The channel's job names and arguments: what the intake and the sweeps queue, without the task code.

Queueing a job needs only these; running one needs `tasks.py` (the processor, hence the conversation
engine and the NLU stack). Keeping them apart means importing the web intake does not load the worker.
A job's procrastinate `lock` (and `queueing_lock`) is the guest's key: one guest's jobs run one at a time
across all workers, and at most one waits.
"""

from __future__ import annotations

from typing import Any

from hotel_agent.channels.whatsapp.repository import GuestKey

PROCESS_GUEST = "whatsapp.process_guest"
RESEND_AS_TEMPLATE = "whatsapp.resend_as_template"


def process_guest_job(guest: GuestKey) -> dict[str, Any]:
    """Arguments of `JobQueue.defer` for a guest's processing job."""
    return {"lock": guest.lock, "phone_number_id": guest.phone_number_id, "wa_id": guest.wa_id}


def resend_job(guest: GuestKey, outbound_id: int) -> dict[str, Any]:
    """Arguments of `JobQueue.defer` for re-sending one outbound message as a template."""
    return {
        "lock": guest.lock,
        "queueing_lock": f"{guest.lock}:resend:{outbound_id}",
        "phone_number_id": guest.phone_number_id,
        "wa_id": guest.wa_id,
        "outbound_id": outbound_id,
    }
