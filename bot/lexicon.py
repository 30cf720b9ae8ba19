"""The words clients use, read from data/lookups/, and how to find them in a message.

Every phrase list is practice-editable YAML; this module only compiles it. The same lexicon
feeds the spaCy EntityRuler (bot.rasa_plugins.spacy_pipeline), the Rasa entity normaliser
(bot.rasa_plugins.nlu_components) and extraction (bot.extraction), so all three agree.
"""
from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.config import LOOKUPS_DIR
from bot.practice_data import KeepLastGood, read_yaml
from bot.text import english_words, normalise_text

LABELS = ("condition", "body_part", "side", "goal", "aggravator", "sport_activity",
          "work_activity")
#: Ids that are not also phrases of themselves ("other" is not a condition word).
NOT_SELF_PHRASES = {"other"}


@dataclass(frozen=True)
class Mention:
    label: str
    id: str
    text: str
    start: int
    end: int




#: A negation written any of the ways people write it: a phrase listed with "can't" also
#: matches "cant", "cannot" and "can not" ("I cannot move my neck").
_NEGATIONS = {"can't": ("can't", "cant", "cannot", "can not"),
              "won't": ("won't", "wont", "will not"),
              "don't": ("don't", "dont", "do not"),
              "doesn't": ("doesn't", "doesnt", "does not"),
              "couldn't": ("couldn't", "couldnt", "could not"),
              "isn't": ("isn't", "isnt", "is not"),
              "haven't": ("haven't", "havent", "have not")}
_NEGATION_OF = {form: key for key, forms in _NEGATIONS.items() for form in forms
                if " " not in form}
_NEGATION_WORD = re.compile(r"(?<![\w'])(?:" + "|".join(
    re.escape(f) for f in sorted(_NEGATION_OF, key=len, reverse=True)) + r")(?![\w'])")
_NEGATION_TEXT = re.compile(r"(?<![\w'])(?:" + "|".join(sorted(
    (re.escape(f).replace(r"\ ", r"\s+") for forms in _NEGATIONS.values() for f in forms),
    key=len, reverse=True)) + r")(?![\w'])")


def _any_negation(escaped: str) -> str:
    def forms(match: re.Match) -> str:
        key = _NEGATION_OF[match.group(0)]
        return "(?:" + "|".join(re.escape(f).replace(r"\ ", r"[\s\-]+")
                                for f in _NEGATIONS[key]) + ")"
    return _NEGATION_WORD.sub(forms, escaped)


def negation_spellings(phrase: str) -> tuple[str, ...]:
    """The phrase with its negations written as "can't" and as "cant": the spellings the
    lookup tables list ("i cannot move" -> "i can't move", "i cant move")."""
    def key(match: re.Match) -> str:
        return next(k for k, forms in _NEGATIONS.items()
                    if re.sub(r"\s+", " ", match.group(0)) in forms)
    with_apostrophe = _NEGATION_TEXT.sub(key, phrase)
    return with_apostrophe, with_apostrophe.replace("'t", "t")


def _phrase_regex(phrases) -> re.Pattern | None:
    ordered = sorted({p for p in phrases if p}, key=len, reverse=True)
    if not ordered:
        return None
    body = "|".join(_any_negation(re.escape(p).replace(r"\ ", r"[\s\-]+")) for p in ordered)
    return re.compile(rf"(?<![\w])(?:{body})(?![\w])")


