"""The business dashboard: what a hotel manager asks of the bot.

Conversations, automation rate, bookings and their value, handoffs and their wait, NLU quality, template
use, and conversion by template version and experiment variant. Conversion by template *version* comes
from the app's PostgreSQL (template usage statistics): a version label in Prometheus would grow with every
edit. Experiment results are exact in the database too; the Prometheus panel shows them live.
"""

from __future__ import annotations

from hotel_agent.ops.dashboards.model import Dashboard, Kind, Panel, PromQuery, Row, SqlQuery

RANGE = "$__range"
GOALS = "sum(increase(hotel_agent_goals_completed_total[{w}]))"
HANDOFFS = "sum(increase(hotel_agent_handoffs_requested_total[{w}]))"


def automation_rate(window: str) -> str:
    goals, handoffs = GOALS.format(w=window), HANDOFFS.format(w=window)
    return f"{goals} / ({goals} + {handoffs})"


CONVERSATIONS = Row(
    "Conversations",
    (
        Panel(
            "Conversations started",
            "Conversations started in the selected range (a guest's first message, or the first after "
            "the conversation's state expired), all channels.",
            "short",
            (PromQuery(f"sum(increase(hotel_agent_conversations_started_total[{RANGE}]))", "started"),),
            kind=Kind.STAT,
            width=6,
        ),
        Panel(
            "Automation rate",
            "Guest requests the bot completed on its own over those plus handoffs to staff, in the "
            "selected range. Alert AutomationRateDrop compares the last 2 hours with the last day.",
            "percentunit",
            (PromQuery(automation_rate(RANGE), "automation rate"),),
            kind=Kind.STAT,
            width=6,
            min_value=0,
            max_value=1,
        ),
        Panel(
            "Handoffs to staff",
            "Conversations handed to staff in the selected range (new open handoffs), all reasons.",
            "short",
            (PromQuery(f"sum(increase(hotel_agent_handoffs_requested_total[{RANGE}]))", "handoffs"),),
            kind=Kind.STAT,
            width=6,
        ),
        Panel(
            "Bookings through the bot",
            "Bookings created through the bot in the selected range.",
            "short",
            (
                PromQuery(
                    f'sum(increase(hotel_agent_bot_bookings_total{{action="created"}}[{RANGE}]))', "created"
                ),
            ),
            kind=Kind.STAT,
            width=6,
        ),
        Panel(
            "Conversations started per hour",
            "Conversations started over the past hour, by channel (api, whatsapp, cli).",
            "short",
            (
                PromQuery(
                    "sum by (channel) (increase(hotel_agent_conversations_started_total[1h]))", "{{channel}}"
                ),
            ),
            stacked=True,
        ),
        Panel(
            "Guest messages by language and channel",
            "Guest messages handled over the past hour, by the detected language and the channel.",
            "short",
            (
                PromQuery(
                    "sum by (language, channel) (increase(hotel_agent_guest_messages_total[1h]))",
                    "{{language}} {{channel}}",
                ),
            ),
            stacked=True,
        ),
        Panel(
            "Automation rate over time",
            "Automation rate over the last 2 hours and over the last day (the recording rules the "
            "AutomationRateDrop alert compares).",
            "percentunit",
            (
                PromQuery("hotel_agent:automation_rate:ratio_rate2h", "last 2 h"),
                PromQuery("hotel_agent:automation_rate:ratio_rate1d", "last day"),
            ),
            min_value=0,
            max_value=1,
        ),
        Panel(
            "Goals completed per hour",
            "Guest requests the bot completed on its own over the past hour, by goal (availability, "
            "booking, status, cancel, modify, info).",
            "short",
            (PromQuery("sum by (goal) (increase(hotel_agent_goals_completed_total[1h]))", "{{goal}}"),),
            stacked=True,
        ),
    ),
)

