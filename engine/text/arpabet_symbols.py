"""The 148-symbol table of the official Glow-TTS and Grad-TTS LJSpeech checkpoints.

Both repositories (jaywalnut310/glow-tts and huawei-noah/Speech-Backbones ``Grad-TTS``,
``text/symbols.py``) inherit it from Keith Ito's Tacotron: pad ``_``, the hyphen, ``!'(),.:;?``
and the space, the ASCII letters, then the 84 ARPAbet phones of CMUdict, each prefixed with
``@`` so that ``@B`` never collides with the letter ``B``. The order is the embedding order.
Models trained with ``add_blank`` have one more embedding, the blank, whose id is
``len(SYMBOLS)`` = 148.
"""

from __future__ import annotations

PAD = "_"
SPECIAL = "-"
PUNCTUATION = "!'(),.:;? "
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
ARPABET_PHONES: tuple[str, ...] = tuple(
    """
    AA AA0 AA1 AA2 AE AE0 AE1 AE2 AH AH0 AH1 AH2 AO AO0 AO1 AO2 AW AW0 AW1 AW2 AY AY0 AY1 AY2
    B CH D DH EH EH0 EH1 EH2 ER ER0 ER1 ER2 EY EY0 EY1 EY2 F G HH IH IH0 IH1 IH2 IY IY0 IY1
    IY2 JH K L M N NG OW OW0 OW1 OW2 OY OY0 OY1 OY2 P R S SH T TH UH UH0 UH1 UH2 UW UW0 UW1
    UW2 V W Y Z ZH
    """.split()
)
ARPABET_PREFIX = "@"

SYMBOLS: list[str] = [
    PAD,
    SPECIAL,
    *PUNCTUATION,
    *LETTERS,
    *(ARPABET_PREFIX + p for p in ARPABET_PHONES),
]
SYMBOL_TO_ID: dict[str, int] = {s: i for i, s in enumerate(SYMBOLS)}
SPACE = " "
BLANK_ID = len(SYMBOLS)
BLANK = "<blank>"
# The official ``_should_keep_symbol`` drops these even though ``_`` has an id.
NEVER_KEPT = frozenset({"_", "~"})


def is_kept(symbol: str) -> bool:
    """True for a symbol the official ``text_to_sequence`` turns into an id."""
    return symbol in SYMBOL_TO_ID and symbol not in NEVER_KEPT
