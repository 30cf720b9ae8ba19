"""Canonical ids of the outside contract (../shared/CONTRACT.md).

They are part of the contract, not practice data, so they live in code; the words that map
onto them live in data/lookups/.
"""

CONDITION_IDS = (
    "back_pain", "neck_pain", "shoulder_pain", "knee_pain", "hip_pain", "joint_pain",
    "muscle_pain", "foot_pain", "headache", "migraine", "tmj", "sciatica", "posture",
    "fibromyalgia", "carpal_tunnel", "sports_injury", "overuse_injury", "post_surgical",
    "swelling", "lymphedema", "scar_tissue", "arthritis", "autoimmune", "stress", "anxiety",
    "tension", "insomnia", "other",
)

GOAL_IDS = (
    "pain_relief", "mobility", "injury_recovery", "post_surgical_recovery", "reduce_swelling",
    "scar_tissue", "posture", "stress_relief", "relaxation", "sleep", "self_care", "gift",
)

BODY_REGIONS = (
    "head", "jaw", "neck", "upper_back", "lower_back", "back", "shoulder", "arm", "elbow",
    "wrist_hand", "chest", "abdomen", "hip", "glute", "thigh", "knee", "calf", "ankle_foot",
    "whole_body",
)

SIDES = ("left", "right", "both")

STATUSES = ("present", "negated", "historical", "family", "hypothetical")

CLIENT_TYPES = ("medical", "relaxation", "unclear")

#: Conditions that on their own point to relaxation massage rather than treatment.
WELLBEING_CONDITIONS = frozenset({"stress", "anxiety", "tension", "insomnia"})

#: Goals that on their own point to relaxation massage.
RELAXATION_GOALS = frozenset({"stress_relief", "relaxation", "sleep", "self_care", "gift"})

MEDICAL_GOALS = frozenset(GOAL_IDS) - RELAXATION_GOALS

#: Intake statuses (staff move an intake through them) and the stored channels.
INTAKE_STATUSES = ("new", "reviewed", "contacted", "booked", "declined", "emergency",
                   "needs_clearance", "needs_followup")
CHANNELS = ("web", "sms", "shell", "rest")
#: The status an intake starts with, by its safety outcome (otherwise "new").
STATUS_FOR_SAFETY_OUTCOME = {"urgent": "emergency", "clearance_needed": "needs_clearance"}
