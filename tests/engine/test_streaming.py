"""Streaming: a text's sentences come planned one by one and their audio in pieces as it is
made, the first piece after a fraction of the first sentence; joined, the pieces are the
render of the prepared text (to 1e-5)."""

from __future__ import annotations

import numpy as np

from engine.synthesis import FIRST_PIECE_FRAMES, PIECE_FRAMES

TEXT = "The first sentence comes at once. The second one follows it, piece by piece."


def test_pieces_joined_are_the_render_and_the_first_is_short(synthesizer):
    prepared = synthesizer.prepare(TEXT, seed=4)
    whole = synthesizer.render(prepared).audio
    plans, pieces = [], []
    for plan, made in synthesizer.stream(TEXT, seed=4):
        plans.append(plan)
        pieces.append(list(made))
    assert tuple(plans) == prepared.sentences
    hop = synthesizer.hop_length
    assert len(pieces[0][0]) == FIRST_PIECE_FRAMES * hop
    assert all(len(p) <= PIECE_FRAMES * hop for sentence in pieces for p in sentence[1:])
    joined = np.concatenate([p for sentence in pieces for p in sentence])
    assert len(joined) == len(whole)
    assert np.abs(joined - whole).max() < 1e-5
