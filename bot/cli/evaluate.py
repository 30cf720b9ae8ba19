"""`python -m bot evaluate`: how well extraction and classification do on labelled text.

Reads the project's evaluation set (tests/nlu/eval.jsonl) or the shared real-utterances file
(its labels are mapped onto ours), runs every text through `bot.assess` exactly as
`python -m bot assess` does, and prints the figures the README quotes.
"""
from __future__ import annotations

import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.vocabulary import CLIENT_TYPES

# The real-utterances file names body parts more finely or coarsely than our regions.
REAL_BODY_PARTS = {"foot": "ankle_foot", "ankle": "ankle_foot", "heel": "ankle_foot",
                   "toe": "ankle_foot", "wrist": "wrist_hand", "hand": "wrist_hand",
                   "leg": "thigh", "spine": "back", "ribs": "chest"}
BACK_REGIONS = {"back", "upper_back", "lower_back"}


@dataclass
class Example:
    id: str
    text: str
    client_type: str
    conditions: list[dict]
    body_parts: set[str]
    has_statuses: bool = True


@dataclass
class Figures:
    n: int = 0
    type_correct: int = 0
    confusion: Counter = field(default_factory=Counter)
    cond_tp: Counter = field(default_factory=Counter)
    cond_fp: Counter = field(default_factory=Counter)
    cond_fn: Counter = field(default_factory=Counter)
    #: (missed condition, what was found instead in that example or "nothing"): label
    #: conventions and gaps without showing any text
    missed_instead: Counter = field(default_factory=Counter)
    status_total: int = 0
    status_correct: int = 0
    negated_reported_present: int = 0
    region_tp: int = 0
    region_fp: int = 0
    region_fn: int = 0
    errors: list = field(default_factory=list)
    #: (stated confidence, whether the client type was right) per example
    confidence: list = field(default_factory=list)
    seconds: float = 0.0


def load_examples(path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "expected_conditions" in row:  # the shared real-utterances format
            kind = {"out_of_scope": "unclear"}.get(row["expected_type"], row["expected_type"])
            conditions = [{"id": c, "status": "present"} for c in row["expected_conditions"]]
            parts = {REAL_BODY_PARTS.get(p, p) for p in row.get("expected_body_parts", [])}
            examples.append(Example(str(row.get("id", number)), row["text"], kind, conditions,
                                    parts, has_statuses=False))
        else:
            examples.append(Example(row["id"], row["text"], row["expected_type"],
                                    row.get("conditions", []), set(row.get("body_parts", []))))
    return examples


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else (1.0 if not fp and not fn else 0.0)


def score(examples: list[Example], assess_text) -> Figures:
    figures = Figures()
    started = time.perf_counter()
    for example in examples:
        result = assess_text(example.text)
        figures.n += 1
        mistakes = []
        predicted_type = result["client_type"]
        figures.confusion[(example.client_type, predicted_type)] += 1
        figures.confidence.append((float(result.get("confidence") or 0.0),
                                   predicted_type == example.client_type))
        if predicted_type == example.client_type:
            figures.type_correct += 1
        else:
            mistakes.append(f"type {predicted_type} != {example.client_type}")
        predicted = result["conditions"]
        if example.has_statuses:
            expected_ids = {c["id"] for c in example.conditions}
            predicted_ids = {c["id"] for c in predicted}
        else:  # unlabelled statuses: compare what is present
            expected_ids = {c["id"] for c in example.conditions}
            predicted_ids = {c["id"] for c in predicted if c["status"] == "present"}
        for cid in expected_ids & predicted_ids:
            figures.cond_tp[cid] += 1
        for cid in predicted_ids - expected_ids:
            figures.cond_fp[cid] += 1
            mistakes.append(f"extra {cid}")
        for cid in expected_ids - predicted_ids:
            figures.cond_fn[cid] += 1
            mistakes.append(f"missed {cid}")
            for other in sorted(predicted_ids - expected_ids) or ["nothing"]:
                figures.missed_instead[(cid, other)] += 1
        if example.has_statuses:
            predicted_pairs = {(c["id"], c["status"]) for c in predicted}
            expected_present = {c["id"] for c in example.conditions if c["status"] == "present"}
            for cond in example.conditions:
                if cond["id"] in predicted_ids:
                    figures.status_total += 1
                    if (cond["id"], cond["status"]) in predicted_pairs:
                        figures.status_correct += 1
                    else:
                        mistakes.append(f"status of {cond['id']} should be {cond['status']}")
                if cond["status"] == "negated" and cond["id"] not in expected_present \
                        and (cond["id"], "present") in predicted_pairs:
                    figures.negated_reported_present += 1
                    mistakes.append(f"NEGATED {cond['id']} reported present")
        regions = {c["body_part"] for c in predicted if c["status"] == "present" and c["body_part"]}
        expected_regions = set(example.body_parts)
        if not example.has_statuses:  # generic "back" there may be either level here
            regions = {"back" if r in BACK_REGIONS and "back" in expected_regions else r for r in regions}
        figures.region_tp += len(regions & expected_regions)
        figures.region_fp += len(regions - expected_regions)
        figures.region_fn += len(expected_regions - regions)
        if mistakes:
            figures.errors.append((len(mistakes), example.id, example.text, mistakes))
    figures.seconds = time.perf_counter() - started
    return figures


def summary(figures: Figures) -> dict:
    labels = sorted(set(figures.cond_tp) | set(figures.cond_fp) | set(figures.cond_fn))
    per_label = {c: _f1(figures.cond_tp[c], figures.cond_fp[c], figures.cond_fn[c]) for c in labels}
    tp, fp, fn = (sum(x.values()) for x in (figures.cond_tp, figures.cond_fp, figures.cond_fn))
    return {
        "examples": figures.n,
        "client_type_accuracy": round(figures.type_correct / max(figures.n, 1), 4),
        "condition_micro_f1": round(_f1(tp, fp, fn), 4),
        "condition_macro_f1": round(sum(per_label.values()) / max(len(per_label), 1), 4),
        "assertion_accuracy": round(figures.status_correct / figures.status_total, 4)
        if figures.status_total else None,
        "negated_reported_present": figures.negated_reported_present,
        "body_region_f1": round(_f1(figures.region_tp, figures.region_fp, figures.region_fn), 4),
        "utterances_per_second": round(figures.n / figures.seconds, 1) if figures.seconds else None,
        "per_condition_f1": {c: round(v, 3) for c, v in per_label.items()},
        "calibration": calibration(figures.confidence),
    }


#: Confidence buckets, low edge included: is a stated 0.9 right about nine times in ten?
CONFIDENCE_BUCKETS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.01))


