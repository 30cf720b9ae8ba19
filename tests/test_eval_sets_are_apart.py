"""The evaluation sets stay apart from the training data, the lookups and each other.

A figure measured on sentences the model was trained on (or the lookups list word for word)
says how well it remembers, not how well it understands. This checks every example of
`tests/nlu/test_nlu.yml`, `tests/nlu/eval.jsonl` and `tests/nlu/dev.jsonl` against

- every training example in `data/nlu/*.yml` (entity annotations stripped to plain text),
- every lookup phrase in `data/lookups/*.yml`,
- and eval.jsonl against dev.jsonl (the tuning set) and test_nlu.yml.

Texts are compared normalised: lowercase, punctuation dropped, whitespace collapsed
("Hi, my NECK hurts!!" -> "hi my neck hurts"). Two texts are near duplicates when

- they are equal, or
- rapidfuzz `fuzz.ratio` >= 90 (a typo or two, a word's ending: "therapeutic please" ~
  "therapeutic pls"), or
- `fuzz.token_sort_ratio` >= 95 (the same words in another order), or
- one's words are all among the other's (`token_set_ratio` == 100) and the shorter is at
  least 80% the length of the longer ("the lymphatic drainage one" ~ "the lymphatic drainage"),
  or
- one word added or dropped, the longer having 3 words or more ("end the chat" ~ "end
  chat", "ok bye for now" ~ "bye for now"), or
- one word swapped in a sentence of 5 words or more ("i was referred by my gp" ~ "i was
  referred by my osteopath": the same frame; in shorter ones the swapped word is most of the
  sentence, "are you automated" vs "are you human" is a fair test), or
- the shorter (3 words or more) appears whole in the longer, which adds at most 2 words
  ("can you tell me a joke" ~ "tell me a joke"). A long message that carries a training
  sentence among other content ("my brother has sciatica, anyway what time do you close on
  fridays") stays: recognising it inside a longer message is a fair test.

A lookup phrase counts only when the whole example is that phrase: lookups are words inside
sentences, so a sentence containing one is fine, but an example that is just "sciatica" or
"no insurance" tests the lookup file, not the model.

Run `python tests/test_eval_sets_are_apart.py` to list the offending pairs.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = ROOT / "tests" / "nlu"

RATIO = 90
TOKEN_SORT = 95
SUBSET_LENGTH = 0.8

# [text](entity), [text]{"entity": ...}, and the Rasa 2 [text](entity:value) form
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
_PUNCT = re.compile(r"[^\w\s]|_")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    text = _PUNCT.sub(" ", str(text).lower())
    return _SPACE.sub(" ", text).strip()


def strip_annotations(text: str) -> str:
    return _ANNOTATION.sub(r"\1", text)


def _examples_block(block: str) -> list[str]:
    texts = []
    for line in (block or "").splitlines():
        line = line.strip()
        if line.startswith("- "):
            texts.append(strip_annotations(line[2:].strip()))
    return texts


def rasa_examples(path: Path) -> list[tuple[str, str]]:
    """(label, plain text) of every intent, synonym and lookup example of a Rasa NLU file."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for item in doc.get("nlu") or []:
        if "regex" in item:
            continue
        label = next((f"{kind}:{item[kind]}" for kind in ("intent", "synonym", "lookup")
                      if kind in item), "?")
        found.extend((label, text) for text in _examples_block(item.get("examples", "")))
    return found


def training_examples() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        found.extend((f"{path.relative_to(ROOT)} {label}", text)
                     for label, text in rasa_examples(path))
    return found


