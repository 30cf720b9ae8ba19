"""Red-flag figures on the emergency sets (tests/safety/emergencies_*.yml).

A positive is caught when the screen's outcome is urgent (or the outcome the item names,
such as clearance_needed for a clot already under treatment); an unclear item should get the
"is this happening now?" question (or the emergency answer); a negative must not be urgent.
Used by `python -m bot evaluate` and tests/test_safety_recall.py.
"""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

from bot.config import PROJECT_ROOT as ROOT
from bot.safety import OUTCOMES, SafetyResult, screen

SETS = {"tune": ROOT / "tests/safety/emergencies_tune.yml",
        "holdout": ROOT / "tests/safety/emergencies_holdout.yml",
        "fresh": ROOT / "tests/safety/emergencies_fresh.yml",
        # someone else's emergency, collapse and seizures (written after a client-style test)
        "others_tune": ROOT / "tests/safety/others_tune.yml",
        "others_holdout": ROOT / "tests/safety/others_holdout.yml"}


@dataclass
class RedFlagFigures:
    name: str
    caught: Counter = field(default_factory=Counter)
    total: Counter = field(default_factory=Counter)
    misses: list[tuple[str, str]] = field(default_factory=list)
    unclear_asked: int = 0
    unclear_urgent: int = 0
    unclear_total: int = 0
    unclear_misses: list[str] = field(default_factory=list)
    negatives_total: int = 0
    false_alarms: list[str] = field(default_factory=list)
    negatives_asked: list[str] = field(default_factory=list)
    median_ms: float = 0.0

    @property
    def recall(self) -> float:
        return sum(self.caught.values()) / max(sum(self.total.values()), 1)

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / max(self.negatives_total, 1)


def _caught(result: SafetyResult, wanted: str) -> bool:
    return OUTCOMES.index(result.outcome) >= OUTCOMES.index(wanted)


def score_set(name: str, path: Path,
              screen_text: Callable[[str], SafetyResult] = screen) -> RedFlagFigures:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    figures = RedFlagFigures(name)
    times = []
    for case in data.get("positives") or []:
        started = time.perf_counter()
        result = screen_text(case["text"])
        times.append(time.perf_counter() - started)
        figures.total[case["kind"]] += 1
        if _caught(result, case.get("outcome", "urgent")):
            figures.caught[case["kind"]] += 1
        else:
            figures.misses.append((case["kind"], case["text"]))
    for case in data.get("unclear") or []:
        result = screen_text(case["text"])
        figures.unclear_total += 1
        if result.outcome == "urgent":
            figures.unclear_urgent += 1
        elif result.checks:
            figures.unclear_asked += 1
        else:
            figures.unclear_misses.append(case["text"])
    for case in data.get("negatives") or []:
        result = screen_text(case["text"])
        figures.negatives_total += 1
        if result.outcome == "urgent":
            figures.false_alarms.append(case["text"])
        elif result.checks:
            figures.negatives_asked.append(case["text"])
    times.sort()
    figures.median_ms = 1000 * times[len(times) // 2] if times else 0.0
    return figures


def score_all(screen_text: Callable[[str], SafetyResult] = screen) -> list[RedFlagFigures]:
    return [score_set(name, path, screen_text) for name, path in SETS.items()]


def report(figures: list[RedFlagFigures], verbose: bool = False) -> str:
    kinds = sorted({k for f in figures for k in f.total})
    lines = ["red-flag recall per kind (" + " | ".join(f.name for f in figures) + ")"]
    for kind in kinds:
        cells = [f"{f.caught[kind]}/{f.total[kind]}" for f in figures]
        lines.append(f"  {kind:<24}" + "  ".join(f"{c:>7}" for c in cells))
    for f in figures:
        lines.append(
            f"{f.name}: recall {f.recall:.3f} ({sum(f.caught.values())}/{sum(f.total.values())}); "
            f"unclear asked {f.unclear_asked}, urgent {f.unclear_urgent}, missed "
            f"{len(f.unclear_misses)} of {f.unclear_total}; negatives urgent "
            f"{len(f.false_alarms)}/{f.negatives_total} ({f.false_alarm_rate:.1%}), asked "
            f"{len(f.negatives_asked)}; median {f.median_ms:.2f} ms per message")
        if verbose:
            lines += [f"    MISS {kind}: {text}" for kind, text in f.misses]
            lines += [f"    UNCLEAR NOT ASKED: {text}" for text in f.unclear_misses]
            lines += [f"    FALSE ALARM: {text}" for text in f.false_alarms]
            lines += [f"    ASKED: {text}" for text in f.negatives_asked]
    return "\n".join(lines)


def by_kind(figures: RedFlagFigures) -> dict[str, float]:
    return {kind: figures.caught[kind] / figures.total[kind] for kind in figures.total}


if __name__ == "__main__":  # python -m bot.cli.safety_eval [tune|holdout] : the tuning loop
    import sys

    names = sys.argv[1:] or ["tune"]
    print(report([score_set(n, SETS[n]) for n in names], verbose=True))
