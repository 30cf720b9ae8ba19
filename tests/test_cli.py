"""`python -m bot assess` and `export` through their real command line (contract shapes)."""
from __future__ import annotations

import json
import subprocess

import pytest

from tests.conftest import ROOT

KEYS = {"id", "text", "client_type", "confidence", "reasons", "conditions", "goals",
        "red_flags", "cautions", "safety_outcome", "recommended_appointment_types",
        "emergency_check"}  # the contract's keys, plus the symptoms to ask about first


def bot(*args: str, stdin: str = "", env=None, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "bot", *args], cwd=ROOT,
                          input=stdin, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module")
def assessed(trained_model):
    lines = [
        {"id": "a", "text": "sciatica down my left leg for 3 weeks, no numbness"},
        "this is not json",
        {"id": "b", "text": "just want to relax, gift for my mom"},
        {"id": "c"},
        {"id": "d", "text": "I have a stomach ache"},
        {"id": "e", "text": "my mom has fibro and i get migranes"},
        {"id": 7, "text": ""},
    ]
    stdin = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    result = bot("assess", stdin=stdin + "\n")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_assess_answers_every_line_in_order(assessed):
    assert [r.get("id") for r in assessed] == ["a", None, "b", "c", "d", "e", 7]
    assert "error" in assessed[1] and "error" in assessed[3]
    for result in (assessed[0], assessed[2], assessed[4], assessed[5], assessed[6]):
        assert set(result) == KEYS


def test_assess_classifies_extracts_and_recommends(assessed):
    sciatica, relax, stomach, family = assessed[0], assessed[2], assessed[4], assessed[5]
    assert sciatica["client_type"] == "medical"
    [cond] = [c for c in sciatica["conditions"] if c["id"] == "sciatica"]
    assert cond["status"] == "present" and cond["side"] == "left" and cond["body_part"] == "lower_back"
    assert set(cond) == {"id", "text", "status", "body_part", "side", "start", "end"}
    assert sciatica["text"][cond["start"]:cond["end"]] == cond["text"]  # the contract's offsets
    assert any("sciatica" in r for r in sciatica["reasons"])
    assert sciatica["recommended_appointment_types"]
    assert sciatica["safety_outcome"] in ("book", "therapist_review", "clearance_needed", "urgent")
    assert relax["client_type"] == "relaxation" and "gift" in relax["goals"]
    assert relax["recommended_appointment_types"][0].startswith("swedish")
    assert stomach["client_type"] == "unclear" and stomach["recommended_appointment_types"] == []
    statuses = {c["id"]: c["status"] for c in family["conditions"]}
    assert statuses == {"fibromyalgia": "family", "migraine": "present"}


def test_assess_text_option(trained_model):
    result = bot("assess", "--text", "crick in my neck")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert json.loads(line)["client_type"] == "medical"


def test_export_rejects_a_bad_date_clearly(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
           "RASA_TELEMETRY_ENABLED": "false"}
    result = bot("export", "--since", "last tuesday", env=env)
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr
    assert "Traceback" not in result.stderr
    result = bot("export", env=env)
    assert result.returncode == 0 and json.loads(result.stdout) == []
