"""What the window knows of training: the training process's names, a run folder's layout
and the rule that keeps the best checkpoint, in words.

The training process (:mod:`engine.training.worker`) and the loop (:mod:`engine.training.run`)
use the same names, so the window finds a run's files and reads its events without importing
them (they import PyTorch).
"""

from __future__ import annotations

WORKER_MODULE = "engine.training.worker"

# The training process's requests (window -> worker) and events (worker -> window); the
# worker's docstring says what each carries.
START, FINISHED = "start", "finished"

# A run's output folder: its options, checkpoints, metrics, samples and the best export.
OPTIONS_FILE = "train.json"
CHECKPOINTS = "checkpoints"
LAST = "last.pt"
BEST = "best.pt"
METRICS = "metrics.jsonl"
SAMPLES = "samples"
BEST_FOLDER = "best"
"""Where in a run's output folder the best checkpoint's model is exported."""

QUALITY_INSTALL_HINT = "pip install 'glottis[quality]'"

CER_FLOOR = 0.05
CER_FACTOR = 2.0
PITCH_MOVES = 0.5  # share of the person's pitch band a voice must move over
BEST_RULE = (
    "The best checkpoint is the one whose renders of the validation sentences sound most "
    "like your recordings (speaker similarity), among those Whisper still understands (a "
    f"character error rate at most {CER_FACTOR:g} times the starting voice's or "
    f"{CER_FLOOR:.0%}, whichever is higher) and whose pitch moves at least "
    f"{PITCH_MOVES:.0%} as much as yours. Without the speaker encoder "
    f"({QUALITY_INSTALL_HINT}) it is the lowest validation loss."
)
LOSS_RULE = "The best checkpoint is the one with the lowest validation loss."
