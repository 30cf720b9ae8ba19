"""Rasa's SQL tracker store, without re-reading a whole conversation on every turn.

Rasa 3.6's `SQLTrackerStore` loads and parses every event of the conversation at each turn
and counts them again before saving; on SQLite it also opens a new connection per query and
syncs every commit to disk. Under load that was about a quarter of the Rasa server's time
(py-spy, README "Where a turn's time goes"). This store keeps the serialised events of the
conversations it served recently and checks with one indexed query (the conversation's last
row id) that nobody else wrote since, so several Rasa servers sharing one database (behind a
lock store) still see each other's turns. Rows and table are Rasa's own: `rasa export`, other
Rasa servers and this project's purge read them unchanged.
"""
from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

#: conversations whose events are kept in memory; older ones are read from the database again
CACHED_CONVERSATIONS = 512


class IntakeTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store with the latest session's events kept per conversation."""

    def __init__(self, domain=None, host: Optional[str] = None, **kwargs: Any) -> None:
        super().__init__(domain, host=host, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._use_one_sqlite_pool()
        #: sender id -> (last row id, JSON of each event since the latest session start)
        self._recent: OrderedDict[str, tuple[int, list[str]]] = OrderedDict()

    def _use_one_sqlite_pool(self) -> None:
        """Connections kept open, and a write-ahead log synced at checkpoints: still safe
        when a process dies, and no longer one fsync and one new connection per query."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=5,
                                       connect_args={"check_same_thread": False})

        @sa.event.listens_for(self.engine, "connect")
        def _pragmas(connection, _record) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _last_row_id(self, session, sender_id: str) -> Optional[int]:
        return session.execute(sa.select(sa.func.max(self.SQLEvent.id)).where(
            self.SQLEvent.sender_id == sender_id)).scalar()

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        cached = self._recent.get(sender_id)
        if cached is not None and self.domain:
            with self.session_scope() as session:
                last_id = self._last_row_id(session, sender_id)
            if last_id is not None and last_id == cached[0]:
                self._recent.move_to_end(sender_id)
                return DialogueStateTracker.from_dict(
                    sender_id, [json.loads(data) for data in cached[1]], self.domain.slots)
            self._recent.pop(sender_id, None)
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id,
                                     fetch_events_from_all_sessions=False).all()
            if not rows or not self.domain:
                return None
            self._remember(sender_id, rows[-1].id, [row.data for row in rows])
            return DialogueStateTracker.from_dict(
                sender_id, [json.loads(row.data) for row in rows], self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        cached = self._recent.get(tracker.sender_id)
        with self.session_scope() as session:
            if cached is not None and self._last_row_id(session, tracker.sender_id) == cached[0]:
                stored = len(cached[1])  # what this conversation held when it was read
                kept = list(cached[1])
            else:
                stored = self._event_query(session, tracker.sender_id,
                                           fetch_events_from_all_sessions=False).count()
                kept = [] if stored == 0 else None  # a new conversation: nothing to miss
            events = list(tracker.events)[stored:]
            rows = [self._row(tracker.sender_id, event) for event in events]
            session.add_all(rows)
            session.flush()
            last_id = rows[-1].id if rows else (cached[0] if cached else None)
            written = [row.data for row in rows]
            session.commit()
        if kept is None or last_id is None:
            self._recent.pop(tracker.sender_id, None)
            return
        kept += written
        new_session = max((i for i, event in enumerate(events)
                           if isinstance(event, SessionStarted)), default=None)
        if new_session is not None:  # only the latest session is read back
            kept = kept[stored + new_session:]
        self._remember(tracker.sender_id, last_id, kept)

    def _row(self, sender_id: str, event) -> Any:
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"), data=json.dumps(data))

    def _remember(self, sender_id: str, last_id: int, events: list[str]) -> None:
        self._recent[sender_id] = (last_id, events)
        self._recent.move_to_end(sender_id)
        while len(self._recent) > CACHED_CONVERSATIONS:
            self._recent.popitem(last=False)
