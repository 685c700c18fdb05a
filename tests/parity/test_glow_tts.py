"""Parity of engine.models.glow_tts with the official Glow-TTS (jaywalnut310/glow-tts @ 13e9976).

Every manifest must match our state_dict key for key and shape for shape, and every case of
every fixture is replayed through our model and compared tensor by tensor with what the
official code stored. Case names are dispatched to runners; an unknown name fails.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import Tensor

from engine.models.glow_tts import FlowGenerator, build_glow_tts
from engine.models.layers import WN, MultiHeadAttention, sequence_mask
from engine.package_data import resource
from tests.parity import discovery
from tests.parity.discovery import Fixture, assert_close, fixture_params, manifests

CONFIGS = resource("configs", "glow-tts")
TESTED_ELSEWHERE = {"text_frontend": "the Glow-TTS symbol table is tested with the text front end"}

# glow-tts's optimizer keeps its learning rate as a numpy.float64, which weights_only=True
# refuses unless these (data-only) numpy reconstructors are allowed. Files pickled under
# numpy 1 name the scalar reconstructor numpy.core.multiarray.scalar.
NUMPY_SCALAR_GLOBALS = [
    np._core.multiarray.scalar,
    (np._core.multiarray.scalar, "numpy.core.multiarray.scalar"),
    np.dtype,
    np.dtypes.Float64DType,
]


# The fixtures were computed with 2 threads; other counts reorder float reductions.
TORCH_THREADS = 2


def _official_state_dict(path: Path) -> dict[str, Tensor]:
    with torch.serialization.safe_globals(NUMPY_SCALAR_GLOBALS):
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    return checkpoint["model"]


def _load(fixture: Fixture) -> FlowGenerator:
    model = build_glow_tts(json.loads(fixture.config.read_text()))
    model.load_state_dict(_official_state_dict(fixture.checkpoint), strict=True)
    return model.eval()


@cache
def _model(fixture: Fixture) -> FlowGenerator:
    """As inference.ipynb prepares it: weights loaded, then ``store_inverse()``."""
    model = _load(fixture)
    model.store_inverse()
    return model


@cache
def _cases(fixture: Fixture) -> dict:
    return fixture.load_cases()


# --- runners: one per kind of case; each returns every output it computes ---------------------


@dataclass(frozen=True)
class Runner:
    run: Callable[[FlowGenerator, dict], dict[str, Tensor]]
    inputs: frozenset[str]


def _with_speaker(outputs: dict[str, Tensor], g: Tensor | None) -> dict[str, Tensor]:
    """A multi-speaker case may store the speaker conditioning the official code computed
    (``F.normalize(emb_g(sid)).unsqueeze(-1)``): ours must be exposed and match it."""
    return outputs if g is None else {**outputs, "g": g}


def _run_encoder(model: FlowGenerator, case: dict) -> dict[str, Tensor]:
    g = model.embed_speaker(case.get("sid"))
    x_m, x_logs, logw, x_mask = model.encode_text(case["x"], case["x_lengths"], g)
    return _with_speaker(dict(x_m=x_m, x_logs=x_logs, logw=logw, x_mask=x_mask), g)


def _run_gen(model: FlowGenerator, case: dict) -> dict[str, Tensor]:
    (y, z_m, z_logs, _, z_mask), (x_m, x_logs, x_mask), (attn, logw, logw_) = model.infer(
        case["x"], case["x_lengths"], sid=case.get("sid"), noise_scale=case["noise_scale"],
        length_scale=case["length_scale"], noise=case.get("noise"),
    )
    w = model.scale_durations(logw, x_mask, case["length_scale"])
    w_ceil = torch.ceil(w)
    y_lengths = z_mask.sum([1, 2]).long()
    outputs = dict(
        y=y, z_m=z_m, z_logs=z_logs, z_mask=z_mask, x_m=x_m, x_logs=x_logs, x_mask=x_mask,
        attn=attn, logw=logw, logw_=logw_, w=w, w_ceil=w_ceil, y_lengths=y_lengths,
    )
    return _with_speaker(outputs, model.embed_speaker(case.get("sid")))


def _run_decoder_forward(model: FlowGenerator, case: dict) -> dict[str, Tensor]:
    g = model.embed_speaker(case.get("sid"))
    y_mask = sequence_mask(case["y_lengths"], case["y"].size(2)).unsqueeze(1).float()
    z, logdet = model.decoder(case["y"], y_mask, g=g)
    y_back = model.decoder.inverse(z, y_mask, g=g)
    return _with_speaker(dict(y_mask=y_mask, z=z, logdet=logdet, y_back=y_back), g)


_TEXT_INPUTS = frozenset({"x", "x_lengths", "sid"})
RUNNERS = {
    "encoder": Runner(_run_encoder, _TEXT_INPUTS),
    "gen": Runner(_run_gen, _TEXT_INPUTS),
    "decoder_forward": Runner(_run_decoder_forward, frozenset({"y", "y_lengths", "sid"})),
}


def _runner(name: str) -> Runner:
    """``gen_*`` cases share one runner (their settings are stored in the case)."""
    key = "gen" if name.startswith("gen_") else name
    if key not in RUNNERS:
        pytest.fail(f"unknown Glow-TTS case {name!r}: add a runner for it to {__name__}")
    return RUNNERS[key]


# --- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("manifest", manifests("glow-tts"), ids=lambda p: p.stem)
def test_state_dict_matches_official_manifest(manifest: Path):
    config = discovery.official_config(CONFIGS, manifest)
    discovery.assert_matches_manifest(lambda: build_glow_tts(config), manifest)


@pytest.mark.parametrize(("fixture", "name"), discovery.case_params("glow-tts", _cases))
def test_case_matches_official(fixture: Fixture, name: str):
    if name in TESTED_ELSEWHERE:
        pytest.skip(TESTED_ELSEWHERE[name])
    runner = _runner(name)
    case = _cases(fixture)[name]
    with torch.inference_mode():
        actual = runner.run(_model(fixture), case)
    discovery.assert_outputs_match(actual, case, runner.inputs, 1e-4, f"{fixture.id}/{name}")


def _noisy_gen_case(fixture: Fixture) -> dict:
    noisy = [c for n, c in _cases(fixture).items() if n.startswith("gen_") and c.get("noise")]
    assert noisy, f"{fixture.id} has no gen case with recorded noise"
    return noisy[0]


def _gen(model: FlowGenerator, case: dict) -> list[Tensor]:
    (y, z_m, z_logs, _, z_mask), _, (attn, *_) = model.infer(
        case["x"], case["x_lengths"], sid=case.get("sid"), noise_scale=case["noise_scale"],
        length_scale=case["length_scale"], noise=case["noise"],
    )
    return [y, z_m, z_logs, z_mask, attn]


@pytest.mark.parametrize("fixture", fixture_params("glow-tts"))
def test_inverse_paths_agree(fixture: Fixture):
    """Without store_inverse, with it, and fully folded: the same mel."""
    case = _noisy_gen_case(fixture)
    plain = _load(fixture)
    folded = copy.deepcopy(_model(fixture))
    folded.fold_weight_norm()
    assert not [k for k in folded.state_dict() if k.endswith(("weight_g", "weight_v"))]
    assert not [k for k in _model(fixture).state_dict() if "weight_inv" in k]
    with torch.inference_mode():
        reference = _gen(_model(fixture), case)
        for variant in (plain, folded):
            for i, (a, b) in enumerate(zip(_gen(variant, case), reference, strict=True)):
                assert_close(a, b, rel=1e-5, name=f"gen output {i}")


@pytest.mark.parametrize("fixture", fixture_params("glow-tts"))
def test_step_by_step_equals_infer(fixture: Fixture):
    """encode_text → scale_durations → ceil → expand_to_frames → decode is infer()."""
    model, case = _model(fixture), _noisy_gen_case(fixture)
    (prior_noise,) = case["noise"]
    with torch.inference_mode():
        y, _, _, z_mask, attn = _gen(model, case)
        g = model.embed_speaker(case.get("sid"))
        x_m, x_logs, logw, x_mask = model.encode_text(case["x"], case["x_lengths"], g)
        w = model.scale_durations(logw, x_mask, case["length_scale"])
        durations = torch.ceil(w).squeeze(1).long()
        z_m, z_logs, step_mask, step_attn = model.expand_to_frames(
            x_m, x_logs, x_mask, durations
        )
        mel = model.decode(z_m, z_logs, step_mask, prior_noise, case["noise_scale"], g)
    assert torch.equal(step_attn, attn)
    assert torch.equal(step_mask, z_mask)
    assert_close(mel, y, rel=1e-6, name="mel")


def test_lengths_floored_to_squeeze_multiple():
    """Frames are cut from the end so the total is a multiple of n_sqz (at least 1 first)."""
    model = _tiny_model(n_speakers=0)
    x_m = torch.randn(2, 80, 3)
    x_mask = torch.tensor([[[1.0, 1.0, 1.0]], [[1.0, 0.0, 0.0]]])
    durations = torch.tensor([[2, 1, 2], [1, 4, 4]])
    z_m, _, z_mask, attn = model.expand_to_frames(x_m, torch.zeros_like(x_m), x_mask, durations)
    assert z_mask.sum([1, 2]).tolist() == [4.0, 0.0]
    assert attn.shape == (2, 1, 3, 4)
    assert attn[0, 0].sum(1).tolist() == [2.0, 1.0, 1.0]
    assert torch.equal(z_m[0, :, 3], x_m[0, :, 2])


def _tiny_model(n_speakers: int) -> FlowGenerator:
    config = json.loads((CONFIGS / "base_blank.json").read_text())
    config["model"].update(
        hidden_channels=16, filter_channels=32, filter_channels_dp=16, n_blocks_dec=2,
        hidden_channels_enc=16, hidden_channels_dec=16,
    )
    if n_speakers:
        config["model"].update(n_speakers=n_speakers, gin_channels=8)
    torch.manual_seed(0)
    return build_glow_tts(config).eval()


def test_multi_speaker_conditions_durations_and_decoder():
    """The normalised speaker embedding feeds the duration predictor and every coupling."""
    model = _tiny_model(n_speakers=5)
    assert model.encoder.proj_w.conv_1.in_channels == 16 + 8
    assert "decoder.flows.2.wn.cond_layer.weight_g" in model.state_dict()
    with torch.no_grad():
        for parameter in model.parameters():  # a new coupling's zero `end` ignores g
            parameter.add_(0.1 * torch.randn_like(parameter))
    x, x_lengths = torch.randint(0, model.n_vocab, (1, 7)), torch.tensor([7])
    g1, g3 = (model.embed_speaker(torch.tensor([s])) for s in (1, 3))
    assert torch.allclose(g3.norm(dim=1), torch.ones(1, 1))
    with torch.inference_mode():
        x_m, x_logs, logw1, x_mask = model.encode_text(x, x_lengths, g1)
        logw3 = model.encode_text(x, x_lengths, g3)[2]
        durations = torch.full((1, 7), 2)
        z_m, z_logs, z_mask, _ = model.expand_to_frames(x_m, x_logs, x_mask, durations)
        mel1, mel3 = (model.decode(z_m, z_logs, z_mask, None, 0.0, g) for g in (g1, g3))
    assert not torch.allclose(logw1, logw3)
    assert not torch.allclose(mel1, mel3)
    with pytest.raises(ValueError, match="give a speaker id"):
        model.infer(x, x_lengths)
    with pytest.raises(ValueError, match="out of range"):
        model.embed_speaker(torch.tensor([5]))


def test_recorded_noise_is_checked():
    model = _tiny_model(n_speakers=0)
    x, x_lengths = torch.randint(0, model.n_vocab, (1, 5)), torch.tensor([5])
    with torch.inference_mode(), pytest.raises(ValueError, match="one noise tensor"):
        model.infer(x, x_lengths, noise=[])
    with torch.inference_mode(), pytest.raises(ValueError, match="shape"):
        model.infer(x, x_lengths, noise=[torch.zeros(1, 80, 1)])


def test_decoder_forward_inverts():
    """Training direction and inverse round-trip, also with ActNorm's data-dependent init."""
    model = _tiny_model(n_speakers=0)
    actnorm = model.decoder.flows[0]
    actnorm.initialized = False
    y = torch.randn(2, 80, 12) * 3 + 1
    y_mask = sequence_mask(torch.tensor([12, 8]), 12).unsqueeze(1).float()
    with torch.no_grad():
        z, logdet = model.decoder(y, y_mask)
        y_back = model.decoder.inverse(z, y_mask)
    assert actnorm.initialized
    assert logdet.shape == (2,)
    assert_close(y_back, y * y_mask, rel=1e-5, name="y_back")


