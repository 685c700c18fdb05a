"""Monotonic alignment search (MAS): Kim, Kim, Kong and Yoon 2020, "Glow-TTS: A Generative
Flow for Text-to-Speech via Monotonic Alignment Search" (NeurIPS), §2.2 and algorithm 1, as
Glow-TTS (jaywalnut310/glow-tts ``monotonic_align/core.pyx``) and VITS
(jaywalnut310/vits, the same algorithm with the axes swapped) run it during training.

Given log-likelihoods ``value[x, y]`` of frame ``y`` under token ``x``'s prior, MAS finds the
alignment that maximises their sum among those where every frame belongs to exactly one
token, tokens are visited in order, and every token gets at least one frame. A dynamic
programme over frames: ``Q[x, y] = value[x, y] + max(Q[x, y-1], Q[x-1, y-1])``, then a
backtrack from the last token at the last frame.

Ties are broken as the official code breaks them, so paths are identical to the official
ones: while backtracking, the path stays on the same token unless the lower token's
cumulative score is strictly greater (or the token must move down to leave room for the
tokens before it).

The kernel works on a frames-major copy (``[T_y, T_x]``), so its inner loop over tokens reads
memory in order. Items run one after the other unless ``parallel=True``: numba's OpenMP
threads spin after a parallel region and compete with PyTorch's own OpenMP pool, which costs
a training step far more on a small machine than the milliseconds a batch of MAS takes.
"""

from __future__ import annotations

import numba
import numpy as np
import torch
from torch import Tensor

_NEG_INF = -1e9  # the official max_neg_val: a path may not come from there


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _maximum_path_each(path: np.ndarray, acc: np.ndarray, t_x: int, t_y: int) -> None:
    """Fill ``path[:t_y, :t_x]`` (frames-major, zeros on entry) for one item. ``acc`` holds
    the values on entry and the cumulative scores on exit."""
    for y in range(t_y):
        start = max(0, t_x + y - t_y)
        stop = min(t_x, y + 1)
        for x in range(start, stop):
            if x == y:
                v_cur = _NEG_INF
            else:
                v_cur = acc[y - 1, x]
            if x == 0:
                v_prev = 0.0 if y == 0 else _NEG_INF
            else:
                v_prev = acc[y - 1, x - 1]
            acc[y, x] += max(v_prev, v_cur)
    index = t_x - 1
    for y in range(t_y - 1, -1, -1):
        path[y, index] = 1
        if index != 0 and (index == y or acc[y - 1, index] < acc[y - 1, index - 1]):
            index -= 1


@numba.njit(cache=True, boundscheck=False)
def _maximum_path_batch(
    paths: np.ndarray, acc: np.ndarray, t_xs: np.ndarray, t_ys: np.ndarray
) -> None:
    for b in range(acc.shape[0]):
        _maximum_path_each(paths[b], acc[b], t_xs[b], t_ys[b])


@numba.njit(cache=True, parallel=True, boundscheck=False)
def _maximum_path_batch_parallel(
    paths: np.ndarray, acc: np.ndarray, t_xs: np.ndarray, t_ys: np.ndarray
) -> None:
    for b in numba.prange(acc.shape[0]):
        _maximum_path_each(paths[b], acc[b], t_xs[b], t_ys[b])


def maximum_path(
    value: np.ndarray,
    x_lengths: np.ndarray | None = None,
    y_lengths: np.ndarray | None = None,
    parallel: bool = False,
) -> np.ndarray:
    """The most likely monotonic alignment of each item of a batch.

    ``value`` [b, T_x, T_y] (tokens × frames, Glow-TTS's layout) in float32 or float64 is not
    modified; ``x_lengths`` and ``y_lengths`` [b] give each item's valid tokens and frames
    (default: all). ``parallel`` spreads the items over numba's threads. Returns a uint8
    path [b, T_x, T_y] with one 1 per valid frame, zeros outside the lengths. Raises
    ValueError when an item has fewer frames than tokens (no alignment gives every token a
    frame) or no tokens.
    """
    value = np.asarray(value)
    if value.ndim != 3:
        raise ValueError(f"value must be [batch, tokens, frames], got shape {value.shape}")
    if value.dtype not in (np.float32, np.float64):
        value = value.astype(np.float32)
    b, t_x_max, t_y_max = value.shape
    t_xs = _lengths(x_lengths, b, t_x_max, "x_lengths")
    t_ys = _lengths(y_lengths, b, t_y_max, "y_lengths")
    short = np.flatnonzero((t_ys < t_xs) | (t_xs < 1))
    if short.size:
        i = int(short[0])
        raise ValueError(
            f"item {i} has {t_ys[i]} frames for {t_xs[i]} tokens: monotonic alignment needs "
            "at least one token and at least one frame per token"
        )
    acc = np.ascontiguousarray(value.transpose(0, 2, 1))
    paths = np.zeros((b, t_y_max, t_x_max), dtype=np.uint8)
    kernel = _maximum_path_batch_parallel if parallel else _maximum_path_batch
    kernel(paths, acc, t_xs, t_ys)
    return paths.transpose(0, 2, 1)


def _lengths(lengths: np.ndarray | None, b: int, limit: int, name: str) -> np.ndarray:
    if lengths is None:
        return np.full(b, limit, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64).reshape(-1)
    if lengths.shape != (b,) or (lengths > limit).any() or (lengths < 0).any():
        raise ValueError(f"{name} must be {b} lengths in 0..{limit}, got {lengths.tolist()}")
    return lengths


def maximum_path_torch(value: Tensor, mask: Tensor) -> Tensor:
    """MAS for tensors, as the official ``monotonic_align.maximum_path(value, mask)``:
    ``value`` [b, T_x, T_y] and ``mask`` [b, T_x, T_y] (1 inside both lengths) on any device;
    returns the path as ``value``'s dtype and device. Runs on the CPU in float32, as
    officially."""
    x_lengths = mask.sum(1)[:, 0].long().cpu().numpy()
    y_lengths = mask.sum(2)[:, 0].long().cpu().numpy()
    scores = value.detach().float().cpu().numpy()
    path = maximum_path(scores, x_lengths, y_lengths)
    return torch.from_numpy(path).to(device=value.device, dtype=value.dtype)


def durations_from_path(path: Tensor | np.ndarray) -> Tensor | np.ndarray:
    """Frames per token [b, T_x] of a path [b, T_x, T_y]."""
    return path.sum(-1)
