"""SQLAlchemy tables, one file per table, all registered on one metadata for Alembic."""

from hotel_agent.models.admin_user import AdminUser
from hotel_agent.models.base import Base
from hotel_agent.models.booking import Booking
from hotel_agent.models.handoff import Handoff
from hotel_agent.models.hotel import Hotel
from hotel_agent.models.room_type import RoomType

__all__ = ["AdminUser", "Base", "Booking", "Handoff", "Hotel", "RoomType"]
