"""The WhatsApp Cloud API channel: webhook intake, queued processing, the outbox and the Graph API client.

See docs/whatsapp.md for the design (exactly-once effects, ordering, the 24-hour window).
"""
