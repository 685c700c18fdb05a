"""Standard-normal noise drawn per token, so that retiming one token leaves every other
token's noise as it was.

Each token's draws come from a generator seeded by ``SeedSequence([seed, sentence, stream,
token])``: they depend on nothing but those numbers and their own shape. Frames are drawn
frame-major, so lengthening a token keeps the noise of its first frames.

A token can be *re-rolled*: with a roll ``r > 0`` its draws come from ``SeedSequence([seed,
sentence, stream, token, r])`` instead, a new random take of that token alone, every other
token's draws bit for bit as they were. A token's *gain* scales its draws (the noise scale of
that token alone: 1 leaves it as it was).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def token_draws(
    seed: int,
    sentence: int,
    stream: int,
    shapes: Sequence[tuple[int, ...]],
    rolls: Sequence[int] = (),
) -> list[torch.Tensor]:
    """One standard-normal tensor per token of a sentence, each from its own stream.

    The streams are seeded from ``SeedSequence([seed, sentence, stream])``, whose i-th output
    word does not depend on how many words are asked for: token i's draws depend on nothing
    but (seed, sentence, stream, i) and their own shape; a token re-rolled (``rolls[i] > 0``)
    draws from (seed, sentence, stream, i, roll) instead.
    """
    words = np.random.SeedSequence([seed, sentence, stream]).generate_state(len(shapes), np.uint64)
    generator = torch.Generator()
    draws = []
    for token, (word, shape) in enumerate(zip(words, shapes, strict=True)):
        roll = rolls[token] if token < len(rolls) else 0
        if roll:
            sequence = np.random.SeedSequence([seed, sentence, stream, token, roll])
            word = sequence.generate_state(1, np.uint64)[0]
        generator.manual_seed(int(word >> np.uint64(1)))
        draws.append(torch.randn(shape, generator=generator))
    return draws


def frame_noise(
    durations: Sequence[int],
    channels: int,
    seed: int,
    sentence: int,
    stream: int,
    per_frame: int = 1,
    rolls: Sequence[int] = (),
    gains: Sequence[float] = (),
) -> np.ndarray:
    """Noise [channels, frames · per_frame] for a sentence whose tokens last ``durations``
    frames; token i's columns come from its own stream (see ``token_draws``), scaled by
    ``gains[i]`` where gains are given."""
    shapes = [(frames * per_frame, channels) for frames in durations]
    draws = token_draws(seed, sentence, stream, shapes, rolls)
    for token, gain in enumerate(gains):
        if gain != 1:
            draws[token] = draws[token] * gain
    return torch.cat(draws, dim=0).T.contiguous().numpy()


def frame_step_noise(
    durations: Sequence[int],
    channels: int,
    steps: int,
    seed: int,
    sentence: int,
    stream: int,
    rolls: Sequence[int] = (),
) -> np.ndarray:
    """Noise [steps, channels, frames] for a sampler that draws once per step: each frame's
    draws for every step come from its token's stream, frame-major."""
    shapes = [(frames, steps, channels) for frames in durations]
    draws = token_draws(seed, sentence, stream, shapes, rolls)
    return torch.cat(draws, dim=0).permute(1, 2, 0).numpy()
