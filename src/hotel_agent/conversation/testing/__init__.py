"""Conversation tests: scripted guests, expected replies and the effects they must leave in the PMS."""
