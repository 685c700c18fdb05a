"""Folders written atomically: user modes, nothing left behind, concurrent writers."""

from __future__ import annotations

import os
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest

from engine import storage
from engine.storage import (
    STALE_SECONDS,
    atomic_file,
    atomic_folder,
    new_file_mode,
    new_folder_mode,
    sweep_folder,
)

FILES = ("first.bin", "second.bin")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def write_all(folder: Path, content: bytes) -> None:
    for name in FILES:
        (folder / name).write_bytes(content)


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_written_files_and_folders_get_the_umask_modes(tmp_path):
    target = tmp_path / "voice"
    with atomic_folder(target) as staging:
        (staging / "plain.txt").write_text("opened with open()")
        handle, private = tempfile.mkstemp(dir=staging)
        os.close(handle)
        inner = Path(tempfile.mkdtemp(dir=staging))
        (inner / "nested.txt").write_text("in a subfolder")
    assert mode(target) == new_folder_mode()
    assert mode(target / "plain.txt") == new_file_mode()
    assert mode(target / Path(private).name) == new_file_mode()
    assert mode(target / inner.name) == new_folder_mode()
    assert mode(target / inner.name / "nested.txt") == new_file_mode()


def test_the_folder_appears_complete_and_replaces_the_old_one(tmp_path):
    target = tmp_path / "voices" / "voice"
    with atomic_folder(target) as staging:
        assert staging.parent == target.parent and staging.name.startswith(".")
        write_all(staging, b"old")
        assert not target.exists()
    with atomic_folder(target) as staging:
        write_all(staging, b"new")
        assert contents(target) == dict.fromkeys(FILES, b"old")
    assert contents(target) == dict.fromkeys(FILES, b"new")
    assert hidden(target.parent) == []


def test_a_failure_leaves_the_old_folder_and_no_staging(tmp_path):
    target = tmp_path / "voice"
    with atomic_folder(target) as staging:
        write_all(staging, b"old")
    with pytest.raises(OSError, match="disk full"), atomic_folder(target) as staging:
        (staging / FILES[0]).write_bytes(b"new")
        raise OSError("disk full")
    assert contents(target) == dict.fromkeys(FILES, b"old")
    assert hidden(tmp_path) == []


def test_a_failure_on_the_first_write_leaves_nothing(tmp_path):
    target = tmp_path / "voice"
    with pytest.raises(RuntimeError), atomic_folder(target):
        raise RuntimeError("crash")
    assert list(tmp_path.iterdir()) == []


def test_a_writer_that_loses_the_race_keeps_the_winners_folder(tmp_path, monkeypatch):
    """Another writer renames its folder in between this one's move-aside and rename."""
    target = tmp_path / "voice"
    real_move_aside = storage._move_aside

    def other_writer_first(path: Path) -> Path | None:
        retired = real_move_aside(path)
        monkeypatch.setattr(storage, "_move_aside", real_move_aside)
        with atomic_folder(target) as staging:
            write_all(staging, b"winner")
        return retired

    with atomic_folder(target) as staging:
        write_all(staging, b"first")
    monkeypatch.setattr(storage, "_move_aside", other_writer_first)
    with atomic_folder(target) as staging:
        write_all(staging, b"loser")
    assert contents(target) == dict.fromkeys(FILES, b"winner")
    assert hidden(tmp_path) == []


@pytest.mark.parametrize("existing", [False, True])
def test_concurrent_writers_all_finish_and_leave_one_complete_folder(tmp_path, existing):
    target = tmp_path / "voice"
    writers, rounds = 4, 25
    for round_ in range(rounds):
        if existing and not target.exists():
            with atomic_folder(target) as staging:
                write_all(staging, b"before")
        barrier = threading.Barrier(writers)
        errors: list[BaseException] = []

        def write(writer: int, barrier: threading.Barrier = barrier, errors: list = errors) -> None:
            try:
                with atomic_folder(target) as staging:
                    write_all(staging, f"{writer}".encode() * 1000)
                    barrier.wait()
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [], f"round {round_}"
        written = contents(target)
        assert sorted(written) == sorted(FILES)
        assert len(set(written.values())) == 1
        assert written[FILES[0]] in {f"{w}".encode() * 1000 for w in range(writers)}
        assert hidden(tmp_path) == []


def test_atomic_file_replaces_whole_or_not_at_all(tmp_path):
    from engine.storage import atomic_file

    target = tmp_path / "kept.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_file(target) as handle:
        handle.write(b"half")
        raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old" and sorted(tmp_path.iterdir()) == [target]
    with atomic_file(target) as handle:
        handle.write(b"new")
    assert target.read_bytes() == b"new" and sorted(tmp_path.iterdir()) == [target]
    assert target.stat().st_mode & 0o777 == new_file_mode()


def _aged(path, seconds: float) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_a_killed_writer_s_leftovers_go_with_the_next_write(tmp_path):
    """A kill mid-write leaves a hidden .tmp or .partial; the next write of the same name
    removes those older than an hour, never a fresh one (another writer's, still at work)."""
    target = tmp_path / "card.json"
    stale_file = tmp_path / ".card.json.abc123.tmp"
    fresh_file = tmp_path / ".card.json.def456.tmp"
    other = tmp_path / ".notes.txt.abc123.tmp"
    for leftover in (stale_file, fresh_file, other):
        leftover.write_bytes(b"half")
    _aged(stale_file, STALE_SECONDS + 60)
    _aged(other, STALE_SECONDS + 60)
    with atomic_file(target) as handle:
        handle.write(b"{}")
    assert not stale_file.exists() and fresh_file.exists() and other.exists()

    voice = tmp_path / "voice"
    stale_folder = tmp_path / ".voice.xyz.partial"
    stale_folder.mkdir()
    (stale_folder / "model.safetensors").write_bytes(b"half")
    _aged(stale_folder, STALE_SECONDS + 60)
    with atomic_folder(voice) as staging:
        (staging / "card.json").write_text("{}")
    assert not stale_folder.exists() and (voice / "card.json").is_file()

    assert sweep_folder(tmp_path) == [other]  # a folder of voices is swept whole
