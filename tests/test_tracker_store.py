"""The tracker store that remembers conversations: it must read back exactly what Rasa's own
SQL tracker store reads, and see what another Rasa server wrote to the same database."""
from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                     UserUttered)

from bot.rasa_plugins.tracker_store import IntakeTrackerStore
from tests.conftest import ROOT

POSTGRES = "postgresql://postgres@127.0.0.1:5432"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    name = f"tracker_store_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{POSTGRES}/test", isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield f"{POSTGRES}/{name}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(coroutine):
    return asyncio.new_event_loop().run_until_complete(coroutine)


def turn(store, sender: str, text: str, slot_value: str | None = None):
    """One turn as Rasa's processor makes it: read, add events, save."""
    tracker = run(store.get_or_create_tracker(sender))
    tracker.update(UserUttered(text, {"name": "inform", "confidence": 1.0}))
    if slot_value is not None:
        tracker.update(SlotSet("client_name", slot_value))
    tracker.update(ActionExecuted("utter_ask_contact"))
    tracker.update(BotUttered(f"reply to {text}"))
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))
    return tracker


def events_as_rasa_reads_them(url: str, domain: Domain, sender: str) -> list[dict]:
    rasa_store = SQLTrackerStore(domain, host=url)
    events = [e.as_dict() for e in run(rasa_store.retrieve(sender)).events]
    rasa_store.engine.dispose()
    return [{k: v for k, v in e.items() if k != "timestamp"} for e in events]


def plain(tracker) -> list[dict]:
    return [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in tracker.events]


def test_reads_back_what_rasas_own_store_reads(domain, tracker_url):
    store = IntakeTrackerStore(domain, host=tracker_url)
    sender = "conv-" + uuid.uuid4().hex
    turn(store, sender, "hello")
    turn(store, sender, "Dana", slot_value="Dana")
    cached = run(store.retrieve(sender))
    assert cached.get_slot("client_name") == "Dana"
    assert plain(cached) == events_as_rasa_reads_them(tracker_url, domain, sender)
    assert len([e for e in cached.events if isinstance(e, UserUttered)]) == 2


def test_sees_what_another_server_wrote(domain, tracker_url):
    """Two servers behind a load balancer: a turn saved by the other one is not missed, and
    none of its events are written twice."""
    ours, theirs = (IntakeTrackerStore(domain, host=tracker_url) for _ in range(2))
    sender = "conv-" + uuid.uuid4().hex
    turn(ours, sender, "hello")
    turn(ours, sender, "back pain")  # ours now remembers the conversation
    turn(theirs, sender, "Dana", slot_value="Dana")
    tracker = turn(ours, sender, "555 201 3344")
    assert tracker.get_slot("client_name") == "Dana"
    texts = [e.text for e in run(theirs.retrieve(sender)).events if isinstance(e, UserUttered)]
    assert texts == ["hello", "back pain", "Dana", "555 201 3344"]
    assert plain(run(ours.retrieve(sender))) == events_as_rasa_reads_them(tracker_url, domain,
                                                                            sender)


def test_a_new_session_keeps_only_the_latest_session(domain, tracker_url):
    store = IntakeTrackerStore(domain, host=tracker_url)
    sender = "conv-" + uuid.uuid4().hex
    turn(store, sender, "first visit")
    tracker = run(store.retrieve(sender))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))
    turn(store, sender, "second visit")
    cached = run(store.retrieve(sender))
    assert [e.text for e in cached.events if isinstance(e, UserUttered)] == ["second visit"]
    assert plain(cached) == events_as_rasa_reads_them(tracker_url, domain, sender)


def test_a_deleted_conversation_is_not_served_from_memory(domain, tracker_url):
    """`python -m bot purge` deletes rows behind the server's back."""
    store = IntakeTrackerStore(domain, host=tracker_url)
    sender = "conv-" + uuid.uuid4().hex
    turn(store, sender, "hello")
    with store.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE sender_id = :s"), {"s": sender})
    assert run(store.retrieve(sender)) is None


def test_the_servers_event_lookup_gives_rasas_classes():
    """bot.rasa_plugins.rasa_server remembers each event type's class: the same classes as
    Rasa's own walk, and an unknown name still fails the same way."""
    from rasa.shared.core import events
    from rasa.shared.core.events import Event

    from bot.rasa_plugins import rasa_server

    names = {cls.type_name for cls in
             __import__("rasa.shared.utils.common", fromlist=["x"]).all_subclasses(Event)}
    expected = {name: Event.resolve_by_type(name) for name in names}
    rasa_server.install()
    assert getattr(Event.resolve_by_type, "cached", False)
    assert {name: Event.resolve_by_type(name) for name in names} == expected
    assert Event.resolve_by_type("slot") is events.SlotSet
    assert Event.resolve_by_type("no_such_event", events.SlotSet) is events.SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
