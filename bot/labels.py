"""Plain-words names for canonical ids (data/labels.yml)."""
from __future__ import annotations

from functools import lru_cache

import yaml

from bot.config import DATA_DIR


@lru_cache(maxsize=1)
def _labels() -> dict:
    with (DATA_DIR / "labels.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def label(kind: str, canonical: str | None) -> str:
    if not canonical:
        return ""
    return _labels().get(kind, {}).get(canonical, canonical.replace("_", " "))


def describe_condition(cond) -> str:
    """'left lower back pain', 'sciatica (left lower back)' for a ConditionMention."""
    region = label("body_parts", cond.body_part)
    name = label("conditions", cond.id)
    if cond.id in ("back_pain", "neck_pain", "shoulder_pain", "knee_pain", "hip_pain") and region:
        return " ".join(x for x in (cond.side, region, "pain") if x)
    where = " ".join(x for x in (cond.side, region) if x)
    return f"{name} ({where})" if where and region not in name else name


def phrase(key: str) -> str:
    """A sentence the bot says, from data/labels.yml `messages` (wording is data)."""
    return " ".join(str(_labels().get("messages", {}).get(key, key)).split())
