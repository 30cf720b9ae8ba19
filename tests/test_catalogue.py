"""The appointment catalogue: the shipped menu, recommendations, a client's pick, bad edits."""
import os
import shutil

import pytest
import yaml

from bot.catalogue import (
    CONDITION_IDS,
    DEFAULT_PATH,
    GOAL_IDS,
    AppointmentType,
    describe,
    find_appointment_type,
    load_catalogue,
    recommend_appointment_types,
)


def ids(types):
    return [t.id for t in types]


def by_id(type_id):
    return next(t for t in load_catalogue() if t.id == type_id)


# ------------------------------------------------------------------- shipped menu

def test_shipped_catalogue_loads_with_one_default_per_treatment():
    catalogue = load_catalogue()
    families = {t.family for t in catalogue}
    defaults = [t for t in catalogue if t.default]
    assert sorted(t.family for t in defaults) == sorted(families)
    assert {"neuromuscular_60", "lymphatic_drainage_60", "swedish_60"} <= set(ids(catalogue))


def test_deep_pressure_is_never_listed_for_fibromyalgia_or_lymphedema():
    for t in load_catalogue():
        if t.family == "deep_tissue":
            assert not {"fibromyalgia", "lymphedema"} & set(t.conditions)
            assert {"fibromyalgia", "lymphedema"} <= set(t.not_for)


def test_load_is_cached_but_returns_a_fresh_list():
    first, second = load_catalogue(), load_catalogue()
    assert first == second and first is not second
    assert all(a is b for a, b in zip(first, second))


@pytest.mark.parametrize(
    "type_id, line",
    [
        ("neuromuscular_60", "Neuromuscular therapy (trigger point), 60 min, $110"),
        ("lymphatic_drainage_90", "Manual lymphatic drainage, 90 min, $165"),
        ("swedish_60", "Swedish relaxation massage, 60 min, $95"),
    ],
)
def test_describe_is_one_plain_line(type_id, line):
    assert describe(by_id(type_id)) == line


def test_describe_shows_cents_only_when_there_are_some():
    t = AppointmentType(
        id="cupping_45", name="Cupping, 45 min", minutes=45, price=72.5, client_type="medical",
        techniques=("cupping",), conditions=(), goals=(), description="Suction cups.",
    )
    assert describe(t) == "Cupping, 45 min, $72.50"


# ------------------------------------------------------------------ recommendations

