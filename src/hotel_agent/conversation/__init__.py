"""Dialogue: per-conversation state, flows (availability, booking, lookup, cancel, modify, info, handoff)."""
