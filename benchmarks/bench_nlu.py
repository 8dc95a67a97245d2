"""NLU latency and memory: parse ~2,000 varied messages after warm-up.

    uv run python benchmarks/bench_nlu.py [--messages 2000] [--model-dir var/models]

Prints p50/p95/p99 per message for the whole parse and for each stage, and the process RSS
after start-up (imports + model load + warm-up). Targets: p95 ≤ 10 ms, RSS ≤ 400 MB.
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time
from datetime import datetime
from pathlib import Path


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


RSS_AT_START = rss_mb()

from hotel_agent.nlu.artifacts import DEFAULT_MODEL_DIR  # noqa: E402
from hotel_agent.nlu.dataset import load_split  # noqa: E402
from hotel_agent.nlu.service import NluService  # noqa: E402

# Templates × slot values in each language: availability, booking, status, info, small talk.
TEMPLATES = {
    "en": [
        "hi, do you have a {room} for {when}?",
        "how much is the {room} {when}?",
        "I want to book a {room} {when} for {guests}",
        "can I change my booking {ref} to {when}",
        "please cancel reservation {ref}",
        "is breakfast included?",
        "do you allow {pet}?",
        "thanks!! 🙏",
        "ok",
        "yes please",
        "no thanks",
        "bye",
        "can I speak to a human",
        "what's the wifi password",
        "who won the {sport} game",
        "rooms for {guests} {when}?",
        "my email is ana.smith{n}@gmail.com",
        "HA-7K3Q{n}P",
        "goooood morning 😊",
    ],
    "es": [
        "hola, tienen {room} para {when}?",
        "cuanto cuesta la {room} {when}?",
        "quiero reservar una {room} {when} para {guests}",
        "puedo cambiar mi reserva {ref} a {when}",
        "cancelen la reserva {ref} xfa",
        "el desayuno esta incluido?",
        "aceptan {pet}?",
        "graciasss",
        "dale",
        "si",
        "no gracias",
        "chau",
        "quiero hablar con una persona",
        "cual es la clave del wifi",
        "quien gano el partido de {sport}",
        "hay lugar para {guests} {when}?",
        "mi correo es ana.ruiz{n}@hotmail.com",
        "ha7k3q{n}p",
        "holaaa 👋",
    ],
    "pt": [
        "oi, vcs tem {room} pra {when}?",
        "quanto custa o {room} {when}?",
        "quero reservar um {room} {when} pra {guests}",
        "da pra mudar minha reserva {ref} pra {when}",
        "cancela a reserva {ref} pfv",
        "o cafe da manha ta incluso?",
        "aceitam {pet}?",
        "obrigadooo",
        "blz",
        "sim",
        "nao obrigado",
        "tchau",
        "quero falar com atendente",
        "qual a senha do wifi",
        "quem ganhou o jogo de {sport}",
        "tem vaga pra {guests} {when}?",
        "meu email e joao.silva{n}@gmail.com",
        "HA7K3Q{n}P",
        "bom diaaa ☀️",
    ],
}
SLOTS = {
    "en": {
        "room": ["double room", "twin", "family room", "suite", "single"],
        "when": [
            "this weekend",
            "tomorrow",
            "March 3rd to the 5th",
            "3/5",
            "next friday",
            "for 3 nights from the 20th",
            "next week",
        ],
        "guests": ["2 adults and a kid", "my wife and I", "4 people", "just me"],
        "pet": ["dogs", "cats"],
        "sport": ["football", "basketball"],
    },
    "es": {
        "room": ["habitacion doble", "twin", "familiar", "suite junior", "individual"],
        "when": [
            "el finde",
            "mañana",
            "del 3 al 5 de marzo",
            "3/5",
            "el viernes",
            "por 2 noches desde el 20",
            "la semana que viene",
        ],
        "guests": ["2 adultos y un niño", "mi esposa y yo", "4 personas", "solo yo"],
        "pet": ["perros", "gatos"],
        "sport": ["futbol", "basquet"],
    },
    "pt": {
        "room": ["quarto de casal", "quarto twin", "quarto familia", "suite", "individual"],
        "when": [
            "o fim de semana",
            "amanha",
            "de 3 a 5 de marco",
            "3/5",
            "sexta",
            "por 3 noites a partir do dia 20",
            "semana que vem",
        ],
        "guests": ["2 adultos e uma crianca", "eu e minha esposa", "4 pessoas", "so eu"],
        "pet": ["cachorro", "gato"],
        "sport": ["futebol", "volei"],
    },
}


def messages(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """Deterministic mix of generated messages and the dev set's lines (when present)."""
    rng = random.Random(seed)
    generated: list[tuple[str, str]] = []
    for lang, templates in TEMPLATES.items():
        for template, n in itertools.product(templates, range(40)):
            slots = {key: rng.choice(values) for key, values in SLOTS[lang].items()}
            text = template.format(**slots, ref=f"HA-{rng.choice('23456789')}K3Q9P", n=n % 10)
            generated.append((lang, text))
    dev = [(e.lang, e.text) for e in load_split("dev", ("en", "es", "pt"))]
    pool = sorted(set(generated)) + dev
    rng.shuffle(pool)
    return pool[:count]


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return f"p50 {at(0.50):6.2f}  p95 {at(0.95):6.2f}  p99 {at(0.99):6.2f}  max {at(1.0):6.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    args = parser.parse_args()

    started = time.perf_counter()
    rss_imported = rss_mb()
    service = NluService.build(model_dir=args.model_dir)
    built = time.perf_counter()
    service.warm_up()
    warmed = time.perf_counter()
    rss_loaded = rss_mb()

    sample = messages(args.messages)
    now = datetime(2027, 1, 10, 12, 0)
    whole: list[float] = []
    for _, text in sample:
        begin = time.perf_counter()
        service.parse(text, now=now)
        whole.append(time.perf_counter() - begin)

    # The stages on their own, to see where the time goes.
    local_now = service.local_time(now)
    stages: dict[str, list[float]] = {"language": [], "intent": [], "entities": []}
    extractor = service.extractor
    for lang, text in sample:
        begin = time.perf_counter()
        service.language_detector.detect(text)
        stages["language"].append(time.perf_counter() - begin)
        begin = time.perf_counter()
        service.models.intents.predict(text)
        stages["intent"].append(time.perf_counter() - begin)
        begin = time.perf_counter()
        extractor.extract(text, lang, local_now)
        stages["entities"].append(time.perf_counter() - begin)

    print(f"messages: {len(sample)} (generated + dev lines), {len(set(sample))} distinct")
    print(f"start-up: model load {built - started:.2f} s, warm-up {warmed - built:.2f} s")
    print(f"parse       {percentiles(whole)}  ({len(whole) / sum(whole):,.0f} msg/s)")
    for name, samples in stages.items():
        print(f"  {name:<10}{percentiles(samples)}")
    print(
        f"RSS: {RSS_AT_START:.0f} MB at start, {rss_imported:.0f} MB after imports, "
        f"{rss_loaded:.0f} MB after load + warm-up"
    )
    p95 = sorted(whole)[int(0.95 * len(whole))] * 1000
    verdict = "OK" if p95 <= 10 and rss_loaded <= 400 else "OVER TARGET"
    print(f"targets p95 ≤ 10 ms, RSS ≤ 400 MB: {verdict} (mean {statistics.mean(whole) * 1000:.2f} ms)")


if __name__ == "__main__":
    main()
