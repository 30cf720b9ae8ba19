"""The safety screen alone (no Rasa): red-flag recall, hard-negative precision, precedence,
the surgery window, message wording, and that the rules really come from data/safety.yml."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.safety import (
    DEFAULT_RULES_PATH,
    SafetyResult,
    load_safety_rules,
    merge_results,
    screen,
)

CASES = yaml.safe_load((Path(__file__).parent / "safety" / "red_flags.yml").read_text("utf-8"))
POSITIVES, NEGATIVES = CASES["positives"], CASES["negatives"]
RULES_DATA = yaml.safe_load(DEFAULT_RULES_PATH.read_text("utf-8"))
EMERGENCY_IDS = {"chest_pain", "stroke_signs", "shortness_of_breath", "dvt_signs",
                 "cauda_equina_signs", "suicidal_thoughts"}
#: Kinds added for issue 7; their recall is measured on tests/safety/emergencies_*.yml.
MORE_EMERGENCY_IDS = {"sudden_severe_headache", "head_injury_signs", "pregnancy_warning_signs",
                      "anaphylaxis_signs", "heavy_bleeding", "overdose", "hypertensive_crisis",
                      "meningitis_signs", "self_harm", "collapse_or_seizure", "spinal_injury_signs"}
ALL_IDS = EMERGENCY_IDS | {
    "recent_surgery", "clot_history", "high_risk_pregnancy", "fever", "contagious_infection",
    "blood_thinners", "cancer_treatment", "pregnancy", "blood_pressure_medication",
    "recent_injury", "skin_condition_at_area", "wound_infection_signs", "progressive_weakness",
    # from a client-style test (2026-12-07, fourth session)
    "stroke_history", "cannot_bear_weight_after_injury", "hot_swollen_joint", "osteoporosis",
    "swollen_after_injury", "lymph_nodes_removed"}
#: Wording that states or guesses a diagnosis; the bot says what to do, never what it is.
DIAGNOSING = [r"\byou have\b", r"\byou(?:'re| are) suffering from\b", r"\bthis is (?:a|an)\b",
              r"\bsounds like (?:a|an)\b", r"diagnos", r"\bit could be\b", r"\bprobably\b",
              r"\bcould be a\b", r"\blikely\b", r"\bsymptoms of\b"]


def flags_of(result: SafetyResult) -> set[str]:
    return set(result.red_flags) | set(result.cautions)


def rules_copy(tmp_path: Path, edit) -> Path:
    """A copy of data/safety.yml with `edit(data)` applied, for data-driven checks."""
    data = yaml.safe_load(DEFAULT_RULES_PATH.read_text("utf-8"))
    edit(data)
    path = tmp_path / "safety.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the case set

def test_case_set_is_big_enough_and_covers_every_flag():
    assert len(POSITIVES) >= 70 and len(NEGATIVES) >= 70
    listed = {fid for case in POSITIVES for fid in case["flags"]}
    assert ALL_IDS <= listed, f"no positive case for {sorted(ALL_IDS - listed)}"
    for fid in EMERGENCY_IDS:
        assert sum(fid in case["flags"] for case in POSITIVES) >= 6, fid


def test_recall_is_complete_for_every_listed_flag():
    misses, urgent_hits, urgent_total, hits, total = [], 0, 0, 0, 0
    for case in POSITIVES:
        found = flags_of(screen(case["text"]))
        for fid in case["flags"]:
            total += 1
            urgent_total += fid in EMERGENCY_IDS
            if fid in found:
                hits += 1
                urgent_hits += fid in EMERGENCY_IDS
            else:
                misses.append(f"{fid}: {case['text']!r}")
    print(f"\nrecall: emergency {urgent_hits}/{urgent_total}, all flags {hits}/{total}")
    assert not misses, "missed red flags:\n" + "\n".join(misses)


def test_every_emergency_positive_gets_the_emergency_outcome():
    wrong = [case["text"] for case in POSITIVES
             if EMERGENCY_IDS & set(case["flags"]) and not screen(case["text"]).emergency]
    assert not wrong, wrong


def test_outcomes_given_in_the_case_set():
    wrong = [(case["text"], case["outcome"], screen(case["text"]).outcome)
             for case in POSITIVES if "outcome" in case
             if screen(case["text"]).outcome != case["outcome"]]
    assert not wrong, wrong


def test_precision_is_reported_and_above_the_floor():
    true_pos = false_pos = 0
    wrong = []
    for case in POSITIVES:
        found = flags_of(screen(case["text"]))
        true_pos += len(found & set(case["flags"]))
        extra = found - set(case["flags"])
        false_pos += len(extra)
        wrong += [f"extra {sorted(extra)}: {case['text']!r}"] if extra else []
    clean = 0
    for case in NEGATIVES:
        found = flags_of(screen(case["text"]))
        bad = found if case.get("expect") == "book" else found & set(case.get("not_flags", []))
        false_pos += len(bad)
        clean += not bad
        wrong += [f"flagged {sorted(bad)}: {case['text']!r}"] if bad else []
    precision = true_pos / (true_pos + false_pos)
    specificity = clean / len(NEGATIVES)
    print(f"\nprecision {precision:.3f} ({true_pos} right, {false_pos} wrong flags); "
          f"hard negatives left alone {clean}/{len(NEGATIVES)} ({specificity:.3f})")
    assert precision >= 0.95 and specificity >= 0.95, "\n".join(wrong)


# --------------------------------------------------------------------------- outcomes

@pytest.mark.parametrize(("text", "outcome"), [
    ("im on eliquis and my chest hurts", "urgent"),
    ("pregnant and had surgery 2 weeks ago", "clearance_needed"),
    ("pregnant with a fever", "clearance_needed"),
    ("on blood thinners", "therapist_review"),
    ("tight shoulders from desk work", "book"),
    ("", "book"),
])
def test_outcome_precedence(text, outcome):
    assert screen(text).outcome == outcome


def test_result_lists_red_flags_and_cautions_apart():
    result = screen("im on eliquis and my chest hurts")
    assert result.red_flags == ["chest_pain"]
    assert result.cautions == ["blood_thinners"]
    assert result.emergency and not result.reschedule
    assert len(result.messages) == 1 and "911" in result.messages[0]


def test_fever_reschedules_but_keeps_its_flag_id():
    result = screen("i have a fever and the flu")
    assert result.outcome == "clearance_needed" and result.reschedule
    assert result.red_flags == ["fever", "contagious_infection"]
    assert result.messages == [load_safety_rules().messages["reschedule"]]
    assert f"{RULES_DATA['settings']['fever_free_hours']} hours" in result.messages[0]


def test_clearance_with_fever_says_both():
    result = screen("history of dvt and running a fever")
    assert result.outcome == "clearance_needed" and result.reschedule
    assert len(result.messages) == 2


def test_merge_results_takes_every_flag_and_the_highest_outcome():
    turns = [screen("im 20 weeks pregnant"), screen("my back hurts"),
             screen("had hip surgery 3 weeks ago")]
    merged = merge_results(turns)
    assert merged.outcome == "clearance_needed"
    assert merged.red_flags == ["recent_surgery"] and merged.cautions == ["pregnancy"]
    assert merge_results([*turns, screen("cant breathe")]).emergency
    assert merge_results([]).outcome == "book"


def test_merge_results_accepts_stored_dicts():
    stored = screen("on warfarin").as_dict()
    merged = merge_results([stored, screen("i have a fever")])
    assert merged.red_flags == ["fever"] and merged.cautions == ["blood_thinners"]


# --------------------------------------------------------------------------- surgery window

@pytest.mark.parametrize(("facts", "outcome"), [
    ({"surgery_weeks_ago": 5}, "clearance_needed"),
    ({"surgery_weeks_ago": 10}, "book"),
    ({"surgery_date": date(2024, 3, 1), "today": date(2024, 4, 5)}, "clearance_needed"),
    ({"surgery_date": "2024-01-01", "today": date(2024, 4, 5)}, "book"),
    ({"surgery_date": None}, "book"),
    ({"surgery_date": "not a date"}, "book"),
])
def test_surgery_window_from_facts(facts, outcome):
    result = screen("my lower back is stiff", facts=facts)
    assert result.outcome == outcome
    assert ("recent_surgery" in result.red_flags) == (outcome == "clearance_needed")


@pytest.mark.parametrize(("text", "flagged"), [
    ("had back surgery 5 weeks ago", True),
    ("had back surgery 10 weeks ago", False),
    ("knee replacement 2 months ago", False),
    ("just had knee surgery", True),
    ("3 weeks post op", True),
    ("6 months post op, cleared by my surgeon", False),
])
def test_surgery_window_from_text(text, flagged):
    assert ("recent_surgery" in screen(text).red_flags) == flagged


# --------------------------------------------------------------------------- messages

def test_emergency_messages_name_what_to_do():
    medical = screen("my face is drooping").messages
    assert len(medical) == 1 and "911" in medical[0] and "emergency department" in medical[0]
    crisis = screen("i want to kill myself").messages
    assert len(crisis) == 1 and "988" in crisis[0] and "911" in crisis[0]
    both = screen("chest pain and i want to die").messages
    assert any("988" in m for m in both) and any("emergency department" in m for m in both)


def test_only_emergencies_mention_911():
    for text in ("history of dvt", "i have a fever", "on blood thinners"):
        assert not any("911" in m or "988" in m for m in screen(text).messages), text


def test_no_message_diagnoses():
    offending = [(key, pattern) for key, text in RULES_DATA["messages"].items()
                 for pattern in DIAGNOSING if re.search(pattern, text, re.IGNORECASE)]
    assert not offending, offending


def test_clinical_judgement_is_marked_in_the_rules_file():
    text = DEFAULT_RULES_PATH.read_text("utf-8")
    window_line = text.index("surgery_clearance_weeks: 6")
    assert "# CLINICAL JUDGEMENT: the practice owns this" in text[window_line - 200:window_line]
    assert text.count("CLINICAL JUDGEMENT") >= len(ALL_IDS) - len(MORE_EMERGENCY_IDS) + 2
    assert {flag["id"] for flag in RULES_DATA["flags"]} == ALL_IDS | MORE_EMERGENCY_IDS


# --------------------------------------------------------------------------- data-driven

def test_a_new_phrase_in_the_file_changes_what_is_flagged(tmp_path):
    def add_phrase(data):
        fever = next(f for f in data["flags"] if f["id"] == "fever")
        fever["phrases"].append("zorblax")

    rules = load_safety_rules(rules_copy(tmp_path, add_phrase))
    assert "fever" in screen("i think i have zorblax", rules=rules).red_flags
    assert "fever" not in screen("i think i have zorblax").red_flags


def test_the_surgery_window_comes_from_the_file(tmp_path):
    def widen(data):
        data["settings"]["surgery_clearance_weeks"] = 12

    rules = load_safety_rules(rules_copy(tmp_path, widen))
    assert screen("", facts={"surgery_weeks_ago": 10}, rules=rules).outcome == "clearance_needed"
    assert screen("had surgery 10 weeks ago", rules=rules).outcome == "clearance_needed"
    assert screen("", facts={"surgery_weeks_ago": 10}).outcome == "book"


def test_exclusions_and_messages_come_from_the_file(tmp_path):
    def edit(data):
        data["exclusions"] = [e for e in data["exclusions"] if not e.startswith("@chest (?:press")]
        data["messages"]["therapist_review"] = "A therapist will check in with you first."

    rules = load_safety_rules(rules_copy(tmp_path, edit))
    assert screen("chest press hurts", rules=rules).emergency
    assert not screen("chest press hurts").emergency
    assert screen("on xarelto", rules=rules).messages == [
        "A therapist will check in with you first."]


def test_rules_are_cached_per_path_and_reread_after_an_edit(tmp_path):
    assert load_safety_rules() is load_safety_rules(DEFAULT_RULES_PATH)
    path = rules_copy(tmp_path, lambda data: None)
    first = load_safety_rules(path)
    assert load_safety_rules(path) is first
    data = yaml.safe_load(path.read_text("utf-8"))
    data["settings"]["surgery_clearance_weeks"] = 2
    path.write_text(yaml.safe_dump(data, sort_keys=False) + "\n# edited\n", encoding="utf-8")
    assert load_safety_rules(path).settings["surgery_clearance_weeks"] == 2


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["flags"][0].update(outcome="later"), "outcome must be one of"),
    (lambda d: d["flags"][0].update(kind="caution"), "kind must be red_flag"),
    (lambda d: d["flags"][0]["phrases"].append("@nosuchterm"), "unknown term @nosuchterm"),
    (lambda d: d["flags"][0]["phrases"].append("(unclosed"), "bad pattern"),
    (lambda d: d["flags"].append(dict(d["flags"][0])), "appears twice"),
])
def test_a_broken_rules_file_says_what_is_wrong(tmp_path, edit, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        load_safety_rules(rules_copy(tmp_path, edit))


def _set_cases():
    root = Path(__file__).parent / "safety"
    for name in ("emergencies_holdout.yml", "emergencies_fresh.yml"):
        data = yaml.safe_load((root / name).read_text(encoding="utf-8"))
        for section in ("positives", "unclear", "negatives"):
            for case in data.get(section) or []:
                yield section, case["text"]


_FILLER = ("I would like to book a massage for my shoulders next week. My sister says the "
           "deep tissue one helped her a lot, she goes every month. I work from home and sit "
           "at the computer all day. Tuesdays after 5 work best, or Saturday mornings. ")


@pytest.mark.parametrize("few_starts", [1000, 0])
def test_a_long_message_is_screened_like_the_same_words_said_alone(monkeypatch, few_starts):
    """The shortcuts a long message takes (word-start candidates; with few_starts=0, rare-string
    windows for every pattern) must never change what is found: the cases of the untuned
    sets, buried in 20 KB."""
    import bot.safety.matching

    monkeypatch.setattr(bot.safety.matching, "_FEW_STARTS", few_starts)
    different = []
    for n, (section, text) in enumerate(_set_cases()):
        if few_starts == 0 and n % 3:
            continue
        alone = screen(text)
        buried = screen(_FILLER * 45 + " " + text + " " + _FILLER * 45)
        assert len(_FILLER) * 90 > 20_000
        if (alone.outcome, sorted(alone.red_flags), sorted(alone.checks)) != (
                buried.outcome, sorted(buried.red_flags), sorted(buried.checks)):
            different.append((section, text, alone.outcome, buried.outcome))
    assert different == []


@pytest.mark.parametrize("text", [
    "avoid my forearms pls, i cut myself last night and i want to do it again tonight",
    "i keep wanting to hurt myself. need a massage for stress",
    "type 1 diabetic, skipped lunch, now im shaky sweaty confused and my vision is weird",
    "my dad is having chest pain right now and hes sweating a lot",
    "found my neighbour unresponsive on her porch",
])
def test_found_in_a_client_style_test_urgent(text):
    """Phrasings a client-style test found missed (2026-12-06); an urge to self-harm is a
    crisis now, never the "is this happening now?" question."""
    result = screen(text)
    assert result.outcome == "urgent" and not result.checks, result


@pytest.mark.parametrize("text", [
    "booking for myself, my husband is gonna have a heart attack when he sees the price lol",
    "my kids are gonna give me a stroke i swear lol. need a relaxing massage asap",
    "my lower back keeps seizing up when I bend",
    "my son gets seizures but they are controlled with meds, can he book a massage for his back?",
])
def test_found_in_a_client_style_test_not_urgent(text):
    assert screen(text).outcome != "urgent", screen(text)


def test_someone_elses_arm_that_will_not_go_overhead_is_no_stroke():
    """Found by a client-style test: a mother's shoulder after a fall got the 911 message."""
    text = ("I'm trying to book for my mom. Her right shoulder has been stiff since she fell on "
            "the ice in January. She can't lift her arm above her head.")
    assert screen(text).outcome != "urgent"
    assert screen("he suddenly cant lift his arm and his speech is slurred").outcome == "urgent"


