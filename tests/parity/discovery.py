"""Find parity fixtures: every ``ckpt_<tag>``, ``config_<tag>``, ``cases_<tag>`` triple in a
model's folder under ``$GLOTTIS_PARITY_DIR`` (default ``../shared/parity`` beside the repo).

A new fixture folder with the same layout is picked up with no code change.

Also the scaffolding the model files share: ``case_params`` (one param per case),
``flat_cases`` (nested ``wn_active/*`` cases), ``torch_threads`` (used by conftest.py's
``TORCH_THREADS`` pin), ``official_config`` and ``assert_matches_manifest`` (the manifest test)
and ``assert_close``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
from torch import nn

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


def flat_cases(fixture: Fixture, metadata: set[str], nested: str) -> dict[str, dict]:
    """Cases by name, ``<nested><name>`` for those in the ``nested`` group; metadata left out."""
    found = {}
    for name, value in fixture.load_cases().items():
        if name in metadata:
            continue
        if not isinstance(value, dict):
            pytest.fail(f"{fixture.id}: unknown top-level entry {name!r}")
        if name == nested.rstrip("/"):
            found.update({nested + k: v for k, v in value.items()})
        else:
            found[name] = value
    return found


def case_params(model: str, cases: Callable[[Fixture], dict] = Fixture.load_cases) -> list:
    """``pytest.param(fixture, name)`` per dict-valued entry of ``cases(fixture)``, for every
    fixture of ``model``; one skipped ``(None, None)`` param, with the reason, when none is found.

    ``cases`` is the test file's (cached) reader; it may flatten nested cases into names such
    as ``wn_active/<name>``.
    """
    params = []
    for param in fixture_params(model):
        fixture = param.values[0]
        if fixture is None:
            params.append(pytest.param(None, None, marks=param.marks))
            continue
        for name, case in cases(fixture).items():
            if isinstance(case, dict):
                params.append(pytest.param(fixture, name, id=f"{fixture.id}/{name}"))
    return params


@contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Pin torch's intra-op thread count, restoring the previous count afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def official_config(folder: Path, manifest: Path, what: str = "config") -> dict:
    """The official ``<tag>.json`` in ``folder`` for ``manifest_<tag>.json``."""
    tag = manifest.stem.removeprefix("manifest_")
    path = folder / f"{tag}.json"
    assert path.is_file(), f"no official {what} {path} for {manifest.name}"
    return json.loads(path.read_text())


def assert_matches_manifest(
    build: Callable[[], nn.Module], manifest: Path, ordered: bool = True
) -> None:
    """The model ``build()`` makes on the meta device has the manifest's state_dict keys and
    shapes (in the same order unless ``ordered`` is False) and its parameter count."""
    expected = json.loads(manifest.read_text())
    with torch.device("meta"):
        model = build()
    if ordered:
        ours = [(key, list(value.shape)) for key, value in model.state_dict().items()]
        assert ours == [(key, shape) for key, shape in expected["state_dict"].items()]
    else:
        ours = {key: list(value.shape) for key, value in model.state_dict().items()}
        assert ours == expected["state_dict"]
    assert sum(p.numel() for p in model.parameters()) == expected["n_elements"]


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


def assert_outputs_match(
    actual: dict[str, torch.Tensor], case: dict, inputs: set[str] | frozenset[str], rel: float,
    name: str,
) -> None:
    """Every tensor a case stores, its inputs aside, is reproduced within ``rel``."""
    stored = {k for k, v in case.items() if isinstance(v, torch.Tensor)} - set(inputs)
    assert stored, f"{name}: no stored output"
    assert stored <= actual.keys(), f"{name}: not reproduced: {sorted(stored - actual.keys())}"
    for key in sorted(stored):
        assert_close(actual[key], case[key], rel=rel, name=f"{name}.{key}")
