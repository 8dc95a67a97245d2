"""The application dashboard: traffic, latency per route, errors, the guest-message queue, processes."""

from __future__ import annotations

from hotel_agent.ops.dashboards.model import Dashboard, Kind, Panel, PromQuery, Row

RATE = "$__rate_interval"
WEBHOOK = 'route="/webhooks/whatsapp", method="POST"'


def _quantiles(metric: str, by: str, selector: str = "") -> tuple[PromQuery, ...]:
    group = f"le, {by}" if by else "le"
    legend = f"{{{{{by}}}}} " if by else ""
    return tuple(
        PromQuery(
            f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket{{{selector}}}[{RATE}])))",
            f"{legend}p{int(q * 100)}",
        )
        for q in (0.5, 0.95, 0.99)
    )


TRAFFIC = Row(
    "Traffic and latency",
    (
        Panel(
            "Requests per second by route",
            "HTTP requests answered per second, by route template (`unmatched` for unknown paths), summed "
            "over every web target and worker process.",
            "reqps",
            (PromQuery(f"sum by (route) (rate(http_requests_total[{RATE}]))", "{{route}}"),),
            stacked=True,
        ),
        Panel(
            "Latency percentiles per route",
            "p50, p95 and p99 of the time from the request entering the app to the response leaving it, per "
            "route template (histogram buckets summed over processes before the quantile).",
            "s",
            _quantiles("http_request_duration_seconds", "route"),
        ),
        Panel(
            "Webhook acknowledgement p95",
            "95th percentile time to acknowledge Meta's WhatsApp webhook deliveries (POST "
            "/webhooks/whatsapp). Alert WebhookAckSlow fires above 1 s for 10 minutes.",
            "s",
            (
                PromQuery(
                    f"histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket"
                    f"{{{WEBHOOK}}}[{RATE}])))",
                    "p95",
                ),
            ),
            width=8,
        ),
        Panel(
            "Conversation turn latency",
            "Time to handle one guest message in the conversation engine, from taking the conversation "
            "lock to saving its state (p50, p95, p99).",
            "s",
            _quantiles("hotel_agent_conversation_turn_seconds", ""),
            width=8,
        ),
        Panel(
            "Guest reply latency",
            "From the webhook being received to the first reply accepted by the Graph API (p50, p95, p99): "
            "what a WhatsApp guest waits.",
            "s",
            _quantiles("hotel_agent_whatsapp_processing_seconds", ""),
            width=8,
        ),
    ),
)

ERRORS = Row(
    "Errors",
    (
        Panel(
            "5xx ratio",
            "Share of HTTP responses that were server errors. The daily check wants < 1%; alert "
            "HighHTTP5xxRatio fires above 5% for 5 minutes.",
            "percentunit",
            (
                PromQuery(
                    f'sum(rate(http_requests_total{{status=~"5.."}}[{RATE}]))'
                    f" / sum(rate(http_requests_total[{RATE}]))",
                    "5xx ratio",
                ),
            ),
            width=8,
            min_value=0,
        ),
        Panel(
            "Errors by route and status",
            "4xx and 5xx responses per second by route template and status code. 4xx are the callers' "
            "mistakes (bad input, auth); 5xx are ours.",
            "reqps",
            (
                PromQuery(
                    f'sum by (route, status) (rate(http_requests_total{{status=~"[45].."}}[{RATE}]))',
                    "{{status}} {{route}}",
                ),
            ),
            width=8,
        ),
        Panel(
            "Webhook signature failures and rejected items",
            "WhatsApp deliveries refused for a missing or wrong X-Hub-Signature-256 (by reason), and parts "
            "of signed deliveries that could not be read (kept in whatsapp_rejected_items, by kind).",
            "cps",
            (
                PromQuery(
                    f"sum by (reason) (rate(hotel_agent_whatsapp_signature_failures_total[{RATE}]))",
                    "signature: {{reason}}",
                ),
                PromQuery(
                    f"sum by (kind) (rate(hotel_agent_whatsapp_rejected_items_total[{RATE}]))",
                    "rejected: {{kind}}",
                ),
            ),
            width=8,
        ),
    ),
)