def test_a_message_screened_again_is_read_once_and_each_result_is_its_own():
    """The NLU guard, the emergency policy and the actions screen one message: the rules read
    it once (bot.safety.screen keeps the flags found per rules object)."""
    rules = load_safety_rules()
    text = "crushing chest pain and my left arm is numb right now"
    first = screen(text, rules=rules)
    assert (text, False) in rules.screen_cache  # (text, for_someone_else)
    first.evidence.clear()
    again = screen(text, rules=rules)
    assert again.outcome == "urgent" and again.evidence


@pytest.mark.parametrize("text", [
    # found by a client-style test: each locked an ordinary client out as an emergency
    "No to all of those. I take duloxetine and gabapentin if that matters",
    "I take gabapentin",
    "i take a lot of ibuprofen for it",
    "i'm 52 and i take a blood pressure pill",
    "i'm 52, generally healthy, i take a blood pressure pill (lisinopril) and a multivitamin, "
    "no blood thinners",
    "lower back pain for 3 weeks, about 7/10. I take gabapentin",
])
def test_a_clients_usual_medicines_are_no_overdose(text):
    assert "overdose" not in screen(text).red_flags


@pytest.mark.parametrize("text", [
    "i took 30 of my sleeping pills",
    "i've been taking way too many painkillers today",
    "been taking extra tramadol, probably 4x the dose today and im so sleepy",
])
def test_an_overdose_is_still_one(text):
    assert screen(text).outcome == "urgent" and "overdose" in screen(text).red_flags