# (client_type, conditions, goals, the ids expected first, in order)
RECOMMENDATIONS = [
    # single conditions
    ("medical", ["back_pain"], [], ["neuromuscular_60", "deep_tissue_60", "myofascial_60"]),
    ("medical", ["neck_pain"], [], ["neuromuscular_60", "myofascial_60", "deep_tissue_60"]),
    ("medical", ["tmj"], [], ["neuromuscular_60", "myofascial_60"]),
    ("medical", ["headache"], [], ["neuromuscular_60", "myofascial_60"]),
    ("medical", ["migraine"], [], ["neuromuscular_60", "myofascial_60"]),
    ("medical", ["carpal_tunnel"], [], ["neuromuscular_60", "myofascial_60"]),
    ("medical", ["fibromyalgia"], [], ["myofascial_60", "neuromuscular_60"]),
    ("medical", ["lymphedema"], [], ["lymphatic_drainage_60", "lymphatic_drainage_90"]),
    ("medical", ["swelling"], [], ["lymphatic_drainage_60", "post_surgical_60"]),
    ("medical", ["post_surgical"], [], ["post_surgical_60", "lymphatic_drainage_60"]),
    ("medical", ["scar_tissue"], [], ["post_surgical_60", "myofascial_60"]),
    ("medical", ["sports_injury"], [], ["sports_60", "deep_tissue_60"]),
    ("medical", ["overuse_injury"], [], ["sports_60", "deep_tissue_60", "neuromuscular_60"]),
    ("medical", ["knee_pain"], [], ["sports_60", "neuromuscular_60"]),
    ("medical", ["arthritis"], [], ["myofascial_60"]),
    ("medical", ["sciatica"], [], ["neuromuscular_60", "deep_tissue_60"]),
    ("medical", ["posture"], [], ["myofascial_60", "deep_tissue_60", "neuromuscular_60"]),
    # several conditions: the first-mentioned concern leads
    ("medical", ["tmj", "headache"], [], ["neuromuscular_60", "myofascial_60"]),
    ("medical", ["fibromyalgia", "back_pain"], [], ["myofascial_60", "neuromuscular_60"]),
    ("medical", ["swelling", "back_pain"], [], ["lymphatic_drainage_60", "post_surgical_60",
                                               "neuromuscular_60"]),
    ("medical", ["back_pain", "swelling"], [], ["neuromuscular_60", "myofascial_60",
                                               "lymphatic_drainage_60"]),
    ("medical", ["post_surgical", "scar_tissue"], ["mobility"], ["post_surgical_60"]),
    ("medical", ["lymphedema", "post_surgical"], [], ["lymphatic_drainage_60",
                                                      "post_surgical_60"]),
    ("medical", ["sports_injury", "knee_pain"], ["injury_recovery"], ["sports_60"]),
    # goals only
    ("medical", [], ["reduce_swelling"], ["lymphatic_drainage_60"]),
    ("medical", [], ["post_surgical_recovery"], ["post_surgical_60", "lymphatic_drainage_60"]),
    ("medical", [], ["scar_tissue"], ["post_surgical_60", "myofascial_60"]),
    ("medical", [], ["injury_recovery"], ["sports_60", "deep_tissue_60", "neuromuscular_60"]),
    ("medical", [], ["mobility"], ["neuromuscular_60", "myofascial_60", "deep_tissue_60"]),
    # a condition outweighs a goal
    ("medical", ["lymphedema"], ["pain_relief", "mobility"], ["lymphatic_drainage_60"]),
    # relaxation
    ("relaxation", [], ["gift"], ["swedish_60", "swedish_90"]),
    ("relaxation", [], ["relaxation"], ["swedish_60"]),
    ("relaxation", ["stress"], ["sleep"], ["swedish_60", "swedish_90"]),
    ("relaxation", ["insomnia", "anxiety"], [], ["swedish_60"]),
    ("relaxation", ["back_pain"], [], ["swedish_60"]),  # nothing matches: the default
    # nothing matches: the default lengths in file order
    ("medical", ["other"], [], ["neuromuscular_60", "myofascial_60", "deep_tissue_60"]),
    ("medical", [], [], ["neuromuscular_60", "myofascial_60", "deep_tissue_60"]),
    ("medical", [], ["relaxation", "gift"], ["neuromuscular_60", "myofascial_60",
                                             "deep_tissue_60"]),
    # unclear clients are offered nothing
    ("unclear", ["back_pain"], ["pain_relief"], []),
    ("unclear", [], [], []),
]


@pytest.mark.parametrize("client_type, conditions, goals, expected", RECOMMENDATIONS)
def test_recommendation(client_type, conditions, goals, expected):
    offered = recommend_appointment_types(client_type, conditions, goals)
    assert ids(offered)[: len(expected)] == expected
    assert len(offered) <= 3
    assert all(t.client_type == client_type for t in offered)
    assert len(ids(offered)) == len(set(ids(offered)))


@pytest.mark.parametrize(
    "conditions",
    [["fibromyalgia"], ["fibromyalgia", "back_pain"], ["back_pain", "fibromyalgia"],
     ["muscle_pain", "tension", "fibromyalgia"], ["sports_injury", "fibromyalgia"]],
)
def test_fibromyalgia_is_never_offered_deep_tissue(conditions):
    offered = recommend_appointment_types("medical", conditions, ["pain_relief"], limit=10)
    assert offered
    assert "deep_tissue" not in {t.family for t in offered}


@pytest.mark.parametrize("conditions", [["back_pain"], ["neck_pain", "tension"], ["hip_pain"]])
def test_different_treatments_come_before_other_lengths(conditions):
    offered = recommend_appointment_types("medical", conditions, [])
    assert len({t.family for t in offered}) == len(offered) == 3


def test_limit_is_respected_and_other_lengths_fill_in():
    offered = recommend_appointment_types("medical", ["back_pain"], [], limit=5)
    assert len(offered) == 5
    families = [t.family for t in offered]
    assert len(set(families[:3])) == 3
    assert recommend_appointment_types("medical", ["back_pain"], [], limit=0) == []


def test_unknown_ids_in_the_intake_are_ignored():
    assert ids(recommend_appointment_types("medical", ["toothache", "tmj"], ["fame"]))[0] == (
        "neuromuscular_60")


# ------------------------------------------------------------------ a client's pick

