"""The catalogue: the official checkpoints people use, where their authors publish them, under
which licence, and what a file must be to be one of them.

The catalogue ships as ``engine/resources/catalogue.json``; ``$GLOTTIS_CATALOGUE`` names
another file of the same form (a mirror, or the tests' local server). Every entry is checked
when the file is read, so a wrong one is said in one sentence, not met later as a traceback.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from engine.checkpoints.errors import ModelStoreError
from engine.families import FAMILIES, FAMILY_NAMES, ROLES
from engine.package_data import resource

CATALOGUE_ENV = "GLOTTIS_CATALOGUE"
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Entry:
    """One official checkpoint. ``file`` is the name it is kept under; ``url`` a direct
    download (None: only ``source``, a page a person downloads from); ``size`` (bytes) and
    ``sha256`` where known; ``config`` the shipped official config it goes with."""

    name: str
    title: str
    family: str
    file: str
    source: str
    licence: str
    url: str | None = None
    size: int | None = None
    sha256: str | None = None
    config: str | None = None

    @property
    def role(self) -> str:
        return ROLES[self.family]

    @property
    def model(self) -> str:
        return FAMILY_NAMES[self.family]


def catalogue_path() -> Path:
    given = os.environ.get(CATALOGUE_ENV)
    return Path(given) if given else resource("catalogue.json")


def read_catalogue(path: Path | None = None) -> list[Entry]:
    """The catalogue's entries; ModelStoreError naming the file and the entry that is wrong."""
    path = path or catalogue_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ModelStoreError(f"the model catalogue {path} cannot be read ({error})") from None
    models = data.get("models") if isinstance(data, dict) else None
    if not isinstance(models, list):
        raise ModelStoreError(f"the model catalogue {path} has no list of 'models'")
    entries = [_entry(item, number, path) for number, item in enumerate(models, 1)]
    names = [entry.name for entry in entries]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ModelStoreError(f"the model catalogue {path} names {', '.join(twice)} twice")
    return entries


def find_entry(name: str, entries: list[Entry] | None = None) -> Entry:
    entries = read_catalogue() if entries is None else entries
    for entry in entries:
        if entry.name == name:
            return entry
    known = ", ".join(entry.name for entry in entries)
    raise ModelStoreError(f"the catalogue has no model {name!r}; it has {known}")


_TEXT_FIELDS = ("name", "title", "family", "file", "source", "licence")


def _entry(item: object, number: int, path: Path) -> Entry:
    where = f"the model catalogue {path}, entry {number}"
    if not isinstance(item, dict):
        raise ModelStoreError(f"{where} is not an object")
    unknown = sorted(set(item) - {*_TEXT_FIELDS, "url", "size", "sha256", "config"})
    if unknown:
        raise ModelStoreError(f"{where} has unknown fields: {', '.join(unknown)}")
    for field in _TEXT_FIELDS:
        if not isinstance(item.get(field), str) or not item[field]:
            raise ModelStoreError(f"{where} needs a text {field!r}")
    if not _NAME.fullmatch(item["name"]):
        raise ModelStoreError(f"{where}: the name {item['name']!r} is not lower-case a-z, 0-9, -._")
    if item["family"] not in FAMILIES:
        raise ModelStoreError(f"{where}: {item['family']!r} is no model family Glottis runs")
    if Path(item["file"]).name != item["file"] or item["file"].startswith("."):
        raise ModelStoreError(f"{where}: the file {item['file']!r} must be a plain file name")
    for field in ("url", "config"):
        if item.get(field) is not None and not isinstance(item[field], str):
            raise ModelStoreError(f"{where}: {field!r} must be text")
    url = item.get("url")
    if url is not None and not url.startswith(("https://", "http://")):
        raise ModelStoreError(f"{where}: the url must be http or https")
    size = item.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size <= 0):
        raise ModelStoreError(f"{where}: the size must be a whole number of bytes")
    sha256 = item.get("sha256")
    if sha256 is not None and not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
        raise ModelStoreError(f"{where}: the sha256 must be 64 lower-case hex digits")
    config = item.get("config")
    if config is not None and not (resource("configs") / config).is_file():
        raise ModelStoreError(f"{where}: no shipped config {config!r}")
    return Entry(**item)
