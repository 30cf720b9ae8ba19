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
    """'sciatica (left lower back)' for a ConditionMention."""
    where = " ".join(x for x in (cond.side, label("body_parts", cond.body_part)) if x)
    name = label("conditions", cond.id)
    return f"{name} ({where})" if where and label("body_parts", cond.body_part) not in name else name
