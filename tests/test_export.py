"""`export` output: the contract's JSON shape, and a CSV with one row per intake."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from bot.storage.export import CSV_COLUMNS, export_intakes
from tests.test_storage import (  # noqa: F401  (fixtures shared with the storage tests)
    CONTRACT_KEYS,
    database_url,
    engine,
    make_record,
    postgres_url,
    saved,
    sqlite_url,
)


@pytest.fixture
def two_intakes(engine):
    first = saved(engine, make_record("conv-a", created_at="2024-05-01T08:00:00+00:00"))
    second = saved(engine, make_record(
        "conv-b", created_at="2024-05-20T08:00:00+00:00", status="booked",
        conditions=[], goals=["relaxation"], cautions=[], referral=None,
        contact={"name": "=HYPERLINK(\"x\")", "phone": None, "email": None},
        transcript=[{"sender": "client", "text": "just want to unwind", "at": None}],
    ))
    return first, second


def test_json_export_is_the_contract_shape(database_url, two_intakes):
    exported = json.loads(export_intakes(database_url))
    assert [r["id"] for r in exported] == list(two_intakes)
    assert all(set(r) == CONTRACT_KEYS | {"severity", "duration", "details"} for r in exported)
    first = make_record("conv-a", created_at="2024-05-01T08:00:00+00:00")
    assert exported[0] == {"id": two_intakes[0], "severity": None, "duration": None, "details": {},
                           **first}


def test_json_export_since_a_day(database_url, two_intakes):
    exported = json.loads(export_intakes(database_url, since=date(2024, 5, 10)))
    assert [r["conversation_id"] for r in exported] == ["conv-b"]


def test_csv_export_has_one_flat_row_per_intake(database_url, two_intakes):
    rows = list(csv.DictReader(io.StringIO(export_intakes(database_url, fmt="csv"))))

    assert len(rows) == 2
    assert tuple(rows[0]) == CSV_COLUMNS
    first, second = rows
    assert first["id"] == str(two_intakes[0])
    assert first["created_at"] == "2024-05-01T08:00:00+00:00"
    assert first["reasons"] == "mentions sciatica; wants pain relief"
    assert first["conditions"] == "sciatica (present, lower_back, left); headache (negated)"
    assert first["goals"] == "pain_relief; mobility"
    assert first["cautions"] == "blood_thinners"
    assert first["red_flags"] == ""
    assert first["contact_name"] == "Test Person"
    assert first["contact_phone"] == "'+15550100"  # kept as text, not a spreadsheet formula
    assert first["contact_email"] == "test@example.org"
    assert first["referral"] == "true"
    assert first["transcript"].splitlines() == [
        "[2024-05-06T14:29:01+00:00] client: my left leg buzzes down from the hip",
        "[2024-05-06T14:29:02+00:00] bot: Thanks, how long has that been going on?",
    ]
    assert second["status"] == "booked"
    assert second["conditions"] == second["referral"] == second["contact_phone"] == ""
    assert second["contact_name"].startswith("'=")
    assert second["transcript"] == "client: just want to unwind"


def test_csv_export_since_a_day(database_url, two_intakes):
    rows = list(csv.DictReader(io.StringIO(
        export_intakes(database_url, fmt="csv", since=date(2024, 5, 10)))))
    assert [r["conversation_id"] for r in rows] == ["conv-b"]


def test_empty_database_exports_an_empty_list_and_a_header(database_url):
    assert json.loads(export_intakes(database_url)) == []
    assert export_intakes(database_url, fmt="csv").splitlines() == [",".join(CSV_COLUMNS)]


def test_unknown_format_is_refused(sqlite_url):
    with pytest.raises(ValueError, match="format must be one of json, csv"):
        export_intakes(sqlite_url, fmt="xml")
