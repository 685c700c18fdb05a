"""Monotonic alignment search against an exhaustive search and a plain dynamic programme."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from engine.align import durations_from_path, maximum_path, maximum_path_torch


def _all_duration_splits(t_x: int, t_y: int):
    """Every way to give t_x tokens at least one frame each, in order, summing to t_y."""
    for cuts in itertools.combinations(range(1, t_y), t_x - 1):
        bounds = (0, *cuts, t_y)
        yield [bounds[i + 1] - bounds[i] for i in range(t_x)]


def _brute_force(value: np.ndarray) -> np.ndarray:
    """The best path of one [t_x, t_y] matrix by scoring every monotonic alignment."""
    t_x, t_y = value.shape
    best, best_score = None, -np.inf
    for durations in _all_duration_splits(t_x, t_y):
        tokens = np.repeat(np.arange(t_x), durations)
        score = value[tokens, np.arange(t_y)].sum()
        if score > best_score:
            best, best_score = tokens, score
    path = np.zeros_like(value, dtype=np.uint8)
    path[best, np.arange(t_y)] = 1
    return path


def _python_dp(value: np.ndarray) -> np.ndarray:
    """A textbook Viterbi over (token, frame) with back-pointers, independent of the kernel."""
    t_x, t_y = value.shape
    score = np.full((t_x, t_y), -np.inf)
    came_from_lower = np.zeros((t_x, t_y), dtype=bool)
    score[0, 0] = value[0, 0]
    for y in range(1, t_y):
        for x in range(t_x):
            stay = score[x, y - 1]
            move = score[x - 1, y - 1] if x > 0 else -np.inf
            came_from_lower[x, y] = move > stay
            score[x, y] = max(stay, move) + value[x, y]
    path = np.zeros((t_x, t_y), dtype=np.uint8)
    x = t_x - 1
    for y in range(t_y - 1, -1, -1):
        path[x, y] = 1
        if y > 0 and came_from_lower[x, y]:
            x -= 1
    return path


@pytest.mark.parametrize("seed", range(40))
def test_matches_exhaustive_search(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t_x = int(rng.integers(1, 6))
    t_y = int(rng.integers(t_x, 11))
    value = rng.normal(size=(1, t_x, t_y))
    path = maximum_path(value)[0]
    np.testing.assert_array_equal(path, _brute_force(value[0]))


def test_batch_with_lengths_matches_each_item_alone() -> None:
    rng = np.random.default_rng(7)
    b, t_x_max, t_y_max = 6, 9, 30
    x_lengths = rng.integers(1, t_x_max + 1, size=b)
    y_lengths = np.array([rng.integers(t, t_y_max + 1) for t in x_lengths])
    value = rng.normal(size=(b, t_x_max, t_y_max)).astype(np.float32)
    before = value.copy()
    paths = maximum_path(value, x_lengths, y_lengths)
    np.testing.assert_array_equal(value, before)  # the input is not modified
    np.testing.assert_array_equal(maximum_path(value, x_lengths, y_lengths, parallel=True), paths)
    for i in range(b):
        tx, ty = x_lengths[i], y_lengths[i]
        expected = _python_dp(value[i, :tx, :ty].astype(np.float64))
        np.testing.assert_array_equal(paths[i, :tx, :ty], expected)
        assert paths[i].sum() == ty  # nothing outside the lengths
        assert (durations_from_path(paths[i, :tx, :ty]) >= 1).all()


def test_large_random_matches_plain_dynamic_programme() -> None:
    rng = np.random.default_rng(3)
    value = rng.normal(size=(1, 40, 120))
    np.testing.assert_array_equal(maximum_path(value)[0], _python_dp(value[0]))


def test_follows_a_planted_alignment() -> None:
    """A likelihood peaked on known durations gives back exactly those durations."""
    durations = np.array([3, 1, 5, 2, 4])
    tokens = np.repeat(np.arange(len(durations)), durations)
    value = np.full((1, len(durations), len(tokens)), -5.0)
    value[0, tokens, np.arange(len(tokens))] = 0.0
    np.testing.assert_array_equal(durations_from_path(maximum_path(value))[0], durations)


def test_equal_token_and_frame_counts_give_the_diagonal() -> None:
    value = np.random.default_rng(0).normal(size=(1, 7, 7))
    np.testing.assert_array_equal(maximum_path(value)[0], np.eye(7, dtype=np.uint8))


def test_refuses_fewer_frames_than_tokens() -> None:
    with pytest.raises(ValueError, match="2 frames for 3 tokens"):
        maximum_path(np.zeros((1, 3, 5)), np.array([3]), np.array([2]))


def test_torch_wrapper_takes_a_mask_and_keeps_dtype() -> None:
    rng = np.random.default_rng(11)
    value = torch.from_numpy(rng.normal(size=(2, 4, 9)).astype(np.float32))
    mask = torch.zeros(2, 4, 9)
    mask[0, :4, :9] = 1
    mask[1, :3, :6] = 1
    path = maximum_path_torch(value, mask)
    assert path.dtype == value.dtype
    expected = maximum_path(value.numpy(), np.array([4, 3]), np.array([9, 6]))
    np.testing.assert_array_equal(path.numpy(), expected)
