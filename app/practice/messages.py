"""Checks on what a trainee sends, before anything else happens to it."""

import unicodedata

from app.errors import Invalid

# Control characters are dropped, except line breaks and tabs; bidirectional overrides too,
# so a message cannot reorder how the rest of the page reads; and lone surrogates (JSON allows
# "\ud800"), which are not text and which no database can store.
_KEPT_CONTROLS = {"\n", "\t"}
_DROPPED_CATEGORIES = {"Cc", "Cs"}
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}
# Characters that draw nothing: format characters (zero-width space and joiners, word joiner, BOM),
# combining marks with nothing to combine with, and the "blank" letters (Hangul fillers, braille blank).
_INVISIBLE_CATEGORIES = {"Cf", "Mn", "Me", "Zs", "Zl", "Zp", "Cc", "Co", "Cn"}
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def _visible(ch: str) -> bool:
    return unicodedata.category(ch) not in _INVISIBLE_CATEGORIES and ch not in _BLANK_LETTERS


class MessageRejected(Invalid):
    """A message that cannot be accepted; the text says why, for the trainee."""


def clean_message(text: str, *, max_chars: int) -> str:
    if "\x00" in text:
        raise MessageRejected("This message contains binary data (a NUL byte). Please send plain text.")
    kept = "".join(
        ch
        for ch in text.replace("\r\n", "\n")
        if ch in _KEPT_CONTROLS or (unicodedata.category(ch) not in _DROPPED_CATEGORIES and ch not in _BIDI_CONTROLS)
    ).strip()
    if not kept:
        raise MessageRejected("Your message is empty. Write what you would say to the peer.")
    if not any(_visible(ch) for ch in kept):
        raise MessageRejected(
            "Your message holds only invisible characters (such as zero-width spaces), so the peer would see "
            "nothing. Write what you would say to the peer."
        )
    if len(kept) > max_chars:
        raise MessageRejected(
            f"Your message is {len(kept):,} characters long; the limit is {max_chars:,}. "
            "Peers rarely take in that much at once: try saying it in fewer words."
        )
    return kept
