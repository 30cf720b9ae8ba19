"""What the client said is what is stored (issue 9): cases a client-style test found, each
on the function that reads it (bot.intake, bot.extraction, bot.catalogue)."""
from __future__ import annotations

import pytest

from bot.extraction import duration_in, extract
from bot.intake import (contact_from, correction_updates, insurance_from, latest_times,
                        name_from, referral_provider, update_concerns)


@pytest.mark.parametrize(("said", "name"), [
    ("Grace Hope, as I said", "Grace Hope"), ("My name is just Grace Hope", "Grace Hope"),
    ("Linda Park (like I said)", "Linda Park"), ("summer love", "Summer Love"),
    ("Rose Hill", "Rose Hill"), ("de la Cruz", "de la Cruz")])
def test_names(said, name):
    assert name_from(said) == name


def test_a_number_without_an_area_code_is_no_phone_and_emails_are_lowercase():
    assert contact_from("555-0100", []) == {}
    assert contact_from("ROBIN.BANKS99@GMAIL.COM", []) == {"email": "robin.banks99@gmail.com"}


@pytest.mark.parametrize(("said", "stored"), [
    ("Medicare plus a Humana supplement plan", "Medicare + Humana"),
    ("car insurance is paying, its Geico", "Auto insurance (PIP) + GEICO"),
    ("none, self pay", "none (self-pay)")])
def test_insurers(said, stored):
    assert insurance_from(said) == stored


def test_a_referring_provider_keeps_kind_and_name():
    assert referral_provider("yes, my chiropractor Dr. Feldman") == "Dr. Feldman (chiropractor)"
    assert extract("My dentist suggested massage, but it wasn't a formal referral").referral is False


def test_the_last_word_on_times_is_kept():
    assert latest_times("Mornings. hmm wait, evenings are better actually") == "evenings"
    assert latest_times("tuesdays and thursdays after 4") == "tuesdays and thursdays after 4"


@pytest.mark.parametrize(("said", "duration"), [
    ("No surgeries recently", None),
    ("used to get migraines but haven't had one in over a year", None),
    ("neck n shoulders r super tight, getting headaches 2-3x a wk. been like this since jan",
     "since jan"),
    ("5 out of 10. gets bad when I stand for a long time", None),
    ("prgnant, 17 weeks, lower back pain", None),
])
def test_durations_only_about_the_complaint(said, duration):
    assert extract(said).duration == duration


def test_an_answer_to_how_long_and_how_bad():
    previous = {"conditions": [{"id": "hip_pain", "status": "present", "text": "hip",
                                "start": 0, "end": 3}]}
    found = update_concerns(previous, "it fllares up when I type all day. 6ish. since xmas", [],
                            None, asked_severity=True)
    assert (found.severity, found.duration) == (6, "since xmas")
    assert [c.id for c in found.conditions] == ["hip_pain"]  # typing is no injury said
    assert duration_in("it flares up when I drive and since the summer")[0] == "since the summer"
    assert extract("seveen out of ten. worse when I go running").severity == 7
    assert extract("thurs or fri after school, like 3:30").severity is None


@pytest.mark.parametrize("said", ["Neuromuscular therapy (trigger point), 60 min please",
                                  "ok the trigger point one", "Myofascial release, 90 min",
                                  "Sports & injury recovery massage, 60 min please"])
def test_a_treatment_name_is_no_condition(said):
    assert extract(said).conditions == []


def test_listed_regions_and_goals_that_are_no_goals():
    ids = {(c.id, c.body_part) for c in extract("my hips and lower back ache").conditions}
    assert ids == {("back_pain", "lower_back"), ("hip_pain", "hip")}
    assert extract("What is the difference between relaxation and medical massage?").goals == []
    assert extract("worse when I stand for long or sleep on my side").goals == []
    assert extract("I want to sleep better and relax").goals == ["sleep", "relaxation"]


