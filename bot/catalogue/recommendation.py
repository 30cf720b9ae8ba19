"""Which appointment types fit what a client said."""
from __future__ import annotations

from typing import Iterable, Sequence

from .menu import APPOINTMENT_CLIENT_TYPES, AppointmentType, load_catalogue

# A condition always outweighs a goal; the client's first-mentioned concern a bit more.
CONDITION_WEIGHT = 3.0
MAIN_CONCERN_BONUS = 1.0
GOAL_WEIGHT = 1.0


def recommend_appointment_types(
    client_type: str,
    conditions: Sequence[str],
    goals: Sequence[str],
    catalogue: Sequence[AppointmentType] | None = None,
    limit: int = 3,
    flags: Sequence[str] = (),
) -> list[AppointmentType]:
    """Types of the client's kind that serve most of what they said (ties: default length,
    then the type's focus, then file order), different treatments before other lengths of
    one; the default lengths when nothing matches. `flags`: the safety screen's red flags and
    cautions: a type `not_with` one is not offered (deep pressure with blood thinners or in
    pregnancy), a type `only_with` one comes first, whatever the kind (prenatal massage)."""
    if client_type not in APPOINTMENT_CLIENT_TYPES or limit <= 0:
        return []
    types = load_catalogue() if catalogue is None else list(catalogue)
    wanted_conditions = _unique(conditions)
    wanted_goals = _unique(goals)
    excluded = set(wanted_conditions)
    screened = set(flags)
    first = [t for t in types if screened.intersection(t.only_with)
             and not screened.intersection(t.not_with) and t.default][:1]
    eligible = [
        (position, t) for position, t in enumerate(types)
        if t.client_type == client_type and not excluded.intersection(t.not_for)
        and not screened.intersection(t.not_with) and not t.only_with
    ]
    if first:
        others = [t for t in types if not t.only_with]
        return first + recommend_appointment_types(client_type, conditions, goals, others,
                                                   limit - 1, tuple(screened))
    scored = [
        (_score(t, wanted_conditions, wanted_goals), position, t) for position, t in eligible
    ]
    matched = [item for item in scored if item[0] > 0]
    if not matched:
        return _fallback([t for _, t in eligible])[:limit]
    matched.sort(key=lambda item: (
        -round(item[0], 6), not item[2].default,
        _focus(item[2], wanted_conditions, wanted_goals), item[1],
    ))
    ranked = [t for _, _, t in matched]
    return _families_first(ranked)[:limit]


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _score(t: AppointmentType, conditions: list[str], goals: list[str]) -> float:
    score = 0.0
    for rank, condition in enumerate(conditions):
        if condition in t.conditions:
            score += CONDITION_WEIGHT + MAIN_CONCERN_BONUS / (rank + 1)
    score += GOAL_WEIGHT * sum(1 for goal in goals if goal in t.goals)
    return score


def _focus(t: AppointmentType, conditions: list[str], goals: list[str]) -> tuple[int, int]:
    """How near the top of the type's own lists the client's concerns are: staff list what
    a treatment is mainly for first, so this settles ties between equally fitting types."""
    return (
        sum(t.conditions.index(c) for c in conditions if c in t.conditions),
        sum(t.goals.index(g) for g in goals if g in t.goals),
    )


def _families_first(ranked: list[AppointmentType]) -> list[AppointmentType]:
    """Best length of each treatment first, then the other lengths, both in rank order."""
    seen: set[str] = set()
    first, rest = [], []
    for t in ranked:
        (rest if t.family in seen else first).append(t)
        seen.add(t.family)
    return first + rest


def _fallback(types: list[AppointmentType]) -> list[AppointmentType]:
    """Default lengths in file order; the first length of each family if none is marked."""
    defaults = [t for t in types if t.default]
    return defaults or _families_first(types)[: len({t.family for t in types})]
