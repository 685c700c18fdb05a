"""Duration edits on a take's tokens, as the alignment editor presents them.

The editor shows *segments* (:mod:`engine.segments`, shared with the alignment export): one
phoneme unit (a phoneme with its stress and length marks) with the blanks that follow it, so
the labels under the spectrogram are the phonemes a person reads. When a segment's length
changes, its tokens share the change in proportion to their lengths (largest remainder), and a
token that had at least one frame keeps at least one.

Everything here works on plain lists of frames and returns new lists; nothing is changed in
place. The functions are pure so the undo commands can store before and after.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.segments import WORD_BREAK, Segment, label, segments, starts, word_at

__all__ = [
    "DEFAULT_FRAME_SECONDS",
    "WORD_BREAK",
    "DurationEditError",
    "Segment",
    "boundary_limits",
    "carry_over",
    "label",
    "minimum_frames",
    "move_boundary",
    "nudge",
    "reset",
    "resize",
    "segments",
    "starts",
    "stretch",
    "word_at",
]

# Frames of the bundled voice (hop 256 at 22050 Hz), until the engine says what the loaded
# model's are.
DEFAULT_FRAME_SECONDS = 256 / 22050


class DurationEditError(ValueError):
    """An edit that cannot be made (nothing selected, a factor out of range, ...)."""


def minimum_frames(durations: Sequence[int], segment: Segment) -> int:
    """The fewest frames ``segment`` may have: one for each token that has any, at least one."""
    return max(1, sum(1 for d in durations[segment.first : segment.stop] if d > 0))


def resize(durations: Sequence[int], segment: Segment, frames: int) -> list[int]:
    """``durations`` with ``segment`` lasting ``frames``, shared among its tokens in proportion."""
    frames = max(frames, minimum_frames(durations, segment))
    own = list(durations[segment.first : segment.stop])
    total = sum(own)
    weights = own if total > 0 else [1] * len(own)
    floors = [1 if d > 0 else 0 for d in own] if total > 0 else [0] * len(own)
    spare = frames - sum(floors)
    shares = [spare * w / sum(weights) for w in weights]
    whole = [int(s) for s in shares]
    order = sorted(range(len(own)), key=lambda i: (whole[i] - shares[i], -own[i], i))
    for i in order[: spare - sum(whole)]:
        whole[i] += 1
    result = list(durations)
    result[segment.first : segment.stop] = [f + w for f, w in zip(floors, whole, strict=True)]
    return result


def move_boundary(
    durations: Sequence[int], parts: Sequence[Segment], boundary: int, delta: int
) -> list[int]:
    """Move the boundary before ``parts[boundary]`` by ``delta`` frames (positive: later),
    taking the time from one neighbour and giving it to the other; the total stays the same
    and neither neighbour goes below its minimum."""
    if not 0 < boundary < len(parts):
        raise DurationEditError(f"there is no boundary {boundary}")
    left, right = parts[boundary - 1], parts[boundary]
    left_frames, right_frames = left.frames(durations), right.frames(durations)
    lowest = minimum_frames(durations, left) - left_frames
    highest = right_frames - minimum_frames(durations, right)
    delta = min(max(delta, lowest), highest)
    moved = resize(durations, left, left_frames + delta)
    return resize(moved, right, right_frames - delta)


def boundary_limits(
    durations: Sequence[int], parts: Sequence[Segment], boundary: int
) -> tuple[int, int]:
    """The frames (from the take's start) between which boundary ``boundary`` may lie."""
    left, right = parts[boundary - 1], parts[boundary]
    start = sum(durations[: left.first])
    end = start + left.frames(durations) + right.frames(durations)
    return start + minimum_frames(durations, left), end - minimum_frames(durations, right)


def nudge(durations: Sequence[int], segment: Segment, delta: int) -> list[int]:
    """``segment`` longer (or shorter) by ``delta`` frames; the take's length changes with it."""
    return resize(durations, segment, segment.frames(durations) + delta)


def stretch(
    durations: Sequence[int], parts: Sequence[Segment], first: int, last: int, factor: float
) -> list[int]:
    """Segments ``first`` to ``last`` (inclusive) each scaled by ``factor`` (0.1 to 10)."""
    if not 0.1 <= factor <= 10:
        raise DurationEditError(f"the factor must be from 0.1 to 10, got {factor:g}")
    result = list(durations)
    for segment in parts[first : last + 1]:
        result = resize(result, segment, round(segment.frames(durations) * factor))
    return result


def reset(
    durations: Sequence[int],
    predicted: Sequence[int],
    parts: Sequence[Segment],
    first: int,
    last: int,
) -> list[int]:
    """Segments ``first`` to ``last`` (inclusive) back to the predicted durations."""
    result = list(durations)
    start, stop = parts[first].first, parts[last].stop
    result[start:stop] = predicted[start:stop]
    return result


def carry_over(
    old_tokens: Sequence[str],
    old_durations: Sequence[int],
    old_predicted: Sequence[int],
    new_tokens: Sequence[str],
    new_predicted: Sequence[int],
    changed: tuple[int, int],
) -> list[int]:
    """Durations for a take whose tokens ``changed[0]`` to ``changed[1] - 1`` were replaced
    (a word given other phonemes): the tokens before and after, the same in both takes, keep
    the frames the person gave them; the new word gets its predicted frames scaled as the old
    one was (its frames over its predicted frames), so a word stretched twice as long stays
    so. Tokens next to the word that came out different are counted into it."""
    shortest = min(len(old_tokens), len(new_tokens))
    head = 0
    while head < min(changed[0], shortest) and old_tokens[head] == new_tokens[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(old_tokens) - changed[1], shortest - head)
        and old_tokens[-1 - tail] == new_tokens[-1 - tail]
    ):
        tail += 1
    old_end, new_end = len(old_tokens) - tail, len(new_tokens) - tail
    result = list(old_durations[:head]) + list(new_predicted[head:new_end])
    result += list(old_durations[old_end:])
    predicted = sum(old_predicted[head:old_end])
    if new_end > head and predicted > 0:
        word = Segment("", head, new_end)
        scaled = round(word.frames(new_predicted) * sum(old_durations[head:old_end]) / predicted)
        result = resize(result, word, scaled)
    return result
