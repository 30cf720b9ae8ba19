"""Intake storage against real databases: a fresh SQLite file per test, and PostgreSQL (one
uniquely named database per test run, emptied after each test). Both are built by the
Alembic migrations, never by create_all.

The fixtures here are shared with test_export.py (imported there); they could move to
conftest.py if more test modules need a database.
"""
from __future__ import annotations

import json
import os
import stat
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.storage import db, models, outbox, repository
from bot.storage.repository import (
    get_intake,
    intake_to_record,
    list_intakes,
    save_intake,
    set_intake_status,
)

POSTGRES_ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
#: Exported besides the contract's keys, for staff: what the client said about severity and
#: duration, and the other extracted details.
STAFF_DEFAULTS = {"severity": None, "duration": None, "details": {}}
CONTRACT_KEYS = {
    "id", "conversation_id", "channel", "created_at", "status", "client_type", "confidence",
    "reasons", "conditions", "goals", "red_flags", "cautions", "safety_outcome",
    "appointment_type", "preferred_times", "contact", "referral", "insurance", "transcript",
}


# ---- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_url():
    """A PostgreSQL database made for this test run, migrated once, dropped at the end."""
    admin = sa.create_engine(
        POSTGRES_ADMIN_URL, future=True, isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )
    try:
        with admin.connect():
            pass
    except sa.exc.OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable: {error.orig}")
    name = f"intake_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        db.upgrade_database(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path):
    """A fresh, migrated SQLite file for one test."""
    url = f"sqlite:///{tmp_path / 'var' / 'intake.db'}"
    db.upgrade_database(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request):
    """A migrated, empty database of each kind."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    engine = db.make_engine(url)
    try:
        with engine.begin() as connection:
            tables = ", ".join(t.name for t in models.Base.metadata.sorted_tables)
            connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture
def engine(database_url):
    engine = db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with so.Session(engine, future=True) as session:
        yield session


@pytest.fixture
def outbox_dir(tmp_path):
    return tmp_path / "outbox"


def make_record(conversation_id: str = "conv-1", **changes) -> dict:
    """A complete intake record in the export shape (no id); the words are made up."""
    record = {
        "conversation_id": conversation_id,
        "channel": "web",
        "created_at": "2024-05-06T14:30:00+00:00",
        "status": "new",
        "client_type": "medical",
        "confidence": 0.91,
        "reasons": ["mentions sciatica", "wants pain relief"],
        "conditions": [
            {"id": "sciatica", "text": "sciatic nerve thing", "status": "present",
             "body_part": "lower_back", "side": "left"},
            {"id": "headache", "text": "headaches", "status": "negated",
             "body_part": None, "side": None},
        ],
        "goals": ["pain_relief", "mobility"],
        "red_flags": [],
        "cautions": ["blood_thinners"],
        "safety_outcome": "therapist_review",
        "appointment_type": "neuromuscular_60",
        "preferred_times": "weekday evenings",
        "contact": {"name": "Test Person", "phone": "+15550100", "email": "test@example.org"},
        "referral": True,
        "insurance": "self pay",
        "transcript": [
            {"sender": "client", "text": "my left leg buzzes down from the hip",
             "at": "2024-05-06T14:29:01+00:00"},
            {"sender": "bot", "text": "Thanks, how long has that been going on?",
             "at": "2024-05-06T14:29:02+00:00"},
        ],
    }
    record.update(changes)
    return record


def saved(engine, record) -> int:
    with so.Session(engine, future=True) as session:
        return save_intake(session, record)


# ---- schema ---------------------------------------------------------------------------------

def test_migrations_build_exactly_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, models.Base.metadata) == []


def test_migrations_downgrade_and_upgrade_again(sqlite_url):
    command.downgrade(db.alembic_config(sqlite_url), "base")
    engine = db.make_engine(sqlite_url)
    try:
        assert sa.inspect(engine).get_table_names() == ["alembic_version"]
        db.upgrade_database(engine)
        assert "intakes" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_make_engine_creates_the_sqlite_folder_and_reads_database_url(tmp_path, monkeypatch):
    database = tmp_path / "nested" / "var" / "intake.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")
    engine = db.make_engine()
    try:
        assert engine.url.database == str(database)
        assert database.parent.is_dir()
        assert not database.exists()  # nothing connects until asked
    finally:
        engine.dispose()


# ---- repository -----------------------------------------------------------------------------

def test_full_record_round_trips_to_the_export_shape(engine):
    intake_id = saved(engine, make_record())
    with so.Session(engine, future=True) as session:
        exported = intake_to_record(get_intake(session, intake_id))
    # the contract's keys, plus what staff also need to see (severity, duration, details)
    assert set(exported) == CONTRACT_KEYS | {"severity", "duration", "details"}
    assert exported == {"id": intake_id, **STAFF_DEFAULTS, **make_record()}


def test_extra_extracted_details_are_stored_on_the_intake(engine):
    details = {"aggravators": ["sitting"], "surgery": {"what": "knee", "weeks_ago": 10}}
    intake_id = saved(engine, make_record(severity=6, duration="3 weeks", details=details))
    with so.Session(engine, future=True) as session:
        intake = get_intake(session, intake_id)
        assert (intake.severity, intake.duration, intake.details) == (6, "3 weeks", details)


def test_sparse_record_gets_defaults_and_an_aware_utc_time(engine):
    before = datetime.now(timezone.utc)
    record = {"conversation_id": "sparse", "channel": "sms", "client_type": "unclear",
              "safety_outcome": "book"}
    intake_id = saved(engine, record)
    with so.Session(engine, future=True) as session:
        intake = get_intake(session, intake_id)
        exported = intake_to_record(intake)
    assert intake.created_at.tzinfo is not None
    assert before <= intake.created_at <= datetime.now(timezone.utc)
    assert exported["status"] == "new"
    assert exported["contact"] == {"name": None, "phone": None, "email": None}
    assert (exported["appointment_type"], exported["referral"]) == (None, None)
    assert exported["conditions"] == exported["transcript"] == []


def test_times_are_stored_as_utc_whatever_zone_they_came_in(engine):
    record = make_record(created_at="2024-05-06T16:30:00+02:00", transcript=[
        {"sender": "client", "text": "hello", "at": 1715005800.0},  # Rasa's event timestamps
    ])
    intake_id = saved(engine, record)
    with so.Session(engine, future=True) as session:
        exported = intake_to_record(get_intake(session, intake_id))
    assert exported["created_at"] == "2024-05-06T14:30:00+00:00"
    assert exported["transcript"][0]["at"] == "2024-05-06T14:30:00+00:00"


@pytest.mark.parametrize(
    ("safety_outcome", "status"),
    [("urgent", "emergency"), ("clearance_needed", "needs_clearance"), ("book", "new")],
)
def test_status_follows_the_safety_outcome_when_not_given(sqlite_url, safety_outcome, status):
    record = make_record(safety_outcome=safety_outcome)
    del record["status"]
    engine = db.make_engine(sqlite_url)
    try:
        with so.Session(engine, future=True) as session:
            assert get_intake(session, save_intake(session, record)).status == status
    finally:
        engine.dispose()


def test_a_returning_client_gets_a_new_intake_in_the_same_conversation(engine):
    first = saved(engine, make_record(intake_key="conv-1@1700000000"))
    second = saved(engine, make_record(intake_key="conv-1@1710000000"))
    again = saved(engine, make_record(intake_key="conv-1@1710000000", status="booked"))
    assert first != second and again == second
    with so.Session(engine, future=True) as session:
        assert [i.conversation_id for i in list_intakes(session)] == ["conv-1", "conv-1"]


def test_saving_the_same_intake_again_changes_nothing(engine):
    first = saved(engine, make_record())
    again = saved(engine, make_record(status="booked", goals=["relaxation"]))
    with so.Session(engine, future=True) as session:
        intakes = list_intakes(session)
        assert again == first
        assert [(i.id, i.status) for i in intakes] == [(first, "new")]
        assert [g.goal for g in intakes[0].goals] == ["pain_relief", "mobility"]


def test_an_exported_record_can_be_saved_back_as_it_is(engine):
    intake_id = saved(engine, make_record())
    with so.Session(engine, future=True) as session:
        exported = intake_to_record(get_intake(session, intake_id))
    assert saved(engine, exported) == intake_id


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "maybe"}, "status must be one of new, reviewed"),
        ({"conversation_id": None}, "missing required key(s): conversation_id"),
        ({"conversation_id": ""}, "missing required key(s): conversation_id"),
        ({"channel": "fax"}, "channel must be one of web, sms, shell, rest"),
        ({"client_type": "vip"}, "client_type must be one of"),
        ({"safety_outcome": "fine"}, "safety_outcome must be one of"),
        ({"colour": "blue"}, "unknown key(s): colour"),
        ({"confidence": 1.5}, "confidence must be a number from 0 to 1"),
        ({"severity": 11}, "severity must be a whole number from 0 to 10"),
        ({"referral": "yes"}, "referral must be true, false or null"),
        ({"goals": ["world_peace"]}, "each of goals must be one of"),
        ({"conditions": [{"id": "sciatica"}]}, "conditions[0].status must be one of"),
        ({"conditions": [{"id": "sciatica", "status": "present", "side": "up"}]},
         "conditions[0].side must be one of left, right, both"),
        ({"transcript": [{"sender": "nurse", "text": "hi"}]}, "transcript[0].sender"),
        ({"created_at": "last tuesday"}, "created_at must be an ISO-8601"),
        ({"contact": {"fax": "1"}}, "contact has unknown key(s): fax"),
        ({"details": {"when": object()}}, "details must hold only JSON values"),
    ],
)
def test_bad_input_raises_a_clear_value_error_and_stores_nothing(sqlite_url, change, message):
    record = make_record()
    record.update(change)
    if change.get("conversation_id", "x") is None:
        del record["conversation_id"]
    engine = db.make_engine(sqlite_url)
    try:
        with so.Session(engine, future=True) as session:
            with pytest.raises(ValueError) as error:
                save_intake(session, record)
            assert message in str(error.value)
            assert list_intakes(session) == []
    finally:
        engine.dispose()


def test_value_errors_do_not_repeat_what_the_client_said():
    record = make_record(conditions=[{"id": "my ouchy elbow", "status": "present"}])
    with pytest.raises(ValueError) as error:
        repository.validate_record(record)
    assert "ouchy" not in str(error.value)


def test_list_intakes_since_a_day_and_by_status(engine):
    today = datetime(2024, 6, 10, 9, 0, tzinfo=timezone.utc)
    for days_ago, status in [(10, "new"), (1, "booked"), (0, "new")]:
        created = (today - timedelta(days=days_ago)).isoformat()
        saved(engine, make_record(f"conv-{days_ago}", created_at=created, status=status))
    with so.Session(engine, future=True) as session:
        def ids(**filters):
            return [i.conversation_id for i in list_intakes(session, **filters)]

        assert ids() == ["conv-10", "conv-1", "conv-0"]
        assert ids(since=date(2024, 6, 9)) == ["conv-1", "conv-0"]
        assert ids(since=date(2024, 6, 11)) == []
        assert ids(status="new") == ["conv-10", "conv-0"]
        assert ids(since=date(2024, 6, 1), status="new") == ["conv-0"]


def test_set_intake_status(engine):
    intake_id = saved(engine, make_record())
    with so.Session(engine, future=True) as session:
        assert set_intake_status(session, intake_id, "reviewed").status == "reviewed"
        with pytest.raises(ValueError, match="status must be one of"):
            set_intake_status(session, intake_id, "lost")
        with pytest.raises(LookupError):
            set_intake_status(session, intake_id + 1000, "booked")
    with so.Session(engine, future=True) as session:
        assert get_intake(session, intake_id).status == "reviewed"
        assert get_intake(session, intake_id + 1000) is None


# ---- outbox ---------------------------------------------------------------------------------

def unreachable_sqlite_url(tmp_path) -> str:
    """A SQLite file whose folder cannot be created: its would-be parent is a regular file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    return f"sqlite:///{blocker / 'var' / 'intake.db'}"


