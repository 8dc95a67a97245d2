"""NluService: language, intent and entities of one guest message, in one call."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import structlog

from hotel_agent.nlu.artifacts import DEFAULT_MODEL_DIR, NluModels, load_or_train
from hotel_agent.nlu.dataset import DATA_DIR
from hotel_agent.nlu.entities import DEMO_ROOM_TYPES, EntityExtractor
from hotel_agent.nlu.language import LanguageDetector
from hotel_agent.nlu.rules import apply_rules
from hotel_agent.nlu.schemas import ParseResult, RoomTypeVocabulary

log = structlog.get_logger(__name__)

DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "es", "pt")

# One message per language that touches every stage (dates, guests, room types), so the first
# real guest does not pay for lazy imports and dateparser's first-call setup.
_WARM_UP_MESSAGES = {
    "en": "hi, do you have a double room from March 3rd to the 5th for 2 adults? HA-7K3Q9P",
    "es": "hola, tienen habitación doble del 3 al 5 de marzo para 2 adultos y un niño?",
    "pt": "oi, vcs têm quarto de casal pro fim de semana? somos 2, amanhã chegamos",
}


class NluService:
    """Reads guest messages for one hotel: its languages, room types and time zone."""

    def __init__(
        self,
        models: NluModels,
        extractor: EntityExtractor,
        *,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        timezone: str = "Europe/Lisbon",
    ) -> None:
        self.models = models
        self.languages = tuple(languages)
        self.timezone = ZoneInfo(timezone)
        self.language_detector: LanguageDetector = models.language.restricted(self.languages)
        self.extractor = extractor

    @classmethod
    def build(
        cls,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        room_types: Sequence[RoomTypeVocabulary] | None = None,
        timezone: str = "Europe/Lisbon",
        model_dir: Path = DEFAULT_MODEL_DIR,
        *,
        data_dir: Path = DATA_DIR,
    ) -> NluService:
        """Load the cached models (training and saving them when absent) and the extractor."""
        models, path, trained = load_or_train(Path(model_dir), data_dir=data_dir)
        log.info(
            "nlu.models.ready",
            path=str(path),
            trained_now=trained,
            examples=models.training_examples,
        )
        extractor = EntityExtractor(list(room_types) if room_types is not None else DEMO_ROOM_TYPES, timezone)
        return cls(models, extractor, languages=languages, timezone=timezone)

    def warm_up(self) -> None:
        """Run every stage once per language; call at start-up, before taking traffic."""
        self.extractor.warm_up()
        for lang in self.languages:
            self.parse(_WARM_UP_MESSAGES.get(lang, _WARM_UP_MESSAGES["en"]), lang=lang)

    def parse(
        self,
        text: str,
        *,
        now: datetime | None = None,
        lang: str | None = None,
        previous_language: str | None = None,
    ) -> ParseResult:
        """Language, intent (with confidence) and entities of one message.

        `now` anchors relative dates ("tomorrow"); naive values are read in the hotel's time zone.
        `lang` skips detection; `previous_language` is the conversation's language, kept unless
        the message clearly switches.
        """
        language = lang or self.language_detector.detect(text, previous_language)
        entities = self.extractor.extract(text, language, self.local_time(now))
        prediction = apply_rules(text, self.models.intents.predict(text), entities)
        return ParseResult(
            language=language,
            intent=prediction.intent,
            confidence=min(1.0, max(0.0, prediction.confidence)),
            entities=entities,
        )

    def local_time(self, now: datetime | None) -> datetime:
        """`now` as an aware datetime in the hotel's time zone (the current time when None)."""
        if now is None:
            return datetime.now(self.timezone)
        if now.tzinfo is None:
            return now.replace(tzinfo=self.timezone)
        return now.astimezone(self.timezone)
