"""Find parity fixtures: every ``ckpt_<tag>``, ``config_<tag>``, ``cases_<tag>`` triple in a
model's folder under ``$GLOTTIS_PARITY_DIR`` (default ``../shared/parity`` beside the repo).

A new fixture folder with the same layout is picked up with no code change.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]


def parity_dir() -> Path:
    return Path(os.environ.get("GLOTTIS_PARITY_DIR", REPO.parent / "shared" / "parity"))


@dataclass(frozen=True)
class Fixture:
    model: str
    tag: str
    checkpoint: Path
    config: Path
    cases: Path

    @property
    def id(self) -> str:
        return f"{self.model}/{self.tag}"

    def load_cases(self) -> dict:
        return torch.load(self.cases, map_location="cpu", weights_only=True)


def fixtures(model: str) -> list[Fixture]:
    """All complete fixture triples of one model folder, sorted by tag."""
    folder = parity_dir() / model
    found = []
    for cases in sorted(folder.glob("cases_*.pt")):
        tag = cases.stem.removeprefix("cases_")
        ckpts = sorted(folder.glob(f"ckpt_{tag}.*"))
        config = folder / f"config_{tag}.json"
        if ckpts and config.exists():
            found.append(Fixture(model, tag, ckpts[0], config, cases))
    return found


def manifests(model: str) -> list[Path]:
    return sorted((parity_dir() / model).glob("manifest_*.json"))


def fixture_params(model: str) -> list:
    """``pytest.param`` per fixture; one skipped param, with the reason, when none is found."""
    found = fixtures(model)
    if not found:
        return [
            pytest.param(
                None, marks=pytest.mark.skip(reason=f"no {model} fixtures in {parity_dir()}")
            )
        ]
    return [pytest.param(f, id=f.id) for f in found]


def assert_close(
    actual: torch.Tensor, expected: torch.Tensor, rel: float = 1e-4, name: str = ""
) -> None:
    """Max-abs difference within ``rel`` of the expected tensor's max-abs."""
    actual = actual.detach().to(torch.float64).cpu()
    expected = expected.detach().to(torch.float64).cpu()
    assert actual.shape == expected.shape, (
        f"{name}: shape {tuple(actual.shape)} != {tuple(expected.shape)}"
    )
    scale = float(expected.abs().max()) or 1.0
    diff = float((actual - expected).abs().max())
    assert diff <= rel * scale, f"{name}: max-abs diff {diff:.3g} > {rel:g} x {scale:.3g}"
