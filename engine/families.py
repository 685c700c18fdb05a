"""The model families Glottis runs, each named once: how people call it, its role, and whether
it makes a mel that a vocoder voices. Light to import (the window and ``glottis --help`` read
it). What loads, builds and renders each family still lives with the loader, the acoustic
adapters and the recipes (docs/ARCHITECTURE.md lists every place a new family touches).
"""

from __future__ import annotations

from dataclasses import dataclass

ACOUSTIC, VOCODER = "acoustic", "vocoder"
GRIFFIN_LIM = "griffin-lim"  # the vocoder without weights, the default for mel models
ROLE_NAMES = {ACOUSTIC: "acoustic model", VOCODER: "vocoder"}


@dataclass(frozen=True)
class Family:
    """One family: ``name`` as cards and checkpoints say it, ``display`` as people write it."""

    name: str
    display: str
    role: str
    makes_mel: bool = False


FAMILIES = {
    family.name: family
    for family in (
        Family("vits", "VITS", ACOUSTIC),
        Family("glow-tts", "Glow-TTS", ACOUSTIC, makes_mel=True),
        Family("grad-tts", "Grad-TTS", ACOUSTIC, makes_mel=True),
        Family("hifigan", "HiFi-GAN", VOCODER),
        Family("waveglow", "WaveGlow", VOCODER),
    )
}
FAMILY_NAMES = {name: family.display for name, family in FAMILIES.items()}
ROLES = {name: family.role for name, family in FAMILIES.items()}
MEL_FAMILIES = tuple(name for name, family in FAMILIES.items() if family.makes_mel)