BACK_PAIN_OFFER = ["neuromuscular_60", "deep_tissue_60", "myofascial_60"]
SWELLING_OFFER = ["lymphatic_drainage_60", "post_surgical_60"]
RELAX_OFFER = ["swedish_60", "swedish_90"]

# (what the client wrote, ids offered, id expected or None)
PICKS = [
    ("1", BACK_PAIN_OFFER, "neuromuscular_60"),
    ("#2", BACK_PAIN_OFFER, "deep_tissue_60"),
    ("the first one", BACK_PAIN_OFFER, "neuromuscular_60"),
    ("option two", BACK_PAIN_OFFER, "deep_tissue_60"),
    ("Option 3 please", BACK_PAIN_OFFER, "myofascial_60"),
    ("second", BACK_PAIN_OFFER, "deep_tissue_60"),
    ("I'll take the 3rd", BACK_PAIN_OFFER, "myofascial_60"),
    ("the last one", BACK_PAIN_OFFER, "myofascial_60"),
    ("two please", BACK_PAIN_OFFER, "deep_tissue_60"),
    ("number 1", BACK_PAIN_OFFER, "neuromuscular_60"),
    ("4", BACK_PAIN_OFFER, None),
    ("neuromuscular 90", BACK_PAIN_OFFER, "neuromuscular_90"),
    ("deep tissue 60 min", BACK_PAIN_OFFER, "deep_tissue_60"),
    ("Deep-tissue, 90 minutes", BACK_PAIN_OFFER, "deep_tissue_90"),
    ("the trigger point one", BACK_PAIN_OFFER, "neuromuscular_60"),
    ("nueromuscular 60", BACK_PAIN_OFFER, "neuromuscular_60"),
    ("myofacial please", BACK_PAIN_OFFER, "myofascial_60"),
    ("deap tissue", BACK_PAIN_OFFER, "deep_tissue_60"),
    ("an hour and a half of myofascial release", BACK_PAIN_OFFER, "myofascial_90"),
    ("half an hour of trigger point work", BACK_PAIN_OFFER, "neuromuscular_30"),
    ("the lymphatic one", SWELLING_OFFER, "lymphatic_drainage_60"),
    ("lymph drainage 90", SWELLING_OFFER, "lymphatic_drainage_90"),
    ("MLD", SWELLING_OFFER, "lymphatic_drainage_60"),
    ("the scar tissue work", SWELLING_OFFER, "post_surgical_60"),
    ("post-op one", SWELLING_OFFER, "post_surgical_60"),
    ("the 90 minute one", SWELLING_OFFER, "lymphatic_drainage_90"),  # only drainage has 90
    ("the 90 minute one", BACK_PAIN_OFFER, None),  # three treatments have 90
    ("60 min", BACK_PAIN_OFFER, None),  # all three are 60
    ("the 30 min one", BACK_PAIN_OFFER, "neuromuscular_30"),
    ("swedish please", RELAX_OFFER, "swedish_60"),
    ("sweedish 90", RELAX_OFFER, "swedish_90"),
    ("the longer one, 90", RELAX_OFFER, "swedish_90"),
    ("the relaxing one", BACK_PAIN_OFFER, "swedish_60"),  # not offered: whole catalogue
    ("sports massage 60", BACK_PAIN_OFFER, "sports_60"),
    ("post surgical 90", SWELLING_OFFER, None),  # no such length
    ("swedish for 2 hours", RELAX_OFFER, None),
    ("the one", BACK_PAIN_OFFER, None),
    ("what's the difference?", BACK_PAIN_OFFER, None),
    ("", BACK_PAIN_OFFER, None),
    ("the first one", [], None),
    ("the second one but 90 min", BACK_PAIN_OFFER, "deep_tissue_90"),
    ("first option", BACK_PAIN_OFFER, "neuromuscular_60"),
    ("it's my first time", BACK_PAIN_OFFER, None),
    ("1 hour swedish", RELAX_OFFER, "swedish_60"),
]


@pytest.mark.parametrize("text, offered_ids, expected", PICKS)
def test_find_appointment_type(text, offered_ids, expected):
    offered = [by_id(i) for i in offered_ids]
    found = find_appointment_type(text, offered)
    assert (found.id if found else None) == expected


# ---------------------------------------------------------------- staff edits

ENTRY = {
    "id": "neuromuscular_60", "name": "Neuromuscular therapy, 60 min", "minutes": 60,
    "price": 110, "client_type": "medical", "techniques": ["trigger point therapy"],
    "conditions": ["back_pain"], "goals": ["pain_relief"], "description": "Firm, still pressure.",
}


