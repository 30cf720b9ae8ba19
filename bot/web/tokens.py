"""The chat widget's session tokens: a random conversation id bound in a signed JWT.

The web app issues them (`POST /widget/session`); Rasa's socket.io channel
(bot.rasa_plugins.socketio_channel) checks them at connect and binds the socket to the id the
token carries, so a visitor can only ever join their own conversation. Both processes derive
the same signing key from the project's secret (bot.config.web_secret_key: WEB_SECRET_KEY, or
the key generated into var/). No Flask and no Rasa here: both sides import this module.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

import jwt

from bot.config import web_secret_key

ALGORITHM = "HS256"
#: The token's `aud`: a token made for something else signed with the same secret is refused.
AUDIENCE = "intake-widget"
#: A tab keeps its conversation this long; then the widget starts a new one. Longer than
#: Rasa's session expiry (domain.yml, 120 minutes) so a client who steps away comes back to it.
LIFETIME_SECONDS = 12 * 3600
#: Key derivation label: the project's secret also keys SMS conversation ids and web sessions.
_KEY_PURPOSE = b"intake chat widget session token v1"
#: 128 random bits as 32 lowercase hex digits (the shape of Rasa's own uuid4().hex ids).
SESSION_ID = re.compile(r"[0-9a-f]{32}")


class InvalidToken(Exception):
    """Missing, malformed, expired, or signed with another key."""


def signing_key(secret: str | None = None) -> bytes:
    secret = secret if secret is not None else web_secret_key()
    return hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()


def new_session_id() -> str:
    return secrets.token_hex(16)


def issue(session_id: str | None = None, *, key: bytes | None = None,
          now: float | None = None, lifetime: int = LIFETIME_SECONDS) -> tuple[str, str]:
    """(token, session id): a new random id unless one is given."""
    session_id = session_id or new_session_id()
    if not SESSION_ID.fullmatch(session_id):
        raise ValueError("a session id is 32 lowercase hex digits")
    issued = int(now if now is not None else time.time())
    claims = {"sid": session_id, "aud": AUDIENCE, "iat": issued, "exp": issued + lifetime}
    return jwt.encode(claims, key or signing_key(), algorithm=ALGORITHM), session_id


def session_id_of(token: object, *, key: bytes | None = None) -> str:
    """The session id the token carries, or InvalidToken."""
    if not isinstance(token, str) or not token or len(token) > 1024:
        raise InvalidToken("no token")
    try:
        claims = jwt.decode(token, key or signing_key(), algorithms=[ALGORITHM],
                            audience=AUDIENCE, options={"require": ["sid", "exp", "aud"]})
    except jwt.PyJWTError as error:
        raise InvalidToken(str(error)) from None
    session_id = claims.get("sid")
    if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
        raise InvalidToken("no session id")
    return session_id


def bearer(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` header."""
    scheme, _, token = (header or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
