"""The embedded PMS: a small real PMS in the app's own database (PMS_TYPE=local, the default)."""

from hotel_agent.pms.local.adapter import LocalPmsAdapter

__all__ = ["LocalPmsAdapter"]
