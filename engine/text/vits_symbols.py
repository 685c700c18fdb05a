"""The symbol table of the official VITS (jaywalnut310/vits, ``text/symbols.py``), 178 symbols.

The order is the model's embedding order, so it must stay exactly as the official one:
pad, punctuation (ending with the space), ASCII letters, IPA letters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

PAD = "_"
PUNCTUATION = ';:,.!?¡¿—…"«»“” '
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
IPA_LETTERS = (
    "ɑɐɒæɓʙβɔɕçɗɖðʤəɘɚɛɜɝɞɟʄɡɠɢʛɦɧħɥʜɨɪʝɭɬɫɮʟɱɯɰŋɳɲɴøɵɸθœɶʘɹɺɾɻʀʁɽʂʃʈʧʉʊʋⱱʌɣɤʍχʎʏʑʐʒʔʡʕʢ"
    "ǀǁǂǃˈˌːˑʼʴʰʱʲʷˠˤ˞↓↑→↗↘'̩'ᵻ"
)

SYMBOLS: list[str] = [PAD, *PUNCTUATION, *LETTERS, *IPA_LETTERS]
# The apostrophe is in the table twice; as in the official dict, the later index wins.
SYMBOL_TO_ID: dict[str, int] = {s: i for i, s in enumerate(SYMBOLS)}
BLANK_ID = 0

T = TypeVar("T")


def cleaned_text_to_sequence(cleaned_text: str) -> list[int]:
    """Ids of the symbols of ``cleaned_text``; raises ``KeyError`` on a symbol not in the table."""
    return [SYMBOL_TO_ID[s] for s in cleaned_text]


def intersperse(items: Sequence[T], item: T) -> list[T]:
    """``item`` before, between and after the ``items``: VITS's blank tokens (add_blank)."""
    result = [item] * (2 * len(items) + 1)
    result[1::2] = items
    return result
