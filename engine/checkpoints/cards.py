"""Voice cards for official acoustic checkpoints, so they speak through the Synthesizer.

A card says what a voice folder's card says (family, config, vocabulary, rates, front end,
inference defaults) plus, for mel models, the mels the model makes. Everything family-specific
comes from the family's description (:mod:`engine.families`): the front end its official
inference uses, read off its config (:mod:`engine.checkpoints.config_formats`: VITS's
``english_cleaners2`` IPA; Glow-TTS's and Grad-TTS's English cleaners + CMUdict ARPAbet, blanks
as each config says), the token embedding that must fit it, and the official inference
defaults.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from engine.checkpoints.loader import Checkpoint
from engine.checkpoints.piper import VoiceImportError
from engine.families import FAMILIES, implementation


def card_for_checkpoint(checkpoint: Checkpoint) -> dict[str, Any]:
    """The card of an official acoustic checkpoint; VoiceImportError for a vocabulary the
    official front end does not produce."""
    family = FAMILIES[checkpoint.family]
    reads_text = implementation(family.config_format).front_end
    if reads_text is None or family.embedding is None:
        raise VoiceImportError(f"{checkpoint.path.name} is a {family.display}, which reads no text")
    frontend, symbols = reads_text(checkpoint.config)
    n_vocab = int(checkpoint.model.state_dict()[family.embedding].shape[0])
    if n_vocab != symbols:
        raise VoiceImportError(
            f"{checkpoint.path.name} has {n_vocab} token embeddings; the official "
            f"{family.display} front end makes {symbols} ids"
        )
    card: dict[str, Any] = {
        "name": str(checkpoint.path.resolve()),
        "family": family.name,
        "config": checkpoint.config,
        "n_vocab": n_vocab,
        "sample_rate": checkpoint.sample_rate,
        "hop_length": checkpoint.hop_length,
        "frontend": frontend,
        "inference": dict(family.defaults),
        "num_speakers": checkpoint.speakers,
        "source": {
            "format": f"official {family.display} checkpoint",
            "path": str(checkpoint.path.resolve()),
            "config": checkpoint.config_source,
        },
    }
    if checkpoint.mel is not None:
        card["mel"] = asdict(checkpoint.mel)
    return card
