"""The VITS stages on onnxruntime, exported from our own torch model.

On a CPU, onnxruntime runs this network about twice as fast as eager PyTorch (the convolutions
of the decoder dominate; see ``benchmarks/speed_vits.py``), so the Synthesizer uses it there.
The graphs are exported once per voice with PyTorch's TorchScript-based exporter (the one
Piper's own ``export_onnx`` uses, OHF-voice/piper1-gpl), checked against the torch stages on
inputs of lengths the trace did not see, and cached in the voice folder. All noise enters as an
input, so the per-token draws of the Synthesizer reach the graphs unchanged.
"""

from __future__ import annotations

import copy
import io
import json
import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime
import torch
from torch import Tensor, nn

from engine.models.layers import fold_weight_norm
from engine.models.vits import SynthesizerTrn
from engine.runtime.polyphase import PolyphaseUpsample
from engine.runtime.stages import Encoding, TorchStages
from engine.storage import atomic_folder

# Bump when the exported graphs change, so cached exports are made again.
EXPORT_VERSION = 2
OPSET = 17
CHECK_TOLERANCE = 1e-3

CACHE_FOLDER = "onnx"
ENCODE_FILE = "encode.onnx"
DECODE_FILE = "decode.onnx"
STAMP_FILE = "stamp.json"
# The weights file of a voice folder, as engine.checkpoints.voices names it.
WEIGHTS_FILE = "model.safetensors"


class _EncodeGraph(nn.Module):
    def __init__(self, model: SynthesizerTrn) -> None:
        super().__init__()
        self.model = model

    def forward(self, ids: Tensor, sdp_noise: Tensor, noise_w: Tensor, sid: Tensor) -> tuple:
        lengths = torch.ones_like(ids).sum(1)
        x_enc, m_p, logs_p, x_mask = self.model.encode_text(ids, lengths)
        g = self.model.embed_speaker(sid) if self.model.n_speakers > 1 else None
        logw = self.model.predict_log_durations(x_enc, x_mask, g, sdp_noise, noise_w)
        return m_p, logs_p, logw


class _DecodeGraph(nn.Module):
    """Flow in reverse and decoder; the decoder is a weight-norm-folded copy whose upsampling
    layers are in polyphase form (same function, faster on onnxruntime)."""

    def __init__(self, model: SynthesizerTrn) -> None:
        super().__init__()
        self.model = model
        self.dec = copy.deepcopy(model.dec)
        fold_weight_norm(self.dec)
        self.dec.ups = nn.ModuleList(PolyphaseUpsample(up) for up in self.dec.ups)

    def forward(
        self, m: Tensor, logs: Tensor, noise: Tensor, noise_scale: Tensor, sid: Tensor
    ) -> Tensor:
        g = self.model.embed_speaker(sid) if self.model.n_speakers > 1 else None
        y_mask = torch.ones_like(m[:, :1])
        z_p = m + noise * torch.exp(logs) * noise_scale
        z = self.model.flow(z_p, y_mask, g=g, reverse=True)
        return self.dec(z * y_mask, g=g)


class ExportError(RuntimeError):
    """The model could not be exported, or its export does not compute what the model does."""


def _export(
    module: nn.Module, args: tuple, names: list[str], outputs: list[str], axes: dict
) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                module,
                args,
                buffer,
                dynamo=False,
                opset_version=OPSET,
                input_names=names,
                output_names=outputs,
                dynamic_axes=axes,
                do_constant_folding=True,
            )
        except Exception as error:  # the exporter raises many unrelated types
            raise ExportError(f"ONNX export failed: {error}") from error
    return buffer.getvalue()


