"""What a command imports before it is needed: `glottis --help`, a usage error and the
studio's modules answer without PyTorch, ONNX or inflect (seconds each to import)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("torch", "onnx", "onnxruntime", "inflect", "whisper", "phonemizer", "resemblyzer")
# The engine's modules that compute: they run in the engine's processes, never the window's.
ENGINE_WORK = (
    "engine.checkpoints.voices",
    "engine.dataset.check",
    "engine.dataset.layout",
    "engine.service",
    "engine.synthesis",
    "engine.tasks",
    "engine.text.frontend",
    "engine.training.run",
    "engine.training.worker",
)

_CLI = """
import json, sys
from engine.cli import run
try:
    status = run({argv!r})
except SystemExit as exit:
    status = exit.code
print(json.dumps({{"status": status, "heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""

_STUDIO = """
import importlib, json, pkgutil, sys
import studio
for module in pkgutil.walk_packages(studio.__path__, "studio."):
    importlib.import_module(module.name)
from studio.panels.training import default_output_folder
from studio.panels.voice import default_dataset_folder
from studio.recovery import recovery_dir
default_output_folder("vits-finetune"), default_dataset_folder(), recovery_dir()
print(json.dumps({{"heavy": [m for m in {heavy!r} if m in sys.modules]}}))
"""


def _fresh(code: str) -> dict:
    """Run ``code`` in a new interpreter (nothing imported yet) and read its last line."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["say", "--help"],
        ["train", "--help"],
        ["dataset", "--help"],
        ["say", "Hello."],  # a usage error: no -o
        ["train", "--recipe", "no-such", "--data", "d", "--out", "o"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_the_command_line_answers_without_heavy_imports(argv: list[str]) -> None:
    answer = _fresh(_CLI.format(argv=argv, heavy=HEAVY))
    assert answer["status"] in (0, 2)
    assert answer["heavy"] == []


def test_no_studio_module_imports_the_engine_s_heavy_libraries() -> None:
    """Nor the engine's working modules; nor does naming the user's folders, which the window
    does on the UI thread."""
    assert _fresh(_STUDIO.format(heavy=HEAVY + ENGINE_WORK))["heavy"] == []


def test_the_contract_imports_neither_torch_nor_numpy() -> None:
    """engine.api and the light modules it stands with are what the window may read."""
    code = (
        "import json, sys\n"
        "import engine.api, engine.controls, engine.families, engine.user_data\n"
        "import engine.api.dataset, engine.api.pipe, engine.api.tasks, engine.api.training\n"
        f"print(json.dumps({{'heavy': [m for m in {(*HEAVY, 'numpy')!r} if m in sys.modules]}}))"
    )
    assert _fresh(code)["heavy"] == []
