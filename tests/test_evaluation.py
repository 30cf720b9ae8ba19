"""Extraction and classification measured through the trained model (python -m bot evaluate).

The floors are the figures reached when they were last raised; a change that lowers one
fails here. The README quotes the current figures.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.assess import assess_parsed
from bot.cli.evaluate import load_examples, print_report, score, summary
from tests.conftest import ROOT

# Floors a few points under the figures measured on 2026-12-02 (models/intake.tar.gz of that day,
# eval.jsonl after removing its duplicates of the training data): client type 0.973, condition
# micro F1 0.903, assertion 0.963, body-region F1 0.883.
EVAL_FLOORS = {"client_type_accuracy": 0.95, "condition_micro_f1": 0.88,
               "assertion_accuracy": 0.94, "body_region_f1": 0.86}
REAL = ROOT.parent / "shared" / "data" / "real-utterances.jsonl"


def run(nlu_parser, path: Path, examples: bool = True):
    figures = score(load_examples(path), lambda t: assess_parsed(t, nlu_parser.parse(t)))
    print_report(figures, examples=examples)
    return summary(figures)


def test_evaluation_set_meets_its_floors(nlu_parser):
    figures = run(nlu_parser, ROOT / "tests/nlu/eval.jsonl")
    assert figures["examples"] >= 400
    assert figures["negated_reported_present"] == 0
    for name, floor in EVAL_FLOORS.items():
        assert figures[name] >= floor, (name, figures[name])


def test_development_set(nlu_parser):
    figures = run(nlu_parser, ROOT / "tests/nlu/dev.jsonl")
    # measured 2026-12-02 (dev.jsonl after removing its duplicates of the training data): 0.969;
    # 2026-12-07: 0.944 (its labels call a stiff or tight region tension; issue 11 makes it pain)
    assert figures["client_type_accuracy"] >= 0.93
    assert figures["negated_reported_present"] == 0


@pytest.mark.skipif(not REAL.exists(), reason="shared real-utterances file not beside the checkout")
def test_real_utterances_are_measured(nlu_parser):
    """Real people's words, never trained on: measured and reported, with a floor."""
    figures = run(nlu_parser, REAL, examples=False)  # measured, never read: no texts printed
    # measured 2026-12-02: 0.850; 2026-12-07: 0.879, then 0.908, 0.913, 0.927, then 0.942 (issue
    # 11's target: 0.93)
    assert figures["client_type_accuracy"] >= 0.93
    # condition micro F1: 0.719, 0.739, 0.770, 0.775, then 0.805 (target 0.85)
    assert figures["condition_micro_f1"] >= 0.79


@pytest.mark.parametrize(("name", "floor"), [("plain_tune.jsonl", 0.95), ("plain_holdout.jsonl", 0.92)])
def test_plain_lay_words(nlu_parser, name, floor):
    """Lay words for trouble with the body (issue 11), written before the vocabulary work:
    2026-12-07, tune 0.971 (0.929 before), holdout 0.943 (0.900 before)."""
    figures = run(nlu_parser, ROOT / "tests/nlu" / name)
    assert figures["client_type_accuracy"] >= floor


@pytest.mark.parametrize(("name", "type_floor", "f1_floor"), [
    ("prompt_a.jsonl", 0.97, 0.90), ("prompt_c.jsonl", 0.96, 0.83), ("prompt_b.jsonl", 0.93, 0.85)])
def test_crowd_phrases_and_health_questions(nlu_parser, name, type_floor, f1_floor):
    """Crowd-style symptom phrases and health-site questions (issue 11), written before the
    third round of vocabulary work of 2026-12-07 by helpers who saw neither the training data
    nor the lookups. Before -> after that round: prompt_a (tuned) 0.964/0.884 -> 0.995/0.925,
    prompt_c (tuned) 0.925/0.817 -> 0.990/0.860, prompt_b (held out, run only before and
    after) 0.927/0.825 -> 0.950/0.872."""
    figures = run(nlu_parser, ROOT / "tests/nlu" / name, examples=name != "prompt_b.jsonl")
    assert figures["client_type_accuracy"] >= type_floor
    assert figures["condition_micro_f1"] >= f1_floor
    assert figures["negated_reported_present"] == 0