def test_corrections_at_the_summary():
    base = {"recommended_types": ["neuromuscular_60", "myofascial_60", "deep_tissue_60"],
            "appointment_type": "neuromuscular_60", "preferred_times": "tue",
            "concerns": {"conditions": [{"id": "back_pain", "status": "present", "text": "back",
                                         "body_part": "lower_back", "side": None}],
                         "severity": 3, "duration": "a wk"}}
    assert correction_updates(base, "make it number 3 instead", []) == {
        "appointment_type": "deep_tissue_60"}
    assert correction_updates(base, "the 90 min one", []) == {"appointment_type": "neuromuscular_90"}
    timed = correction_updates(base, "pain is 7/10 and it started 3 days ago", [])["concerns"]
    assert (timed["severity"], timed["duration"]) == (7, "3 days ago")
    added = correction_updates(base, "its my hips too", [])["concerns"]["conditions"]
    assert [c["id"] for c in added] == ["back_pain", "hip_pain"]
    assert "preferred_times" not in correction_updates(base, "it's been going on since january", [])


def test_a_corrected_side_moves_the_injury_said_with_it():
    said = update_concerns(None, "I have a pulled left hamstring from soccer and also left "
                                 "shoulder pain", [], None)
    fixed = correction_updates({"concerns": said.to_dict()},
                               "actually it's my right hamstring, not the left", [])
    sides = {c["id"]: c["side"] for c in fixed["concerns"]["conditions"]}
    assert sides == {"muscle_pain": "right", "sports_injury": "right", "shoulder_pain": "left"}


def test_a_name_given_unasked():
    from bot.intake import introduced_name

    assert introduced_name("Hi my name is Rose Hill, my neck hurts") == "Rose Hill"
    assert introduced_name("Hello, this is Robert Miller.") == "Robert Miller"
    assert introduced_name("my name is jay kim") == "Jay Kim"
    assert introduced_name("I'm Really Tired of this") is None  # after "I'm": asked instead
    assert introduced_name("this is Tuesday Morning") is None
    assert introduced_name("I am 34 weeks pregnant") is None


def test_an_answer_to_another_question_sets_no_time():
    previous = {"conditions": [{"id": "neck_pain", "status": "present", "text": "neck",
                                "start": 0, "end": 4}], "duration": "since yesterday morning"}
    found = update_concerns(previous, "as soon as possible, today or tomorrow afternoon", [],
                            None, about_the_complaint=False)
    assert found.duration == "since yesterday morning"


@pytest.mark.parametrize(("said", "duration"), [
    ("my left knee has been sore since I started running in January",
     "since I started running in January"),
    ("upper back sore, since last week like", "since last week"),
    ("lower back since January actually", "since January")])
def test_durations_keep_the_words_without_filler(said, duration):
    assert extract(said).duration == duration


@pytest.mark.parametrize(("intent", "text", "command"), [
    ("stop", "Will Stop", False), ("stop", "Grant Cancel", False),
    ("stop", "please put my full name, Grant Cancel", False), ("stop", "Please Stop", True),
    ("stop", "cancel", True), ("start_over", "Start Over", True)])
def test_a_name_with_a_command_word_is_a_name(intent, text, command):
    from bot.turns import says_the_command

    assert says_the_command(intent, text) is command


def test_what_makes_it_worse_is_no_condition_or_goal():
    found = extract("tension headaches for years, stress and bad sleep make it worse")
    assert {c.id for c in found.conditions} == {"headache"} and found.goals == []
    assert {c.id for c in extract("I'm so stressed at work and my back hurts").conditions} == {
        "stress", "back_pain"}


def test_a_concern_on_both_sides_reads_as_such():
    """Found trying the bot: "my knees creak" was read back as "both knee pain"."""
    from bot.extraction import extract
    from bot.labels import describe_condition

    assert [describe_condition(c) for c in extract("my knees hurt").conditions] == [
        "knee pain (both sides)"]
    assert [describe_condition(c) for c in extract("both my ankles hurt").conditions] == [
        "joint pain (ankle/foot, both sides)"]  # the ankle is a joint (body_parts.yml)


@pytest.mark.parametrize("text", ["my shoulder is not right", "my shoulder just isnt right lately",
                                  "my knee feels not quite right"])
