"""A sample of simulated client conversations through the real stack (`make simulate` runs
several hundred): every cooperative client gets a stored record, without loops, and the record
holds what the client said."""
from __future__ import annotations

import pytest

from sim.simulator import report, simulate

pytestmark = pytest.mark.stack

CONVERSATIONS, SEED = 40, 8


@pytest.fixture(scope="module")
def simulated(stack):
    results = simulate(stack, CONVERSATIONS, SEED, workers=3)
    summary = report(results, failures=5)  # printed on failure (pytest -s shows it always)
    return results, summary


def test_every_conversation_ends_in_a_stored_intake_or_emergency_record(simulated):
    results, summary = simulated
    assert summary["stored_ok"] == CONVERSATIONS, summary["failures"]


def test_no_loops_and_at_most_20_turns(simulated):
    results, summary = simulated
    assert summary["loops"] == 0, summary["failures"]
    assert summary["turns_max"] is not None and summary["turns_max"] <= 20


@pytest.mark.parametrize("field", ["name", "contact", "appointment_type"])
def test_name_contact_and_chosen_type_are_what_the_client_said(simulated, field):
    results, summary = simulated
    ok, total = summary["fidelity"][field]
    wrong = [(r.persona.index, r.fields[field][1:]) for r in results
             if field in r.fields and not r.fields[field][0]]
    assert ok == total, wrong
