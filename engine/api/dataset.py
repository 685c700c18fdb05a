"""What the dataset work answers, as the window reads it: prompts, the check of a dataset, an
import's report and the phoneme counts of the recorder.

The engine's dataset modules (:mod:`engine.dataset`) make these; they cross from the task
process (:mod:`engine.tasks`) to the window whole. Plain dataclasses over standard types, so
the window reads them without importing numpy's, Whisper's or the front ends' modules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# A dataset folder in LJSpeech layout: its transcript, its audio and the clips training leaves
# out (engine.dataset.layout reads and writes them).
METADATA = "metadata.csv"
WAVS = "wavs"
EXCLUDED = "excluded.txt"

# Whisper tiny.en reads clean speech at a CER near 0.05; above 0.3 words are missing or wrong.
MAX_CER = 0.3


@dataclass(frozen=True)
class Prompt:
    """One sentence to read; ``id`` names its take (``en_0001`` for the first of ``en.txt``)."""

    id: str
    text: str


@dataclass(frozen=True)
class Rejected:
    """Something that could not be used, and why, in plain words."""

    source: str
    reason: str


@dataclass(frozen=True)
class PhonemeCoverage:
    """How often each speech sound of a voice occurs in some texts.

    ``counts`` holds every sound of ``inventory`` (zero when absent); ``marks`` counts the
    other symbols the texts produced (stress, length, diacritics, space, punctuation);
    ``outside`` counts sounds the texts produced that are not in ``inventory``.
    """

    inventory: tuple[str, ...]
    counts: dict[str, int]
    marks: dict[str, int]
    outside: dict[str, int]
    sentences: int

    def missing(self, at_least: int = 1) -> list[str]:
        """The sounds occurring fewer than ``at_least`` times, rarest first."""
        return sorted((s for s in self.inventory if self.counts[s] < at_least), key=self._rank)

    def rarest(self, n: int = 5) -> list[tuple[str, int]]:
        """The ``n`` least frequent sounds with their counts."""
        return [(s, self.counts[s]) for s in sorted(self.inventory, key=self._rank)[:n]]

    @property
    def minimum(self) -> int:
        """The count of the rarest sound (0 when any is missing)."""
        return min(self.counts.values(), default=0)

    @property
    def covered(self) -> int:
        """How many sounds of the inventory occur at least once."""
        return sum(1 for s in self.inventory if self.counts[s] > 0)

    def _rank(self, sound: str) -> tuple[int, str]:
        return self.counts[sound], sound


@dataclass(frozen=True)
class SoundCounts:
    """A voice's sounds and how often each occurs in each text (texts phonemized once)."""

    inventory: tuple[str, ...]
    per_text: dict[str, Counter[str]]

    def total(self, texts: Iterable[str]) -> Counter[str]:
        """Each sound's count over ``texts`` (a text not phonemized counts nothing)."""
        counts: Counter[str] = Counter({sound: 0 for sound in self.inventory})
        for text in texts:
            counts.update(self.per_text.get(text, {}))
        return counts


@dataclass(frozen=True)
class ClipCheck:
    """One clip's figures; ``heard``/``cer`` are None when recognition was not run."""

    id: str
    text: str
    path: Path
    sample_rate: int
    duration_s: float
    peak_dbfs: float
    clipping_share: float
    snr_db: float
    silence_share: float
    heard: str | None = None
    cer: float | None = None
    problems: tuple[str, ...] = ()

    @property
    def likely_misread(self) -> bool:
        return self.cer is not None and self.cer > MAX_CER

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class DatasetCheck:
    """The check of a dataset folder: one row per readable clip, the rest rejected;
    ``excluded`` holds the ids the folder's ``excluded.txt`` lists when it was checked."""

    folder: Path
    clips: list[ClipCheck]
    rejected: list[Rejected]
    coverage: PhonemeCoverage
    asr_note: str | None = None
    sample_rates: dict[int, int] = field(default_factory=dict)
    excluded: frozenset[str] = frozenset()

    @property
    def total_seconds(self) -> float:
        return sum(clip.duration_s for clip in self.clips)

    @property
    def flagged(self) -> list[ClipCheck]:
        return [clip for clip in self.clips if clip.problems]


@dataclass(frozen=True)
class ImportedClip:
    """A clip written to the dataset, with what was done to it."""

    id: str
    text: str
    source: Path
    duration_s: float
    notes: tuple[str, ...]


@dataclass(frozen=True)
class ImportReport:
    """The result of an import. ``out`` is None when no clip could be used (nothing written)."""

    out: Path | None
    sample_rate: int
    layout: str
    imported: list[ImportedClip]
    rejected: list[Rejected]


def nothing_imported(src: str | Path) -> str:
    """What an import that could use no clip of ``src`` says, in the command line and the
    window alike (each rejected file is said apart, with its reason)."""
    return f"no clip of {src} could be imported; nothing was written"
