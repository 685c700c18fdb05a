"""Text files as people save them: UTF-8, with or without a byte-order mark, or UTF-16 with
one (what Windows Notepad saves as "Unicode"). Read as UTF-8, UTF-16 text is an error or, read
as a legacy code page, mojibake with a NUL between letters."""

from __future__ import annotations

import codecs

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def is_utf16(data: bytes) -> bool:
    """Whether ``data`` starts with a UTF-16 byte-order mark."""
    return data.startswith(UTF16_BOMS)


def decode_unicode(data: bytes) -> str:
    """The text of ``data``: UTF-16 when its byte-order mark says so, else UTF-8 (a byte-order
    mark dropped). Raises ``UnicodeDecodeError`` for bytes that are neither."""
    if is_utf16(data):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")