def _lookup_strings(node, into: list[str]) -> None:
    """Phrases of a lookup file: list items, `literal` cues, and keys scored by a number."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "literal" and isinstance(value, str):
                into.append(value)
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                into.append(str(key))
            else:
                _lookup_strings(value, into)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, str):
                into.append(value)
            else:
                _lookup_strings(value, into)


def lookup_phrases() -> list[tuple[str, str]]:
    found = []
    for path in sorted((ROOT / "data" / "lookups").glob("*.yml")):
        phrases: list[str] = []
        _lookup_strings(yaml.safe_load(path.read_text(encoding="utf-8")), phrases)
        found.extend((str(path.relative_to(ROOT)), phrase) for phrase in phrases)
    return found


def jsonl_examples(path: Path) -> list[tuple[str, str]]:
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            found.append((f"{path.name} {record.get('id', '?')}", record["text"]))
    return found


def evaluation_sets() -> dict[str, list[tuple[str, str]]]:
    return {
        "test_nlu.yml": [(f"test_nlu.yml {label}", text)
                         for label, text in rasa_examples(EVAL_DIR / "test_nlu.yml")],
        "eval.jsonl": jsonl_examples(EVAL_DIR / "eval.jsonl"),
        "dev.jsonl": jsonl_examples(EVAL_DIR / "dev.jsonl"),
        # forum-style posts (2026-12-07): forum_a tuned on, forum_b held out
        "forum_a.jsonl": jsonl_examples(EVAL_DIR / "forum_a.jsonl"),
        "forum_b.jsonl": jsonl_examples(EVAL_DIR / "forum_b.jsonl"),
        # crowd-style symptom phrases and health questions (2026-12-07, third session):
        # prompt_a and prompt_c tuned on, prompt_b held out
        "prompt_a.jsonl": jsonl_examples(EVAL_DIR / "prompt_a.jsonl"),
        "prompt_b.jsonl": jsonl_examples(EVAL_DIR / "prompt_b.jsonl"),
        "prompt_c.jsonl": jsonl_examples(EVAL_DIR / "prompt_c.jsonl"),
        # crowd-style and health-site phrases weighted to sports, joints, muscles and knees
        # (2026-12-07, fourth session): prompt_d and prompt_f tuned on, prompt_e held out
        "prompt_d.jsonl": jsonl_examples(EVAL_DIR / "prompt_d.jsonl"),
        "prompt_e.jsonl": jsonl_examples(EVAL_DIR / "prompt_e.jsonl"),
        "prompt_f.jsonl": jsonl_examples(EVAL_DIR / "prompt_f.jsonl"),
        # described-not-named phrases and doctor-Q&A / counselling posts (same session):
        # prompt_g and prompt_i tuned on, prompt_h and prompt_j held out
        "prompt_g.jsonl": jsonl_examples(EVAL_DIR / "prompt_g.jsonl"),
        "prompt_h.jsonl": jsonl_examples(EVAL_DIR / "prompt_h.jsonl"),
        "prompt_i.jsonl": jsonl_examples(EVAL_DIR / "prompt_i.jsonl"),
        "prompt_j.jsonl": jsonl_examples(EVAL_DIR / "prompt_j.jsonl"),
        # crowd-style phrases to symptom prompts, doctor-Q&A and counselling posts (2026-12-07,
        # sixth session): prompt_l tuned on, prompt_m held out
        "prompt_l.jsonl": jsonl_examples(EVAL_DIR / "prompt_l.jsonl"),
        "prompt_m.jsonl": jsonl_examples(EVAL_DIR / "prompt_m.jsonl"),
    }


def _words(texts: list[str], vocabulary: dict[str, str]) -> list[str]:
    """Each word as one character, so that character distances count words."""
    return ["".join(vocabulary.setdefault(w, chr(0x4E00 + len(vocabulary))) for w in t.split())
            for t in texts]


def _near(a: str, b: str, wa: str, wb: str, ratio: float, sort: float, words: int) -> bool:
    """a, b normalised; wa, wb their words as characters; the three scores precomputed."""
    if a == b or ratio >= RATIO or sort >= TOKEN_SORT:
        return True
    if not a or not b:
        return False
    (short, long_), (wshort, wlong) = sorted((a, b), key=len), sorted((wa, wb), key=len)
    if len(short) / len(long_) >= SUBSET_LENGTH and fuzz.token_set_ratio(a, b) == 100:
        return True
    if words <= 1 and len(wlong) >= (3 if len(wshort) < len(wlong) else 5):
        return True
    return len(wshort) >= 3 and len(wlong) - len(wshort) <= 2 and wshort in wlong


def near_duplicate(a: str, b: str) -> bool:
    """True when two texts are near duplicates (see the module's docstring)."""
    a, b = normalise(a), normalise(b)
    wa, wb = _words([a, b], {})
    return _near(a, b, wa, wb, fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b),
                 Levenshtein.distance(wa, wb))


def duplicates(examples, references, exact_only: bool = False, within: bool = False):
    """(example where, example text, reference where, reference text) for each clash.

    within: examples and references are the same list; an example is compared with the
    ones before it only."""
    if not examples or not references:
        return []
    norms = [normalise(text) for _, text in examples]
    ref_norms = [normalise(text) for _, text in references]
    if exact_only:
        exact = {}
        for i, norm in enumerate(ref_norms):
            exact.setdefault(norm, i)
        return [(*examples[i], *references[exact[n]]) for i, n in enumerate(norms) if n in exact]
    vocabulary: dict[str, str] = {}
    words, ref_words = _words(norms, vocabulary), _words(ref_norms, vocabulary)
    ratio = process.cdist(norms, ref_norms, scorer=fuzz.ratio)
    sort = process.cdist(norms, ref_norms, scorer=fuzz.token_sort_ratio)
    distance = process.cdist(words, ref_words, scorer=Levenshtein.distance)
    counts = np.array([len(w) for w in words])[:, None]
    ref_counts = np.array([len(w) for w in ref_words])[None, :]
    # every rule needs the word counts within 2 of each other, or a ratio that high
    candidates = (np.abs(counts - ref_counts) <= 2) | (ratio >= RATIO) | (sort >= TOKEN_SORT)
    if within:
        candidates &= np.tri(len(norms), len(ref_norms), -1, dtype=bool)
    clashes = []
    for i, norm in enumerate(norms):
        for j in np.flatnonzero(candidates[i]):
            if _near(norm, ref_norms[j], words[i], ref_words[j], ratio[i, j], sort[i, j],
                     distance[i, j]):
                clashes.append((*examples[i], *references[j]))
                break
    return clashes