class Lexicon:
    """Phrase -> canonical id tables for every entity label, plus severity words."""

    def __init__(self, lookups_dir: Path = LOOKUPS_DIR):
        self.lookups_dir = Path(lookups_dir)
        conditions_file = self._load("conditions.yml")
        body_parts_file = self._load("body_parts.yml")
        conditions = conditions_file.get("conditions", {})
        body_parts = body_parts_file.get("body_parts", {})
        self.phrases: dict[str, dict[str, str]] = {
            "condition": self._invert({k: list(v.get("phrases", []))
                                       + list(v.get("said_without_its_region", []))
                                       for k, v in conditions.items()}),
            "body_part": self._invert({k: v.get("phrases", []) for k, v in body_parts.items()}),
            "side": self._invert(self._load("sides.yml").get("sides", {})),
            "goal": self._invert(
                {k: (v.get("phrases", []) if isinstance(v, dict) else v)
                 for k, v in self._load("goals.yml").get("goals", {}).items()}),
            "aggravator": self._invert(self._load("aggravators.yml").get("aggravators", {})),
        }
        activities = self._load("activities.yml")
        for label in ("sport_activity", "work_activity"):
            self.phrases[label] = self._invert({label: activities.get(label, [])})
        #: phrases that count only where no region is named ("can't reach the top shelf")
        self.said_without_a_region = {normalise_text(str(p)) for v in conditions.values()
                                      for p in v.get("said_without_its_region", [])}
        self.condition_body_part = {
            k: v.get("body_part") for k, v in conditions.items() if v.get("body_part")}
        #: regions a condition is felt in besides its own ("reaches": sciatica down the leg)
        self.condition_reaches = {k: set(v.get("reaches") or []) for k, v in conditions.items()}
        self.region_pain_condition = {
            k: v.get("pain_condition") for k, v in body_parts.items()}
        #: region -> [(pattern of its words, condition)]: "ankle" is joint pain in ankle_foot
        self._pain_condition_of_words = {
            region: [(re.compile(r"\b(?:" + "|".join(re.escape(normalise_text(str(w))) for w in words)
                                 + r")\b"), condition)
                     for condition, words in (v.get("pain_condition_of") or {}).items()]
            for region, v in body_parts.items() if v.get("pain_condition_of")}
        self.muscles = {normalise_text(str(k)): v for k, v in
                        (body_parts_file.get("muscles") or {}).items()}
        self.joints = {normalise_text(str(k)): v for k, v in
                       (body_parts_file.get("joints") or {}).items()}
        self.phrases["region_stand_in"] = self._invert_mapping(
            body_parts_file.get("stand_ins_where_no_region_is_named") or {})
        for phrase, region in {**self.muscles, **self.joints}.items():
            self.phrases["body_part"].setdefault(phrase, region)
        self.implied_conditions = {
            normalise_text(str(k)): list(v or [])
            for k, v in (conditions_file.get("implied_conditions") or {}).items()}
        self.severity_words = {
            str(k).lower(): int(v)
            for k, v in self._load("severity.yml").get("severity_words", {}).items()}
        self._regex = {label: _phrase_regex(table) for label, table in self.phrases.items()}
        self._severity_regex = _phrase_regex(self.severity_words)
        # Word lists of conditions.yml that are no condition: `pain_words` (said of a region,
        # its pain), `tightness_words` (said of a region, its complaint; alone, tension),
        # `body_problem_words` (something wrong with the body), `not_massage_sites`.
        self._word_lists = {kind: [str(w).lower() for w in conditions_file.get(key, [])]
                            for kind, key in (("pain", "pain_words"),
                                              ("tightness", "tightness_words"),
                                              ("problem", "body_problem_words"),
                                              ("not_massage", "not_massage_sites"),
                                              ("not_muscle_or_joint", "not_of_the_muscles_or_joints"),
                                              ("injury", "injury_verbs"),
                                              ("not_pain", "not_pain_phrases"),
                                              ("not_condition", "not_condition_phrases"),
                                              ("pain_denial", "pain_denials"),
                                              ("injury_word", "injury_words"),
                                              ("injury_event", "injury_events"))}
        present_now = [str(w).lower() for w in conditions_file.get("present_now_cues", [])]
        #: a present-now cue ending at most two words before a pain word ("still achy")
        self.present_now_before = re.compile(
            r"\b(?:" + "|".join(re.escape(c) for c in present_now) + r")\s+(?:[\w']+\s+){0,2}$"
        ) if present_now else None
        self.region_complaint_too = {str(c) for c in conditions_file.get("region_complaint_too", [])}
        self.said_together = {
            str(condition_id): (_phrase_regex([str(w).lower() for w in spec.get("words", [])]),
                                _phrase_regex([str(w).lower() for w in spec.get("with", [])]),
                                int(spec.get("within", 4)))
            for condition_id, spec in (conditions_file.get("said_together") or {}).items()}
        self.whole_body_pain_of = {str(c) for c in conditions_file.get("whole_body_pain_of", [])}
        self.noise_words = {str(w).lower() for w in conditions_file.get("noise_words", [])}
        self.not_whole_body_pain = {str(w).lower() for w in
                                    conditions_file.get("not_said_of_the_whole_body", [])}
        self._word_lists["not_region"] = [str(w).lower() for w in
                                          body_parts_file.get("not_a_region", [])]
        self._word_list_regex = {kind: _phrase_regex(words)
                                 for kind, words in self._word_lists.items()}
        self._single_words = {
            label: {p: c for p, c in self.phrases[label].items() if p.isalpha()}
            for label in ("condition", "body_part")}
        for kind in ("pain", "problem"):  # also found mistyped or in another form
            self._single_words[kind] = {w: w for w in self._word_lists[kind] if w.isalpha()}

    def _load(self, name: str) -> dict:
        path = self.lookups_dir / name
        if not path.exists():
            return {}
        return read_yaml(path) or {}

    @staticmethod
    def _invert_mapping(table: dict) -> dict[str, str]:
        return {normalise_text(str(phrase)): str(region) for phrase, region in table.items()}

    @staticmethod
    def _invert(table: dict) -> dict[str, str]:
        inverted: dict[str, str] = {}
        for canonical, phrases in table.items():
            if canonical not in NOT_SELF_PHRASES and "activity" not in str(canonical):
                inverted.setdefault(str(canonical).lower().replace("_", " "), canonical)
            for phrase in phrases or []:
                inverted.setdefault(normalise_text(str(phrase)).strip(), canonical)
        return inverted

    def ids(self, label: str) -> set[str]:
        return set(self.phrases[label].values())

    def normalise(self, label: str, value: str) -> str | None:
        """Canonical id for an entity value, tolerating a typo the lists do not have."""
        table = self.phrases.get(label)
        if not table or not value:
            return None
        key = re.sub(r"\s+", " ", normalise_text(value)).strip()
        if key in self.ids(label):
            return key
        if key in table:
            return table[key]
        if key.replace("_", " ") in table:
            return table[key.replace("_", " ")]
        close = difflib.get_close_matches(key, table.keys(), n=1, cutoff=0.85)
        return table[close[0]] if close else None

    def scan(self, text: str, label: str) -> list[Mention]:
        """Every non-overlapping phrase of one label in the text, longest first; for
        conditions and body regions also a one-word name mistyped or in the plural."""
        regex = self._regex.get(label)
        if regex is None:
            return []
        lowered = normalise_text(text)
        table = self.phrases[label]
        found = []
        for match in regex.finditer(lowered):
            phrase = re.sub(r"[\s\-]+", " ", match.group(0))
            canonical = table.get(phrase) or table.get(match.group(0)) or next(
                (table[f] for f in negation_spellings(phrase) if f in table), None)
            if canonical is None:
                canonical = self.normalise(label, phrase)
            if canonical:
                found.append(Mention(label, canonical, text[match.start():match.end()],
                                     match.start(), match.end()))
        if label in self._single_words:
            taken = [(m.start, m.end) for m in found]
            found += [Mention(label, canonical, text[start:end], start, end)
                      for start, end, canonical in self._word_variants(lowered, label, taken)]
            found.sort(key=lambda m: m.start)
        return found

    def only_without_a_region(self, words: str) -> bool:
        """Whether a condition's words are what a region will not do, said without it
        (conditions.yml `said_without_its_region`), also as typed: "crampy" as "cramps"."""
        lowered = normalise_text(words)
        if lowered in self.said_without_a_region:
            return True
        if " " in lowered:
            return False
        return any(w in self.said_without_a_region
                   for w in [lowered[:-1], *self._one_edit_from(lowered, "condition")])

    def pain_condition(self, region: str | None, words: str = "") -> str | None:
        """The condition a complaint of a region is: the region's (body_parts.yml
        `pain_condition`), or the one its words name (`pain_condition_of`: the ankle's pain
        is joint pain, the heel's foot pain)."""
        lowered = normalise_text(words)
        for pattern, condition in self._pain_condition_of_words.get(region or "", []):
            if pattern.search(lowered):
                return condition
        return self.region_pain_condition.get(region or "")

    def listed_as(self, words: str, table: dict) -> bool:
        """Whether a region's words, as the client typed them, are in `table` (joints or
        muscles): "jionts" and "hamstrngs" are, as "joints" and "hamstrings" are."""
        lowered = normalise_text(words)
        if lowered in table or (lowered.endswith("s") and lowered[:-1] in table):
            return True
        if " " in lowered:
            return False
        return any(w in table for w in [*self._one_edit_from(lowered, "body_part"),
                                        *_swaps(lowered)])

    def _one_edit_from(self, word: str, kind: str) -> list[str]:
        """The word mended towards one kind's single-word names, and every name one edit
        away (bot.text.WordRepair)."""
        repair = _word_repair(tuple(sorted(self._single_words[kind])))
        return [repair.repair_word(word), *repair.candidates(word)]

    def _word_variants(self, lowered: str, kind: str, taken: list[tuple[int, int]]):
        """(start, end, canonical) of words that are a listed one-word name in another form:
        a plural or -s form ("hamstrungs" aside, "elbows", "aches") or one typo away
        ("shouldre", "migrane"), for words of five letters or more that are not English."""
        table = self._single_words[kind]
        if not table:
            return []
        repair = _word_repair(tuple(sorted(table)))
        made = []
        for match in _WORD.finditer(lowered):
            word = match.group(0)
            if len(word) < 4 or word in table or any(s < match.end() and match.start() < e
                                                      for s, e in taken):
                continue
            base = next((w for w in (word[:-1], word[:-2]) if word.endswith("s") and w in table),
                        None)
            if base is None and len(word) == 4 and word not in english_words():
                # two letters swapped in a short name: "nekc", "bakc"
                base = next((w for w in _swaps(word) if w in table), None)
            if base is None and len(word) >= 5 and not (
                    kind == "body_part" and self._a_pain_word_mistyped(word)):
                # ("acches" is "aches", not "arches")
                mended = repair.repair_word(word)
                base = mended if mended != word and mended in table else None
                if base is None:  # one edit from several spellings of the same thing
                    listed = [c for c in repair.candidates(word) if c in table]
                    if len({table[c] for c in listed}) == 1:
                        base = listed[0]
            if base is not None:
                made.append((match.start(), match.end(), table[base]))
        return made

    def _a_pain_word_mistyped(self, word: str) -> bool:
        pains = self._single_words["pain"]
        return word in pains or any(c in pains for c in self._one_edit_from(word, "pain"))

    def pain_word_spans(self, text: str) -> list[tuple[int, int]]:
        """Pain words ("hurts", "killing me", "sprained"), also mistyped or in another form;
        not inside a phrase where the word means something else ("an open sore on my foot")."""
        return self._spans_in_this_sense("pain", text)

    def not_region_spans(self, text: str) -> list[tuple[int, int]]:
        """Phrases with a region word that name no region ("lift my arm over my head")."""
        return self._word_list_spans("not_region", text)

    def pain_denial_spans(self, text: str) -> list[tuple[int, int]]:
        """Words that say something does not hurt ("no pain really", "painless")."""
        return self._word_list_spans("pain_denial", text)

    def body_problem_spans(self, text: str) -> list[tuple[int, int]]:
        """Words that say something is wrong with the body, also mistyped or in another form
        (not inside a phrase where they mean something else)."""
        return self._spans_in_this_sense("problem", text)

    def _spans_in_this_sense(self, kind: str, text: str) -> list[tuple[int, int]]:
        """A word list's spans, but those inside a `not_pain_phrases` phrase ("open sore")."""
        other_sense = self._word_list_spans("not_pain", text)
        return [(s, e) for s, e in self._word_list_spans(kind, text)
                if not any(o_s <= s < o_e for o_s, o_e in other_sense)]

    def not_massage_site_spans(self, text: str) -> list[tuple[int, int]]:
        """Places no massage treats ("sore throat", "my dog is limping"), but not one in a
        pain word's simile ("like a toothache in my knee")."""
        similes = [span for span in self._word_list_spans("pain", text)
                   if normalise_text(text[span[0]:span[1]]).startswith("like ")]
        return [(s, e) for s, e in self._word_list_spans("not_massage", text)
                if not any(a <= s < b for a, b in similes)]

    def tightness_word_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the text says tight, tense or knotted ("tight hips" is a hip complaint)."""
        return self._word_list_spans("tightness", text)

    def injury_verb_spans(self, text: str) -> list[tuple[int, int]]:
        """Verbs of an acute injury ("jammed", "rolled", "popped")."""
        return self._word_list_spans("injury", text)

    def word_list_spans(self, kind: str, text: str) -> list[tuple[int, int]]:
        """Spans of one of conditions.yml's word lists ("injury_word", "injury_event", ...)."""
        return self._word_list_spans(kind, text)

    def _word_list_spans(self, kind: str, text: str) -> list[tuple[int, int]]:
        regex = self._word_list_regex[kind]
        if regex is None:
            return []
        lowered = normalise_text(text)
        spans = [m.span() for m in regex.finditer(lowered)]
        if kind in self._single_words:
            spans += [(s, e) for s, e, _ in self._word_variants(lowered, kind, spans)]
        return sorted(spans)

    def said_together_spans(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, condition id) where a condition is said in two parts a few words apart
        in one clause ("I barely sleep"; conditions.yml `said_together`)."""
        from bot.regions import same_clause, words_apart

        lowered = normalise_text(text)
        found = []
        for condition_id, (words, trouble, within) in self.said_together.items():
            if words is None or trouble is None:
                continue
            troubles = [t.span() for t in trouble.finditer(lowered)]
            for word in words.finditer(lowered):
                near = [t for t in troubles if same_clause(lowered, word.span(), t)
                        and words_apart(lowered, word.span(), t) <= within]
                if near:
                    other = min(near, key=lambda t: words_apart(lowered, word.span(), t))
                    found.append((min(word.start(), other[0]), max(word.end(), other[1]),
                                  condition_id))
        return found

    def severity_word_matches(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, score) for every severity word, e.g. 'killing me' -> 8."""
        if self._severity_regex is None:
            return []
        found = []
        for match in self._severity_regex.finditer(normalise_text(text)):
            phrase = re.sub(r"[\s\-]+", " ", match.group(0))
            score = self.severity_words.get(phrase)
            if score is not None:
                found.append((match.start(), match.end(), score))
        return found

    def spacy_patterns(self) -> list[dict]:
        """EntityRuler patterns: one phrase pattern per lookup phrase, id = canonical id."""
        patterns = []
        for label in ("condition", "body_part", "side", "goal"):
            for phrase, canonical in sorted(self.phrases[label].items()):
                patterns.append({"label": label, "pattern": phrase, "id": canonical})
        return patterns


