"""A turn's bot messages as SMS parts: plain text, at most 1,600 characters each, in order.

Twilio takes a body of up to 1,600 characters and carriers may deliver the messages of one
reply out of order, so a turn's messages are packed into as few parts as possible (most
turns are one SMS); only a message that does not fit is split, at a paragraph, line or
sentence boundary, never inside a word unless a single word is longer than a part. An
urgent message (the emergency answer) is sent first and on its own, whole, and the greeting
is left out of such a reply.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

#: Twilio's longest message body.
SMS_MAX_CHARS = 1600
#: Between two bot messages packed into one SMS.
MESSAGE_SEPARATOR = "\n\n"

_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"
                       r"|(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_CODE = re.compile(r"`([^`\n]+)`")
_HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M)
_STAR_BULLET = re.compile(r"^([ \t]*)[*+][ \t]+", re.M)

#: Where a text may be cut, tried in this order: paragraphs, lines, sentences, words.
#: A sentence ends at . ! ? or an ellipsis (with closing quotes or brackets) before a space,
#: but not after a lone number ("1. Swedish", "option 2. Then...").
_BOUNDARIES = (
    re.compile(r"\n[ \t]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"(?<![\s(]\d)(?<![\s(]\d\d)(?<!^\d)(?<!^\d\d)[.!?\u2026]+[\"'\u201d\u2019)\]]*\s+"),
    re.compile(r"\s+"),
)


def sms_length(text: str) -> int:
    """Length as Twilio counts it, safely: UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def plain_text(text: str) -> str:
    """Markdown made plain: links as "words (url)", no emphasis marks, code ticks or heading
    hashes, "*" bullets as "-"."""
    text = _LINK.sub(lambda m: m.group(2) if m.group(1) == m.group(2)
                     else f"{m.group(1)} ({m.group(2)})", text)
    text = _STRONG.sub(r"\2", text)
    text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    text = _CODE.sub(r"\1", text)
    text = _HEADING.sub("", text)
    return _STAR_BULLET.sub(r"\1- ", text)


def numbered(options: Iterable[str]) -> str:
    """Choices as numbered lines: SMS has no buttons, the client replies with the number."""
    return "\n".join(f"{i}. {option}" for i, option in enumerate(options, start=1))


def message_text(message: Mapping) -> str:
    """One bot message (Rasa's collected output: text, buttons, quick replies, image,
    attachment) as plain SMS text; custom payloads have no text and give ""."""
    lines = [plain_text(message.get("text") or "").strip()]
    choices = [b.get("title") or b.get("payload") or "" for b in
               (message.get("buttons") or message.get("quick_replies") or [])
               if isinstance(b, Mapping)]
    if choices:
        lines.append(numbered(plain_text(c).strip() for c in choices))
    for key in ("image", "attachment"):
        if isinstance(message.get(key), str):
            lines.append(message[key].strip())
    return "\n".join(line for line in lines if line)


def split_text(text: str, limit: int = SMS_MAX_CHARS) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at the largest boundary that
    works: between paragraphs, lines, sentences, then words; in order, nothing dropped
    but the whitespace at the cuts."""
    text = text.strip()
    if not text:
        return []
    if sms_length(text) <= limit:
        return [text]
    for boundary in _BOUNDARIES:
        pieces = _pieces(text, boundary)
        if len(pieces) > 1:
            return _pack(pieces, limit, lambda piece: split_text(piece, limit))
    return _hard_cut(text, limit)


def sms_parts(messages: Iterable[str], limit: int = SMS_MAX_CHARS,
              urgent: Callable[[str], bool] = lambda text: False) -> list[str]:
    """A turn's messages as SMS parts: urgent ones first, each whole and alone in its part
    (when it fits), then the others packed in order, a blank line between two messages."""
    texts = [t.strip() for t in messages if t and t.strip()]
    first = [t for t in texts if urgent(t)]
    rest = [t for t in texts if not urgent(t)]
    if first:  # "Hi! ... I can help you find the right massage" has no place after "call 911"
        from bot.sms.texts import is_greeting

        rest = [t for t in rest if not is_greeting(t)]
    parts = [part for text in first for part in split_text(text, limit)]
    pieces = [text + MESSAGE_SEPARATOR for text in rest]
    return parts + _pack(pieces, limit, lambda piece: split_text(piece, limit))


def _pieces(text: str, boundary: re.Pattern) -> list[str]:
    """The text cut after each boundary, each piece keeping the separator that follows it."""
    pieces, start = [], 0
    for match in boundary.finditer(text):
        if match.end() > start and match.start() > 0:
            pieces.append(text[start:match.end()])
            start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return [p for p in pieces if p.strip()]


def _pack(pieces: list[str], limit: int, too_long: Callable[[str], list[str]]) -> list[str]:
    """Consecutive pieces joined while the part (stripped) fits; a piece that cannot fit
    even alone is split by `too_long`."""
    parts: list[str] = []
    current = ""
    for piece in pieces:
        if sms_length((current + piece).strip()) <= limit:
            current += piece
            continue
        if current.strip():
            parts.append(current.strip())
        current = ""
        if sms_length(piece.strip()) <= limit:
            current = piece
        else:
            parts.extend(too_long(piece))
    if current.strip():
        parts.append(current.strip())
    return parts


def _hard_cut(text: str, limit: int) -> list[str]:
    """A text without any boundary (one enormous word): cut by length, never inside a
    UTF-16 surrogate pair."""
    parts, current = [], ""
    for char in text:
        if sms_length(current + char) > limit:
            parts.append(current)
            current = ""
        current += char
    return parts + ([current] if current else [])
