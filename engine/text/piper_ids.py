"""Piper's phoneme-to-id mapping: ``^ _ (id _)* $`` through a voice's ``phoneme_id_map``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

BOS = "^"
EOS = "$"
PAD = "_"


@dataclass(frozen=True)
class Encoded:
    """One sentence's phonemes mapped to ids, with the phonemes the map could not take."""

    phonemes: list[str]  # the phonemes that were mapped, in order
    tokens: list[str]  # one symbol per id
    ids: list[int]
    dropped: list[str]  # phonemes the map has no ids for


def merge_vowel_clusters(
    phonemes: Sequence[str], clusters: Collection[tuple[str, ...]]
) -> list[str]:
    """Join runs of code points that a voice treats as one phoneme (``("a", "ɪ") -> "aɪ"``).

    Longest cluster first at each position, as Piper does for voices with ``vowel_clusters``.
    """
    if not clusters:
        return list(phonemes)
    longest = max(len(c) for c in clusters)
    merged: list[str] = []
    i = 0
    while i < len(phonemes):
        for n in range(min(longest, len(phonemes) - i), 1, -1):
            if tuple(phonemes[i : i + n]) in clusters:
                merged.append("".join(phonemes[i : i + n]))
                i += n
                break
        else:
            merged.append(phonemes[i])
            i += 1
    return merged


def encode(phonemes: Sequence[str], id_map: Mapping[str, Sequence[int]]) -> Encoded:
    """Map phonemes to ids with a pad after each; phonemes without ids are dropped."""
    tokens: list[str] = []
    ids: list[int] = []

    def emit(symbol: str) -> None:
        tokens.extend(symbol for _ in id_map[symbol])
        ids.extend(id_map[symbol])

    kept: list[str] = []
    dropped: list[str] = []
    emit(BOS)
    emit(PAD)
    for phoneme in phonemes:
        if phoneme not in id_map:
            dropped.append(phoneme)
            continue
        kept.append(phoneme)
        emit(phoneme)
        emit(PAD)
    emit(EOS)
    return Encoded(kept, tokens, ids, dropped)
