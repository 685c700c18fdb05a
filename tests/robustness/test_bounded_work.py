"""Bounded work through the real command line: a 10,000-character text without a sentence end
renders within a 2 GB budget, and durations beyond what renders in it are refused in a line.

Each run is ``python -m engine.cli`` under a small parent that reports its child's peak RSS
(``RUSAGE_CHILDREN`` of a fresh parent holds only that child).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap

import soundfile as sf

from engine.api import MAX_SENTENCE_FRAMES

BUDGET_KB = 2 * 1024 * 1024  # 2 GB of peak RSS on a CPU, the README's budget
PARENT = textwrap.dedent(
    """
    import resource, subprocess, sys
    code = subprocess.call([sys.executable, "-m", "engine.cli", *sys.argv[1:]])
    print("PEAK_KB", resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    sys.exit(code)
    """
)
WORDS = "the quick brown fox jumps over a lazy dog while children watch from the hill".split()


def _glottis(*args: str) -> tuple[subprocess.CompletedProcess, int]:
    done = subprocess.run(
        [sys.executable, "-c", PARENT, *args], capture_output=True, text=True, timeout=600
    )
    return done, int(done.stdout.rsplit("PEAK_KB", 1)[-1])


def test_10000_characters_without_a_sentence_end_render_in_bounded_memory(tmp_path, synthesizer):
    chooser = random.Random(13)
    text = " ".join(chooser.choice(WORDS) for _ in range(3000))[:10_000].rsplit(" ", 1)[0]
    out = tmp_path / "long.wav"
    done, peak_kb = _glottis("say", text, "-o", str(out))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "split a sentence longer than" in warnings[0], done.stderr
    assert peak_kb < BUDGET_KB, peak_kb
    # Every word is said: about a third of a second each at the default pace.
    assert sf.info(out).duration > 0.25 * len(text.split())


def test_durations_beyond_the_limit_are_refused_in_one_line(tmp_path, synthesizer):
    text = "Hold this note."
    plan = synthesizer.prepare(text).sentences[0]
    durations = tmp_path / "durations.json"
    durations.write_text(json.dumps({"sentences": [{"durations": [2000] * len(plan.tokens)}]}))
    out = tmp_path / "long.wav"
    done, _ = _glottis("say", text, "--durations", str(durations), "-o", str(out))
    assert done.returncode == 2
    frame_seconds = synthesizer.hop_length / synthesizer.sample_rate
    limit = f"{MAX_SENTENCE_FRAMES} frames ({MAX_SENTENCE_FRAMES * frame_seconds:.1f} s)"
    assert done.stderr.count("\n") == 1 and limit in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and not list(tmp_path.glob("*.wav"))


def test_a_sentence_at_the_limit_renders_within_the_budget(tmp_path, synthesizer):
    text = "Hold this note."
    tokens = len(synthesizer.prepare(text).sentences[0].tokens)
    share, extra = divmod(MAX_SENTENCE_FRAMES, tokens)
    at_limit = [share + (i < extra) for i in range(tokens)]
    durations = tmp_path / "durations.json"
    durations.write_text(json.dumps({"sentences": [{"durations": at_limit}]}))
    out = tmp_path / "long.wav"
    done, peak_kb = _glottis("say", text, "--durations", str(durations), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert sf.info(out).frames == MAX_SENTENCE_FRAMES * synthesizer.hop_length
    assert peak_kb < BUDGET_KB, peak_kb
