"""How close a fine-tune of the bundled voice gets to another speaker, and how fast.

    .venv/bin/python benchmarks/finetune_voice.py [--minutes 30] [--mode light|full]
                                                  [--work DIR] [--clips 60]

The "person" is Debian's ``flite`` with its ``slt`` voice (female US English; installed
through ``scripts/install-system-deps.sh --bench`` when missing). It speaks the first
``--clips`` prompts of ``engine/resources/prompts/en.txt`` as the recordings and the last 10 as
held-out sentences that training never sees. The recordings go in through
``glottis dataset import``; the fine-tune runs headless with the wall-clock budget
``--minutes`` (every preparation stage included), and at each checkpoint the voice as it then
was is kept. Afterwards each is measured on the held-out sentences, and so are the bundled
voice (``base``) and the speaker's own held-out recordings (``ceiling``):

- similarity: cosine of mean Resemblyzer embeddings against the training recordings;
- median F0 and its 10th-90th percentile band (Praat), tracked in the speaker's own pitch
  range (found from her recordings as ``engine.voice_quality`` says), so that frames a voice
  says an octave below her do not pass for movement; the base row in its own range;
- CER: Whisper tiny.en's character error rate on the held-out sentences.

The goal (issue 9): similarity closes 70% of the gap from base to ceiling, median F0 within
10% of the speaker's with at least half her band, CER at most max(2 x base, 0.05). The last
lines say which are met. Needs the ``quality`` extra (``pip install -e '.[quality]'``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import voice_quality  # noqa: E402
from engine.asr import corpus_cer, transcribe  # noqa: E402
from engine.audio.levels import peak_normalize  # noqa: E402
from engine.checkpoints.voices import load_voice  # noqa: E402
from engine.dataset.prompts import load_prompts  # noqa: E402
from engine.synthesis import Synthesizer  # noqa: E402
from engine.training.events import CheckpointSaved, TrainEvent  # noqa: E402
from engine.training.options import TrainOptions  # noqa: E402
from engine.training.run import train  # noqa: E402

HELD_OUT = 10
SEED = 0


@dataclass
class Row:
    label: str
    seconds: float | None
    step: int | None
    similarity: float
    pitch: voice_quality.PitchSummary
    cer: float


def flite_speaks(texts: list[str], folder: Path) -> list[Path]:
    """``flite -voice slt`` says each text into ``folder/NNN.wav`` with its ``.txt`` beside."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, text in enumerate(texts, 1):
        wav = folder / f"slt{n:03d}.wav"
        subprocess.run(["flite", "-voice", "slt", "-t", text, "-o", str(wav)], check=True)
        wav.with_suffix(".txt").write_text(text, encoding="utf-8")
        paths.append(wav)
    return paths


def measure(
    label: str,
    clips: list[tuple[np.ndarray, int]],
    texts: list[str],
    reference: list[np.ndarray],
    pitch_range: tuple[float, float] | None,
    seconds: float | None = None,
    step: int | None = None,
) -> Row:
    embeddings = [voice_quality.speaker_embedding(a, rate) for a, rate in clips]
    heard = [transcribe(peak_normalize(a), rate) for a, rate in clips]
    return Row(
        label,
        seconds,
        step,
        voice_quality.similarity(embeddings, reference),
        voice_quality.PitchSummary.of(clips, pitch_range),
        corpus_cer(texts, heard),
    )


def speak(voice_folder: str | Path | None, texts: list[str]) -> list[tuple[np.ndarray, int]]:
    """The voice's renders of ``texts`` with its default controls and a fixed seed."""
    synthesizer = Synthesizer(load_voice(voice_folder))
    clips = []
    for text in texts:
        take = synthesizer.render(synthesizer.prepare(text, seed=SEED))
        clips.append((take.audio, take.sample_rate))
    return clips


def print_row(row: Row) -> None:
    seconds = "" if row.seconds is None else f"{row.seconds:.0f}"
    step = "" if row.step is None else str(row.step)
    pitch = row.pitch
    print(
        f"{row.label:<10} {seconds:>8} {step:>6} {row.similarity:>10.3f} "
        f"{pitch.median_hz:>8.1f} {pitch.spread_hz:>7.1f} {row.cer:>7.3f}",
        flush=True,
    )