def test_not_right_is_no_right_side(text):
    """A client-style test: "my shoulder is not right" was read back as "right shoulder pain"."""
    from bot.extraction import extract

    assert all(c.side is None for c in extract(text, intent="describe_symptoms").conditions)


@pytest.mark.parametrize("text, expected", [
    ("rolled my ankle last month", "last month"),
    ("it started on tuesday", "started on tuesday"),
    ("my knee hurts for the last week", "last week"),
    ("my knee hurts, saw the doc last month about something else", None),
])
def test_when_it_started_is_how_long(text, expected):
    """A client-style test: "rolled my ankle last month" was asked how long again, and "it
    started on tuesday" at the summary was stored as the preferred times."""
    assert extract(text).duration == expected


def test_the_region_of_what_is_done_later_is_no_new_complaint():
    """A client-style test: "muscle pain in my shoulder", then "it hurts when i lift my arm
    over my head... left arm" was read back as "muscle pain (left arm)"."""
    from bot.intake import update_concerns
    from bot.labels import describe_conditions

    first = update_concerns(None, "hi i have muscle pain in my shoulder", [], "describe_symptoms",
                            message=1)
    later = update_concerns(first.to_dict(), "it hurts when i lift my arm over my head, left arm",
                            [], "describe_symptoms", message=2)
    assert describe_conditions(later.conditions) == ["shoulder pain (the muscles)"]


@pytest.mark.parametrize("text, name", [
    ("Faith Hill - not the singer", "Faith Hill"),
    ("her name is May Day, shes my mum", "May Day"),
    ("Rose Bush. yes thats really my name", "Rose Bush"),
    ("its Summer Dale lol", "Summer Dale"),
    ("Dr. Kim Lee", "Dr. Kim Lee"),
    ("st. john smith", "St. John Smith"),
])
def test_a_name_then_a_remark_is_the_name(text, name):
    """A client-style test: each was refused ("Sorry, what name should I use?")."""
    from bot.intake import name_from

    assert name_from(text) == name


@pytest.mark.parametrize("text, times", [
    ("actually make that thurs or fri mornings, not sat", "thurs or fri mornings"),
    ("actually late afternoons are better", "late afternoons"),
])
def test_times_changed_at_the_summary_keep_only_when(text, times):
    from bot.intake import times_from_correction

    assert times_from_correction(text) == times


@pytest.mark.parametrize("text, provider", [
    ("the referral is from Jen Mills, my physio", "Jen Mills (physio)"),
    ("yes my physio Jen Mills referred me", "Jen Mills (physio)"),
    ("yes my physio referred me", "my physio"),
])
def test_a_provider_named_beside_their_kind_is_kept(text, provider):
    """A client-style test: "the referral is from Jen Mills, my physio" was kept as "my physio"."""
    from bot.intake import referral_provider

    assert referral_provider(text) == provider


def test_hours_a_day_is_no_duration_and_a_remark_after_a_name_is_dropped():
    """Client-style tests: "10hrs a day, been like this since jan" was stored as "a day";
    "Hope Springs (i know)" kept the remark."""
    from bot.intake import name_from

    assert extract("desk job 10hrs a day, been like this since jan").duration == "since jan"
    assert name_from("Hope Springs (i know)") == "Hope Springs"


@pytest.mark.parametrize("text, duration", [
    ("it flares up when I go running and for about two years", "for about two years"),
    ("since christams - gets bad when I reach overhead - maybe a 5", "since christams"),
])
def test_durations_the_simulator_found(text, duration):
    """Simulator seed 17: "running and for about two years" was read as how long a run lasts."""
    assert extract(text).duration == duration


def test_a_time_said_of_a_medicine_at_the_summary_is_not_the_complaint_s():
    """A client-style test: "i take warfarin since my DVT last year" at the summary replaced
    how long the hip had hurt."""
    from bot.intake import correction_updates

    concerns = extract("my left hip hurts, about a month").to_dict()
    updates = correction_updates({"concerns": concerns},
                                 "oh and i take warfarin since my DVT last year", [])
    assert "concerns" not in updates


