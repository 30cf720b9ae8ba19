"""The real servers with a typo saved into data/safety.yml: the emergency screen goes on with
the last rules that loaded, in a server that was running and in one started after the typo,
and the log names file and line (issue 15, item 3)."""
from __future__ import annotations

import os
import shutil
import uuid

import pytest

from bot.config import DATA_DIR
from bot.rasa_plugins.stack import Stack
from tests.conftest import ROOT

pytestmark = pytest.mark.stack
RULES = DATA_DIR / "safety.yml"
EMERGENCY = "crushing chest pain going down my left arm right now"


def answered_as_an_emergency(stack: Stack) -> bool:
    replies = stack.say(f"typo-{uuid.uuid4().hex[:8]}", EMERGENCY)
    return any("911" in (r.get("text") or "") for r in replies)


@pytest.fixture
def broken_rules(tmp_path):
    """data/safety.yml with a YAML mistake on its last line, put back afterwards whatever
    happens."""
    backup = tmp_path / "safety.yml"
    shutil.copy2(RULES, backup)

    def break_it() -> None:
        with RULES.open("a", encoding="utf-8") as handle:
            handle.write("flags: [ {id: oops, outcome: urgent\n")
        stat = RULES.stat()
        os.utime(RULES, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


    try:
        yield break_it
    finally:
        shutil.copy2(backup, RULES)
        stat = RULES.stat()
        os.utime(RULES, ns=(stat.st_atime_ns, stat.st_mtime_ns + 4_000_000_000))


def test_a_typo_in_the_safety_rules_does_not_stop_the_emergency_screen(
        trained_model, tmp_path, broken_rules):
    with Stack(ROOT, trained_model, tmp_path / "running") as running:
        assert answered_as_an_emergency(running)  # the rules loaded (and were kept)
        broken_rules()
        assert answered_as_an_emergency(running)
        with Stack(ROOT, trained_model, tmp_path / "restarted") as restarted:
            assert answered_as_an_emergency(restarted)
    logs = "".join((tmp_path / name / log).read_text(errors="replace")
                   for name in ("running", "restarted") for log in ("rasa.log", "actions.log"))
    assert "data/safety.yml, line" in logs, logs[-3000:]
    assert "chest pain going down" not in logs  # no client words in the log