def test_attention_block_length_masks_far_pairs():
    """``block_length`` (official Glow-TTS option) sets scores of pairs farther apart than
    block_length to -1e4, as the official triu/tril band does."""
    torch.manual_seed(0)
    attention = MultiHeadAttention(8, 8, 2, block_length=1, scale_query=False).eval()
    x = torch.randn(1, 8, 6)
    mask = torch.ones(1, 1, 6, 6)
    projections = (attention.conv_q, attention.conv_k, attention.conv_v)
    q, k, v = (attention._split_heads(conv(x)) for conv in projections)
    scores = q @ k.transpose(-2, -1) / 2.0
    band = torch.ones(6, 6).triu(-1).tril(1)
    scores = scores * band + -1e4 * (1 - band)
    out = torch.softmax(scores, -1) @ v
    expected = attention.conv_o(out.transpose(2, 3).reshape(1, 8, 6))
    with torch.no_grad():
        assert_close(attention(x, x, mask), expected, rel=1e-6, name="block attention")


def test_wn_dropout_before_gate():
    """Glow-TTS drops the dilated conv's output before the condition is added: with every
    unit dropped, only the condition reaches the gate."""
    torch.manual_seed(0)
    wn = WN(4, 3, 1, 2, gin_channels=2, p_dropout=1.0, dropout_before_gate=True).train()
    x_mask, g = torch.ones(1, 1, 5), torch.randn(1, 2, 1)
    with torch.no_grad():
        a, b = (wn(torch.randn(1, 4, 5), x_mask, g=g) for _ in range(2))
    assert torch.equal(a, b)
    assert a.abs().sum() > 0
