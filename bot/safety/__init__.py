"""Safety screen: red flags and cautions in what a client writes, decided by phrase rules.

The emergency path must not rest on the NLU model alone, so this is a plain rule layer over the
client's own words. What a practice may change (phrases, cues, the surgery window, messages)
lives in data/safety.yml; this package only knows how to apply it. It never diagnoses: it says
what to do next.

    result = screen("my chest feels tight and i cant catch my breath")
    result.outcome   -> "urgent"; result.messages[0] says to call 911

Its parts, in the order a message meets them: `rules` (the file, compiled), `message`
(normalising, clauses), `matching` (finding a rule's matches fast), `scope` (is it about the
client, now?), `screen` (which flags, what outcome). `SafetyResult.evidence` holds the
client's matched words: health data, never log it.
"""
from .message import books_for_someone_else, normalise
from .result import OUTCOMES, SafetyResult
from .rules import DEFAULT_RULES_PATH, FLAG_OUTCOMES, SafetyRules, build_rules, load_safety_rules
from .screen import (answer_to_check, crisis_flags, merge_results, safety_message, screen,
                     screen_in_context)

__all__ = ["DEFAULT_RULES_PATH", "books_for_someone_else", "FLAG_OUTCOMES", "OUTCOMES", "SafetyResult", "SafetyRules",
           "answer_to_check", "build_rules", "crisis_flags", "load_safety_rules", "merge_results", "normalise",
           "safety_message", "screen", "screen_in_context"]