def export_graphs(model: SynthesizerTrn) -> tuple[bytes, bytes]:
    """ONNX bytes of the encode and decode graphs, for any number of tokens and frames.

    The wrappers are put in eval mode first: the exporter restores the mode they had, and a
    wrapper left in training mode would switch the voice's model to training (dropout on).
    """
    channels = model.inter_channels
    tokens, frames = 13, 37
    sid = torch.zeros(1, dtype=torch.long)
    with torch.no_grad():
        encode = _export(
            _EncodeGraph(model).eval(),
            (
                torch.ones(1, tokens, dtype=torch.long),
                torch.zeros(1, 2, tokens),
                torch.ones(1),
                sid,
            ),
            ["ids", "sdp_noise", "noise_w", "sid"],
            ["m_p", "logs_p", "logw"],
            {
                "ids": {1: "tokens"},
                "sdp_noise": {2: "tokens"},
                "m_p": {2: "tokens"},
                "logs_p": {2: "tokens"},
                "logw": {2: "tokens"},
            },
        )
        decode = _export(
            _DecodeGraph(model).eval(),
            (
                torch.zeros(1, channels, frames),
                torch.zeros(1, channels, frames),
                torch.zeros(1, channels, frames),
                torch.ones(1),
                sid,
            ),
            ["m", "logs", "noise", "noise_scale", "sid"],
            ["audio"],
            {
                "m": {2: "frames"},
                "logs": {2: "frames"},
                "noise": {2: "frames"},
                "audio": {2: "samples"},
            },
        )
    return encode, decode


class _Graph:
    """An onnxruntime session fed only the inputs its graph kept (the exporter drops unused
    ones, such as ``sid`` of a single-speaker voice)."""

    def __init__(self, graph: bytes | Path, threads: int | None) -> None:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        source = str(graph) if isinstance(graph, Path) else graph
        self.session = onnxruntime.InferenceSession(
            source, options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}

    def run(self, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
        return self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})


class OnnxStages:
    """The stages on onnxruntime's CPU provider."""

    name = "onnxruntime"

    def __init__(
        self, encode: bytes | Path, decode: bytes | Path, threads: int | None = None
    ) -> None:
        """Sessions for the two graphs, each given as ONNX bytes or a file path; ``threads``
        is onnxruntime's intra-op thread count (torch's by default)."""
        self._encode = _Graph(encode, threads)
        self._decode = _Graph(decode, threads)

    @staticmethod
    def _sid(speaker: int | None) -> np.ndarray:
        return np.array([speaker or 0], dtype=np.int64)

    def encode(
        self, ids: Sequence[int], speaker: int | None, sdp_noise: np.ndarray, noise_w: float
    ) -> Encoding:
        m_p, logs_p, logw = self._encode.run(
            {
                "ids": np.asarray([ids], dtype=np.int64),
                "sdp_noise": np.ascontiguousarray(sdp_noise[None], dtype=np.float32),
                "noise_w": np.array([noise_w], dtype=np.float32),
                "sid": self._sid(speaker),
            },
        )
        return Encoding(m_p[0], logs_p[0], logw[0, 0])

    def decode(
        self,
        m_frames: np.ndarray,
        logs_frames: np.ndarray,
        noise: np.ndarray,
        noise_scale: float,
        speaker: int | None,
    ) -> np.ndarray:
        (audio,) = self._decode.run(
            {
                "m": np.ascontiguousarray(m_frames[None], dtype=np.float32),
                "logs": np.ascontiguousarray(logs_frames[None], dtype=np.float32),
                "noise": np.ascontiguousarray(noise[None], dtype=np.float32),
                "noise_scale": np.array([noise_scale], dtype=np.float32),
                "sid": self._sid(speaker),
            },
        )
        return audio[0, 0]


