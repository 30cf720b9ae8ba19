"""The safety screen's cost on long messages (issue 7: linear, under 100 ms on 100 KB).

Builds 100 KB messages three ways (intake prose from the evaluation set, dense emergency
vocabulary, one emergency sentence at the very end of ordinary filler) and prints the median
of 7 screens of each, plus 10 KB and 1 KB for the slope. `make bench` runs it first.
"""
from __future__ import annotations

import json
import random
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def messages(size: int) -> dict[str, str]:
    rng = random.Random(7)
    texts = [json.loads(line)["text"] for line in
             (ROOT / "tests/nlu/eval.jsonl").read_text(encoding="utf-8").splitlines() if line]
    prose = []
    while sum(map(len, prose)) < size:
        prose.append(rng.choice(texts))
    words = (ROOT / "tests/safety/emergencies_tune.yml").read_text(encoding="utf-8").split()
    dense = " ".join(rng.choice(words) for _ in range(size // 5))
    filler = "I would like to book a massage for my shoulders next week. " * (size // 60)
    return {"intake prose": " ".join(prose)[:size], "dense emergency words": dense[:size],
            "filler, emergency at the end": filler[:size - 60] + " my face is drooping on one side now"}


def main() -> None:
    from bot.safety import screen

    screen("warm up: loads the rules and the word list")
    for size in (1_000, 10_000, 100_000):
        for name, text in messages(size).items():
            times = []
            for _ in range(7):
                started = time.perf_counter()
                result = screen(text)
                times.append(time.perf_counter() - started)
            print(f"safety screen  {size // 1000:>4} KB  {name:<30} median "
                  f"{1000 * statistics.median(times):7.1f} ms  ({result.outcome})")


if __name__ == "__main__":
    main()
