"""VITS behind the acoustic interface: its two stages (``engine.runtime.stages``) on PyTorch
or onnxruntime, with per-token noise for the duration predictor and the prior.

A sentence rendered again with other durations (a boundary dragged, a phoneme nudged), or with
some tokens re-rolled or given a noise scale of their own, is decoded again only about the
change: the flow and the decoder are convolutions, so a frame's audio depends on the latent
frames within their reach (26 frames measured for the bundled voice; :data:`REACH_FRAMES`
allows 32), and the per-token noise of every token the edit did not touch is as it was. The
frames from ``REACH_FRAMES`` before the first changed token to ``REACH_FRAMES`` after the last
are decoded, with ``REACH_FRAMES`` more on each side as context, and put between the last
render's audio before and after them. The samples at the joins agree with a full render to
about 1e-7 (onnxruntime sums in another order at other offsets), so no crossfade is needed;
``tests/engine/test_local_rerender.py`` holds the whole take to a full render within 1e-5, and
``benchmarks/local_rerender.py`` times both.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence

import numpy as np
import torch

from engine.audio.mel import MelSettings
from engine.checkpoints.voices import ADAPTED_FROM, WEIGHTS_FILE, Voice, checkpoint_cache_folder
from engine.controls import Controls
from engine.errors import SynthesisError
from engine.families import FAMILIES
from engine.models.vits import SynthesizerTrn
from engine.runtime.devices import on_device
from engine.runtime.noise import frame_noise, token_draws
from engine.runtime.onnx_stages import ExportError, onnx_stages_for
from engine.runtime.stages import Encoding, TorchStages, VitsStages, expand

from .base import EncodingCache, inference_defaults, model_of, whole_frames

# Independent noise streams of a token: the duration predictor's and the prior's.
DURATION_STREAM, PRIOR_STREAM = 0, 1
REACH_FRAMES = 32  # latent frames either side that a frame's audio depends on, at most
LOCAL_SHARE = 0.5  # a change needing more than this share of the sentence decodes it whole
RUNTIMES = ("auto", "torch", "onnxruntime")


class VitsModel:
    """A VITS voice. ``runtime``: "torch" runs the model itself on ``device``; "onnxruntime"
    runs an ONNX export of it on the CPU, about twice as fast there; "auto" picks onnxruntime
    on a CPU and torch on CUDA, falling back to torch when the export is not faithful."""

    family = "vits"
    control_names: tuple[str, ...] = tuple(FAMILIES["vits"].defaults)
    mel: MelSettings | None = None

    def __init__(self, voice: Voice, device: torch.device, runtime: str) -> None:
        if runtime not in RUNTIMES:
            raise SynthesisError(f"runtime must be one of {', '.join(RUNTIMES)}, not {runtime!r}")
        self.voice = voice
        self.device = device
        self.model = on_device(model_of(voice.model, SynthesizerTrn, voice.name), device).eval()
        self.sample_rate = int(voice.card["sample_rate"])
        self.hop_length = int(voice.card["hop_length"])
        self.n_speakers = int(self.model.n_speakers)
        self.noise_channels = int(voice.card["config"]["model"]["inter_channels"])
        self.stages = self._stages(runtime)
        self.runtime = self.stages.name
        self._encodings: EncodingCache[Encoding] = EncodingCache()
        # The last render of each sentence (by everything but its durations), to re-render
        # about a change only.
        self._renders: EncodingCache[tuple[TokenShape, np.ndarray]] = EncodingCache()
        self.last_decoded_frames = 0  # how many frames the last render decoded

    def _stages(self, runtime: str) -> VitsStages:
        if runtime == "torch" or (runtime == "auto" and self.device.type != "cpu"):
            return TorchStages(self.model, self.device)
        if self.device.type != "cpu":
            raise SynthesisError("the onnxruntime runtime runs on the CPU only")
        n_vocab = int(self.voice.card["n_vocab"])
        try:
            if self.voice.path.is_file():
                cache = checkpoint_cache_folder(self.voice.path)
                return onnx_stages_for(self.model, cache, n_vocab, weights=self.voice.path)
            if ADAPTED_FROM in self.voice.card:
                # An adapted voice's folder holds only what it changed; its export, which
                # holds every weight, goes to the user data folder instead.
                cache = checkpoint_cache_folder(self.voice.path)
                weights = self.voice.path / WEIGHTS_FILE
                return onnx_stages_for(self.model, cache, n_vocab, weights=weights)
            return onnx_stages_for(self.model, self.voice.path, n_vocab)
        except ExportError as error:
            if runtime != "auto":
                raise SynthesisError(f"voice {self.voice.name}: {error}") from error
            warnings.warn(f"{error}; running the PyTorch model instead", RuntimeWarning, 2)
            return TorchStages(self.model, self.device)

    def default_controls(self) -> Controls:
        return inference_defaults(self.voice.card, self.control_names)

    def _encode(
        self, ids: Sequence[int], speaker: int | None, seed: int, sentence: int, noise_w: float
    ) -> Encoding:
        """Encoder and duration predictor; the prior statistics are kept for ``render``, which
        needs them again (they depend only on ids and speaker)."""
        draws = token_draws(seed, sentence, DURATION_STREAM, [(2,)] * len(ids))
        noise = torch.stack(draws, dim=-1).numpy()
        encoding = self.stages.encode(ids, speaker, noise, noise_w)
        self._encodings.put((tuple(ids), speaker), encoding)
        return encoding

    def predict_durations(
        self,
        ids: Sequence[int],
        speaker: int | None,
        controls: Controls,
        seed: int,
        sentence: int,
    ) -> tuple[int, ...]:
        """Whole frames per token: ``ceil(exp(logw) * length_scale)``, as the official infer."""
        logw = self._encode(ids, speaker, seed, sentence, controls.noise_w).logw
        return whole_frames(np.ceil(np.exp(logw) * np.float32(controls.length_scale)), sentence)

    def render(
        self,
        ids: Sequence[int],
        speaker: int | None,
        durations: Sequence[int],
        controls: Controls,
        seed: int,
        sentence: int,
        rolls: Sequence[int] = (),
        gains: Sequence[float] = (),
    ) -> np.ndarray:
        latent = self._latent(ids, speaker, durations, seed, sentence, rolls, gains)
        key = (tuple(ids), speaker, seed, sentence, controls.noise_scale)
        shaped = per_token_shape(durations, rolls, gains)
        last = self._renders.get(key)
        audio = None
        if last is not None:
            audio = self._near_the_change(last, shaped, latent, controls.noise_scale, speaker)
        if audio is None:
            audio = self.stages.decode(*latent, controls.noise_scale, speaker)
            self.last_decoded_frames = int(sum(durations))
        self._renders.put(key, (shaped, audio.copy()))  # callers may change theirs
        return audio

    def render_chunks(
        self,
        ids: Sequence[int],
        speaker: int | None,
        durations: Sequence[int],
        controls: Controls,
        seed: int,
        sentence: int,
        first_frames: int,
        chunk_frames: int,
    ) -> Iterator[np.ndarray]:
        """The sentence's audio in pieces, as soon as each is decoded: ``first_frames`` frames,
        then ``chunk_frames`` at a time, each decoded with ``REACH_FRAMES`` of context either
        side, so the pieces joined are :meth:`render`'s audio (to about 1e-7)."""
        latent = self._latent(ids, speaker, durations, seed, sentence, (), ())
        total = int(sum(durations))
        start = 0
        while start < total:
            stop = min(start + (first_frames if start == 0 else chunk_frames), total)
            yield self._decode_span(latent, start, stop, controls.noise_scale, speaker)
            start = stop

    def _latent(
        self,
        ids: Sequence[int],
        speaker: int | None,
        durations: Sequence[int],
        seed: int,
        sentence: int,
        rolls: Sequence[int],
        gains: Sequence[float],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The prior's mean and log-deviation and the noise, frame by frame."""
        prior = self._encodings.get((tuple(ids), speaker))
        if prior is None:
            prior = self._encode(ids, speaker, seed, sentence, 0.0)
        return (
            expand(prior.m_p, durations),
            expand(prior.logs_p, durations),
            frame_noise(
                durations, self.noise_channels, seed, sentence, PRIOR_STREAM, 1, rolls, gains
            ),
        )

    def _decode_span(
        self,
        latent: tuple[np.ndarray, np.ndarray, np.ndarray],
        start: int,
        stop: int,
        noise_scale: float,
        speaker: int | None,
    ) -> np.ndarray:
        """The audio of frames ``start`` to ``stop`` (those of a whole decode, to about 1e-7):
        decoded with ``REACH_FRAMES`` more on each side where the sentence has them."""
        total = latent[0].shape[1]
        low, high = max(start - REACH_FRAMES, 0), min(stop + REACH_FRAMES, total)
        m_p, logs_p, noise = (frames[:, low:high] for frames in latent)
        window = self.stages.decode(m_p, logs_p, noise, noise_scale, speaker)
        self.last_decoded_frames = high - low
        hop = self.hop_length
        return window[(start - low) * hop : (stop - low) * hop]

    def _near_the_change(
        self,
        last: tuple[TokenShape, np.ndarray],
        shaped: TokenShape,
        latent: tuple[np.ndarray, np.ndarray, np.ndarray],
        noise_scale: float,
        speaker: int | None,
    ) -> np.ndarray | None:
        """The sentence's audio made from ``last`` (its tokens' shape and audio) by decoding
        only about the tokens whose duration, roll or noise gain differ (the module
        docstring); None when the change reaches too much of it to be worth it."""
        before, audio = last
        changed = changed_frames(before, shaped)
        if changed is None:
            return audio.copy()
        first, old_end, new_end = changed
        total = int(sum(shaped[0]))
        keep_from = max(first - REACH_FRAMES, 0)
        keep_to = min(new_end + REACH_FRAMES, total)
        if keep_to - keep_from + 2 * REACH_FRAMES > LOCAL_SHARE * total:
            return None
        made = self._decode_span(latent, keep_from, keep_to, noise_scale, speaker)
        hop = self.hop_length
        tail = old_end + (keep_to - new_end)  # the last render's frame where keep_to lies
        return np.concatenate([audio[: keep_from * hop], made, audio[tail * hop :]])


# A sentence's tokens as a render draws them: durations, rolls and noise gains, one each.
TokenShape = tuple[tuple[int, ...], tuple[int, ...], tuple[float, ...]]


def per_token_shape(
    durations: Sequence[int], rolls: Sequence[int], gains: Sequence[float]
) -> TokenShape:
    """The tokens' durations, rolls (0 where none) and noise gains (1 where none)."""
    count = len(durations)
    return (
        tuple(int(d) for d in durations),
        tuple(rolls) or (0,) * count,
        tuple(float(g) for g in gains) or (1.0,) * count,
    )


def changed_frames(before: TokenShape, after: TokenShape) -> tuple[int, int, int] | None:
    """Where tokens ``after`` are drawn otherwise than ``before`` (a duration, a roll or a
    noise gain differs; as many tokens each): the frame the difference starts on (the same in
    both), and where it ends in ``before`` and in ``after``; None when nothing differs."""
    tokens_before = zip(*before, strict=True)
    tokens_after = zip(*after, strict=True)
    pairs = enumerate(zip(tokens_before, tokens_after, strict=True))
    differ = [i for i, (old, new) in pairs if old != new]
    if not differ:
        return None
    first, last = differ[0], differ[-1]
    old_durations, new_durations = before[0], after[0]
    start = int(sum(new_durations[:first]))
    return start, int(sum(old_durations[: last + 1])), int(sum(new_durations[: last + 1]))