@pytest.mark.parametrize("text", [
    # a client-style test (2026-12-07): a stiff shoulder described plainly got the 911 answer
    "my right shoulder has been stiff since last winter, i cant lift my arm over my head. "
    "also tension headaches",
    "i cant lift my arm above shoulder height since the fall",
])
def test_a_stiff_shoulder_is_no_stroke(text):
    assert "stroke_signs" not in screen(text).red_flags


def test_he_takes_eliquis_is_a_blood_thinner_when_booking_for_him():
    assert "blood_thinners" in screen(
        "booking for my dad, hes 78 with parkinsons and he takes eliquis").cautions


@pytest.mark.parametrize("text", ["I feel a pain in my heart and my left arm is numb",
                                  "a sharp pain in my heart"])
def test_pain_in_the_heart_is_chest_pain(text):
    """Found by this session's own probes: "heart" with a pain word pointing at it, or with
    an arm's numbness, was no chest pain."""
    assert "chest_pain" in screen(text).red_flags


def test_a_broken_heart_is_no_chest_pain():
    assert "chest_pain" not in screen(
        "my heart is broken after the divorce and my shoulders ache").red_flags


def test_a_dead_leg_is_seen_by_a_doctor_first_not_sent_to_911():
    """A client-style test: a knock with a bruise, then "swollen a bit and warm to touch",
    got the 911 answer (dvt_signs); a clot is still flagged without a knock."""
    knock = screen("took a knock in the game sat, dead leg, thigh bruised. left leg. "
                   "its swollen a bit and warm to touch, big purple bruise")
    assert knock.outcome == "clearance_needed" and "dvt_signs" not in knock.red_flags
    assert "dvt_signs" in screen("my calf is swollen and hot and red").red_flags


