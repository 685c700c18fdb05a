"""`glottis models`: the catalogue, and fetching checked by size, SHA-256 and the safe loaders,
against a local HTTP server on 127.0.0.1 (never the internet) serving a small official-format
HiFi-GAN generator: a whole download, one resumed after the transfer broke off, a wrong hash,
a server error, a web page instead of the file, a full disk; `add` of a file one has."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import pathlib
from pathlib import Path

import pytest
import torch

from engine.catalogue.entries import read_catalogue
from engine.catalogue.store import installed_models, models_dir, resolve_model
from engine.cli import run
from engine.models.hifigan import build_hifigan
from tests.local_http import LocalServer
from tests.training.tiny_configs import tiny_hifigan


def _generator_file() -> bytes:
    torch.manual_seed(0)
    buffer = io.BytesIO()
    torch.save({"generator": build_hifigan(tiny_hifigan()).state_dict()}, buffer)
    return buffer.getvalue()


GOOD = _generator_file()


@pytest.fixture
def server():
    files = {"/good": GOOD, "/broken": GOOD, "/wrong": GOOD[::-1]}
    with LocalServer(files, broken=("/broken",)) as serving:
        yield serving


@pytest.fixture
def catalogue(server, tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("GLOTTIS_DATA_DIR", str(tmp_path / "data"))
    digest = hashlib.sha256(GOOD).hexdigest()

    def entry(name: str, path: str | None, **known: object) -> dict:
        url = {"url": f"{server.base}{path}"} if path else {}
        return {
            "name": name,
            "title": f"tiny HiFi-GAN ({name})",
            "family": "hifigan",
            "file": "g_tiny",
            "source": "https://example.org/tiny",
            "licence": "MIT (test)",
            **url,
            **known,
        }

    models = [
        entry("tiny", "/good", size=len(GOOD), sha256=digest),
        entry("tiny-unhashed", "/good"),
        entry("tiny-broken", "/broken", sha256=digest),
        entry("tiny-wrong", "/wrong", sha256=digest),
        entry("tiny-error", "/error"),
        entry("tiny-page", "/page"),
        entry("tiny-manual", None, sha256=digest),
    ]
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps({"models": models}), encoding="utf-8")
    monkeypatch.setenv("GLOTTIS_CATALOGUE", str(path))
    return path


def glottis(capsys, *argv: str) -> tuple[int, str, str]:
    status = run(["models", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def refused(status: int, err: str, *words: str) -> None:
    """Exit 2 and one line naming the problem, no traceback."""
    lines = [line for line in err.splitlines() if line.startswith("glottis models: error:")]
    assert status == 2 and len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def kept_folders() -> list[str]:
    folder = models_dir()
    return (
        sorted(p.name for p in folder.iterdir() if p.name != ".downloads")
        if folder.is_dir()
        else []
    )


def test_the_shipped_catalogue_names_every_official_checkpoint() -> None:
    entries = {
        entry.name: entry
        for entry in read_catalogue(
            pathlib.Path(__file__).parents[2] / "engine" / "resources" / "catalogue.json"
        )
    }
    for name in (
        "vits-ljs",
        "vits-vctk",
        "glow-tts-ljs",
        "glow-tts-ljs-blank",
        "grad-tts-ljs",
        "grad-tts-libritts",
        "hifigan-v1",
        "hifigan-v2",
        "hifigan-v3",
        "hifigan-universal",
        "waveglow",
    ):
        assert name in entries
        assert entries[name].source.startswith("https://") and entries[name].licence


def test_a_model_is_fetched_checked_kept_and_used_by_name(catalogue, capsys) -> None:
    status, out, err = glottis(capsys, "get", "tiny")
    assert status == 0, err
    (model,) = installed_models()
    assert model.name == "tiny" and model.family == "hifigan"
    assert model.sha256 == hashlib.sha256(GOOD).hexdigest() and model.path.read_bytes() == GOOD
    assert "tiny:" in err and "100%" in err  # the progress line
    status, out, _ = glottis(capsys, "list")
    assert status == 0 and f"kept: {model.path}" in out
    from engine.vocoders import load_vocoder

    assert load_vocoder(resolve_model("tiny")).family == "hifigan"
    status, out, _ = glottis(capsys, "get", "tiny")
    assert status == 0 and "already kept" in out
    status, _, err = glottis(capsys, "get", "tiny-unhashed")  # no hash: checked by loading
    assert status == 0, err


def test_a_broken_transfer_is_resumed(catalogue, server, capsys) -> None:
    status, _, err = glottis(capsys, "get", "tiny-broken")
    refused(status, err, "broke off", "resume")
    assert kept_folders() == []
    partial = models_dir() / ".downloads" / "tiny-broken.partial"
    assert 0 < partial.stat().st_size < len(GOOD)
    status, _, err = glottis(capsys, "get", "tiny-broken")
    assert status == 0, err
    assert server.ranges == [f"bytes={len(GOOD) // 2}-"]
    assert not partial.exists() and kept_folders() == ["tiny-broken"]


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("tiny-wrong", ("not the one the catalogue names", "SHA-256")),
        ("tiny-error", ("500",)),
        ("tiny-page", ("web page", "glottis models add")),
        ("tiny-manual", ("no direct download", "https://example.org/tiny")),
        ("no-such", ("no model 'no-such'",)),
    ],
)
def test_a_bad_download_is_refused_and_nothing_is_kept(catalogue, capsys, name, words) -> None:
    status, _, err = glottis(capsys, "get", name)
    refused(status, err, *words)
    assert kept_folders() == []
    downloads = models_dir() / ".downloads"
    assert not downloads.exists() or list(downloads.iterdir()) == []


def test_a_full_disk_is_said_and_nothing_is_kept(catalogue, capsys, monkeypatch) -> None:
    real_open = pathlib.Path.open

    def full(self, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        if self.suffix == ".partial":

            def no_room(_data: bytes) -> int:
                raise OSError(errno.ENOSPC, "No space left on device")

            handle.write = no_room
        return handle

    monkeypatch.setattr(pathlib.Path, "open", full)
    status, _, err = glottis(capsys, "get", "tiny")
    refused(status, err, "disk", "full", "Nothing was kept")
    assert kept_folders() == []
    assert list((models_dir() / ".downloads").iterdir()) == []


def test_a_file_one_has_is_added_under_its_catalogue_name(catalogue, capsys, tmp_path) -> None:
    mine = tmp_path / "downloaded_from_drive.pth"
    mine.write_bytes(GOOD)
    status, out, err = glottis(capsys, "add", str(mine))
    assert status == 0, err
    assert [m.name for m in installed_models()] == ["tiny"]  # found by its SHA-256
    not_a_model = tmp_path / "notes.pth"
    not_a_model.write_text("not a checkpoint")
    status, _, err = glottis(capsys, "add", str(not_a_model), "--name", "notes")
    refused(status, err, "notes.pth", "not kept")
    assert kept_folders() == ["tiny"]


def test_a_broken_catalogue_is_said_in_one_sentence(catalogue, capsys) -> None:
    catalogue.write_text('{"models": [{"name": "x", "family": "nonsense"}]}', encoding="utf-8")
    status, _, err = glottis(capsys, "list")
    refused(status, err, "entry 1")


def test_a_name_with_control_characters_is_refused_escaped(catalogue, capsys, tmp_path) -> None:
    mine = tmp_path / "g.pth"
    torch.manual_seed(1)  # not the catalogue's file: kept under the name given
    torch.save({"generator": build_hifigan(tiny_hifigan()).state_dict()}, mine)
    name = "red\x1b[31m"  # an escape sequence that would colour the terminal
    status, _, err = glottis(capsys, "add", str(mine), "--name", name)
    refused(status, err, "red\\x1b[31m", "plain folder name")
    assert "\x1b" not in err
    assert kept_folders() == []
