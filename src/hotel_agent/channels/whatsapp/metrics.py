"""WhatsApp channel metrics (multiprocess-safe: see ops/metrics.py)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

WEBHOOKS = Counter(
    "hotel_agent_whatsapp_webhooks_total",
    "Webhook items received, by kind (message.<type>, status.<status>, field.<name>, unknown_number).",
    ["kind"],
)
SIGNATURE_FAILURES = Counter(
    "hotel_agent_whatsapp_signature_failures_total",
    "Webhook deliveries refused for a missing or wrong X-Hub-Signature-256.",
    ["reason"],
)
REJECTED_ITEMS = Counter(
    "hotel_agent_whatsapp_rejected_items_total",
    "Parts of signed deliveries that could not be read (kept in whatsapp_rejected_items), by kind.",
    ["kind"],
)
DUPLICATES = Counter(
    "hotel_agent_whatsapp_duplicates_total",
    "Redelivered messages and statuses acknowledged and ignored.",
    ["kind"],
)
QUEUE_DEPTH = Gauge(
    "hotel_agent_whatsapp_queue_depth",
    "Guest messages stored but not yet processed.",
    multiprocess_mode="mostrecent",
)
QUEUE_LAG = Gauge(
    "hotel_agent_whatsapp_queue_lag_seconds",
    "Age of the oldest guest message not yet processed (0 when none).",
    multiprocess_mode="mostrecent",
)
DEAD_LETTERS = Gauge(
    "hotel_agent_whatsapp_dead_letters",
    "Guest messages in the dead-letter state, waiting for an operator.",
    multiprocess_mode="mostrecent",
)
PROCESSING_LATENCY = Histogram(
    "hotel_agent_whatsapp_processing_seconds",
    "Webhook received to the first reply accepted by the Graph API.",
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
MESSAGES_PROCESSED = Counter(
    "hotel_agent_whatsapp_messages_processed_total",
    "Guest messages finished, by outcome (done, dead, retry).",
    ["outcome"],
)
OUTBOUND = Counter(
    "hotel_agent_whatsapp_outbound_total",
    "Graph API sends by result (accepted, retried, failed, skipped) and WhatsApp error code.",
    ["result", "error_code"],
)
