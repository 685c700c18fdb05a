"""Parity of engine.models.vits with the official VITS (jaywalnut310/vits @ 2e561ba).

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

import pytest
import torch
from torch import Tensor

from engine.checkpoints.vits_official import load_vits_checkpoint
from engine.models.vits import SynthesizerTrn, build_vits, rational_quadratic_spline
from engine.package_data import resource
from tests.parity import discovery
from tests.parity.discovery import Fixture, assert_close, fixture_params, manifests

CONFIGS = resource("configs", "vits")
TESTED_ELSEWHERE = {"text_frontend": "the VITS symbol table is tested with the text front end"}


# The fixtures were computed with 2 threads; other counts reorder float reductions.
TORCH_THREADS = 2


@cache
def _model(fixture: Fixture) -> SynthesizerTrn:
    model, _ = load_vits_checkpoint(fixture.checkpoint, fixture.config)
    return model


@cache
def _cases(fixture: Fixture) -> dict:
    return fixture.load_cases()


# --- runners: one per kind of case; each returns every output it computes ---------------------


@dataclass(frozen=True)
class Runner:
    run: Callable[[SynthesizerTrn, dict], dict[str, Tensor]]
    inputs: frozenset[str]


def _with_speaker(outputs: dict[str, Tensor], g: Tensor | None) -> dict[str, Tensor]:
    return outputs if g is None else {**outputs, "g": g}


def _split_noise(model: SynthesizerTrn, noise: list[Tensor] | None) -> tuple:
    """(duration predictor's noise, prior's noise) of a case's recorded draws: the official
    ``infer`` draws the first only with the stochastic predictor (``ljs_nosdp`` has none)."""
    if not noise:
        return None, None
    return (noise[0], noise[1]) if model.use_sdp else (None, noise[0])


def _run_encoder(model: SynthesizerTrn, case: dict) -> dict[str, Tensor]:
    g = model.embed_speaker(case.get("sid"))
    x_enc, m_p, logs_p, x_mask = model.encode_text(case["x"], case["x_lengths"])
    logw = model.predict_log_durations(x_enc, x_mask, g, sdp_noise=None, noise_scale_w=0.0)
    outputs = dict(enc_x=x_enc, m_p=m_p, logs_p=logs_p, x_mask=x_mask, logw_sdp_noise0=logw)
    return _with_speaker(outputs, g)


def _run_infer(model: SynthesizerTrn, case: dict) -> dict[str, Tensor]:
    noise = case.get("noise")
    o, attn, y_mask, (z, z_p, m_p, logs_p) = model.infer(
        case["x"], case["x_lengths"], sid=case.get("sid"), noise_scale=case["noise_scale"],
        length_scale=case["length_scale"], noise_scale_w=case["noise_scale_w"], noise=noise,
    )
    g = model.embed_speaker(case.get("sid"))
    x_enc, _, _, x_mask = model.encode_text(case["x"], case["x_lengths"])
    sdp_noise, _ = _split_noise(model, noise)
    logw = model.predict_log_durations(x_enc, x_mask, g, sdp_noise, case["noise_scale_w"])
    w = model.scale_durations(logw, x_mask, case["length_scale"])
    w_ceil = torch.ceil(w)
    y_lengths = torch.clamp_min(w_ceil.sum([1, 2]), 1).long()
    return dict(
        o=o, attn=attn, y_mask=y_mask, z=z, z_p=z_p, m_p=m_p, logs_p=logs_p, w=w,
        w_ceil=w_ceil, y_lengths=y_lengths,
    )


def _run_posterior(model: SynthesizerTrn, case: dict) -> dict[str, Tensor]:
    g = model.embed_speaker(case.get("sid"))
    (noise,) = case["noise"]
    z, m_q, logs_q, y_mask = model.enc_q(case["spec"], case["spec_lengths"], g=g, noise=noise)
    z_p = model.flow(z, y_mask, g=g)
    z_back = model.flow(z_p, y_mask, g=g, reverse=True)
    o = model.dec(z * y_mask, g=g)
    outputs = dict(z=z, m_q=m_q, logs_q=logs_q, y_mask=y_mask, z_p=z_p, z_back=z_back, o=o)
    return _with_speaker(outputs, g)


def _run_dec(model: SynthesizerTrn, case: dict) -> dict[str, Tensor]:
    g = model.embed_speaker(case.get("sid"))
    return _with_speaker({"o": model.dec(case["z"], g=g)}, g)


def _run_voice_conversion(model: SynthesizerTrn, case: dict) -> dict[str, Tensor]:
    o_hat, y_mask, (z, z_p, z_hat) = model.voice_conversion(
        case["spec"], case["spec_lengths"], case["sid_src"], case["sid_tgt"], noise=case["noise"]
    )
    return dict(o_hat=o_hat, y_mask=y_mask, z=z, z_p=z_p, z_hat=z_hat)


_TEXT_INPUTS = frozenset({"x", "x_lengths", "sid"})
RUNNERS = {
    "encoder": Runner(_run_encoder, _TEXT_INPUTS),
    "infer": Runner(_run_infer, _TEXT_INPUTS),
    "posterior": Runner(_run_posterior, frozenset({"wav", "spec", "spec_lengths", "sid"})),
    "dec": Runner(_run_dec, frozenset({"z", "sid"})),
    "voice_conversion": Runner(
        _run_voice_conversion, frozenset({"spec", "spec_lengths", "sid_src", "sid_tgt"})
    ),
}


def _runner(name: str) -> Runner:
    """``infer_*`` cases share one runner (their settings are stored in the case)."""
    key = "infer" if name.startswith("infer_") else name
    if key not in RUNNERS:
        pytest.fail(f"unknown VITS case {name!r}: add a runner for it to {__name__}")
    return RUNNERS[key]


# --- tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("manifest", manifests("vits"), ids=lambda p: p.stem)
def test_state_dict_matches_official_manifest(manifest: Path):
    config = discovery.official_config(CONFIGS, manifest)
    discovery.assert_matches_manifest(lambda: build_vits(config), manifest)


@pytest.mark.parametrize(("fixture", "name"), discovery.case_params("vits", _cases))
def test_case_matches_official(fixture: Fixture, name: str):
    if name in TESTED_ELSEWHERE:
        pytest.skip(TESTED_ELSEWHERE[name])
    runner = _runner(name)
    case = _cases(fixture)[name]
    with torch.inference_mode():
        actual = runner.run(_model(fixture), case)
    discovery.assert_outputs_match(actual, case, runner.inputs, 1e-4, f"{fixture.id}/{name}")


def _noisy_infer_case(fixture: Fixture) -> dict:
    noisy = [c for n, c in _cases(fixture).items() if n.startswith("infer_") and c.get("noise")]
    assert noisy, f"{fixture.id} has no infer case with recorded noise"
    return noisy[0]


def _infer(model: SynthesizerTrn, case: dict) -> tuple[Tensor, ...]:
    o, attn, y_mask, latents = model.infer(
        case["x"], case["x_lengths"], sid=case.get("sid"), noise_scale=case["noise_scale"],
        length_scale=case["length_scale"], noise_scale_w=case["noise_scale_w"],
        noise=case["noise"],
    )
    return o, attn, y_mask, *latents


@pytest.mark.parametrize("fixture", fixture_params("vits"))
def test_fold_weight_norm_keeps_output(fixture: Fixture):
    case = _noisy_infer_case(fixture)
    folded = copy.deepcopy(_model(fixture))
    folded.fold_weight_norm()
    assert not [k for k in folded.state_dict() if k.endswith(("weight_g", "weight_v"))]
    with torch.inference_mode():
        before = _infer(_model(fixture), case)
        after = _infer(folded, case)
    for i, (a, b) in enumerate(zip(after, before, strict=True)):
        assert_close(a, b, rel=1e-5, name=f"infer output {i}")


@pytest.mark.parametrize("fixture", fixture_params("vits"))
def test_step_by_step_equals_infer(fixture: Fixture):
    """encode_text → predict_log_durations → ceil → expand_to_frames → decode is infer()."""
    model, case = _model(fixture), _noisy_infer_case(fixture)
    sdp_noise, prior_noise = _split_noise(model, case["noise"])
    with torch.inference_mode():
        o, attn, y_mask, *_ = _infer(model, case)
        g = model.embed_speaker(case.get("sid"))
        x_enc, m_p, logs_p, x_mask = model.encode_text(case["x"], case["x_lengths"])
        logw = model.predict_log_durations(x_enc, x_mask, g, sdp_noise, case["noise_scale_w"])
        w = model.scale_durations(logw, x_mask, case["length_scale"])
        durations = torch.ceil(w).squeeze(1).long()
        m, logs, step_y_mask, step_attn = model.expand_to_frames(m_p, logs_p, x_mask, durations)
        audio = model.decode(m, logs, step_y_mask, prior_noise, case["noise_scale"], g)
    assert torch.equal(step_attn, attn)
    assert torch.equal(step_y_mask, y_mask)
    assert_close(audio, o, rel=1e-6, name="audio")


def test_deterministic_duration_predictor_config():
    """ljs_nosdp.json builds the plain duration predictor, which draws no noise."""
    config = json.loads((CONFIGS / "ljs_nosdp.json").read_text())
    config["model"].update(
        inter_channels=16, hidden_channels=16, filter_channels=64, upsample_initial_channel=64
    )
    torch.manual_seed(0)
    model = build_vits(config).eval()
    x = torch.randint(1, 178, (2, 9))
    x_lengths = torch.tensor([9, 6])
    with torch.inference_mode():
        x_enc, m_p, logs_p, x_mask = model.encode_text(x, x_lengths)
        logw = model.predict_log_durations(x_enc, x_mask, None, sdp_noise=None, noise_scale_w=1)
        durations = torch.ceil(model.scale_durations(logw, x_mask)).squeeze(1).long()
        m, logs, y_mask, _ = model.expand_to_frames(m_p, logs_p, x_mask, durations)
        prior_noise = torch.randn(m.shape)
        audio = model.decode(m, logs, y_mask, prior_noise, 0.667, None)
        o, *_ = model.infer(x, x_lengths, noise_scale=0.667, noise=[prior_noise])
        with pytest.raises(ValueError, match="not drawn"):
            model.infer(x, x_lengths, noise=[prior_noise, torch.randn(2, 2, 9)])
    assert "dp.conv_1.weight" in model.state_dict()
    assert_close(audio, o, rel=1e-6, name="audio")


def test_spline_inverse_undoes_forward():
    """The fixtures only run the spline backwards (SDP sampling); training runs it forwards."""
    generator = torch.Generator().manual_seed(0)
    x = torch.linspace(-6.0, 6.0, 241, dtype=torch.float64).view(1, 1, -1)
    widths, heights = (torch.randn(1, 1, 241, 10, generator=generator) for _ in range(2))
    derivatives = torch.randn(1, 1, 241, 9, generator=generator)
    params = (widths.double(), heights.double(), derivatives.double())
    y, logdet = rational_quadratic_spline(x, *params, tail_bound=5.0)
    x_back, logdet_back = rational_quadratic_spline(y, *params, inverse=True, tail_bound=5.0)
    assert torch.allclose(x_back, x, atol=1e-9)
    assert torch.allclose(logdet + logdet_back, torch.zeros_like(logdet), atol=1e-9)
    outside = x.abs() > 5.0
    assert torch.equal(y[outside], x[outside])


@pytest.mark.parametrize("fixture", fixture_params("vits"))
def test_loader_names_speaker_mismatch(fixture: Fixture, tmp_path: Path):
    config = json.loads(fixture.config.read_text())
    n_speakers = config["data"].get("n_speakers", 0)
    config["data"]["n_speakers"] = 0 if n_speakers > 1 else 7
    wrong = tmp_path / "config.json"
    wrong.write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"checkpoint has .*, config says"):
        load_vits_checkpoint(fixture.checkpoint, wrong)


@pytest.mark.parametrize("fixture", fixture_params("vits"))
def test_loader_summarises_key_mismatch(fixture: Fixture, tmp_path: Path):
    state_dict = dict(_model(fixture).state_dict())
    state_dict.pop("enc_p.proj.bias")
    state_dict["enc_p.extra"] = torch.zeros(1)
    state_dict["dec.conv_post.weight"] = torch.zeros(1, 2, 3)
    path = tmp_path / "G_0.pth"
    torch.save({"model": state_dict, "iteration": 0}, path)
    with pytest.raises(ValueError) as error:
        load_vits_checkpoint(path, fixture.config)
    message = str(error.value)
    assert "1 keys missing (enc_p.proj.bias)" in message
    assert "1 keys unexpected (enc_p.extra)" in message
    assert "dec.conv_post.weight: file [1, 2, 3]" in message