def calibration(pairs: list[tuple[float, bool]]) -> list[dict]:
    """Per confidence bucket: how many examples, their mean confidence, their accuracy."""
    rows = []
    for low, high in CONFIDENCE_BUCKETS:
        inside = [(c, ok) for c, ok in pairs if low <= c < high]
        rows.append({"bucket": f"{low:.2f}-{min(high, 1.0):.2f}", "examples": len(inside),
                     "mean_confidence": round(sum(c for c, _ in inside) / len(inside), 3)
                     if inside else None,
                     "accuracy": round(sum(ok for _, ok in inside) / len(inside), 3)
                     if inside else None})
    return rows


def print_report(figures: Figures, out=sys.stdout, examples: bool = True) -> None:
    figs = summary(figures)
    for key in ("examples", "client_type_accuracy", "condition_micro_f1", "condition_macro_f1",
                "assertion_accuracy", "negated_reported_present", "body_region_f1",
                "utterances_per_second"):
        print(f"{key:28} {figs[key]}", file=out)
    print("\nclient_type confusion (rows: expected, columns: predicted)", file=out)
    print(f"{'':12}" + "".join(f"{t:>12}" for t in CLIENT_TYPES), file=out)
    for expected in CLIENT_TYPES:
        row = "".join(f"{figures.confusion[(expected, p)]:>12}" for p in CLIENT_TYPES)
        print(f"{expected:12}{row}", file=out)
    print("\nper condition: tp fp fn f1", file=out)
    for cid, f1 in figs["per_condition_f1"].items():
        print(f"  {cid:16} {figures.cond_tp[cid]:4} {figures.cond_fp[cid]:4} "
              f"{figures.cond_fn[cid]:4}  {f1:.3f}", file=out)
    print("\nmissed conditions and what was found instead (most frequent)", file=out)
    for (missed, instead), count in figures.missed_instead.most_common(15):
        print(f"  {missed:16} -> {instead:16} {count:4}", file=out)
    print("\nconfidence against accuracy (client type)", file=out)
    for row in figs["calibration"]:
        print(f"  {row['bucket']}  n={row['examples']:4}  mean confidence "
              f"{row['mean_confidence'] if row['mean_confidence'] is not None else '-':>5}  "
              f"accuracy {row['accuracy'] if row['accuracy'] is not None else '-'}", file=out)
    if not examples:
        return
    print("\n20 worst errors", file=out)
    for count, eid, text, mistakes in sorted(figures.errors, key=lambda e: -e[0])[:20]:
        print(f"  [{eid}] {text[:110]!r}\n      {'; '.join(mistakes)}", file=out)


def main(args) -> int:
    from bot.assess import assess_parsed
    from bot.rasa_plugins.nlu_model import NluParser

    examples = load_examples(Path(args.data))
    if getattr(args, "no_model", False):  # lexicon and rules only: fast, for tuning lookups
        figures = score(examples, lambda text: assess_parsed(text, {}))
    else:
        parser = NluParser(args.model)
        figures = score(examples, lambda text: assess_parsed(text, parser.parse(text)))
    red_flags = None
    if not getattr(args, "file_given", False):
        from bot.cli import safety_eval

        red_flags = safety_eval.score_all()
    if args.json:
        result = summary(figures)
        if red_flags:
            result["red_flags"] = {f.name: {"recall": f.recall, "by_kind": safety_eval.by_kind(f),
                                            "false_alarm_rate": f.false_alarm_rate}
                                   for f in red_flags}
        print(json.dumps(result, indent=2))
    else:
        print_report(figures, examples=not getattr(args, "figures_only", False))
        if red_flags:
            print("\n" + safety_eval.report(red_flags))
    return 0
