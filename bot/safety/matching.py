"""Finding a rule's matches in a long message without reading it once per rule.

Each rule's regex is read once: the strings every match starts with (`first_strings`) and
the strings every match holds (`required_factors`). A long message is then tried only where a
word can start a match, or, for rules that may start anywhere, near their rarest strings.
Linear in the message; 100 KB in well under 100 ms (bench/screen_bench.py)."""
from __future__ import annotations

import bisect
import re
from typing import Iterable

from bot.text import common_english_words

from .message import LONG, Message


def _required_factors(pattern: re.Pattern) -> tuple[tuple[str, ...], ...]:
    """Sets of strings such that every match of `pattern` contains one string of each set.

    Read off the parsed regex: a sequence needs what each of its items needs, a branch needs
    one of what its alternatives need. `windows` uses the set that is rarest in the message
    to skip the long stretches where the pattern cannot match."""
    import sre_constants as c
    import sre_parse

    def options(items) -> list[set[str]]:
        found, run = [], ""
        for op, av in items:
            if op is c.LITERAL:
                run += chr(av)
                continue
            if run:
                found.append({run})
                run = ""
            if op is c.SUBPATTERN:
                found.append(best(options(av[3])))
            elif op is c.BRANCH:
                alts = [best(options(branch)) for branch in av[1]]
                found.append(set().union(*alts) if all(alts) else None)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and av[0] >= 1:
                found.append(best(options(av[2])))
            elif op is c.IN:
                found.append(_digit_class(av))
        if run:
            found.append({run})
        return [o for o in found if o and all(len(f) >= 2 or f.isdigit() for f in o)]

    def best(found: list[set[str]]) -> set[str] | None:
        """The set most likely to be rare: no common English word, then the longest."""
        return max(found, key=lambda o: (not any(f.strip() in common for f in o),
                                         min(len(f) + 3 * f.isdigit() for f in o), -len(o)),
                   default=None)

    common = common_english_words()

    try:
        return tuple(tuple(sorted(o)) for o in options(sre_parse.parse(pattern.pattern)))
    except Exception:  # an unusual construct: no shortcut, scan everything
        return ()


def _digit_class(items) -> set[str] | None:
    """The digits a character class of digits only stands for ("[1-4]", "\\d"), else None."""
    import sre_constants as c

    chars: set[str] = set()
    for op, av in items:
        if op is c.LITERAL and chr(av).isdigit():
            chars.add(chr(av))
        elif op is c.RANGE and chr(av[0]).isdigit() and chr(av[1]).isdigit():
            chars.update(chr(n) for n in range(av[0], av[1] + 1))
        elif op is c.CATEGORY and av is c.CATEGORY_DIGIT:
            chars.update("0123456789")
        else:
            return None
    return chars or None


_FACTORS: dict[re.Pattern, tuple[tuple[str, ...], ...]] = {}
#: A match is never longer than this many characters around one of its required strings.
_MATCH_REACH = 160
#: Up to this many word starts to try, a pattern is tried at each rather than narrowed first.
_FEW_STARTS = 5000


