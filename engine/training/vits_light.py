"""The light VITS fine-tune step: the decoder, flow and posterior encoder learn the new
speaker on short windows; the text encoder and duration predictor stay as they are.

What one step does (see :class:`LightStep`), and why:

- **Alignments are cached.** The official step runs the posterior encoder and the flow over
  every whole clip to search the alignment (MAS), and backpropagates through all of it.
  Here each clip's alignment is searched without gradients and kept for ``refresh_steps``
  steps (the flow moves slowly), and the gradient passes see only a window of ``window``
  decoder frames plus ``margin`` frames of context on each side: about a third of the work.
- **The text side is frozen.** The text encoder and the duration predictor of the starting
  voice already say every phoneme of the language; re-fitting them on some minutes of one
  person's speech costs time and risks intelligibility. The speaker's rhythm is taken by
  one number instead, the voice's ``length_scale`` (aligned frames over predicted frames,
  :func:`fitted_length_scale`).
- **The losses** are the official KL and 45·mel L1, the multi-resolution log-STFT term of
  :func:`~engine.training.losses.log_stft_loss` (it sees the harmonics the mel bands blur),
  and least-squares adversarial and feature-matching terms against the narrow period
  discriminators of :func:`~engine.training.discriminators.light_discriminator`, trained in
  the same step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from engine.align import maximum_path_torch
from engine.models.vits import SynthesizerTrn
from engine.training.vits_pass import prior_log_likelihood

LENGTH_SCALE_RANGE = (0.7, 1.5)


def clip_key(ids: Tensor, frames: int) -> str:
    """A clip's identity in the alignment cache: its token ids and its length in frames."""
    digest = hashlib.sha1(ids.cpu().numpy().astype("<i8").tobytes())
    digest.update(frames.to_bytes(8, "little"))
    return digest.hexdigest()


@dataclass
class Windows:
    """A batch of training windows: the posterior encoder's input ``spec`` [b, n, L] with
    ``lengths`` [b], the aligned prior (``m_p``, ``logs_p`` [b, inter, L]) over the same
    frames, the decoder window's first frame ``offsets`` [b] inside them, and the audio of
    each decoder window ``audio`` [b, window·hop]."""

    spec: Tensor
    lengths: Tensor
    m_p: Tensor
    logs_p: Tensor
    offsets: Tensor
    audio: Tensor


class AlignmentCache:
    """Durations (frames per token) of each clip, by :func:`clip_key`, with the step at which
    they were searched; JSON-ready through :meth:`to_json` so a resumed run has the same."""

    def __init__(self, refresh_steps: int, saved: dict[str, list] | None = None) -> None:
        self.refresh_steps = refresh_steps
        self.entries: dict[str, tuple[int, list[int]]] = {
            key: (int(step), [int(d) for d in durations])
            for key, (step, durations) in (saved or {}).items()
        }

    def to_json(self) -> dict[str, list]:
        return {key: [step, durations] for key, (step, durations) in self.entries.items()}

    def stale(self, key: str, step: int) -> bool:
        entry = self.entries.get(key)
        return entry is None or step - entry[0] >= self.refresh_steps

    @torch.no_grad()
    def search(
        self,
        net: SynthesizerTrn,
        keys: Sequence[str],
        spec: Tensor,
        spec_lengths: Tensor,
        m_p: Tensor,
        logs_p: Tensor,
        x_mask: Tensor,
        step: int,
    ) -> None:
        """Search the alignments of a batch (posterior mean through the flow against the
        prior, as the official training step does) and keep them."""
        zeros = spec.new_zeros(spec.size(0), net.inter_channels, spec.size(2))
        z, _, _, y_mask = net.enc_q(spec, spec_lengths, noise=zeros)
        z_p = net.flow(z, y_mask)
        mask = x_mask.transpose(1, 2) * y_mask
        path = maximum_path_torch(prior_log_likelihood(z_p, m_p, logs_p), mask)
        durations = path.sum(2).long()  # [b, T_x]
        token_counts = x_mask.sum((1, 2)).long().tolist()
        for key, row, count in zip(keys, durations.tolist(), token_counts, strict=True):
            self.entries[key] = (step, row[:count])

    def durations(self, key: str) -> list[int]:
        return self.entries[key][1]


def expand(values: Tensor, durations: Sequence[int], start: int, stop: int) -> Tensor:
    """Token statistics [c, T_x] repeated over frames ``start:stop`` by ``durations``."""
    index = torch.repeat_interleave(
        torch.arange(len(durations), device=values.device),
        torch.tensor(durations, device=values.device),
    )
    return values[:, index[start:stop]]


def window_batch(
    spec: Tensor,
    spec_lengths: Tensor,
    audio: Tensor,
    m_p: Tensor,
    logs_p: Tensor,
    durations: Sequence[Sequence[int]],
    window: int,
    margin: int,
    hop: int,
) -> Windows:
    """One random decoder window per clip (drawn from torch's global generator, as the
    official ``rand_slice_segments``), with ``margin`` frames of context on each side where
    the clip has them."""
    b = spec.size(0)
    span = window + 2 * margin
    out_spec = spec.new_zeros(b, spec.size(1), span)
    out_m = m_p.new_zeros(b, m_p.size(1), span)
    out_logs = logs_p.new_zeros(b, logs_p.size(1), span)
    out_audio = audio.new_zeros(b, window * hop)
    lengths, offsets = [], []
    room = torch.clamp_min(spec_lengths - window + 1, 1).float()
    starts = (torch.rand(b) * room.cpu()).long().tolist()
    for i, first in enumerate(starts):
        frames = int(spec_lengths[i])
        begin, end = max(0, first - margin), min(frames, first + window + margin)
        n = end - begin
        out_spec[i, :, :n] = spec[i, :, begin:end]
        out_m[i, :, :n] = expand(m_p[i], durations[i], begin, end)
        out_logs[i, :, :n] = expand(logs_p[i], durations[i], begin, end)
        piece = audio[i, first * hop : (first + window) * hop]
        out_audio[i, : piece.numel()] = piece
        lengths.append(n)
        offsets.append(first - begin)
    return Windows(
        out_spec,
        torch.tensor(lengths, device=spec.device),
        out_m,
        out_logs,
        torch.tensor(offsets),
        out_audio,
    )


@torch.no_grad()
def fitted_length_scale(
    net: SynthesizerTrn, hidden: Sequence[Tensor], aligned_frames: Sequence[int]
) -> float:
    """How much slower than the voice the speaker talks: frames the alignments give the
    clips over the frames the voice's duration predictor gives them (noise off), within
    :data:`LENGTH_SCALE_RANGE`. ``hidden`` are the text encoder's outputs [h, T_x]."""
    predicted = 0.0
    for h in hidden:
        x_mask = h.new_ones(1, 1, h.size(1))
        logw = net.predict_log_durations(h[None], x_mask, None, None, 0.0)
        predicted += float(torch.ceil(net.scale_durations(logw, x_mask)).sum())
    ratio = sum(aligned_frames) / max(predicted, 1.0)
    low, high = LENGTH_SCALE_RANGE
    return min(max(ratio, low), high)
