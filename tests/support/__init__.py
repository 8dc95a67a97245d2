"""Helpers shared by the tests: one place, imported by name, never a conftest or test module."""