BOOKINGS = Row(
    "Bookings and handoffs",
    (
        Panel(
            "Bookings by action",
            "Bookings created, modified and cancelled through the bot over the past hour.",
            "short",
            (PromQuery("sum by (action) (increase(hotel_agent_bot_bookings_total[1h]))", "{{action}}"),),
            width=8,
        ),
        Panel(
            "Booking value",
            "Value of the bookings made through the bot in the selected range, in the hotel currency "
            "(the legend names it): created = their total, modified = the new total, cancelled = the "
            "cancelled total.",
            "short",
            (
                PromQuery(
                    f"sum by (action, currency) (increase(hotel_agent_bot_booking_value_total[{RANGE}]))",
                    "{{action}} ({{currency}})",
                ),
            ),
            kind=Kind.STAT,
            width=8,
        ),
        Panel(
            "Handoffs by reason",
            "Conversations handed to staff over the past hour, by reason.",
            "short",
            (
                PromQuery(
                    "sum by (reason) (increase(hotel_agent_handoffs_requested_total[1h]))", "{{reason}}"
                ),
            ),
            width=8,
        ),
        Panel(
            "Handoff wait",
            "From a handoff being opened to staff releasing the conversation back to the bot: median and "
            "90th percentile over the last 6 hours.",
            "s",
            tuple(
                PromQuery(
                    f"histogram_quantile({q}, sum by (le) "
                    "(rate(hotel_agent_handoff_wait_seconds_bucket[6h])))",
                    f"p{int(q * 100)}",
                )
                for q in (0.5, 0.9)
            ),
            width=12,
        ),
        Panel(
            "Intents",
            "Guest messages handled over the past hour, by the intent the NLU chose (`none` when the PMS "
            "was down before the intent mattered).",
            "short",
            (
                PromQuery(
                    "sum by (intent) (increase(hotel_agent_conversation_turns_total[1h]))", "{{intent}}"
                ),
            ),
            width=12,
            stacked=True,
        ),
    ),
)

QUALITY = Row(
    "Understanding and templates",
    (
        Panel(
            "Clarifications and out-of-scope",
            "Share of guest messages answered with a clarifying question (clarify) or an out-of-scope "
            "answer, over the past hour: an NLU-quality signal.",
            "percentunit",
            (
                PromQuery(
                    "sum by (kind) (increase(hotel_agent_nlu_fallbacks_total[1h]))"
                    " / scalar(sum(increase(hotel_agent_conversation_turns_total[1h])))",
                    "{{kind}}",
                ),
            ),
            width=8,
            min_value=0,
        ),
        Panel(
            "Low-confidence intents",
            "Guest messages over the past hour whose best intent scored below the clarification threshold, "
            "by that intent: the intents whose training data needs work.",
            "short",
            (
                PromQuery(
                    "sum by (intent) (increase(hotel_agent_nlu_low_confidence_total[1h]))", "{{intent}}"
                ),
            ),
            width=8,
        ),
        Panel(
            "Template renders and fallbacks",
            "Replies rendered over the past hour (all templates), renders that fell back to another "
            "language (missing translations, alert TemplateMissingTranslations) and renders whose current "
            "text failed (alert TemplateRenderFailures).",
            "short",
            (
                PromQuery("sum(increase(hotel_agent_template_renders_total[1h]))", "rendered"),
                PromQuery(
                    "sum by (language) (increase(hotel_agent_template_missing_total[1h]))",
                    "missing {{language}}",
                ),
                PromQuery(
                    "sum by (outcome) (increase(hotel_agent_template_render_failures_total[1h]))",
                    "failed: {{outcome}}",
                ),
            ),
            width=8,
        ),
        Panel(
            "Most used templates",
            "The ten templates rendered most in the selected range, by key and language used.",
            "short",
            (
                PromQuery(
                    "topk(10, sum by (key, language) "
                    f"(increase(hotel_agent_template_renders_total[{RANGE}])))",
                    "{{key}} {{language}}",
                ),
            ),
            kind=Kind.TABLE,
            width=12,
        ),
        Panel(
            "Missing translations",
            "Templates guests needed in a language they have no text in, in the selected range.",
            "short",
            (
                PromQuery(
                    f"sum by (key, language) (increase(hotel_agent_template_missing_total[{RANGE}])) > 0",
                    "{{key}} {{language}}",
                ),
            ),
            kind=Kind.TABLE,
            width=12,
        ),
    ),
)