_WORD = re.compile(r"[a-z]+")


def _swaps(word: str) -> list[str]:
    return [word[:i] + word[i + 1] + word[i] + word[i + 2:] for i in range(len(word) - 1)]


@lru_cache(maxsize=8)
def _word_repair(vocabulary: tuple[str, ...]):
    from bot.text import WordRepair

    return WordRepair(vocabulary)


_lexicons: KeepLastGood[Lexicon] = KeepLastGood("lookup files")
_current: dict[str, tuple[float, Lexicon]] = {}
RECHECK_SECONDS = 2.0


def load_lexicon(lookups_dir: Path | str = LOOKUPS_DIR) -> Lexicon:
    """Cached per folder; an edited lookup file is picked up within a couple of seconds
    (file times are looked at most every RECHECK_SECONDS, not on every message), and a
    broken edit leaves the last good lookups in use (bot.practice_data)."""
    folder = str(lookups_dir)
    now = time.monotonic()
    current = _current.get(folder)
    if current is None or now - current[0] >= RECHECK_SECONDS:
        files = sorted(Path(folder).glob("*.yml"))
        lexicon = _lexicons.get(files, lambda read: Lexicon(read[0].parent if read else Path(folder)))
        current = _current[folder] = (now, lexicon)
    return current[1]
