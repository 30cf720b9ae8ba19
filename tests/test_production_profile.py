"""The production profile: intake and tracker in PostgreSQL, Rasa's lock store in Redis."""
from __future__ import annotations

import json
import subprocess
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT
from bot.rasa_plugins.stack import Stack

pytestmark = pytest.mark.stack
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def postgres_databases():
    names = [f"intake_prod_{uuid.uuid4().hex[:8]}", f"tracker_prod_{uuid.uuid4().hex[:8]}"]
    admin = sa.create_engine(f"{POSTGRES}/test", isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield [f"{POSTGRES}/{name}" for name in names]
    with admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def redis_commands() -> int:
    import redis

    stats = redis.Redis.from_url(REDIS_URL).info("commandstats")
    return sum(v["calls"] for k, v in stats.items() if k in ("cmdstat_set", "cmdstat_get"))


def test_intake_through_postgresql_and_the_redis_lock_store(trained_model, tmp_path,
                                                            postgres_databases):
    intake_url, tracker_url = postgres_databases
    env = {"DATABASE_URL": intake_url, "TRACKER_STORE_URL": tracker_url, "REDIS_URL": REDIS_URL}
    before = redis_commands()
    with Stack(ROOT, trained_model, tmp_path, env=env) as stack:
        assert "lock_store" in (tmp_path / "endpoints.yml").read_text()
        sender = stack.new_sender()
        for message in ("i'd like a relaxing massage as a gift to myself", "none", "1", "Lee Kim",
                        "lee@example.com", "friday afternoons", "yes"):
            reply = stack.say(sender, message)
        assert "Thank you, Lee" in reply[-1]["text"]
        assert redis_commands() > before  # Rasa locked each turn in Redis
        exported = subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", "export"],
                                  cwd=ROOT, env=stack.env, capture_output=True, text=True)
    [intake] = json.loads(exported.stdout)
    assert intake["conversation_id"] == sender and intake["client_type"] == "relaxation"
    engine = sa.create_engine(tracker_url, future=True)
    with engine.connect() as conn:
        count = conn.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                             {"s": sender}).scalar()
    engine.dispose()
    assert count > 10
