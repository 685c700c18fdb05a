"""Where a fault of the engine's own is written down: ``<data dir>/logs/<name>.log``.

A mistake a person can fix is said in one sentence and needs no log. Anything else is a bug
of ours: its traceback goes to a log file (rotated at 1 MB, three kept) and the message the
person reads names the file, so that the report they send holds what a developer needs.
"""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

from engine.user_data import data_dir

MAX_BYTES = 1_000_000
BACKUPS = 3


def log_path(name: str) -> Path:
    """The log file of one engine process kind ("engine", "training")."""
    return data_dir() / "logs" / f"{name}.log"


def logger(name: str) -> logging.Logger:
    """A logger that writes to :func:`log_path`, set up once per process and name."""
    log = logging.getLogger(f"glottis.{name}")
    if not log.handlers:
        path = log_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS)
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
    return log


def record_fault(name: str, error: BaseException, during: str) -> str:
    """Write ``error``'s traceback to the log and return the sentence a person reads."""
    path = log_path(name)
    try:
        logger(name).error("%s failed", during, exc_info=error)
    except OSError as problem:  # the log cannot be written: say so instead of naming it
        return (
            f"{during} failed inside Glottis ({type(error).__name__}: {error}); its log "
            f"{path} could not be written ({problem.strerror or problem})."
        )
    return (
        f"{during} failed inside Glottis ({type(error).__name__}: {error}). This is a bug; "
        f"the details are in {path}."
    )
