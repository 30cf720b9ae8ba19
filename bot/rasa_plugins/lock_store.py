"""Rasa's Redis lock store with atomic tickets, short timeouts and a clear error.

Several Rasa servers share conversations through one tracker store; the lock store makes the
turns of one conversation run one at a time whichever server takes them. Rasa 3.6's
`RedisLockStore` reads a conversation's lock, changes it in Python and writes it back: two
servers taking a turn of one conversation at the same moment can both read "nobody waiting",
both get ticket 0 and run the two turns at once (the second overwrites the first's ticket;
the atomic fix is Rasa Pro only). Here every change of a lock is one Redis transaction
(WATCH, then MULTI/EXEC, tried again when another server changed the lock meanwhile).

Also: a waiting turn looks at the lock every 50 ms, not every second; Redis gets 2 s to
answer (Rasa's 10 s would stall the whole server, whose Redis calls block its event loop);
an unreachable Redis is logged in one line (no stack trace per turn) and fails the turn with
`LockError` (bot.rasa_plugins.turn_failures answers the client 503); and the lock of a turn
that ended while Redis was away is left to expire rather than failing a finished turn.

Endpoints file (bot.rasa_plugins.endpoints writes it from REDIS_URL)::

    lock_store:
      type: bot.rasa_plugins.lock_store.AtomicRedisLockStore
      url: 127.0.0.1
      port: 6379
      db: 0
"""
from __future__ import annotations

import json
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

logger = logging.getLogger(__name__)

#: seconds between two looks at a busy conversation's lock (Rasa: 1 s)
POLL_SECONDS = 0.05
#: seconds Redis gets to answer or to accept a connection
SOCKET_TIMEOUT = 2.0
CONNECT_TIMEOUT = 1.0
#: at most one "Redis unreachable" line per this many seconds
LOG_EVERY_SECONDS = 10.0

REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)
_UNCHANGED = object()


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose read-change-write of a lock is one Redis transaction."""

    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        options = dict(getattr(endpoint_config, "kwargs", None) or {})
        options.update(kwargs)
        host = getattr(endpoint_config, "url", None) or options.pop("host", "localhost")
        options.pop("url", None)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        connect_timeout = float(options.pop("socket_connect_timeout", CONNECT_TIMEOUT))
        super().__init__(host=host, **options)
        # Rasa's constructor has no connect timeout; no connection is open yet
        pool = self.red.connection_pool.connection_kwargs
        pool["socket_connect_timeout"] = connect_timeout
        self.where = f"{pool.get('host')}:{pool.get('port')}/{pool.get('db')}"
        self._last_logged = 0.0

    # ---- every change of a lock: one transaction -------------------------------------------

    def _change(self, conversation_id: str,
                change: Callable[[Optional[TicketLock]], tuple[Any, Any]]) -> Any:
        """Apply `change(lock) -> (new lock | None to delete | _UNCHANGED, result)` to the
        conversation's lock atomically; returns the result."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new, result = change(lock)
                    pipe.multi()
                    if new is None:
                        pipe.delete(key)
                    elif new is not _UNCHANGED:
                        pipe.set(key, new.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed this lock meanwhile: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, issue)
        except REDIS_DOWN as error:
            self._log_unreachable(error)
            raise LockError(f"the Redis lock store at {self.where} does not answer") from error
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        try:
            return super().get_lock(conversation_id)
        except REDIS_DOWN as error:
            self._log_unreachable(error)
            raise LockError(f"the Redis lock store at {self.where} does not answer") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> tuple[Any, None]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_expired_tickets()
            return lock, None

        try:
            self._change(conversation_id, drop_expired)
        except REDIS_DOWN as error:
            self._log_unreachable(error)
            raise LockError(f"the Redis lock store at {self.where} does not answer") from error

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """The turn is over: its ticket goes, and the lock with it when nobody waits. When
        Redis is away the ticket expires by itself (TICKET_LOCK_LIFETIME); the turn stands."""
        def release(lock: Optional[TicketLock]) -> tuple[Any, None]:
            if lock is None:
                return _UNCHANGED, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        try:
            self._change(conversation_id, release)
        except REDIS_DOWN as error:
            self._log_unreachable(error)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = POLL_SECONDS) -> AsyncGenerator[TicketLock, None]:
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as held:
            yield held

    def _log_unreachable(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._last_logged >= LOG_EVERY_SECONDS:
            self._last_logged = now
            logger.error("the Redis lock store at %s does not answer (%s): turns fail until "
                         "it is back", self.where, type(error).__name__)
