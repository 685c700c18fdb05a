"""The wheel stands alone: built from the repository and installed into a fresh virtual
environment, it speaks, reads an official config and names its commands from any folder,
with its resources (configs, prompts, CMUdict, the window's icon) as package data, not found
in a clone.

The fresh environment takes the heavy dependencies (torch, onnxruntime, ...) from this one
through a path file instead of installing them again; Glottis itself comes only from the
wheel (this environment's editable install is not on that path).
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh venv holding only the wheel (and a path to the deps)."""
    built = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(built),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = built.glob("glottis-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in (
        "engine/resources/configs/vits/ljs_base.json",
        "engine/resources/prompts/en.txt",
        "engine/resources/cmudict/cmu_dictionary.gz",
        "studio/resources/io.github.glottis.Studio.svg",
    ):
        assert shipped in names, f"{shipped} is not in the wheel"
    target = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(target)
    site = Path(sysconfig.get_paths(vars={"base": str(target), "platbase": str(target)})["purelib"])
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    python = target / "bin" / "python"
    subprocess.run(  # this pip, for that interpreter: the scripts run the new venv's python
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    return target / "bin"


def _run(program: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(program), *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_the_installed_wheel_is_what_runs_and_finds_its_resources(installed, tmp_path):
    done = _run(
        installed / "python",
        "-c",
        "import json, engine, studio\n"
        "from engine.package_data import resource\n"
        "print(json.dumps([engine.__file__, studio.__file__, str(resource('configs'))]))",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    engine_file, studio_file, configs = json.loads(done.stdout)
    for path in (engine_file, studio_file, configs):
        assert str(installed.parent) in path and str(REPO) not in path
    assert (Path(configs) / "vits" / "ljs_base.json").is_file()


def test_the_installed_scripts_speak_and_answer_from_any_folder(installed, tmp_path):
    out = tmp_path / "hello.wav"
    say = _run(installed / "glottis", "say", "Hello there.", "-o", str(out), cwd=tmp_path)
    assert say.returncode == 0, say.stderr
    assert out.stat().st_size > 10_000
    for args in (["train", "--help"], ["studio", "--help"], ["--help"]):
        done = _run(installed / "glottis", *args, cwd=tmp_path)
        assert done.returncode == 0, (args, done.stderr)
    inspect = _run(installed / "python", "-c", _INSPECT_OFFICIAL_CONFIG, cwd=tmp_path)
    assert inspect.returncode == 0, inspect.stderr
    studio = _run(installed / "glottis-studio", "--help", cwd=tmp_path)
    assert studio.returncode == 0 and "project" in studio.stdout, studio.stderr


# An official config read from the installed package data: a small VITS of that config with
# random weights, saved in the official container with its config beside, then inspected.
_INSPECT_OFFICIAL_CONFIG = """
import json, sys, tempfile, torch
from pathlib import Path
from engine.cli import run
from engine.models.vits import build_vits
from engine.package_data import resource
config = json.loads(resource("configs", "vits", "ljs_base.json").read_text())
config["model"].update(inter_channels=16, hidden_channels=16, filter_channels=64,
                       upsample_initial_channel=64)
folder = Path(tempfile.mkdtemp())
torch.save({"model": build_vits(config).state_dict()}, folder / "G_1.pth")
(folder / "config.json").write_text(json.dumps(config))
sys.exit(run(["inspect", str(folder / "G_1.pth")]))
"""
