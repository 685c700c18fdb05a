"""``glottis train`` headless, and two DistributedDataParallel processes (gloo) on the CPU."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from engine.training.cli import main
from engine.training.options import TrainOptions
from engine.training.run import train
from tests.training.tiny_configs import tiny_glow_tts


def test_train_command_runs_refuses_and_resumes(
    tmp_path: Path, rendered_dataset: Path, capsys
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tiny_glow_tts()))
    out = tmp_path / "run"
    args = [
        "--recipe",
        "glow-tts",
        "--data",
        str(rendered_dataset),
        "--out",
        str(out),
        "--max-steps",
        "2",
        "--batch-size",
        "3",
        "--device",
        "cpu",
        "--sample-every",
        "1000",
        "--recipe-option",
        f"config=@{config}",
    ]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "step 2/2" in err and "done: Reached step 2." in err
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in lines] == [1, 2]
    assert {"mle", "dur", "total", "lr", "seconds", "val_loss"} <= lines[-1].keys()

    assert main(args) == 2
    assert "already holds a training run" in capsys.readouterr().err
    resumed = [*args[:7], "3", *args[8:], "--resume"]
    assert main(resumed) == 0
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 2, 3]


@pytest.mark.parametrize(
    "written, said",
    [
        (lambda c: c["data"].update(sampling_rate="fast"), 'data.sampling_rate is "fast"'),
        (lambda c: c["model"].update(hidden_channels=-3), "model.hidden_channels is -3"),
        (lambda c: c.pop("model"), "lacks the entry 'model'"),
    ],
    ids=["a rate that is a word", "negative channels", "no model section"],
)
def test_a_config_to_train_from_is_checked_before_anything_is_built(
    tmp_path: Path, rendered_dataset: Path, capsys, written, said
) -> None:
    config = tiny_glow_tts()
    written(config)
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    out = tmp_path / "run"
    args = ["--recipe", "glow-tts", "--data", str(rendered_dataset), "--out", str(out)]
    assert main([*args, "--device", "cpu", "--recipe-option", f"config=@{path}"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err and said in err, err
    assert "--recipe-option config" in err


def test_a_recipe_option_file_that_is_no_json_is_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "data").mkdir()
    bad = tmp_path / "config.json"
    bad.write_bytes(b"\xff\xfe{\x00")  # UTF-16 cut short
    for value in (f"config=@{bad}", "config=" + "[" * 100_000):
        code = main(
            [
                "--recipe",
                "glow-tts",
                "--data",
                str(tmp_path / "data"),
                "--out",
                str(tmp_path / "out"),
                "--recipe-option",
                value,
            ]
        )
        assert code == 2
        err = capsys.readouterr().err.strip()
        assert "\n" not in err and "Traceback" not in err and "--recipe-option config" in err


def test_train_command_reports_a_dataset_it_cannot_use(tmp_path: Path, capsys) -> None:
    (tmp_path / "data").mkdir()
    code = main(
        [
            "--recipe",
            "glow-tts",
            "--data",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "out"),
            "--device",
            "cpu",
        ]
    )
    assert code == 2
    assert "has no metadata.csv" in capsys.readouterr().err


def test_a_voice_fine_tune_in_light_mode_within_a_budget(
    tmp_path: Path, rendered_dataset: Path, tiny_voice: Path, capsys
) -> None:
    out = tmp_path / "me"
    args = ["--recipe", "vits-finetune", "--data", str(rendered_dataset), "--out", str(out)]
    args += ["--from", str(tiny_voice), "--mode", "light", "--minutes", "0.4", "--device", "cpu"]
    args += ["--batch-size", "2", "--segment-frames", "8", "--validate-every", "3"]
    args += ["--recipe-option", "posterior_steps=3", "--recipe-option", "warmup_clips=2"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "vits-finetune (light mode) on cpu" in err and "or 0:00:24" in err
    assert "speaker similarity" in err and "the starting voice" in err
    assert "Whisper CER" in err and "ETA" in err
    assert "done: Spent the 0.4-minute budget at step" in err
    assert "aligning the recordings: 9/9" in err
    assert (out / "card.json").is_file()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank(rank: int, port: int, data: str, out: str, weights: str) -> None:
    """One torchrun-like process; saves its model after every step."""
    from engine.training.recipes.glow_tts import GlowTtsRecipe

    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        WORLD_SIZE="2",
        RANK=str(rank),
        LOCAL_RANK=str(rank),
    )
    torch.set_num_threads(1)
    real_step = GlowTtsRecipe.train_step

    def recording_step(self, batch, step):
        losses = real_step(self, batch, step)
        torch.save(self.model.state_dict(), Path(weights) / f"rank{rank}.pt")
        return losses

    GlowTtsRecipe.train_step = recording_step
    options = TrainOptions(
        recipe="glow-tts",
        data=Path(data),
        out=Path(out),
        max_steps=2,
        batch_size=2,
        device="cpu",
        sample_every=1000,
        recipe_options={"config": tiny_glow_tts()},
    )
    assert train(options).status == "done"


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch without distributed")
def test_two_process_ddp_on_gloo(tmp_path: Path, rendered_dataset: Path) -> None:
    out = tmp_path / "run"
    mp.spawn(
        _rank,
        args=(_free_port(), str(rendered_dataset), str(out), str(tmp_path)),
        nprocs=2,
        join=True,
    )
    # Different initial weights (seed + rank) and different shards of the data, yet DDP's
    # broadcast and gradient averaging leave both ranks with the same model.
    first = torch.load(tmp_path / "rank0.pt", weights_only=True)
    second = torch.load(tmp_path / "rank1.pt", weights_only=True)
    for key, value in first.items():
        torch.testing.assert_close(second[key], value)
    lines = (out / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [1, 2]  # rank 0 alone writes
    assert (out / "model.pth").is_file()