QUEUE = Row(
    "WhatsApp queue",
    (
        Panel(
            "Inbound webhook items",
            "WhatsApp webhook items received per second by kind (message.<type>, status.<status>, ...) "
            "and redeliveries acknowledged and ignored. Alert NoInboundGuestMessages watches messages.",
            "cps",
            (
                PromQuery(f"sum by (kind) (rate(hotel_agent_whatsapp_webhooks_total[{RATE}]))", "{{kind}}"),
                PromQuery(
                    f"sum by (kind) (rate(hotel_agent_whatsapp_duplicates_total[{RATE}]))",
                    "duplicate {{kind}}",
                ),
            ),
            width=8,
        ),
        Panel(
            "Queue depth",
            "Guest messages stored but not yet processed (computed from the database; every target "
            "reports the same value, so max). Alert QueueBacklogGrowing.",
            "short",
            (PromQuery("max(hotel_agent_whatsapp_queue_depth)", "waiting"),),
            width=8,
            min_value=0,
        ),
        Panel(
            "Queue lag",
            "Age of the oldest unprocessed guest message (0 when none), and how long the oldest job a "
            "worker could run has waited. Alert QueueLagHigh fires above 60 s.",
            "s",
            (
                PromQuery("max(hotel_agent_whatsapp_queue_lag_seconds)", "oldest message"),
                PromQuery("max(hotel_agent_queue_oldest_runnable_seconds)", "oldest runnable job"),
            ),
            width=8,
            min_value=0,
        ),
        Panel(
            "Messages processed",
            "Guest messages finished per second by outcome: done, retry (will be tried again), dead "
            "(every attempt failed).",
            "cps",
            (
                PromQuery(
                    f"sum by (outcome) (rate(hotel_agent_whatsapp_messages_processed_total[{RATE}]))",
                    "{{outcome}}",
                ),
            ),
            width=8,
        ),
        Panel(
            "Dead letters",
            "Guest messages in the dead-letter state, waiting for an operator (`hotel-agent whatsapp "
            "dead-letters`). Alert DeadLetters fires above 0.",
            "short",
            (PromQuery("max(hotel_agent_whatsapp_dead_letters)", "dead letters"),),
            kind=Kind.STAT,
            width=4,
        ),
        Panel(
            "Queue workers up",
            "Queue workers running now (1 per live worker process), and supervisor restarts in the "
            "selected range by reason (crashed, stopped, wedged).",
            "short",
            (
                PromQuery("sum(hotel_agent_queue_worker_up)", "workers up"),
                PromQuery(
                    "sum by (reason) (increase(hotel_agent_queue_worker_restarts_total[$__range]))",
                    "restarts {{reason}}",
                ),
            ),
            kind=Kind.STAT,
            width=4,
        ),
        Panel(
            "Outbound sends",
            "Graph API sends per second by result (accepted, retried, failed, skipped) and WhatsApp error "
            "code.",
            "cps",
            (
                PromQuery(
                    f"sum by (result, error_code) (rate(hotel_agent_whatsapp_outbound_total[{RATE}]))",
                    "{{result}} {{error_code}}",
                ),
            ),
            width=12,
        ),
        Panel(
            "Queue worker last progress",
            "Seconds since a queue worker last finished a job (or started). Growing while messages wait "
            "means the workers are stuck.",
            "s",
            (
                PromQuery(
                    "time() - max(hotel_agent_queue_worker_last_progress_timestamp_seconds)",
                    "since last progress",
                ),
            ),
            width=12,
        ),
    ),
)

PROCESSES = Row(
    "Processes",
    (
        Panel(
            "Targets up",
            "1 when Prometheus scraped the target, 0 when not, per job and instance. Alert TargetDown "
            "fires after 2 minutes down.",
            "short",
            (PromQuery('up{job=~"hotel-agent.*"}', "{{job}} {{instance}}"),),
            kind=Kind.STATE_TIMELINE,
            width=12,
            mappings=((1, "up", "green"), (0, "down", "red")),
        ),
        Panel(
            "Redis up",
            "1 when every process of the target could ping Redis (shared state: breaker, cache, locks), "
            "0 when one could not.",
            "short",
            (PromQuery("min by (job, instance) (hotel_agent_redis_up)", "{{job}} {{instance}}"),),
            kind=Kind.STATE_TIMELINE,
            width=12,
            mappings=((1, "up", "green"), (0, "down", "red")),
        ),
        Panel(
            "DB pool in use",
            "Database connections checked out of the application pools, against the configured pool "
            "size, per target (summed over its processes).",
            "short",
            (
                PromQuery("sum by (job, instance) (hotel_agent_db_pool_in_use)", "in use {{instance}}"),
                PromQuery("sum by (job, instance) (hotel_agent_db_pool_size)", "size {{instance}}"),
            ),
            width=8,
            min_value=0,
        ),
        Panel(
            "Process memory",
            "Resident memory per target (summed over its processes).",
            "bytes",
            (
                PromQuery(
                    "sum by (job, instance) (hotel_agent_process_resident_memory_bytes)",
                    "{{job}} {{instance}}",
                ),
            ),
            width=8,
            min_value=0,
        ),
        Panel(
            "Template usage statistics dropped",
            "Template usage rows dropped per second (buffer full or the write failed): conversion by "
            "template version undercounts while this is above 0.",
            "cps",
            (PromQuery(f"sum(rate(hotel_agent_template_usage_dropped_total[{RATE}]))", "dropped"),),
            width=8,
        ),
    ),
)

APPLICATION = Dashboard(
    uid="hotel-agent-application",
    title="hotel-agent: application",
    description="Traffic, latency percentiles per route, errors, the WhatsApp queue and the processes.",
    rows=(TRAFFIC, ERRORS, QUEUE, PROCESSES),
)