def windows(pattern: re.Pattern, msg: "Message",
             within: list[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """Stretches of the message where `pattern` may match (all of it when short or unsure).

    A match holds one string of every required set (`_required_factors`) and reaches at most
    _MATCH_REACH characters around each, so it lies where the sets' neighbourhoods overlap:
    start from the rarest set and narrow by the others while that stays cheap."""
    text = msg.text
    windows = [(0, len(text))]
    if within is not None:
        windows = _intersect(windows, within)
    if pattern not in _FACTORS:
        _FACTORS[pattern] = _required_factors(pattern)
    if not _FACTORS[pattern] or len(text) <= LONG:
        return windows
    starts = _candidate_starts(pattern, msg)
    if starts is not None and len(starts) <= _FEW_STARTS:  # few places to try: no narrowing
        return windows
    options = sorted(_FACTORS[pattern], key=lambda o: sum(_count(f, msg) for f in o))
    for n, option in enumerate(options):
        if n and sum(_count(f, msg) for f in option) > 8 * len(windows) + 64:
            break
        windows = _intersect(windows, merged_spans(
            (max(at - _MATCH_REACH, 0), min(at + len(f) + _MATCH_REACH, len(text)))
            for f in option for at in _positions(f, msg)))
        if not windows:
            break
    return windows


def _count(factor: str, msg: "Message") -> int:
    """How common `factor` is: exact for strings with a space, else the number of distinct
    words holding it (only used to rank sets; the windows come from `_positions`)."""
    key = ("count", factor)
    if key not in msg.memo:
        if " " not in factor and "distinct" not in msg.memo:
            # each distinct word once: a string not found here is in no word of the text
            msg.memo["distinct"] = "\n".join(set(msg.text.split()))
        msg.memo[key] = (msg.text if " " in factor else msg.memo["distinct"]).count(factor)
    return msg.memo[key]


def _positions(factor: str, msg: "Message") -> list[int]:
    key = ("at", factor)
    if key not in msg.memo:
        found, at = [], msg.text.find(factor) if _count(factor, msg) else -1
        while at != -1:
            found.append(at)
            at = msg.text.find(factor, at + 1)
        msg.memo[key] = found
    return msg.memo[key]


def merged_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The overlap of two sorted lists of disjoint spans."""
    out, i, j = [], 0, 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def scan(pattern: re.Pattern, msg: "Message", start: int = 0, end: int | None = None):
    """pattern.finditer, keeping only matches that start at the beginning of a word.

    On a long message a pattern whose every match begins with one of a few known strings
    (`_first_strings`) is only tried where a word starts with one of them."""
    text = msg.text
    end = len(text) if end is None else end
    starts = _candidate_starts(pattern, msg, start, end) if len(text) > LONG else None
    if starts is not None:
        reached = start
        for at in starts:
            if at < reached:
                continue
            match = pattern.match(text, at, end)
            if match:
                yield match
                reached = max(match.end(), at + 1)
        return
    pos = start
    while pos <= end:
        match = pattern.search(text, pos, end)
        if match is None:
            return
        if match.start() > 0 and (text[match.start() - 1].isalnum()
                                  or text[match.start() - 1] == "_"):
            pos = match.start() + 1
            continue
        yield match
        pos = match.end() if match.end() > match.start() else match.start() + 1


_FIRST: dict[re.Pattern, frozenset[str] | None] = {}
_TOKEN = re.compile(r"\w+")


def _first_strings(pattern: re.Pattern) -> frozenset[str] | None:
    """Strings one of which every match starts with, read off the parsed regex; None when
    a match may start with anything (a class, `\\S+`, an empty alternative)."""
    import sre_constants as c
    import sre_parse

    def first(items) -> set[str] | None:
        run = ""
        for n, (op, av) in enumerate(items):
            if op is c.LITERAL:
                run += chr(av)
                continue
            if run:
                return {run}
            if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
                continue
            if op is c.SUBPATTERN:
                return first(list(av[3]) + list(items[n + 1:]))
            if op is c.BRANCH:
                found = [first(list(alt) + list(items[n + 1:])) for alt in av[1]]
                return set().union(*found) if all(found) else None
            if op is c.IN:
                return _digit_class(av)
            if op in (c.MAX_REPEAT, c.MIN_REPEAT):
                head = first(list(av[2]) + list(items[n + 1:]))
                if av[0] >= 1 or head is None:
                    return head
                rest = first(items[n + 1:])
                return head | rest if rest else None
            return None
        return {run} if run else None

    if pattern not in _FIRST:
        try:
            found = first(list(sre_parse.parse(pattern.pattern)))
        except Exception:  # an unusual construct: search everywhere
            found = None
        usable = found and all(f[:1].isalnum() for f in found)
        _FIRST[pattern] = frozenset(found) if usable else None
    return _FIRST[pattern]


def _word_index(msg: "Message") -> tuple[dict[str, list[int]], list[str]]:
    """word -> its start positions, and the words sorted. The text is normalised: words are
    split by single spaces, with punctuation only here and there."""
    if "words" not in msg.memo:
        index: dict[str, list[int]] = {}
        at = 0
        for token in msg.text.split(" "):
            if token.isalnum():
                index.setdefault(token, []).append(at)
            else:
                for word in _TOKEN.finditer(token):
                    index.setdefault(word.group(0), []).append(at + word.start())
            at += len(token) + 1
        msg.memo["words"] = index, sorted(index)
    return msg.memo["words"]


def _candidate_starts(pattern: re.Pattern, msg: "Message", start: int = 0,
                      end: int | None = None) -> list | None:
    """Word starts in [start, end) whose word can begin a match, in order; None: try all."""
    strings = _first_strings(pattern)
    if strings is None:
        return None
    key = ("starts", strings)  # patterns that start alike share one list
    if key not in msg.memo:
        index, words = _word_index(msg)
        found: set[int] = set()
        for string in strings:
            head, spaced = string.split(" ", 1)[0], " " in string
            i = bisect.bisect_left(words, head)
            while i < len(words) and words[i].startswith(head):
                if not spaced or words[i] == head:
                    found.update(index[words[i]])
                i += 1
        msg.memo[key] = sorted(found)
    every = msg.memo[key]
    if start == 0 and end is None:
        return every
    return every[bisect.bisect_left(every, start):bisect.bisect_left(every, end)]