HELD_OUT = {"prompt_e.jsonl", "prompt_h.jsonl", "prompt_j.jsonl", "prompt_m.jsonl"}


@pytest.mark.parametrize(("name", "type_floor", "f1_floor"), [
    ("prompt_d.jsonl", 0.95, 0.87), ("prompt_f.jsonl", 0.97, 0.89), ("prompt_g.jsonl", 0.96, 0.88),
    ("prompt_i.jsonl", 0.93, 0.83), ("prompt_k.jsonl", 0.94, 0.89),
    ("prompt_e.jsonl", 0.93, 0.83), ("prompt_h.jsonl", 0.94, 0.85), ("prompt_j.jsonl", 0.92, 0.84)])
def test_sports_joint_and_muscle_phrases(nlu_parser, name, type_floor, f1_floor):
    """Crowd, spoken, doctor-Q&A and counselling phrases weighted to sports injuries, joints,
    muscles and knees (issue 11), written by helpers who saw neither the training data, the
    lookups nor the real utterances, during the fourth session of 2026-12-07. Session start ->
    end: tuned prompt_d 0.946/0.851 -> 0.975/0.891, prompt_f 0.950/0.847 -> 0.990/0.910,
    prompt_g 0.873/0.815 -> 0.986/0.901, prompt_i 0.920/0.837 -> 0.955/0.855, prompt_k
    0.950/0.881 -> 0.964/0.911; held out (run only before and after) prompt_e 0.929/0.828 ->
    0.950/0.852, prompt_h 0.959/0.856 -> 0.964/0.867, prompt_j 0.940/0.852 -> 0.945/0.858."""
    figures = run(nlu_parser, ROOT / "tests/nlu" / name, examples=name not in HELD_OUT)
    assert figures["client_type_accuracy"] >= type_floor
    assert figures["condition_micro_f1"] >= f1_floor
    if name not in HELD_OUT:  # the held-out sets' few are left as they are, unread
        assert figures["negated_reported_present"] == 0


@pytest.mark.parametrize(("text", "condition"), [
    ("my neck has been weird since monday", "neck_pain"),
    ("my left knee has been funny since the weekend", "knee_pain"),
])
def test_a_region_the_trained_model_reads_as_symptoms_is_medical(nlu_parser, text, condition):
    """No lookup knows "weird" or "funny" of a region: the trained model's reading of the
    message (describe_symptoms) makes the region the complaint (issue 11, item 2)."""
    assessed = assess_parsed(text, nlu_parser.parse(text))
    assert assessed["client_type"] == "medical", assessed["reasons"]
    assert [c["id"] for c in assessed["conditions"]] == [condition]


@pytest.mark.parametrize(("name", "type_floor", "f1_floor"), [
    ("prompt_l.jsonl", 0.95, 0.89), ("prompt_m.jsonl", 0.92, 0.87)])
def test_crowd_phrases_written_for_the_sixth_session(nlu_parser, name, type_floor, f1_floor):
    """200 + 200 crowd phrases to symptom prompts, doctor-Q&A and counselling posts, written by
    a helper who saw neither the training data, the lookups nor the real utterances, at the
    start of the sixth session of 2026-12-07 (after its first change). prompt_l tuned on,
    prompt_m held out (run only then and at the end). Figures in tests/nlu/README.md."""
    figures = run(nlu_parser, ROOT / "tests/nlu" / name, examples=name not in HELD_OUT)
    assert figures["client_type_accuracy"] >= type_floor
    assert figures["condition_micro_f1"] >= f1_floor