def write_catalogue(path, *entries):
    path.write_text(yaml.safe_dump({"appointment_types": list(entries)}), encoding="utf-8")
    return path


def test_unknown_condition_id_is_named_with_file_and_entry(tmp_path):
    file = write_catalogue(tmp_path / "types.yml", {**ENTRY, "conditions": ["back_pain",
                                                                           "knee_ache"]})
    with pytest.raises(ValueError) as error:
        load_catalogue(file)
    message = str(error.value)
    assert "knee_ache" in message and "types.yml" in message and "neuromuscular_60" in message


@pytest.mark.parametrize(
    "change, words",
    [
        ({"goals": ["feel_better"]}, "unknown goal id 'feel_better'"),
        ({"not_for": ["pregnant"]}, "unknown condition id 'pregnant'"),
        ({"client_type": "spa"}, "client_type"),
        ({"price": 0}, "price"),
        ({"price": "110"}, "price"),
        ({"minutes": -60}, "minutes"),
        ({"minutes": 45}, "_45"),
        ({"id": "Neuromuscular 60"}, "snake_case"),
        ({"name": "Neuromuscular therapy"}, "60 min"),
        ({"condtions": ["back_pain"]}, "condtions"),
        ({"techniques": []}, "techniques"),
        ({"default": "yes"}, "default"),
    ],
)
def test_bad_entries_are_refused(tmp_path, change, words):
    file = write_catalogue(tmp_path / "types.yml", {**ENTRY, **change})
    with pytest.raises(ValueError, match="types.yml") as error:
        load_catalogue(file)
    assert words in str(error.value)


def test_duplicate_ids_and_two_defaults_are_refused(tmp_path):
    file = write_catalogue(tmp_path / "dupes.yml", ENTRY, ENTRY)
    with pytest.raises(ValueError, match="duplicate id 'neuromuscular_60'"):
        load_catalogue(file)
    longer = {**ENTRY, "id": "neuromuscular_90", "name": "NMT, 90 min", "minutes": 90}
    file = write_catalogue(tmp_path / "defaults.yml", {**ENTRY, "default": True},
                           {**longer, "default": True})
    with pytest.raises(ValueError, match="already the default"):
        load_catalogue(file)


def test_empty_or_misshapen_file_is_refused(tmp_path):
    file = tmp_path / "types.yml"
    for text in ("", "appointment_types: []\n", "- id: x\n", "appointment_types: [oops\n"):
        file.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError, match="types.yml"):
            load_catalogue(file)


def test_every_canonical_id_is_accepted(tmp_path):
    file = write_catalogue(tmp_path / "types.yml",
                           {**ENTRY, "conditions": list(CONDITION_IDS), "goals": list(GOAL_IDS)})
    assert load_catalogue(file)[0].conditions == CONDITION_IDS


def test_editing_the_file_changes_the_recommendation_without_restart(tmp_path):
    file = tmp_path / "appointment_types.yml"
    shutil.copy(DEFAULT_PATH, file)
    before = recommend_appointment_types("medical", ["tmj"], [], catalogue=load_catalogue(file))
    assert ids(before)[0] == "neuromuscular_60"

    # Staff stop offering neuromuscular work for jaw pain and raise the myofascial price.
    document = yaml.safe_load(file.read_text(encoding="utf-8"))
    for entry in document["appointment_types"]:
        if entry["id"].startswith("neuromuscular_"):
            entry["conditions"].remove("tmj")
        if entry["id"] == "myofascial_60":
            entry["price"] = 125
    file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    stat = file.stat()
    os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))

    after = recommend_appointment_types("medical", ["tmj"], [], catalogue=load_catalogue(file))
    assert ids(after) == ["myofascial_60", "myofascial_90"]
    assert describe(after[0]) == "Myofascial release, 60 min, $125"


@pytest.mark.parametrize("text, position", [("1 i guess", 0), ("2 i think", 1), ("maybe 3", 2)])
def test_a_number_said_with_a_hedge_is_a_pick(text, position):
    """A client-style test: "1 i guess" at the list of treatments was not understood."""
    from bot import catalogue

    offered = catalogue.offered_types(["neuromuscular_60", "myofascial_60", "sports_60"])
    assert catalogue.find_appointment_type(text, offered) is offered[position]
