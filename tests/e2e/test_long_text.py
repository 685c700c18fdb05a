"""A 5,000-character text renders sentence by sentence with bounded memory."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import soundfile as sf

from tests.e2e.intelligibility import SENTENCES

PEAK_RSS = textwrap.dedent(
    """
    import resource, sys
    from engine.cli import run
    code = run(sys.argv[1:])
    print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    sys.exit(code)
    """
)


def _render_peak_kb(text_file, out_dir) -> int:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK_RSS,
            "say",
            "--text-file",
            str(text_file),
            "--out-dir",
            str(out_dir),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split("PEAK_KB")[-1])


def test_5000_characters_in_bounded_memory(tmp_path):
    long_text = ""
    while len(long_text) < 5000:
        long_text += " ".join(SENTENCES) + " "
    long_file, short_file = tmp_path / "long.txt", tmp_path / "short.txt"
    long_file.write_text(long_text[:5000].rsplit(".", 1)[0] + ".\n", encoding="utf-8")
    short_file.write_text(SENTENCES[0] + "\n", encoding="utf-8")

    short_peak = _render_peak_kb(short_file, tmp_path / "short")
    long_peak = _render_peak_kb(long_file, tmp_path / "long")
    minutes = sf.info(tmp_path / "long" / "0001.wav").duration / 60
    assert minutes > 3
    # Rendering five minutes in one pass would need gigabytes of decoder activations; sentence
    # by sentence, the long text costs little more than the short one (the 16-bit file is
    # streamed to disk).
    assert long_peak - short_peak < 250_000, (short_peak, long_peak)
