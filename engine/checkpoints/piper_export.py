"""Write a VITS voice as a Piper voice: ``NAME.onnx`` and ``NAME.onnx.json``.

The graph has Piper's interface (OHF-voice/piper1-gpl ``export_onnx``: inputs ``input``
[1, tokens] int64, ``input_lengths`` [1] int64 and ``scales`` [3] float32 — noise scale,
length scale, noise width — and the audio [1, 1, samples] as its output), so the voice runs
in Piper and in everything that runs Piper voices. Inside, it is the model's own inference:
the text encoder and the stochastic duration predictor on noise drawn in the graph
(``RandomNormalLike``), durations rounded up, the prior expanded to frames, then the flow in
reverse and the decoder, as :mod:`engine.runtime.onnx_stages` exports them.

The JSON is the voice's Piper config: sample rate, espeak-ng voice, phoneme id map and the
voice's inference defaults (a fine-tuned voice's fitted ``length_scale`` among them). Only
voices that speak through Piper's phonemes (``frontend.kind == "piper"``) can be exported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from engine.checkpoints.errors import PiperExportError
from engine.checkpoints.voices import Voice
from engine.families import inference_settings
from engine.models.vits import SynthesizerTrn
from engine.runtime.onnx_stages import ExportError, _DecodeGraph, _export
from engine.storage import atomic_file

PIPER_VERSION = "1.0.0"


class _PiperGraph(nn.Module):
    """Piper's ``infer`` interface over our model's stages (batch of one)."""

    def __init__(self, model: SynthesizerTrn) -> None:
        super().__init__()
        self.model = model
        self.decode = _DecodeGraph(model)

    def forward(self, ids: Tensor, lengths: Tensor, scales: Tensor) -> Tensor:
        model = self.model
        noise_scale, length_scale, noise_w = scales[0:1], scales[1], scales[2]
        x_enc, m_p, logs_p, x_mask = model.encode_text(ids, lengths)
        sdp_noise = torch.randn_like(x_enc[:, :2])
        logw = model.predict_log_durations(x_enc, x_mask, None, sdp_noise, noise_w)
        w = torch.ceil(torch.exp(logw) * x_mask * length_scale)[0, 0].long()  # [tokens]
        ends = torch.cumsum(w, 0)
        frames = torch.arange(ends[-1], device=ids.device).unsqueeze(1)
        path = ((frames >= (ends - w).unsqueeze(0)) & (frames < ends.unsqueeze(0))).float()
        m = (path @ m_p[0].transpose(0, 1)).transpose(0, 1).unsqueeze(0)
        logs = (path @ logs_p[0].transpose(0, 1)).transpose(0, 1).unsqueeze(0)
        sid = torch.zeros(1, dtype=torch.long, device=ids.device)
        return self.decode(m, logs, torch.randn_like(m), noise_scale, sid)


def piper_config(voice: Voice) -> dict[str, Any]:
    """The ``.onnx.json`` Piper reads for ``voice``."""
    card = voice.card
    frontend = card.get("frontend", {})
    if frontend.get("kind") != "piper":
        raise PiperExportError(
            f"Voice {voice.name} reads text with the {frontend.get('kind')!r} front end; only "
            "voices that speak Piper's espeak-ng phonemes can be exported for Piper."
        )
    if int(voice.model.n_speakers) > 1:
        raise PiperExportError(f"Voice {voice.name} has several speakers; export one voice.")
    inference = inference_settings(card)
    return {
        "audio": {"sample_rate": int(card["sample_rate"]), "quality": "medium"},
        "espeak": {"voice": frontend.get("espeak_voice", "en-us")},
        "inference": {
            name: float(inference[name]) for name in ("noise_scale", "length_scale", "noise_w")
        },
        "phoneme_type": frontend.get("phoneme_type", "espeak"),
        "phoneme_map": {},
        "phoneme_id_map": frontend["phoneme_id_map"],
        "num_symbols": int(card["n_vocab"]),
        "num_speakers": 1,
        "speaker_id_map": {},
        "piper_version": PIPER_VERSION,
        "dataset": voice.name,
        "glottis": {"source": card.get("source"), "licence": card.get("licence")},
    }


def export_piper(voice: Voice, onnx_path: Path) -> tuple[Path, Path]:
    """Write ``onnx_path`` and ``onnx_path + .json`` (each atomically); returns both paths."""
    if not isinstance(voice.model, SynthesizerTrn):
        raise PiperExportError(f"Voice {voice.name} is no VITS voice; Piper voices are VITS.")
    config = piper_config(voice)
    graph = _PiperGraph(voice.model).eval()
    tokens = 11
    try:
        with torch.no_grad():
            data = _export(
                graph,
                (
                    torch.ones(1, tokens, dtype=torch.long),
                    torch.tensor([tokens]),
                    torch.tensor([0.667, 1.0, 0.8]),
                ),
                ["input", "input_lengths", "scales"],
                ["output"],
                {"input": {1: "phonemes"}, "output": {2: "time"}},
            )
    except ExportError as error:
        raise PiperExportError(f"Voice {voice.name}: {error}") from error
    json_path = onnx_path.with_name(onnx_path.name + ".json")
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(onnx_path) as handle:
        handle.write(data)
    with atomic_file(json_path) as handle:
        handle.write(json.dumps(config, indent=2, ensure_ascii=False).encode("utf-8"))
    return onnx_path, json_path