def goals(base: Row, ceiling: Row, result: Row) -> list[str]:
    closed = (result.similarity - base.similarity) / (ceiling.similarity - base.similarity)
    f0_error = abs(result.pitch.median_hz / ceiling.pitch.median_hz - 1)
    cer_limit = max(2 * base.cer, 0.05)
    return [
        f"similarity closes {closed:.0%} of the gap (goal 70%): "
        f"{'met' if closed >= 0.7 else 'NOT met'}",
        f"median F0 {f0_error:.1%} from the speaker's (goal within 10%): "
        f"{'met' if f0_error <= 0.1 else 'NOT met'}",
        f"F0 band {result.pitch.spread_hz:.1f} Hz against her {ceiling.pitch.spread_hz:.1f} "
        f"(goal at least half): "
        f"{'met' if result.pitch.spread_hz >= ceiling.pitch.spread_hz / 2 else 'NOT met'}",
        f"CER {result.cer:.3f} (goal at most {cer_limit:.3f}): "
        f"{'met' if result.cer <= cer_limit else 'NOT met'}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--mode", choices=("light", "full"))
    parser.add_argument("--clips", type=int, default=60)
    parser.add_argument("--work", type=Path, help="keep the data and runs here")
    args = parser.parse_args()
    if shutil.which("flite") is None:
        subprocess.run([str(ROOT / "scripts" / "install-system-deps.sh"), "--bench"], check=True)
    work = args.work or Path(tempfile.mkdtemp(prefix="glottis-finetune-"))
    work.mkdir(parents=True, exist_ok=True)

    prompts = [prompt.text for prompt in load_prompts()]
    training_texts, held_texts = prompts[: args.clips], prompts[-HELD_OUT:]
    flite_speaks(training_texts, work / "recordings")
    held_paths = flite_speaks(held_texts, work / "held-out")
    dataset = work / "dataset"
    if not (dataset / "metadata.csv").is_file():
        glottis = Path(sys.executable).parent / "glottis"
        subprocess.run(
            [str(glottis), "dataset", "import", str(work / "recordings"), "--out", str(dataset)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    recordings = [
        tuple(sf.read(path, dtype="float32")) for path in sorted((dataset / "wavs").glob("*.wav"))
    ]
    reference = [voice_quality.speaker_embedding(*clip) for clip in recordings]
    her_range = voice_quality.pitch_range(recordings)

    print(f"speaker: flite slt, {args.clips} clips; held-out sentences: {HELD_OUT}")
    print(
        f"{'row':<10} {'seconds':>8} {'step':>6} {'similarity':>10} {'F0 Hz':>8} "
        f"{'band':>7} {'CER':>7}"
    )
    ceiling_clips = [tuple(sf.read(p, dtype="float32")) for p in held_paths]
    print(f"her pitch range: {her_range[0]:.0f}-{her_range[1]:.0f} Hz")
    ceiling = measure("ceiling", ceiling_clips, held_texts, reference, her_range)
    print_row(ceiling)
    base = measure("base", speak(None, held_texts), held_texts, reference, None)
    print_row(base)

    out = work / "run"
    shutil.rmtree(out, ignore_errors=True)
    snapshots: list[tuple[float, int, Path]] = []
    began = time.monotonic()

    def keep(event: TrainEvent) -> None:
        if isinstance(event, CheckpointSaved) and event.tag == "last":
            folder = work / "snapshots" / f"{event.step:06d}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            for name in ("card.json", "model.safetensors"):
                shutil.copy2(out / name, folder / name)
            snapshots.append((time.monotonic() - began, event.step, folder))

    options = TrainOptions(
        recipe="vits-finetune",
        data=dataset,
        out=out,
        max_steps=1_000_000,
        minutes=args.minutes,
        mode=args.mode,
        checkpoint_every=100,
        sample_every=1_000_000,
    )
    result = train(options, keep)
    trained = time.monotonic() - began
    print(f"training: {result.status} at step {result.step} ({result.message})", flush=True)
    for seconds, step, folder in snapshots:
        clips = speak(folder, held_texts)
        print_row(measure("snapshot", clips, held_texts, reference, her_range, seconds, step))
    chosen = out / "best" if (out / "best" / "card.json").is_file() else out
    card = json.loads((chosen / "card.json").read_text(encoding="utf-8"))
    clips = speak(chosen, held_texts)
    step = card["source"]["step"]
    final = measure("voice", clips, held_texts, reference, her_range, trained, step)
    print_row(final)
    print(f"the voice: {chosen} (step {step}), kept by the run's rule")
    for line in goals(base, ceiling, final):
        print(line)


if __name__ == "__main__":
    main()
