"""What the screen decided, as plain data for slots, records and JSON."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Mapping

#: Screening outcomes, lowest priority first.
OUTCOMES = ("book", "therapist_review", "clearance_needed", "urgent")


@dataclass(frozen=True)
class SafetyResult:
    """What the screen decided for one message (or, merged, a whole conversation)."""

    outcome: str = "book"  #: book | therapist_review | clearance_needed | urgent
    red_flags: list[str] = field(default_factory=list)  #: stop an immediate booking
    cautions: list[str] = field(default_factory=list)  #: booking goes on after therapist review
    messages: list[str] = field(default_factory=list)  #: what the bot says next, in order
    emergency: bool = False  #: outcome is urgent: the very next message is the help message
    reschedule: bool = False  #: clearance_needed because of fever/infection: come back recovered
    evidence: dict[str, str] = field(default_factory=dict)  #: flag id -> matched words (never log)
    #: emergency flags said without a sign they are happening now: ask "is this happening now?"
    checks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Plain data for a slot or JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> "SafetyResult":
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


