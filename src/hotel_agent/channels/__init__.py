"""Channels turn a provider's payloads into `InboundMessage`s and the conversation's replies back."""
