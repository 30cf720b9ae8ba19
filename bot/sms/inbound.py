"""What a client's SMS says before it becomes a turn: empty, only a picture, too long, or
text (with a note to add to the reply when part of it could not be read)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Longer than anything Twilio delivers (1,600 characters): the rest is cut, and the client
#: told. Within it the Rasa pipeline asks for a shorter message past 2,000 characters and the
#: safety screen reads all of it.
MAX_BODY_CHARS = 5000

# Some carriers turn "@" into "¡" (GSM 03.38): mended only inside an email address.
_GSM_AT = re.compile(r"(?<=[\w.+-])\u00a1(?=[\w-]+(?:\.[\w-]+)+)")


@dataclass
class Inbound:
    """kind: "text", "empty" or "media_only"; notes: utter_sms_* responses (with values) to
    add after the turn's reply."""

    kind: str
    text: str = ""
    notes: list[tuple[str, dict]] = field(default_factory=list)


def read_inbound(body: str | None, num_media: str | int | None = 0,
                 max_chars: int = MAX_BODY_CHARS) -> Inbound:
    text = _GSM_AT.sub("@", (body or "").replace("\x00", "")).strip()
    media = _count(num_media) > 0
    if not text:
        return Inbound("media_only" if media else "empty")
    notes = []
    if len(text) > max_chars:
        text = text[:max_chars]
        notes.append(("utter_sms_cut", {"limit": f"{max_chars:,}"}))
    if media:
        notes.append(("utter_sms_media_note", {}))
    return Inbound("text", text, notes)


def _count(value) -> int:
    try:
        return int(str(value or "0").strip() or 0)
    except ValueError:
        return 0
