"""Text as clients type it, made comparable: one home for cleaning and word repair.

Clients write on phones: look-alike letters pasted from elsewhere, invisible characters,
"paaaain", "chset", "rn". `clean` makes the characters plain; `WordRepair` mends words
against a vocabulary (the words a rule file uses) without touching real English words.
Both are linear in the text's length, so a 100 KB message costs milliseconds.

    clean("my ch\u0435st hurts\u200b")       -> "my chest hurts"
    WordRepair(["chest"]).repair("chset pn")  -> "chest pn"
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Iterable

#: Letters repeated three or more times ("sooo", "paaaain").
_ELONGATED = re.compile(r"([a-z])\1{2,}")
_WORD = re.compile(r"[a-z]+")
_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`\u00b4]")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")
_CONTROLS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_ASCII_CONTROLS = {c: " " for c in range(32) if chr(c) != "\n"} | {127: " "}


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """A character as plain Latin when it only looks like one ("\u0441" -> "c")."""
    if char.isascii():
        return char
    category = unicodedata.category(char)
    if category in ("Cf", "Cc", "Co", "Cs", "Cn", "Zl", "Zp"):
        return " " if category in ("Cc", "Zl", "Zp") else ""
    if category == "Zs":
        return " "
    if not category.startswith("L"):
        return char
    bare = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    if bare.isascii() and bare:
        return bare
    from confusable_homoglyphs import confusables

    found = confusables.is_confusable(char, preferred_aliases=["latin"], greedy=True) or []
    for entry in found:
        for glyph in entry.get("homoglyphs") or []:
            if glyph["c"].isascii() and glyph["c"].isalpha():
                return glyph["c"]
    return char


def clean(text: str | None) -> str:
    """NFKC, invisible and control characters gone, look-alike and accented letters plain.

    Only for matching: what is stored and shown is always the client's own text.
    """
    text = unicodedata.normalize("NFKC", text or "")
    if not text.isascii():
        text = _NOT_ASCII.sub(lambda m: "".join(map(_fold_char, m.group(0))), text)
    if text.isascii():  # str.translate is fast on ASCII only
        return text.translate(_ASCII_CONTROLS)
    return _CONTROLS.sub(" ", text)


def normalise_text(text: str) -> str:
    """Lowercase and straighten quotes, keeping character offsets unchanged (mentions are
    found in this and their offsets index the client's own text)."""
    return text.lower().replace("\u2019", "'").replace("\u2018", "'")


def plain_lower(text: str | None) -> str:
    """`clean`, lowercased, apostrophes dropped ("Can\u2019t" -> "cant")."""
    return _APOSTROPHES.sub("", clean(text).lower())


@lru_cache(maxsize=1)
def _words_by_frequency() -> tuple[str, ...]:
    """The English word list that ships with symspellpy, most frequent first."""
    import symspellpy

    path = Path(symspellpy.__file__).parent / "frequency_dictionary_en_82_765.txt"
    with path.open(encoding="utf-8") as handle:
        return tuple(line.split(" ", 1)[0] for line in handle if line.strip())


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The English word list that ships with symspellpy (about 83,000 words)."""
    return frozenset(_words_by_frequency())


@lru_cache(maxsize=1)
def common_english_words(count: int = 300) -> frozenset[str]:
    """The `count` most frequent English words."""
    return frozenset(_words_by_frequency()[:count])


class WordRepair:
    """Mends elongated and mistyped words towards a vocabulary.

    A word of `min_length` letters or more that is neither English nor in the vocabulary is
    replaced by the vocabulary word one edit away (insertion, deletion, substitution or
    swap), when there is exactly one such word; shorter words are left to spelling tables.
    """

    def __init__(self, vocabulary: Iterable[str], min_length: int = 5):
        from symspellpy import SymSpell

        self.vocabulary = frozenset(w for w in vocabulary if w.isalpha())
        self.min_length = min_length
        self._speller = SymSpell(max_dictionary_edit_distance=1, prefix_length=12)
        for word in self.vocabulary:
            self._speller.create_dictionary_entry(word, 1)
        self.repair_word = lru_cache(maxsize=20000)(self._repair_word)

    def known(self, word: str) -> bool:
        return word in self.vocabulary or word in english_words()

    def _repair_word(self, word: str) -> str:
        if _ELONGATED.search(word):
            for shorter in (_ELONGATED.sub(r"\1\1", word), _ELONGATED.sub(r"\1", word)):
                if self.known(shorter):
                    return shorter
            word = _ELONGATED.sub(r"\1\1", word)
        if len(word) < self.min_length or self.known(word):
            return word
        from symspellpy import Verbosity

        found = self._speller.lookup(word, Verbosity.CLOSEST, max_edit_distance=1,
                                     transfer_casing=False)
        if len(found) == 1 or (found and found[0].distance == 0):
            return found[0].term
        single = _ELONGATED.sub(r"\1", word) if _ELONGATED.search(word) else None
        return single if single and self.known(single) else word

    def candidates(self, word: str) -> list[str]:
        """Every vocabulary word one edit away from an unknown word (none for a known or short
        one): for callers that can choose among them ("shouledr": "shoulder", "shouler")."""
        if len(word) < self.min_length or self.known(word):
            return []
        from symspellpy import Verbosity

        return [s.term for s in self._speller.lookup(word, Verbosity.ALL, max_edit_distance=1,
                                                     transfer_casing=False)]

    def repair(self, text: str) -> str:
        """`text` (already lowercase) with each word mended; other characters kept as they are."""
        return _WORD.sub(lambda m: self.repair_word(m.group(0)), text)