UNREACHABLE = {
    "sqlite-folder-cannot-be-made": unreachable_sqlite_url,
    "postgresql-closed-port": lambda _tmp: "postgresql://postgres@127.0.0.1:1/intake",
}


@pytest.mark.parametrize("unreachable", sorted(UNREACHABLE))
def test_unavailable_database_queues_a_private_file_then_flush_stores_it(
    unreachable, tmp_path, outbox_dir, engine
):
    record = make_record("conv-queued")
    result = outbox.save_or_queue(record, UNREACHABLE[unreachable](tmp_path), outbox_dir)

    assert result["status"] == "queued"
    queued = list(outbox_dir.glob("*.json"))
    assert [p.name.startswith("conv-queued-") for p in queued] == [True]
    assert stat.S_IMODE(queued[0].stat().st_mode) == 0o600
    assert json.loads(queued[0].read_text()) == record

    assert outbox.flush_outbox(engine, outbox_dir) == 1
    assert list(outbox_dir.iterdir()) == []
    with so.Session(engine, future=True) as session:
        [intake] = list_intakes(session)
        assert intake_to_record(intake) == {"id": intake.id, **STAFF_DEFAULTS, **record}


def test_queued_intake_keeps_the_time_it_was_queued(tmp_path, outbox_dir, engine):
    record = make_record("conv-late")
    del record["created_at"]
    before = datetime.now(timezone.utc)
    outbox.save_or_queue(record, unreachable_sqlite_url(tmp_path), outbox_dir)
    outbox.flush_outbox(engine, outbox_dir)
    with so.Session(engine, future=True) as session:
        [intake] = list_intakes(session)
        assert before <= intake.created_at <= datetime.now(timezone.utc)


