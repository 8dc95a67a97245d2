"""Scoring NluService against labelled examples: what `hotel-agent nlu eval` prints."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from hotel_agent.nlu.dataset import Example
from hotel_agent.nlu.schemas import INTENTS
from hotel_agent.nlu.service import NluService

DATE_KEYS = ("checkin", "checkout", "nights")
ENTITY_KEYS = (
    "checkin",
    "checkout",
    "nights",
    "adults",
    "children",
    "room_type",
    "booking_ref",
    "name",
    "email",
    "phone",
)
EXAMPLES_PER_CONFUSION = 3


@dataclass(frozen=True)
class Outcome:
    """One example with what the service made of it."""

    example: Example
    language: str
    intent: str
    confidence: float
    entities: dict[str, Any]


@dataclass
class Score:
    lines: int
    correct: int
    accuracy: float
    macro_f1: float
    language_accuracy: float


@dataclass
class IntentScore:
    support: int
    precision: float
    recall: float
    f1: float
    recall_by_language: dict[str, float]


@dataclass
class Confusion:
    gold: str
    predicted: str
    count: int
    examples: list[str]


@dataclass
class EntityScore:
    lines: int
    exact: int
    spurious: int  # predicted on lines whose gold does not have the key

    @property
    def rate(self) -> float:
        return self.exact / self.lines if self.lines else 0.0


@dataclass
class Report:
    overall: Score
    languages: dict[str, Score]
    intents: dict[str, IntentScore]
    confusions: list[Confusion]
    entities: dict[str, EntityScore]
    dates_exact: EntityScore
    mean_confidence_correct: float
    mean_confidence_wrong: float
    outcomes: list[Outcome] = field(default_factory=list, repr=False)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("outcomes")
        for key, score in self.entities.items():
            data["entities"][key]["rate"] = round(score.rate, 4)
        data["dates_exact"]["rate"] = round(self.dates_exact.rate, 4)
        return data


def run(service: NluService, examples: Sequence[Example], now: datetime) -> list[Outcome]:
    """Parse every example as a first message (no language given, no conversation context)."""
    outcomes = []
    for example in examples:
        result = service.parse(example.text, now=now)
        outcomes.append(
            Outcome(
                example=example,
                language=result.language,
                intent=result.intent,
                confidence=result.confidence,
                entities=result.entities.present(),
            )
        )
    return outcomes


def score(outcomes: Sequence[Outcome]) -> Report:
    """Accuracy and macro-F1 per language, per-intent F1, top confusions, entity exact-match."""
    by_language: defaultdict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_language[outcome.example.lang].append(outcome)
    correct = [o.confidence for o in outcomes if o.intent == o.example.intent]
    wrong = [o.confidence for o in outcomes if o.intent != o.example.intent]
    return Report(
        overall=_score(outcomes),
        languages={lang: _score(group) for lang, group in sorted(by_language.items())},
        intents=_intent_scores(outcomes, by_language),
        confusions=_confusions(outcomes),
        entities={key: _entity_score(outcomes, (key,)) for key in ENTITY_KEYS},
        dates_exact=_entity_score(outcomes, DATE_KEYS),
        mean_confidence_correct=sum(correct) / len(correct) if correct else 0.0,
        mean_confidence_wrong=sum(wrong) / len(wrong) if wrong else 0.0,
        outcomes=list(outcomes),
    )


def _score(outcomes: Sequence[Outcome]) -> Score:
    gold = [o.example.intent for o in outcomes]
    predicted = [o.intent for o in outcomes]
    if not outcomes:
        return Score(0, 0, 0.0, 0.0, 0.0)
    return Score(
        lines=len(outcomes),
        correct=sum(g == p for g, p in zip(gold, predicted, strict=True)),
        accuracy=float(accuracy_score(gold, predicted)),
        macro_f1=float(f1_score(gold, predicted, average="macro", zero_division=0)),
        language_accuracy=sum(o.language == o.example.lang for o in outcomes) / len(outcomes),
    )


def _intent_scores(
    outcomes: Sequence[Outcome], by_language: dict[str, list[Outcome]]
) -> dict[str, IntentScore]:
    gold = [o.example.intent for o in outcomes]
    predicted = [o.intent for o in outcomes]
    labels = [intent for intent in INTENTS if intent in gold or intent in predicted]
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0
    )
    scores: dict[str, IntentScore] = {}
    for index, intent in enumerate(labels):
        recall_by_language = {}
        for lang, group in sorted(by_language.items()):
            of_intent = [o for o in group if o.example.intent == intent]
            if of_intent:
                hits = sum(o.intent == intent for o in of_intent)
                recall_by_language[lang] = hits / len(of_intent)
        scores[intent] = IntentScore(
            support=int(support[index]),
            precision=float(precision[index]),
            recall=float(recall[index]),
            f1=float(f1[index]),
            recall_by_language=recall_by_language,
        )
    return scores


def _confusions(outcomes: Sequence[Outcome], top: int = 10) -> list[Confusion]:
    pairs: Counter[tuple[str, str]] = Counter()
    samples: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for outcome in outcomes:
        if outcome.intent == outcome.example.intent:
            continue
        pair = (outcome.example.intent, outcome.intent)
        pairs[pair] += 1
        if len(samples[pair]) < EXAMPLES_PER_CONFUSION:
            samples[pair].append(f"[{outcome.example.lang}] {outcome.example.text}")
    ranked = sorted(pairs.items(), key=lambda item: (-item[1], item[0]))[:top]
    return [
        Confusion(gold, predicted, count, samples[(gold, predicted)]) for (gold, predicted), count in ranked
    ]


def _entity_score(outcomes: Sequence[Outcome], keys: Sequence[str]) -> EntityScore:
    """Exact match of `keys` (all of them together) over lines whose gold has any of them."""
    lines = exact = spurious = 0
    for outcome in outcomes:
        gold = outcome.example.entities
        if any(key in gold for key in keys):
            lines += 1
            exact += all(gold.get(key) == outcome.entities.get(key) for key in keys)
        elif any(key in outcome.entities for key in keys):
            spurious += 1
    return EntityScore(lines=lines, exact=exact, spurious=spurious)


def format_report(report: Report) -> str:
    """The human-readable report."""
    lines = [
        "Intent accuracy and macro-F1 per language",
        _row("lang", "lines", "correct", "acc", "macro-F1", "lang-id"),
    ]
    for lang, result in [*report.languages.items(), ("all", report.overall)]:
        lines.append(
            _row(
                lang,
                result.lines,
                result.correct,
                _pct(result.accuracy),
                _pct(result.macro_f1),
                _pct(result.language_accuracy),
            )
        )
    languages = list(report.languages)
    lines += [
        "",
        "Per intent (recall per language)",
        _row("intent", "n", "P", "R", "F1", *languages, width=8),
    ]
    for intent, intent_score in report.intents.items():
        recalls = intent_score.recall_by_language
        per_language = [_pct(recalls[lang]) if lang in recalls else "-" for lang in languages]
        scores = (_pct(intent_score.precision), _pct(intent_score.recall), _pct(intent_score.f1))
        lines.append(_row(intent, intent_score.support, *scores, *per_language, width=8))
    lines += [
        "",
        f"Mean confidence: correct {report.mean_confidence_correct:.3f}, "
        f"wrong {report.mean_confidence_wrong:.3f}",
        "",
        "Top confusions (gold → predicted)",
    ]
    if not report.confusions:
        lines.append("  none")
    for confusion in report.confusions:
        lines.append(f"  {confusion.gold} → {confusion.predicted}: {confusion.count}")
        lines.extend(f"      {sample}" for sample in confusion.examples)
    lines += [
        "",
        "Entities: exact match over lines whose gold has the key",
        _row("key", "lines", "exact", "rate", "spurious"),
    ]
    for key, entity in [*report.entities.items(), ("dates exact", report.dates_exact)]:
        if entity.lines or entity.spurious:
            lines.append(_row(key, entity.lines, entity.exact, _pct(entity.rate), entity.spurious))
    return "\n".join(lines)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _row(first: object, *cells: object, width: int = 10) -> str:
    return f"  {first!s:<20}" + "".join(f"{cell!s:>{width}}" for cell in cells)
