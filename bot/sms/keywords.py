"""Carrier keywords: a message that is only one of these words is a command, not a turn.

Twilio's default opt-out words (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT) unsubscribe
the number at Twilio whatever the bot does, so the bot honours them too: "cancel" is an
opt-out, never an intake answer, and no text of the bot may invite a client to text it.
"""
from __future__ import annotations

import re

OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN = frozenset({"START", "UNSTOP"})
#: Twilio also opts a number back in on YES, but only a number that is opted out: for
#: everyone else "yes" is an answer (to "Is that all correct?").
OPT_IN_WHEN_OPTED_OUT = frozenset({"YES"})
HELP = frozenset({"HELP", "INFO"})

# The keyword alone, in any case, with spaces and end punctuation around it ("Stop.", " QUIT!")
_ALONE = re.compile(r"^[\s\"'.!?]*([A-Za-z]+)[\s\"'.!?]*$")


def keyword_of(body: str | None, *, opted_out: bool = False) -> str | None:
    """"opt_out", "opt_in", "help" for a message that is only that keyword, else None."""
    match = _ALONE.match(body or "")
    if not match:
        return None
    word = match.group(1).upper()
    if word in OPT_OUT:
        return "opt_out"
    if word in OPT_IN or (opted_out and word in OPT_IN_WHEN_OPTED_OUT):
        return "opt_in"
    if word in HELP:
        return "help"
    return None
