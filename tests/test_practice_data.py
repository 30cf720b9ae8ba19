"""A practice's typo in its data files is reported with file and line, and the bot goes on
with the last version that loaded (bot.practice_data)."""
from __future__ import annotations

import logging
import os
import shutil

import pytest
import yaml

from bot import lexicon as lexicon_module
from bot import practice_data
from bot.catalogue import menu
from bot.catalogue.menu import DEFAULT_PATH, load_catalogue
from bot.config import LOOKUPS_DIR
from bot.practice_data import KeepLastGood, PracticeDataError, read_yaml


def touch_later(path, seconds=1):
    """A new modification time, as an edit some time later would have."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + seconds * 1_000_000_000))


def test_a_yaml_mistake_names_file_and_line(tmp_path):
    file = tmp_path / "appointment_types.yml"
    file.write_text("appointment_types:\n  - id: swedish_60\n    name: [Swedish, 60 min\n",
                    encoding="utf-8")
    with pytest.raises(PracticeDataError) as error:
        read_yaml(file)
    assert error.value.line == 4 and "appointment_types.yml, line 4" in str(error.value)


def test_mappings_remember_their_lines(tmp_path):
    file = tmp_path / "x.yml"
    file.write_text("a:\n  b: 1\n  c:\n    - {d: 2}\n", encoding="utf-8")
    data = read_yaml(file)
    assert data == {"a": {"b": 1, "c": [{"d": 2}]}}
    assert (data.line_of("a"), data["a"].line_of("c"), data["a"]["c"][0].line) == (1, 3, 4)


def test_a_wrong_value_in_the_menu_names_its_line(tmp_path):
    file = tmp_path / "appointment_types.yml"
    document = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    document["appointment_types"][2]["price"] = "cheap"
    file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    third = [n for n, line in enumerate(file.read_text().splitlines(), 1)
             if line.startswith("- ")][2]
    with pytest.raises(ValueError, match=f"line {third}: entry 3 .*price"):
        load_catalogue(file)


def test_a_broken_edit_leaves_the_last_good_menu_in_use(tmp_path, caplog):
    file = tmp_path / "appointment_types.yml"
    shutil.copy(DEFAULT_PATH, file)
    before = load_catalogue(file)
    file.write_text(file.read_text() + "\n  - id: [oops\n", encoding="utf-8")
    touch_later(file)
    with caplog.at_level(logging.ERROR, logger="bot.practice_data"):
        assert load_catalogue(file) == before
        assert load_catalogue(file) == before  # reported once, not on every message
    [record] = [r for r in caplog.records if "appointment_types.yml" in r.getMessage()]
    assert "line" in record.getMessage() and "oops" not in record.getMessage()
    # fixed again: the new version is used
    document = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    document["appointment_types"][0]["price"] = 999
    file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    touch_later(file, 2)
    assert load_catalogue(file)[0].price == 999


def test_a_server_starting_on_a_broken_file_uses_the_last_copy_that_loaded(tmp_path,
                                                                          monkeypatch):
    """One Rasa server restarts after a typo was saved: it must still screen and offer."""
    monkeypatch.setattr(practice_data, "PROJECT_ROOT", tmp_path)
    monkeypatch.setattr(practice_data, "LAST_GOOD_DIR", tmp_path / "var" / "last_good")
    file = tmp_path / "data" / "appointment_types.yml"
    file.parent.mkdir()
    shutil.copy(DEFAULT_PATH, file)
    good = KeepLastGood("appointment types").get([file], lambda f: menu._parse_file(f[0]))
    assert (tmp_path / "var" / "last_good" / "data" / "appointment_types.yml").exists()
    file.write_text("appointment_types: [\n", encoding="utf-8")
    restarted = KeepLastGood("appointment types")  # a new process: nothing held
    assert restarted.get([file], lambda f: menu._parse_file(f[0])) == good


def test_a_broken_file_with_no_good_version_is_refused(tmp_path):
    file = tmp_path / "appointment_types.yml"
    file.write_text("appointment_types: [\n", encoding="utf-8")
    with pytest.raises(PracticeDataError, match="line"):
        KeepLastGood("appointment types").get([file], lambda f: menu._parse_file(f[0]))


def test_a_broken_lookup_file_leaves_the_last_good_lookups_in_use(tmp_path, monkeypatch, caplog):
    lookups = tmp_path / "lookups"
    shutil.copytree(LOOKUPS_DIR, lookups)
    monkeypatch.setattr(lexicon_module, "RECHECK_SECONDS", 0)
    before = lexicon_module.load_lexicon(lookups)
    conditions = lookups / "conditions.yml"
    conditions.write_text(conditions.read_text() + "\npain_words: [sore\n", encoding="utf-8")
    touch_later(conditions)
    with caplog.at_level(logging.ERROR, logger="bot.practice_data"):
        assert lexicon_module.load_lexicon(lookups) is before
    assert any("conditions.yml, line" in r.getMessage() for r in caplog.records)


def test_a_misspelt_key_of_a_safety_flag_is_reported_not_ignored(tmp_path):
    """"exclusion:" or "phrase:" inside a flag would otherwise be dropped without a word."""
    from bot.safety.rules import DEFAULT_RULES_PATH, load_safety_rules

    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    broken = text.replace("  - id: spinal_injury_signs\n",
                          "  - id: spinal_injury_signs\n    exclusion: ['sleep paralysis']\n", 1)
    assert broken != text
    file = tmp_path / "safety.yml"
    file.write_text(broken, encoding="utf-8")
    line = broken.splitlines().index("  - id: spinal_injury_signs") + 1
    with pytest.raises(ValueError, match=f"line {line}: flag spinal_injury_signs: unknown key"):
        load_safety_rules(file)
