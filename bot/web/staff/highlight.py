"""The client's message with what the bot read in it marked, as a tree the template renders.

Nothing here makes HTML: the template (staff/_marks.html) renders the tree with Jinja's
autoescaping, so a client's "<script>" stays text. Labels and CSS classes come only from the
fixed sets below (displaCy, by contrast, inserts its labels raw); a mention of another kind
or status is not shown.

Overlaps: the longer span is the outer mark and a span inside it a mark inside that one
(nested marks, each with its own label); a span that crosses another's edge is cut there,
into two marks with the same label. Equal spans: the order of KINDS decides the outer one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.vocabulary import STATUSES

#: Kind -> label, in the legend's order (bot.storage.models.MENTION_KINDS).
KINDS = {"condition": "Condition", "body_region": "Body region", "side": "Side",
         "severity": "Severity", "duration": "Duration", "goal": "Goal",
         "red_flag": "Red flag", "caution": "Caution"}
#: Status -> how the legend names it.
STATUS_LABELS = {"present": "present", "negated": "negated (said not to have it)",
                 "historical": "historical (in the past)",
                 "family": "family (someone else's)", "hypothetical": "hypothetical"}
#: Canonical values are ids: shown only when they look like one.
_ID = re.compile(r"[a-z0-9_]{1,64}")


@dataclass
class Text:
    text: str
    is_mark = False


@dataclass
class Mark:
    """One piece of one mention: `span` numbers the mention within its message, `first` is
    False for the pieces after a cut (they share the first's description)."""

    kind: str
    value: str | None
    status: str
    span: int
    first: bool = True
    children: list = field(default_factory=list)
    is_mark = True

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    @property
    def tip(self) -> str:
        """What hover and keyboard focus show: kind, canonical id, status."""
        value = f": {self.value}" if self.value else ""
        return f"{self.label}{value} \u00b7 {self.status}"


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str
    value: str | None
    status: str
    number: int

    def key(self) -> tuple:
        return (-(self.end - self.start), self.start, list(KINDS).index(self.kind), self.number)


def spans_of(text: str, mentions) -> list[Span]:
    """The mentions that fit the text, of a known kind and status, numbered in order."""
    found = []
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if mention.kind not in KINDS or not 0 <= mention.start < mention.end <= len(text):
            continue
        value = mention.value if mention.value and _ID.fullmatch(mention.value) else None
        status = mention.status if mention.status in STATUSES else "present"
        found.append(Span(mention.start, mention.end, mention.kind, value, status, len(found)))
    return found


def highlight(text: str, mentions) -> tuple[list, list[Span]]:
    """(tree, spans): the text cut into Text and nested Mark nodes; the spans numbered."""
    spans = spans_of(text, mentions)
    if not spans:
        return [Text(text)], []
    cuts = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    root: list = []
    stack: list[tuple[Span, list]] = []  # open marks, outermost first
    opened: set[int] = set()
    for a, b in zip(cuts, cuts[1:]):
        covering = sorted((s for s in spans if s.start <= a and b <= s.end), key=Span.key)
        keep = 0
        while keep < len(stack) and keep < len(covering) and stack[keep][0] == covering[keep]:
            keep += 1
        del stack[keep:]
        for span in covering[keep:]:
            mark = Mark(span.kind, span.value, span.status, span.number,
                        first=span.number not in opened)
            opened.add(span.number)
            (stack[-1][1] if stack else root).append(mark)
            stack.append((span, mark.children))
        (stack[-1][1] if stack else root).append(Text(text[a:b]))
    return root, spans
