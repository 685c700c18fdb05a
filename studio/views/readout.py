"""What lies under the mouse on a take's views, said in one line as Praat says it: the time,
the frequency on the spectrogram, the phoneme and its word, the pitch and the intensity there.

The word is given by its phonemes (the run of segments between word breaks, as the alignment
editor selects a word); its written form is added when the sentence has as many written words
as spoken ones, so that they pair in order (a number read as several words, "1995", leaves the
written form out rather than naming the wrong word).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.api import Tracks
from studio import durations as dur

WRITTEN_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
SEPARATOR = "    "


@dataclass(frozen=True)
class Readout:
    """The values under the cursor; None where the cursor or the take says nothing."""

    seconds: float
    hz: float | None = None
    phoneme: str | None = None
    word: str | None = None
    f0: float | None = None
    intensity: float | None = None

    def text(self) -> str:
        said = [f"{self.seconds:.3f} s"]
        if self.hz is not None:
            said.append(f"{self.hz:.0f} Hz")
        if self.phoneme is not None:
            said.append(f"phoneme {self.phoneme}")
        if self.word is not None:
            said.append(f"word {self.word}")
        if self.f0 is not None:
            said.append(f"F0 {self.f0:.1f} Hz")
        if self.intensity is not None:
            said.append(f"intensity {self.intensity:.1f} dB")
        return SEPARATOR.join(said)


def segment_at(starts: Sequence[int], frame: float) -> int:
    """The segment that frame ``frame`` falls in, given the starts ``dur.starts`` gives (the
    end last); -1 outside the take."""
    if not len(starts) or frame < starts[0] or frame >= starts[-1]:
        return -1
    return int(np.searchsorted(np.asarray(starts), frame, side="right")) - 1


def phoneme_and_word(
    text: str, parts: Sequence[dur.Segment], index: int
) -> tuple[str | None, str | None]:
    """Segment ``index``'s label and its word (phonemes between slashes, written form first
    where it pairs); None for what is not a phoneme (a word break, a marker, silence)."""
    if not 0 <= index < len(parts) or not parts[index].label.strip():
        return None, None
    first, last = dur.word_at(parts, index)
    spoken = "".join(p.label for p in parts[first : last + 1])
    word = f"/{spoken}/"
    written = WRITTEN_WORD.findall(text)
    starts = word_starts(parts)
    if len(written) == len(starts) and first in starts:
        word = f"{written[starts.index(first)]} {word}"
    return parts[index].label, word


def word_starts(parts: Sequence[dur.Segment]) -> list[int]:
    """The first segment of every spoken word, in order."""
    breaks = [not p.label.strip() for p in parts]
    return [i for i in range(len(parts)) if not breaks[i] and (i == 0 or breaks[i - 1])]


def track_value(tracks: Tracks | None, values: str, seconds: float) -> float | None:
    """Track ``values`` ("f0" or "intensity") at its frame nearest ``seconds``, if that frame
    is within half a frame and has a value (an unvoiced frame has no F0)."""
    if tracks is None or len(tracks.times) < 2:
        return None
    times = np.asarray(tracks.times, dtype=np.float64)
    nearest = int(np.argmin(np.abs(times - seconds)))
    if abs(times[nearest] - seconds) > (times[1] - times[0]) / 2:
        return None
    value = float(np.asarray(getattr(tracks, values))[nearest])
    return value if np.isfinite(value) else None
