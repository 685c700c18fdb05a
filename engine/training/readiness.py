"""Is a dataset ready to fine-tune a voice on? What to expect when it is not.

Before a run, the training panel checks the dataset (:func:`engine.dataset.check.check_dataset`,
Whisper included) and names what would hold a voice back, each with what to expect; the
person can still go on. The thresholds:

- **Too little speech**: under :data:`MIN_CLIPS` clips or :data:`MIN_SECONDS` of audio. The
  light fine-tune reaches the goals of ``benchmarks/finetune_voice.py`` from 60 prompts of
  about three seconds; with much less it has too few examples of some sounds.
- **Silent or nearly empty clips**: more than half silence, or shorter than half a second.
- **Transcripts Whisper does not hear**: a character error rate above
  :data:`engine.api.dataset.MAX_CER`; when that is most of the clips, the speech is
  likely in another language than the voice's, or the transcripts belong to other clips.
"""

from __future__ import annotations

from engine.api.dataset import MAX_CER, DatasetCheck
from engine.dataset.check import MAX_SILENCE_SHARE
from engine.dataset.check import MIN_SECONDS as MIN_CLIP_SECONDS

MIN_CLIPS = 50
MIN_SECONDS = 150.0
MOSTLY = 0.5
LISTED = 5


def findings(check: DatasetCheck) -> list[str]:
    """What would hold a voice trained on ``check``'s dataset back, one sentence each."""
    found = []
    count, seconds = len(check.clips), check.total_seconds
    if count < MIN_CLIPS or seconds < MIN_SECONDS:
        found.append(
            f"The dataset has {count} clips ({seconds / 60:.1f} minutes); a voice learns well "
            f"from {MIN_CLIPS} clips and {MIN_SECONDS / 60:.1f} minutes or more. Expect it to "
            "sound less like you and to stumble on sounds it rarely heard."
        )
    silent = [
        clip.id
        for clip in check.clips
        if clip.silence_share > MAX_SILENCE_SHARE or clip.duration_s < MIN_CLIP_SECONDS
    ]
    if silent:
        clips = "1 clip is" if len(silent) == 1 else f"{len(silent)} clips are"
        found.append(
            f"{clips} silent or nearly empty ({_names(silent)}): they teach the voice pauses "
            "instead of speech. Re-record or exclude them in the dataset check."
        )
    unheard = [clip for clip in check.clips if clip.cer is not None and clip.cer > MAX_CER]
    if unheard and len(unheard) > MOSTLY * count:
        found.append(
            f"Whisper does not hear the transcripts in {len(unheard)} of {count} clips: the "
            "speech may be in another language than the voice's (English), or the transcripts "
            "may belong to other clips. Expect the voice to mispronounce what it learns."
        )
    elif unheard:
        which = _names([clip.id for clip in unheard])
        clips = "1 clip does" if len(unheard) == 1 else f"{len(unheard)} clips do"
        found.append(
            f"{clips} not say what the transcript says ({which}): the voice would learn the "
            "wrong sounds for those words. Re-record or exclude them in the dataset check."
        )
    if check.asr_note:
        found.append(f"The transcripts were not checked against the speech: {check.asr_note}")
    return found


def _names(ids: list[str]) -> str:
    more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
    return ", ".join(ids[:LISTED]) + more
