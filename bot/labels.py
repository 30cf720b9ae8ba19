"""Plain-words names for canonical ids (data/labels.yml), and the bot's sentences: the
responses of domain.yml, filled as Rasa fills them."""
from __future__ import annotations

import re
from functools import lru_cache

import yaml

from bot.config import DATA_DIR, PROJECT_ROOT

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"


@lru_cache(maxsize=1)
def _labels() -> dict:
    with (DATA_DIR / "labels.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def label(kind: str, canonical: str | None) -> str:
    if not canonical:
        return ""
    return _labels().get(kind, {}).get(canonical, canonical.replace("_", " "))


def labels(kind: str) -> dict:
    """Every label of one kind: {id: words}."""
    return dict(_labels().get(kind) or {})


def _said_with(words: str, phrases: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", words) for p in phrases)


def said_as(cond) -> str:
    """What the client's words call a region's complaint: "pain" unless they named none and
    said what it does instead (labels.yml `said_as`): "stiffness", "clicking", "trouble"."""
    words = (getattr(cond, "text", "") or "").lower().replace("\u2019", "'")
    table = _labels().get("said_as") or {}
    if not words or _said_with(words, table.get("pain_words") or []):
        return "pain"
    return next((kind for kind, phrases in (table.get("kinds") or {}).items()
                 if _said_with(words, phrases)), "pain")


def describe_condition(cond) -> str:
    """'left lower back pain', 'sciatica (left lower back)' for a ConditionMention; a
    region's complaint in the kind of words the client used ('neck stiffness')."""
    kind = said_as(cond) if cond.id.endswith("_pain") or cond.id == "tmj" else "pain"
    if kind != "pain":
        name = label("conditions", cond.id)
        region = label("body_parts", cond.body_part)
        said = re.sub(r"\bpain\b", kind, name) if "pain" in name else f"{name} {kind}"
        where = " ".join(x for x in (cond.side if cond.side != "both" else None,
                                      region if region and region not in said else None) if x)
        if cond.id in ("back_pain", "neck_pain", "shoulder_pain", "knee_pain", "hip_pain") and region:
            return " ".join(x for x in (cond.side if cond.side != "both" else None, region, kind) if x) \
                + (" (both sides)" if cond.side == "both" else "")
        extra = ", ".join(x for x in (where, "both sides" if cond.side == "both" else None) if x)
        return f"{said} ({extra})" if extra else said
    region = label("body_parts", cond.body_part)
    name = label("conditions", cond.id)
    if cond.id in ("back_pain", "neck_pain", "shoulder_pain", "knee_pain", "hip_pain") and region:
        if cond.side == "both":  # not "both knee pain"
            return f"{region} pain (both sides)"
        return " ".join(x for x in (cond.side, region, "pain") if x)
    if cond.side == "both":  # "foot or ankle pain (ankle/foot, both sides)"
        return f"{name} ({', '.join(x for x in (region not in name and region, 'both sides') if x)})"
    where = " ".join(x for x in (cond.side, region) if x)
    return f"{name} ({where})" if where and region not in name else name


def describe_conditions(conditions: list) -> list[str]:
    """Each condition described once: the muscles of a region that has its own complaint
    ("muscle spasm in my lower back") are said with it, "lower back pain (the muscles)", not
    as a second complaint."""
    muscles_of = {c.body_part for c in conditions if c.id == "muscle_pain" and c.body_part}
    told = {c.body_part for c in conditions if c.id != "muscle_pain" and c.id.endswith("_pain")
            and c.body_part in muscles_of}
    said, named = [], set()
    for cond in conditions:
        if cond.id == "muscle_pain" and cond.body_part in told:
            continue
        described = describe_condition(cond)
        if cond.id.endswith("_pain") and cond.body_part in told - named:
            described += f" ({label('values', 'the_muscles')})"
            named.add(cond.body_part)
        said.append(described)
    return said


@lru_cache(maxsize=1)
def _responses() -> dict:
    with DOMAIN_FILE.open(encoding="utf-8") as handle:
        return (yaml.safe_load(handle) or {}).get("responses") or {}


def response_text(response: str, **values) -> str:
    """The text of a domain.yml response (its first variation without a condition or
    channel) with its {placeholders} filled from `values`, as Rasa fills the response an
    action sends with `dispatcher.utter_message(response=..., **values)`. For what runs
    without Rasa: tests, and the command line. A placeholder without a value is an error
    here (Rasa would send the response unfilled)."""
    variations = _responses()[response]
    text = next((v["text"] for v in variations
                 if not v.get("condition") and not v.get("channel")), variations[0]["text"])
    return re.sub(r"{([^\n{}]+?)}", lambda m: str(values[m.group(1)]), text)


def placeholders(response: str) -> set[str]:
    """The {names} a domain.yml response needs filled."""
    return {name for variation in _responses()[response]
            for name in re.findall(r"{([^\n{}]+?)}", variation.get("text") or "")}
