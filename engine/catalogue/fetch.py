"""Downloading a catalogue model: resumable, with progress, checked before it is kept.

The file is written to ``<data dir>/models/.downloads/NAME.partial``. A transfer that breaks
off leaves it there and the next ``get`` asks the server for the rest (an HTTP range request;
a server that answers with the whole file starts it again). Once complete, its size and
SHA-256 are checked against the catalogue where the catalogue knows them, and the safe
loaders must open it as the family the catalogue names (:func:`engine.catalogue.store.install`);
anything else is refused in one sentence and nothing of it is kept.
"""

from __future__ import annotations

import errno
import http.client
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from engine.catalogue.entries import Entry
from engine.catalogue.store import DOWNLOADS, Installed, install, models_dir
from engine.checkpoints.errors import ModelStoreError
from engine.storage import file_sha256

Progress = Callable[[int, int | None], None]
BLOCK = 1 << 16
TIMEOUT_SECONDS = 30.0


def fetch(entry: Entry, progress: Progress | None = None) -> Installed:
    """Download ``entry``, check it and keep it; returns the kept model."""
    if entry.url is None:
        raise ModelStoreError(
            f"{entry.name} has no direct download: its authors publish it on {entry.source}. "
            f"Download {entry.file} there, then run: glottis models add FILE --name {entry.name}"
        )
    partial = models_dir() / DOWNLOADS / f"{entry.name}.partial"
    partial.parent.mkdir(parents=True, exist_ok=True)
    try:
        _download(entry, partial, progress)
    except OSError as error:
        if error.errno == errno.ENOSPC:
            partial.unlink(missing_ok=True)
            raise ModelStoreError(
                f"the disk holding {partial.parent} is full; {entry.name} needs "
                f"{size_text(entry.size) if entry.size else 'more room'}. Nothing was kept."
            ) from None
        raise
    _verify(entry, partial)
    try:
        return install(
            entry.name,
            partial,
            entry.file,
            config=entry.config,
            source=entry.url,
            licence=entry.licence,
            family=entry.family,
            move=True,
        )
    finally:
        partial.unlink(missing_ok=True)


def _download(entry: Entry, partial: Path, progress: Progress | None) -> None:
    assert entry.url is not None
    have = partial.stat().st_size if partial.exists() else 0
    request = urllib.request.Request(entry.url, headers={"User-Agent": "glottis"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as error:
        if error.code == 416 and have and (entry.size is None or have == entry.size):
            return  # the part kept is the whole file
        raise ModelStoreError(
            f"{entry.name}: the server answered {error.code} {error.reason} for {entry.url}; "
            "nothing was kept. Try again later."
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise ModelStoreError(
            f"{entry.name}: cannot reach {entry.url} ({reason}); "
            + (
                "the part downloaded is kept, run the same command again to resume."
                if have
                else "nothing was kept."
            )
        ) from None
    with response:
        if response.headers.get_content_type() == "text/html":
            raise ModelStoreError(
                f"{entry.name}: {entry.url} answered with a web page, not the file (the site "
                f"may ask a person to confirm). Download {entry.file} from {entry.source} in a "
                f"browser, then run: glottis models add FILE --name {entry.name}"
            )
        resumed = response.status == 206
        length = response.headers.get("Content-Length")
        expected = (have if resumed else 0) + int(length) if length is not None else entry.size
        done = have if resumed else 0
        started, last = time.monotonic(), 0.0
        with partial.open("ab" if resumed else "wb") as out:
            while True:
                try:
                    block = response.read(BLOCK)
                except (http.client.IncompleteRead, OSError):
                    block = b""
                if not block:
                    break
                out.write(block)
                done += len(block)
                now = time.monotonic()
                if progress is not None and (now - last > 0.2 or done == expected):
                    progress(done, expected)
                    last = now
        if progress is not None:
            progress(done, expected)
        if expected is not None and done < expected:
            raise ModelStoreError(
                f"{entry.name}: the transfer broke off at {size_text(done, expected)} of "
                f"{size_text(expected)} "
                f"after {time.monotonic() - started:.0f} s; the part downloaded is kept, run "
                "the same command again to resume."
            )


def _verify(entry: Entry, partial: Path) -> None:
    size = partial.stat().st_size
    if entry.size is not None and size != entry.size:
        partial.unlink(missing_ok=True)
        raise ModelStoreError(
            f"{entry.name}: the file downloaded has {size} bytes, the catalogue says "
            f"{entry.size}; it was not kept. Try again, or report the catalogue entry."
        )
    if entry.sha256 is not None:
        found = file_sha256(partial)
        if found != entry.sha256:
            partial.unlink(missing_ok=True)
            raise ModelStoreError(
                f"{entry.name}: the file downloaded is not the one the catalogue names "
                f"(SHA-256 {found}, expected {entry.sha256}); it was not kept."
            )


def size_text(count: int, scale: int | None = None) -> str:
    """``count`` bytes in MB, or in bytes when ``scale`` (default: ``count``) is small."""
    return f"{count / 1e6:.1f} MB" if (scale or count) >= 100_000 else f"{count} bytes"
