"""Queue jobs of the WhatsApp channel: thin shells around the processor (tests call the processor).

A job names a guest; its procrastinate `lock` (and `queueing_lock`) is the guest's key, so one guest's jobs
run one at a time across all workers and at most one waits. What the job needs (the processor) comes in
the worker's `additional_context`, built by wiring.py. Tasks are declared on each process's queue app by
`register` (procrastinate's blueprints rename their tasks when added, so they can serve one app only).
Job names and arguments live in job_specs.py, so what only queues jobs (the web intake) does not import
this module and the processor behind it.

Retries are ours, not procrastinate's: a job that cannot finish defers its own follow-up (with the delay
the processor chose) and ends. procrastinate's retry would move the job back to `todo`, which collides
with the follow-up job a new message may already have queued under the same queueing lock; a deferred
follow-up instead merges into it (`AlreadyEnqueued`: the waiting job will do the work).
"""

from __future__ import annotations

import contextlib
from typing import Any

import procrastinate
import structlog
from procrastinate import JobContext
from procrastinate import exceptions as queue_exceptions

from hotel_agent.channels.whatsapp.job_specs import (
    PROCESS_GUEST,
    RESEND_AS_TEMPLATE,
    process_guest_job,
    resend_job,
)
from hotel_agent.channels.whatsapp.repository import GuestKey
from hotel_agent.channels.whatsapp.service.processing import MessageProcessor
from hotel_agent.queue import split_job

log = structlog.get_logger(__name__)

CONTEXT_KEY = "whatsapp_processor"


def _processor(context: JobContext) -> MessageProcessor:
    processor: MessageProcessor = context.additional_context[CONTEXT_KEY]
    return processor


async def _follow_up(context: JobContext, task_name: str, delay: float, job: dict[str, Any]) -> None:
    lock, queueing_lock, arguments = split_job(job)
    deferrer = context.app.configure_task(
        task_name, schedule_in={"seconds": delay}, lock=lock, queueing_lock=queueing_lock
    )
    # AlreadyEnqueued: a job for this guest is already waiting, and it picks the work up.
    with contextlib.suppress(queue_exceptions.AlreadyEnqueued):
        await deferrer.defer_async(**arguments)


async def process_guest(context: JobContext, phone_number_id: str, wa_id: str) -> None:
    guest = GuestKey(phone_number_id, wa_id)
    processor = _processor(context)
    try:
        await processor.process_guest(guest)
    except Exception as exc:
        delay = processor.retry_delay(exc)
        log.info("whatsapp.job.follow_up", guest=guest.lock, delay_s=round(delay, 2), error=str(exc)[:300])
        await _follow_up(context, PROCESS_GUEST, delay, process_guest_job(guest))


async def resend_as_template(context: JobContext, phone_number_id: str, wa_id: str, outbound_id: int) -> None:
    guest = GuestKey(phone_number_id, wa_id)
    processor = _processor(context)
    try:
        await processor.resend_as_template(guest, outbound_id)
    except Exception as exc:
        delay = processor.retry_delay(exc)
        log.info("whatsapp.job.follow_up", guest=guest.lock, delay_s=round(delay, 2), error=str(exc)[:300])
        await _follow_up(context, RESEND_AS_TEMPLATE, delay, resend_job(guest, outbound_id))


def register(app: procrastinate.App) -> None:
    """Declare this channel's tasks on a queue app (one app per process; see queue.py)."""
    app.task(name=PROCESS_GUEST, pass_context=True)(process_guest)
    app.task(name=RESEND_AS_TEMPLATE, pass_context=True)(resend_as_template)
