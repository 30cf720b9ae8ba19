"""Compares the project's assertion step with medspaCy's ConText on the same rules and targets.

Issue: use medspaCy's ConText, or an equivalent if it measures better. This runs both on the
condition mentions extraction finds in tests/nlu/eval.jsonl and dev.jsonl, with the same cue
rules (data/lookups/assertion.yml), and prints accuracy against the labels and the time per
utterance.  Usage: .venv/bin/python bench/compare_assertion.py
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import spacy
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import assertion  # noqa: E402
from bot.extraction import extract  # noqa: E402

STATUS = {"is_negated": "negated", "is_historical": "historical", "is_family": "family",
          "is_hypothetical": "hypothetical"}


def medspacy_pipeline():
    from medspacy.context import ConTextRule

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    context = nlp.add_pipe("medspacy_context", config={"rules": None})
    rules = yaml.safe_load((ROOT / "data/lookups/assertion.yml").read_text())["rules"]
    context.add([ConTextRule(
        str(r["literal"]), r["category"].upper(), direction=r.get("direction", "FORWARD").upper(),
        max_scope=r.get("max_scope"),
        excluded_types=set(r.get("except_conditions") or []) or None) for r in rules])
    return nlp


def medspacy_statuses(nlp, text: str, conditions) -> list[str]:
    doc = nlp.make_doc(text)
    spans, kept = [], []
    for cond in conditions:
        span = doc.char_span(cond.start, cond.end, label=cond.id, alignment_mode="expand")
        if span is not None and not any(s.start < span.end and span.start < s.end for s in spans):
            spans.append(span)
            kept.append(cond)
    doc.ents = spans
    for _, component in nlp.pipeline:
        doc = component(doc)
    statuses = {}
    for span, cond in zip(doc.ents, kept):
        statuses[id(cond)] = next((v for k, v in STATUS.items() if getattr(span._, k)), "present")
    return [statuses.get(id(c), "present") for c in conditions]


def main() -> int:
    nlp = medspacy_pipeline()
    rules = assertion.load_rules()
    for name in ("tests/nlu/eval.jsonl", "tests/nlu/dev.jsonl"):
        rows = [json.loads(line) for line in (ROOT / name).read_text().splitlines() if line.strip()]
        correct = {"project": 0, "medspacy": 0}
        total, times = 0, {"project": [], "medspacy": []}
        for row in rows:
            conditions = extract(row["text"]).conditions
            started = time.perf_counter()
            ours = [assertion.assert_status(row["text"], c.start, c.end, rules, None, c.id)
                    for c in conditions]
            times["project"].append(time.perf_counter() - started)
            started = time.perf_counter()
            theirs = medspacy_statuses(nlp, row["text"], conditions)
            times["medspacy"].append(time.perf_counter() - started)
            gold = {(c["id"], c["status"]) for c in row.get("conditions", [])}
            gold_ids = {c["id"] for c in row.get("conditions", [])}
            for cond, a, b in zip(conditions, ours, theirs):
                if cond.id not in gold_ids:
                    continue
                total += 1
                correct["project"] += (cond.id, a) in gold
                correct["medspacy"] += (cond.id, b) in gold
        print(f"{name}: {total} condition mentions")
        for who in ("project", "medspacy"):
            print(f"  {who:9} accuracy {correct[who] / total:.3f}   median "
                  f"{statistics.median(times[who]) * 1000:.2f} ms per utterance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
