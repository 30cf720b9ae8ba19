"""Builds the project's own spaCy pipeline from data/lookups (no download needed).

The official en_core_web_* packages cannot be fetched here, so Rasa's SpacyNLP loads this
blank English pipeline with an EntityRuler by path (models/spacy_intake).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import spacy

from bot.config import LOOKUPS_DIR, SPACY_PIPELINE_DIR
from bot.lexicon import Lexicon


def lookups_fingerprint(lookups_dir: Path = LOOKUPS_DIR) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(lookups_dir).glob("*.yml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()


def build_pipeline(lookups_dir: Path = LOOKUPS_DIR) -> spacy.language.Language:
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(Lexicon(lookups_dir).spacy_patterns())
    nlp.meta["name"] = "intake"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank English + EntityRuler built from data/lookups"
    return nlp


def ensure_pipeline(out_dir: Path = SPACY_PIPELINE_DIR, lookups_dir: Path = LOOKUPS_DIR,
                    force: bool = False) -> bool:
    """Builds the pipeline unless one built from the same lookups exists; True if built."""
    out_dir = Path(out_dir)
    stamp_file = out_dir / "lookups.sha256"
    fingerprint = lookups_fingerprint(lookups_dir)
    if not force and stamp_file.exists() and stamp_file.read_text() == fingerprint:
        return False
    nlp = build_pipeline(lookups_dir)
    nlp.to_disk(out_dir)
    stamp_file.write_text(fingerprint)
    (out_dir / "patterns.count").write_text(json.dumps(len(nlp.get_pipe("entity_ruler").patterns)))
    return True