CONVERSION = Row(
    "Conversion",
    (
        Panel(
            "Conversion by template version",
            "Per template, language and version: replies sent in the selected range and how many of them "
            "led to a booking (template usage statistics in the app's database). Read-only PostgreSQL "
            "datasource.",
            "short",
            (
                SqlQuery(
                    "SELECT t.key AS template, u.language, v.version, coalesce(v.variant, '') AS variant,\n"
                    "       count(*) AS sent,\n"
                    "       count(*) FILTER (WHERE u.converted) AS converted,\n"
                    "       avg(CASE WHEN u.converted THEN 1.0 ELSE 0.0 END) AS conversion_rate\n"
                    "FROM template_usage_stats u\n"
                    "JOIN template_versions v ON v.id = u.version_id\n"
                    "JOIN templates t ON t.id = v.template_id\n"
                    "WHERE $__timeFilter(u.used_at)\n"
                    "GROUP BY t.key, u.language, v.version, v.variant\n"
                    "ORDER BY sent DESC\n"
                    "LIMIT 50"
                ),
            ),
            kind=Kind.TABLE,
            width=12,
            height=10,
            column_units=(("conversion_rate", "percentunit"),),
        ),
        Panel(
            "Conversion by experiment variant",
            "Per experiment in its current phase and variant: guests exposed in the selected range and how "
            "many converted (a booking within the experiment's goal window), from the experiments tables. "
            "`hotel-agent experiments report KEY` adds intervals and the sample-ratio check.",
            "short",
            (
                SqlQuery(
                    "SELECT e.key AS experiment, x.variant,\n"
                    "       count(*) AS exposed,\n"
                    "       count(o.id) AS converted,\n"
                    "       count(o.id)::float / nullif(count(*), 0) AS conversion_rate\n"
                    "FROM experiment_exposures x\n"
                    "JOIN experiments e ON e.id = x.experiment_id AND x.phase = e.phase\n"
                    "LEFT JOIN ab_test_outcomes o\n"
                    "     ON o.experiment_id = x.experiment_id AND o.phase = x.phase\n"
                    "     AND o.guest_id = x.guest_id AND o.outcome = 'conversion'\n"
                    "WHERE $__timeFilter(x.exposed_at)\n"
                    "GROUP BY e.key, x.variant\n"
                    "ORDER BY e.key, x.variant"
                ),
            ),
            kind=Kind.TABLE,
            width=12,
            height=10,
            column_units=(("conversion_rate", "percentunit"),),
        ),
        Panel(
            "Experiment conversion rate (live)",
            "Conversions over exposures in the selected range per experiment and variant, from the "
            "experiments package's counters. Alert ExperimentSampleRatioMismatch watches the exposures.",
            "percentunit",
            (
                PromQuery(
                    "sum by (experiment, variant) "
                    f"(increase(hotel_agent_experiment_conversions_total[{RANGE}]))"
                    " / sum by (experiment, variant) "
                    f"(increase(hotel_agent_experiment_exposures_total[{RANGE}]))",
                    "{{experiment}} {{variant}}",
                ),
            ),
            kind=Kind.STAT,
            width=12,
        ),
        Panel(
            "Experiment exposures",
            "Guests exposed per hour by experiment and variant: the split should follow the variants' "
            "weights.",
            "short",
            (
                PromQuery(
                    "sum by (experiment, variant) (increase(hotel_agent_experiment_exposures_total[1h]))",
                    "{{experiment}} {{variant}}",
                ),
            ),
            width=12,
        ),
        Panel(
            "Experiment guard-rails",
            "Per experiment and variant over the past hour: cancellations by exposed guests within the "
            "goal window, and first exposures that fell back to control's text because the variant has "
            "none in the guest's language.",
            "short",
            (
                PromQuery(
                    "sum by (experiment, variant) (increase(hotel_agent_experiment_cancellations_total[1h]))",
                    "cancelled {{experiment}} {{variant}}",
                ),
                PromQuery(
                    "sum by (experiment, variant) (increase(hotel_agent_experiment_fallbacks_total[1h]))",
                    "fell back {{experiment}} {{variant}}",
                ),
            ),
            width=24,
        ),
    ),
)

BUSINESS = Dashboard(
    uid="hotel-agent-business",
    title="hotel-agent: business",
    description="Conversations, automation rate, bookings and their value, handoffs, NLU quality, templates, "
    "and conversion by template version and experiment variant.",
    rows=(CONVERSATIONS, BOOKINGS, QUALITY, CONVERSION),
    time_from="now-24h",
)