def check_against_torch(stages: OnnxStages, model: SynthesizerTrn, n_vocab: int) -> float:
    """Largest difference, relative to the torch output's max-abs, over both stages on lengths
    the export never saw (so a size frozen into the trace shows up here)."""
    reference = TorchStages(model, torch.device("cpu"))
    rng = np.random.default_rng(0)
    speaker = 0 if model.n_speakers > 1 else None
    worst = 0.0
    for tokens in (5, 58):
        ids = rng.integers(1, n_vocab, tokens)
        noise = rng.standard_normal((2, tokens)).astype(np.float32)
        ours, theirs = (
            stages.encode(ids, speaker, noise, 0.8),
            reference.encode(ids, speaker, noise, 0.8),
        )
        for a, b in [
            (ours.m_p, theirs.m_p),
            (ours.logs_p, theirs.logs_p),
            (ours.logw, theirs.logw),
        ]:
            worst = max(worst, _relative(a, b))
        frames = 3 * tokens
        m, logs = theirs.m_p[:, :1].repeat(frames, 1), theirs.logs_p[:, :1].repeat(frames, 1)
        noise = rng.standard_normal(m.shape).astype(np.float32)
        worst = max(
            worst,
            _relative(
                stages.decode(m, logs, noise, 0.667, speaker),
                reference.decode(m, logs, noise, 0.667, speaker),
            ),
        )
    return worst


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return float("inf")
    return float(np.abs(a - b).max() / max(float(np.abs(b).max()), 1e-8))


def _stamp(weights: Path) -> dict:
    stat = weights.stat()
    return {
        "export_version": EXPORT_VERSION,
        "torch": torch.__version__,
        "weights_size": stat.st_size,
        "weights_mtime_ns": stat.st_mtime_ns,
    }


def _write_cache(folder: Path, encode: bytes, decode: bytes, stamp: dict) -> None:
    """Write the graphs and their stamp as one folder, atomically."""
    with atomic_folder(folder) as staging:
        (staging / ENCODE_FILE).write_bytes(encode)
        (staging / DECODE_FILE).write_bytes(decode)
        (staging / STAMP_FILE).write_text(json.dumps(stamp), encoding="utf-8")


def _try_write_cache(folder: Path, encode: bytes, decode: bytes, stamp: dict) -> None:
    """The cache only saves time: a failure to write it (disk full, no permission) is a warning."""
    try:
        _write_cache(folder, encode, decode, stamp)
    except OSError as e:
        warnings.warn(
            f"could not cache the ONNX export in {folder} ({e}); it is kept in memory only",
            RuntimeWarning,
            stacklevel=3,
        )


def _cached_stages(folder: Path, threads: int | None) -> OnnxStages | None:
    """Stages from a cache folder, or None when its graphs do not load (damaged files)."""
    try:
        return OnnxStages(folder / ENCODE_FILE, folder / DECODE_FILE, threads)
    # A damaged graph file raises whatever its bytes lead to: onnxruntime's own errors (which
    # share no base class), OSError, UnicodeDecodeError, ... Any of them means: export again.
    except Exception:
        return None


def onnx_stages_for(
    model: SynthesizerTrn,
    voice_folder: Path,
    n_vocab: int,
    threads: int | None = None,
    weights: Path | None = None,
) -> OnnxStages:
    """ONNX stages of a voice, from its cached export when that matches the weights on disk;
    otherwise exported, checked against torch, and cached (in memory only if the cache cannot
    be written). A cache whose graphs do not load is exported and written again. Raises
    ExportError when the model cannot be exported or its export does not reproduce it.

    The cache, ``<voice_folder>/onnx/``, is keyed on the weights file (its size and
    modification time; default the folder's ``model.safetensors``) and not on ``model``:
    ``model`` must be the one loaded from that file, or the graphs of the voice on disk are
    returned for another model.
    """
    folder = voice_folder / CACHE_FOLDER
    weights = weights or voice_folder / WEIGHTS_FILE
    stamp = _stamp(weights) if weights.exists() else None
    if stamp is not None and _read_stamp(folder) == stamp:
        cached = _cached_stages(folder, threads)
        if cached is not None:
            return cached
    encode, decode = export_graphs(model)
    stages = OnnxStages(encode, decode, threads)
    error = check_against_torch(stages, model, n_vocab)
    if error > CHECK_TOLERANCE:
        raise ExportError(f"the ONNX export differs from the torch model by {error:.2g}")
    if stamp is not None and os.access(voice_folder, os.W_OK):
        _try_write_cache(folder, encode, decode, stamp)
    return stages


def _read_stamp(folder: Path) -> dict | None:
    try:
        return json.loads((folder / STAMP_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
