"""SQLAlchemy tables, one file per table, all registered on one metadata for Alembic."""

from hotel_agent.models.ab_test_outcome import AbTestOutcome
from hotel_agent.models.admin_audit_event import AdminAuditEvent
from hotel_agent.models.admin_user import AdminUser
from hotel_agent.models.base import Base
from hotel_agent.models.booking import Booking
from hotel_agent.models.experiment import Experiment
from hotel_agent.models.experiment_event import ExperimentEvent
from hotel_agent.models.experiment_exposure import ExperimentExposure
from hotel_agent.models.handoff import Handoff
from hotel_agent.models.hotel import Hotel
from hotel_agent.models.room_type import RoomType
from hotel_agent.models.template import Template
from hotel_agent.models.template_audit_event import TemplateAuditEvent
from hotel_agent.models.template_usage_stat import TemplateUsageStat
from hotel_agent.models.template_version import TemplateVersion
from hotel_agent.models.whatsapp_guest import WhatsAppGuest
from hotel_agent.models.whatsapp_inbound_message import WhatsAppInboundMessage
from hotel_agent.models.whatsapp_outbound_message import WhatsAppOutboundMessage
from hotel_agent.models.whatsapp_rejected_item import WhatsAppRejectedItem
from hotel_agent.models.whatsapp_status_event import WhatsAppStatusEvent

__all__ = [
    "AbTestOutcome",
    "AdminAuditEvent",
    "AdminUser",
    "Base",
    "Booking",
    "Experiment",
    "ExperimentEvent",
    "ExperimentExposure",
    "Handoff",
    "Hotel",
    "RoomType",
    "Template",
    "TemplateAuditEvent",
    "TemplateUsageStat",
    "TemplateVersion",
    "WhatsAppGuest",
    "WhatsAppInboundMessage",
    "WhatsAppOutboundMessage",
    "WhatsAppRejectedItem",
    "WhatsAppStatusEvent",
]