def test_save_or_queue_sends_the_queue_first_and_uses_outbox_env(
    tmp_path, outbox_dir, engine, monkeypatch
):
    monkeypatch.setenv("INTAKE_OUTBOX_DIR", str(outbox_dir))
    assert outbox.save_or_queue(make_record("first"), unreachable_sqlite_url(tmp_path))[
        "status"] == "queued"
    assert outbox.queued_count() == 1

    result = outbox.save_or_queue(make_record("second"), engine)

    assert result["status"] == "saved" and result["flushed"] == 1
    assert outbox.queued_count() == 0
    with so.Session(engine, future=True) as session:
        assert [i.conversation_id for i in list_intakes(session)] == ["first", "second"]
        assert result["id"] == list_intakes(session)[1].id


def test_save_or_queue_with_a_url_saves_directly(database_url, outbox_dir):
    result = outbox.save_or_queue(make_record(), database_url, outbox_dir)
    assert (result["status"], result["flushed"]) == ("saved", 0)
    assert not outbox_dir.exists()


def test_flush_sets_aside_files_that_can_never_be_stored(outbox_dir, engine):
    outbox_dir.mkdir()
    (outbox_dir / "broken-1.json").write_text("{not json")
    (outbox_dir / "invalid-2.json").write_text(json.dumps(make_record(status="maybe")))
    (outbox_dir / "good-3.json").write_text(json.dumps(make_record("good")))

    assert outbox.flush_outbox(engine, outbox_dir) == 1
    assert sorted(p.name for p in outbox_dir.iterdir()) == [
        "broken-1.json.rejected", "invalid-2.json.rejected"]


def test_malformed_record_is_refused_not_queued(tmp_path, outbox_dir):
    with pytest.raises(ValueError, match="missing required key"):
        outbox.save_or_queue({"channel": "web"}, unreachable_sqlite_url(tmp_path), outbox_dir)
    assert not outbox_dir.exists()