def test_the_same_concern_in_other_words_at_the_summary_is_kept():
    """A client-style test: "its a stiff neck, not neck pain" took out the only complaint (the
    summary then said "What brings you in: a massage")."""
    from bot.extraction import Extraction
    from bot.intake import correction_updates

    concerns = extract("my neck hurts").to_dict()
    updated = correction_updates({"concerns": concerns}, "its a stiff neck, not neck pain", [])
    assert [(c.id, c.text) for c in Extraction.from_dict(updated["concerns"]).conditions] == [
        ("neck_pain", "stiff neck")]
    gone = correction_updates({"concerns": concerns}, "my neck doesnt hurt", [])
    assert Extraction.from_dict(gone["concerns"]).conditions == []


@pytest.mark.parametrize("text, said", [
    ("muscle spasms in my lower back", ["lower back pain (the muscles)"]),
    ("my neck muscles ache and my left knee hurts", ["neck pain (the muscles)", "left knee pain"]),
    ("sore muscles in my calves", ["muscle pain (calf, both sides)"]),
    # an injury of a muscle is no region's own pain: both are said (simulator seed 18)
    ("I strained my right hamstring running", [
        "an injury (a sprain, strain, fall or knock) (right thigh)", "muscle pain (right thigh)"]),
])
def test_the_muscles_of_a_region_are_read_back_once(text, said):
    """Muscle pain said of a region is recorded as both the region's complaint and muscle
    pain; the client hears it once, with the muscles named."""
    from bot.labels import describe_conditions

    assert describe_conditions(extract(text).present()) == said


@pytest.mark.parametrize("text, said", [
    ("my neck is stiff", ["neck stiffness"]),
    ("my left knee clicks, not really pain", ["left knee clicking"]),
    ("my knee has felt off lately", ["knee trouble"]),
    ("my shoulder feels weak", ["shoulder weakness"]),
    ("both knees are stiff", ["knee stiffness (both sides)"]),
    ("my jaw clicks when I chew", ["jaw clicking"]),
    # a pain word said keeps "pain"
    ("my neck is stiff and sore", ["neck pain"]),
    ("my lower back is killing me", ["lower back pain"]),
])
def test_a_complaint_is_read_back_in_the_kind_of_words_the_client_used(text, said):
    """A client-style test: "knee has felt off", "clicks and feels stiff, not really pain" were
    read back as knee pain (labels.yml `said_as`)."""
    from bot.labels import describe_conditions

    assert describe_conditions(extract(text).present()) == said


@pytest.mark.parametrize("said, phone, shown", [
    ("07911 123456", "+447911123456", "+44 7911 123456"),
    ("0044 20 7946 0958", "+442079460958", "+44 20 7946 0958"),
    ("thats my number?? 07911123456", "+447911123456", "+44 7911 123456"),
    ("0412 345 678", "+61412345678", "+61 412 345 678"),
    ("0151 23456789", "+4915123456789", "+49 1512 3456789"),
    ("(617) 555-0134", "+16175550134", "(617) 555-0134"),
    ("617-555-0134 or 07911 123456", "+16175550134", "(617) 555-0134"),
])
def test_a_visitors_own_number_is_kept_with_its_country(said, phone, shown):
    """A client-style test: "07911 123456", "0044 20 7946 0958" were refused (practice.yml
    other_phone_regions, tried when the number is none of the practice's own country)."""
    from bot.intake import contact_text

    assert contact_from(said, []) == {"phone": phone}
    assert contact_text(phone, None) == shown


def test_a_denial_elsewhere_in_the_message_is_no_denial_of_the_referral():
    """A client-style test: "I said 60 minutes, not 90. And the referring doctor is Dr. Chen."
    at the summary turned the referral from yes to no."""
    updates = correction_updates({"referral": True, "client_name": "Sam Lee"},
                                 "I said 60 minutes, not 90. And the referring doctor is Dr. Chen.", [])
    assert updates["referral"] is True and updates["referral_provider"] == "Dr. Chen"
    assert correction_updates({"referral": True}, "no referral actually", [])["referral"] is False


