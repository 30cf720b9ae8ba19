"""Medical or relaxation massage, with the reasons a client and the staff can read.

Only present conditions count. A client who asks to relax but describes a clear treatment
problem (rated 6/10 or worse, referred, post-surgical, several problems, or a condition that
needs specific work) is steered to medical massage, and the reason says so; a mild concern
with a stated wish to relax keeps the relaxation massage they asked for.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.extraction import Extraction
from bot.labels import describe_conditions, label
from bot.vocabulary import MEDICAL_GOALS, RELAXATION_GOALS, WELLBEING_CONDITIONS

SPECIFIC_TREATMENT = frozenset({
    "sciatica", "post_surgical", "lymphedema", "fibromyalgia", "carpal_tunnel", "tmj",
    "migraine", "scar_tissue", "sports_injury", "arthritis", "autoimmune", "swelling",
    "overuse_injury"})
SIGNIFICANT_SEVERITY = 6
#: "unclear" is right about half the time it is said (`python -m bot evaluate` prints
#: confidence against accuracy): the client is asked what brings them in.
UNCLEAR_CONFIDENCE = 0.5
#: A problem with the body said in words no lookup names: medical, but less sure.
BODY_WORDS_ONLY_CONFIDENCE = 0.6
NOT_COUNTED = {"negated": "said no {}", "historical": "{} in the past", "family": "{} in the family",
               "hypothetical": "{} only as a possibility"}


@dataclass
class Classification:
    client_type: str
    confidence: float
    reasons: list[str] = field(default_factory=list)


def _medical_evidence(ex: Extraction) -> list[str]:
    reasons = [f"mentions {said}" for said in describe_conditions(
        [c for c in ex.present() if c.id not in WELLBEING_CONDITIONS])]
    reasons += [f"hopes for {label('goals', g)}" for g in ex.goals if g in MEDICAL_GOALS]
    if ex.severity is not None and ex.severity >= SIGNIFICANT_SEVERITY and reasons:
        said = (ex.sources.get("severity") or {}).get("text") or ""
        reasons.append(f"rates the pain {ex.severity}/10" if re.search(r"\d", said)
                       else f'says the pain is "{said}"' if said else "describes severe pain")
    if ex.referral:
        reasons.append("was referred by a physician or therapist")
    if ex.preference == "medical":
        reasons.append("asked for medical massage")
    return reasons


def _relaxation_evidence(ex: Extraction) -> list[str]:
    reasons = [f"mentions {label('conditions', c.id)}" for c in ex.present()
               if c.id in WELLBEING_CONDITIONS]
    reasons += [("wants it as a gift" if g == "gift" else f"wants {label('goals', g)}")
                for g in ex.goals if g in RELAXATION_GOALS]
    if ex.preference == "relaxation":
        reasons.append("said they mainly want to relax")
    return list(dict.fromkeys(reasons))


def _significant(ex: Extraction) -> bool:
    medical = ex.medical_condition_ids()
    return bool(
        (ex.severity is not None and ex.severity >= SIGNIFICANT_SEVERITY)
        or ex.referral or ex.surgery or len(medical) >= 2
        or SPECIFIC_TREATMENT.intersection(medical))


def _not_counted(ex: Extraction) -> list[str]:
    return [f"not counted: {NOT_COUNTED[c.status].format(label('conditions', c.id))}"
            for c in ex.conditions if c.status in NOT_COUNTED]


def classify(ex: Extraction) -> Classification:
    medical = _medical_evidence(ex)
    relaxing = _relaxation_evidence(ex)
    aside = _not_counted(ex)
    # a problem with the body first: "can massage help the circulation in my legs"
    if not medical and not relaxing and ex.body_words:
        said = ", ".join(f'"{w}"' for w in ex.body_words[:3])
        reasons = [f"describes a problem with the body ({said}) though no listed condition "
                   "matched: medical massage fits, staff will ask"] + aside
        return Classification("medical", BODY_WORDS_ONLY_CONFIDENCE, reasons)
    if not medical and not relaxing and ex.wants_massage and not ex.medical_condition_ids():
        reasons = ["asks for a massage without naming a problem: relaxation massage fits"] + aside
        return Classification("relaxation", 0.6, reasons)
    if not medical and not relaxing:
        reasons = ["nothing about pain, an injury, stress or relaxation was mentioned"] + aside
        return Classification("unclear", UNCLEAR_CONFIDENCE, reasons)
    if medical and not relaxing:
        return Classification("medical", _confidence(len(medical)), medical + aside)
    if relaxing and not medical:
        return Classification("relaxation", _confidence(len(relaxing)), relaxing + aside)
    if ex.preference == "medical":
        return Classification("medical", 0.9, medical + relaxing + aside)
    if ex.preference == "relaxation" and not _significant(ex):
        note = "chose relaxation as asked: the pain described sounds mild enough for it"
        return Classification("relaxation", 0.65, relaxing + [note] + medical + aside)
    # not "relaxation was mentioned": the other evidence is often stress or tension
    note = ("suggests medical massage: the pain or injury described is what medical massage "
            "treats, though some of what was said also fits a relaxation massage")
    return Classification("medical", 0.75 if ex.preference else 0.85, medical + [note] + relaxing + aside)


def _confidence(evidence_count: int) -> float:
    return round(min(0.98, 0.7 + 0.1 * evidence_count), 2)
