"""hotel-agent: the open-source virtual hotel receptionist."""

__version__ = "0.1.0"
