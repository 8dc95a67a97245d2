"""The audit log page's reading: the newest changes of every kind, merged newest first.

Each domain keeps its own trail (template_audit_events, experiment_events, admin_audit_events); this reads
the newest of each through its repository and interleaves them by time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.admin.repository import AdminAuditRepository
from hotel_agent.experiments.repository import ExperimentRepository
from hotel_agent.message_templates.repository import TemplateAuditRepository

AREAS = ("templates", "experiments", "users")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    area: str
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    link: str | None = None


async def audit_entries(
    session: AsyncSession, *, limit: int = 200, area: str | None = None, actor: str | None = None
) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    if area in (None, "templates"):
        for event in await TemplateAuditRepository.from_session(session).latest(limit):
            entries.append(
                AuditEntry(
                    event.created_at,
                    "templates",
                    event.actor,
                    event.action,
                    f"{event.template_key} ({event.language})"
                    + (f" v{event.version}" if event.version else ""),
                    event.details or {},
                    f"/templates/{event.template_id}/history" if event.template_id is not None else None,
                )
            )
    if area in (None, "experiments"):
        for experiment_event in await ExperimentRepository.from_session(session).latest_events(limit):
            entries.append(
                AuditEntry(
                    experiment_event.created_at,
                    "experiments",
                    experiment_event.actor,
                    f"experiment.{experiment_event.action}",
                    experiment_event.experiment_key,
                    experiment_event.details or {},
                    f"/templates/ab-tests/{experiment_event.experiment_key}",
                )
            )
    if area in (None, "users"):
        for admin_event in await AdminAuditRepository.from_session(session).latest(limit):
            entries.append(
                AuditEntry(
                    admin_event.created_at,
                    "users",
                    admin_event.actor,
                    admin_event.action,
                    admin_event.subject,
                    admin_event.details or {},
                )
            )
    if actor:
        entries = [entry for entry in entries if entry.actor == actor.strip().lower()]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