def test_a_question_at_the_summary_names_no_one():
    """A client-style test: "will they know to call me and not her?" made the name "And Not
    Her?"."""
    assert "client_name" not in correction_updates(
        {"client_name": "Joy Church"}, "will they know to call me and not her?", [])
    assert correction_updates({"client_name": "Sam Lee"}, "actually call me Samantha",
                              [])["client_name"] == "Samantha"


def test_the_summary_names_what_the_client_told_of_their_health():
    """Client-style tests: "I'm still on a blood thinner, apixaban", "she has osteoporosis, and
    she takes warfarin" were never on the summary ("did you note that I'm on apixaban?")."""
    from bot.intake import screen_conversation, summary_message
    from bot.labels import response_text

    said = "lower back pain for years. I have osteoporosis, and I take warfarin"
    concerns = update_concerns(None, said, [], "describe_symptoms", message=1).to_dict()
    slots = {"concerns": concerns, "client_type": "medical", "client_name": "Joan Whitaker",
             "phone": "+16175550134", "preferred_times": "mornings",
             "safety": screen_conversation(None, said, concerns, False)}
    response, values = summary_message(slots)
    text = response_text(response, **values)
    assert "- Health notes for the therapist: " in text
    notes = text.split("Health notes for the therapist: ")[1].splitlines()[0]
    assert "on a blood thinner" in notes and "osteoporosis" in notes
    del slots["safety"]
    assert "Health notes" not in response_text(*summary_message(slots)[:1], **summary_message(slots)[1])


@pytest.mark.parametrize("said, times", [
    ("change the time to Saturday afternoons, around 4.", "Saturday afternoons, around 4"),
    ("I wanted the TIME changed to Saturday afternoon", "Saturday afternoon"),
])
def test_a_time_at_the_summary_is_no_rating(said, times):
    """A client-style test: "change the time to Saturday afternoons, around 4." turned the
    pain from 3/10 to 4/10 and kept the old times."""
    concerns = update_concerns(None, "my jaw is sore, 3/10, for a month", [], "describe_symptoms",
                               message=1).to_dict()
    updates = correction_updates({"concerns": concerns, "preferred_times": "Saturday mornings"},
                                 said, [])
    assert updates == {"preferred_times": times}
    assert correction_updates({"concerns": concerns}, "the pain is more like a 4",
                              [])["concerns"]["severity"] == 4


@pytest.mark.parametrize("said, wanted", [
    ("Actually 90 mins is a bit much, can we do the 60 minute one instead", "sports_60"),
    ("no, it says 90 min. I want 60 min please", "sports_60"),
    ("switch from 60 min to 90 min", "sports_90"),
])
def test_of_two_lengths_the_one_wanted_is_taken(said, wanted):
    """A client-style test: both lengths named, the first (the one turned down) was taken and
    the client told "That's what I have already"."""
    slots = {"appointment_type": "sports_90" if wanted == "sports_60" else "sports_60",
             "recommended_types": ["sports_60"]}
    assert correction_updates(slots, said, [])["appointment_type"] == wanted


def test_a_side_corrected_at_the_summary_moves_every_complaint_of_that_region():
    """A client-style test: "wait sorry it's my left ankle not right" was read back as "joint
    trouble (left ankle)" beside the injury still on the right ankle."""
    from bot.labels import describe_conditions

    concerns = update_concerns(None, "rolled my right ankle playing basketball 3 weeks ago, still "
                                     "stiff and sore", [], "describe_symptoms", message=1).to_dict()
    updates = correction_updates({"concerns": concerns}, "wait sorry it's my left ankle not right", [])
    from bot.extraction import Extraction

    assert describe_conditions(Extraction.from_dict(updates["concerns"]).present()) == [
        "joint pain (left ankle/foot)", "an injury (a sprain, strain, fall or knock) (left ankle/foot)"]
    assert describe_conditions(extract("my shoulder has not been right").present()) == [
        "shoulder trouble"]