def test_lymph_nodes_taken_out_are_for_the_therapist_and_name_no_treatment():
    """A client-style test: "they took some lymph nodes out on the left side" raised nothing,
    and at the list of treatments picked manual lymphatic drainage for the client."""
    from bot.catalogue import find_appointment_type, load_catalogue

    said = "did u get the cancer bit? they took some lymph nodes out on the left side"
    assert "lymph_nodes_removed" in screen(said).cautions
    assert "lymph_nodes_removed" not in screen("my mom had lymph nodes removed").cautions
    assert find_appointment_type("they took some lymph nodes out on the left side.",
                                 load_catalogue()[:3]) is None
    assert find_appointment_type("the lymph one", load_catalogue()).id.startswith("lymphatic")


def test_what_is_said_of_the_person_booked_for_counts_in_a_later_message():
    """A client-style test: "booking for my mom", then "for her? she takes warfarin i think"
    was not screened (a relative's health is family history unless the booking is theirs)."""
    from bot.intake import screen_conversation

    first = screen_conversation(None, "hi im booking for my mom, her lower back is bad", None)
    later = screen_conversation(first, "for her? she takes warfarin i think", None)
    assert "blood_thinners" in later["cautions"] and later["outcome"] == "therapist_review"
    own = screen_conversation(screen_conversation(None, "my back hurts", None),
                              "my dad takes warfarin", None)
    assert own["cautions"] == [] and own["outcome"] == "book"