def all_clashes() -> dict[str, list[tuple[str, str, str, str]]]:
    sets = evaluation_sets()
    training = training_examples()
    lookups = lookup_phrases()
    found: dict[str, list] = {}
    for name, examples in sets.items():
        found[f"{name} vs data/nlu"] = duplicates(examples, training)
        found[f"{name} vs data/lookups"] = duplicates(examples, lookups, exact_only=True)
    found["eval.jsonl vs dev.jsonl"] = duplicates(sets["eval.jsonl"], sets["dev.jsonl"])
    found["test_nlu.yml vs eval.jsonl"] = duplicates(sets["test_nlu.yml"], sets["eval.jsonl"])
    found["test_nlu.yml vs dev.jsonl"] = duplicates(sets["test_nlu.yml"], sets["dev.jsonl"])
    found["forum_a.jsonl vs forum_b.jsonl"] = duplicates(sets["forum_a.jsonl"], sets["forum_b.jsonl"])
    found["prompt_a.jsonl vs prompt_b.jsonl"] = duplicates(sets["prompt_a.jsonl"], sets["prompt_b.jsonl"])
    found["prompt_c.jsonl vs prompt_b.jsonl"] = duplicates(sets["prompt_c.jsonl"], sets["prompt_b.jsonl"])
    tuned_sets = ("prompt_d.jsonl", "prompt_f.jsonl", "prompt_g.jsonl", "prompt_i.jsonl")
    for tuned in tuned_sets:
        for held_out in ("prompt_e.jsonl", "prompt_h.jsonl", "prompt_j.jsonl"):
            found[f"{tuned} vs {held_out}"] = duplicates(sets[tuned], sets[held_out])
    for name, examples in sets.items():  # the same sentence twice in one set
        found[f"{name} within itself"] = duplicates(examples, examples, within=True)
    return found


def report(found) -> str:
    lines = []
    for name, clashes in found.items():
        for where, text, ref_where, ref_text in clashes:
            lines.append(f"{name}: {where}: {text!r}\n    ~ {ref_where}: {ref_text!r}")
    return "\n".join(lines)


def test_checker_finds_what_it_should():
    assert normalise("  Hi, my NECK hurts!! ") == "hi my neck hurts"
    assert strip_annotations('[lower back pain]{"entity": "condition", "value": "back_pain"} '
                             "in my [left](side) leg") == "lower back pain in my left leg"
    assert near_duplicate(normalise("my neck hurts so bad"), normalise("my neck hurts soo bad!"))
    assert near_duplicate("neck pain and back pain", "back pain and neck pain")
    assert not near_duplicate("my neck hurts", "my neck hurts when i look down at my phone")
    assert near_duplicate("ok, bye for now", "bye for now")
    assert near_duplicate("i was referred by my GP", "i was referred by my osteopath")
    assert not near_duplicate("are you automated", "are you human")
    assert near_duplicate("can you tell me a joke", "tell me a joke")
    assert not near_duplicate("my brother has sciatica, anyway what time do you close on fridays",
                              "what time do you close")
    assert duplicates([("x", "Sciatica.")], [("lookup", "sciatica")], exact_only=True)
    assert not duplicates([("x", "sciatica again")], [("lookup", "sciatica")], exact_only=True)
    assert len(training_examples()) > 1000 and len(lookup_phrases()) > 500


def test_evaluation_sets_share_nothing_with_training_data_lookups_or_each_other():
    found = all_clashes()
    text = report(found)
    if text:
        print(text)
    assert not text, f"{sum(map(len, found.values()))} duplicates:\n{text}"


def test_evaluation_sets_stay_large_enough():
    sets = evaluation_sets()
    assert len(sets["eval.jsonl"]) >= 400
    assert len(sets["dev.jsonl"]) >= 280
    assert len(sets["test_nlu.yml"]) >= 250


if __name__ == "__main__":
    clashes = all_clashes()
    for name, items in clashes.items():
        print(f"{name}: {len(items)}")
    print(report(clashes))
    sys.exit(1 if any(clashes.values()) else 0)
