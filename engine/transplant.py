"""Duration transplant: one model's timing of a sentence, phoneme by phoneme, on another.

Both models must hear the same phonemes in the sentence. When their tokens are the same too
(Glow-TTS and Grad-TTS share the ARPAbet table and blanks), each token keeps its time. When
only the phonemes agree (the tokens differ in padding, blanks or boundary symbols), each
phoneme takes its tokens' time together with the symbols that follow it, and the target's
tokens of that phoneme share it in the proportions the target model predicted.

Times move through seconds, so models with other frame rates can trade durations; frame
boundaries are rounded on the cumulative time, so no error builds up along the sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from engine.errors import SynthesisError


class Plan(Protocol):
    """A sentence's tokens, phonemes and durations (``engine.synthesis.SentencePlan``)."""

    @property
    def phonemes(self) -> tuple[str, ...]: ...

    @property
    def tokens(self) -> tuple[str, ...]: ...

    @property
    def predicted(self) -> tuple[int, ...]: ...

    @property
    def durations(self) -> tuple[int, ...]: ...


def transplanted_durations(
    source: Plan, target: Plan, source_frame: float, target_frame: float, number: int
) -> list[int]:
    """Durations for ``target``'s tokens, in frames of ``target_frame`` seconds, that give
    each phoneme the time it has in ``source`` (frames of ``source_frame`` seconds)."""
    if source.phonemes != target.phonemes:
        raise SynthesisError(
            f"sentence {number}: the models hear different phonemes "
            f"({' '.join(source.phonemes)} / {' '.join(target.phonemes)}); durations move "
            "only between models whose front ends agree"
        )
    if source.tokens == target.tokens:
        return _rescaled(source.durations, source_frame, target_frame)
    source_groups = phoneme_groups(source.tokens, source.phonemes)
    target_groups = phoneme_groups(target.tokens, target.phonemes)
    per_phoneme = [sum(source.durations[i] for i in group) for group in source_groups]
    phoneme_frames = _rescaled(per_phoneme, source_frame, target_frame)
    durations = [0] * len(target.tokens)
    for group, frames in zip(target_groups, phoneme_frames, strict=True):
        weights = [target.predicted[i] for i in group]
        for index, share in zip(group, _shared(frames, weights), strict=True):
            durations[index] = share
    return durations


def phoneme_groups(tokens: Sequence[str], phonemes: Sequence[str]) -> list[list[int]]:
    """Token indices per phoneme: each phoneme's token and the symbols after it up to the
    next phoneme; symbols before the first phoneme belong to it."""
    groups: list[list[int]] = []
    leading: list[int] = []
    position = 0
    for index, token in enumerate(tokens):
        if position < len(phonemes) and token == phonemes[position]:
            groups.append([*leading, index])
            leading = []
            position += 1
        elif groups:
            groups[-1].append(index)
        else:
            leading.append(index)
    if position != len(phonemes):
        raise SynthesisError("a sentence's tokens do not spell its phonemes")
    return groups


def _rescaled(frames: Sequence[int], source_frame: float, target_frame: float) -> list[int]:
    """Frame counts in the target's frames, rounding the cumulative times."""
    if source_frame == target_frame:
        return list(frames)
    ends = np.rint(np.cumsum(frames) * source_frame / target_frame).astype(np.int64)
    return np.diff(ends, prepend=0).tolist()


def _shared(frames: int, weights: Sequence[int]) -> list[int]:
    """``frames`` split in proportion to ``weights`` (evenly when they are all zero)."""
    total = sum(weights)
    shares = np.asarray(weights if total else [1] * len(weights), dtype=np.float64)
    ends = np.rint(np.cumsum(shares) / shares.sum() * frames).astype(np.int64)
    return np.diff(ends, prepend=0).tolist()
