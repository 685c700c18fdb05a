"""Clips excluded in the dataset check are not trained on."""

from __future__ import annotations

import shutil

from engine.dataset.layout import write_excluded
from engine.text.frontend import front_end_for
from engine.training.data import load_clips, read_metadata


def test_excluded_clips_are_left_out_and_said_so(rendered_dataset, default_voice, tmp_path):
    folder = tmp_path / "dataset"
    shutil.copytree(rendered_dataset, folder)
    ids = [clip_id for clip_id, _ in read_metadata(folder)]
    write_excluded(folder, {ids[0], ids[2]})
    card = default_voice.card
    clips, rejected = load_clips(
        folder, front_end_for(card), card["hop_length"], card["sample_rate"]
    )
    assert sorted(c.id for c in clips) == sorted(set(ids) - {ids[0], ids[2]})
    assert sorted(rejected) == sorted(
        [(ids[0], "excluded in the dataset check"), (ids[2], "excluded in the dataset check")]
    )
