"""Clips excluded in the dataset check are not trained on."""

from __future__ import annotations

import shutil

from engine.dataset.layout import write_excluded
from engine.text.frontend import front_end_for
from engine.training.data import load_clips, read_metadata


def test_excluded_clips_are_left_out_and_said_so(rendered_dataset, default_voice, tmp_path):
    folder = tmp_path / "dataset"
    shutil.copytree(rendered_dataset, folder)
    ids = [entry.id for entry in read_metadata(folder)[0]]
    write_excluded(folder, {ids[0], ids[2]})
    card = default_voice.card
    clips, rejected = load_clips(
        folder, front_end_for(card), card["hop_length"], card["sample_rate"]
    )
    assert sorted(c.id for c in clips) == sorted(set(ids) - {ids[0], ids[2]})
    assert sorted(rejected) == sorted(
        [(ids[0], "excluded in the dataset check"), (ids[2], "excluded in the dataset check")]
    )


def test_training_reads_metadata_as_the_dataset_check_does(
    rendered_dataset, default_voice, tmp_path
):
    """A Windows-1252 metadata.csv the check accepts trains too; a repeated id is refused
    with its line, as the check refuses it, instead of a clip read twice."""
    folder = tmp_path / "dataset"
    shutil.copytree(rendered_dataset, folder)
    lines = (folder / "metadata.csv").read_text(encoding="utf-8").splitlines()
    first_id = lines[0].split("|")[0]
    lines[1] = lines[1].split("|")[0] + "|A café on the corner."
    lines.append(f"{first_id}|Said twice.")
    (folder / "metadata.csv").write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    card = default_voice.card
    clips, rejected = load_clips(
        folder, front_end_for(card), card["hop_length"], card["sample_rate"]
    )
    assert len(clips) == len(lines) - 1
    assert any(clip.text == "A café on the corner." for clip in clips)
    assert rejected == [
        (f"metadata.csv line {len(lines)}", f"the id {first_id!r} appeared on an earlier line")
    ]
