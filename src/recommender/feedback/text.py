"""Feedback text as the sentiment models see it: markup removed, spaces tidied, length bounded.

Feedback comes from forms, e-mails and spreadsheets, so it may hold HTML (``<p>Great</p>``,
``&amp;``), control characters, runs of spaces or a pasted essay. :func:`clean_feedback` turns
any such value into plain text, and :func:`has_content` says whether anything is left to score:
text with no letter, digit or symbol (an emoji counts) carries no sentiment, and its score is
missing rather than neutral.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

__all__ = ["MAX_FEEDBACK_CHARS", "clean_feedback", "clean_many", "has_content"]

#: Longer feedback keeps its first and last halves of this many characters: opening and closing
#: sentences carry the verdict, and the embedding model reads only ~256 word pieces anyway.
MAX_FEEDBACK_CHARS = 2000

# Script and style bodies are code, not words; other tags are dropped and their text kept.
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<!--.*?-->|<[A-Za-z/!][^<>]*>", re.DOTALL)
_SPACES = re.compile(r"\s+")
_GAP = " … "


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if value.__class__.__name__ in ("NAType", "NaTType"):
        return ""
    return value if isinstance(value, str) else str(value)


def _keep(ch: str) -> bool:
    category = unicodedata.category(ch)
    # Control, format (zero-width, bidi marks), surrogates and unassigned code points are noise;
    # the joiner inside emoji sequences is kept so that a family emoji stays one symbol.
    return not category.startswith("C") or ch == "\u200d"


def clean_feedback(value: Any, max_chars: int = MAX_FEEDBACK_CHARS) -> str:
    """Plain text of one feedback value (``None``/NaN give ``""``).

    HTML tags and comments are removed (script and style blocks with their content), entities
    decoded, control and zero-width characters dropped and whitespace collapsed. Text longer than
    ``max_chars`` keeps its first and last ``max_chars // 2`` characters.
    """
    text = _plain(value)
    if "<" in text:
        text = _TAG.sub(" ", _SCRIPT.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    text = "".join(ch for ch in text if _keep(ch) or ch.isspace())
    text = _SPACES.sub(" ", text).strip()
    if max_chars > 0 and len(text) > max_chars:
        half = max(max_chars // 2, 1)
        text = text[:half].rstrip() + _GAP + text[-half:].lstrip()
    return text


def clean_many(values: Iterable[Any], max_chars: int = MAX_FEEDBACK_CHARS) -> list[str]:
    """:func:`clean_feedback` of each value."""
    return [clean_feedback(v, max_chars) for v in values]


def has_content(text: str) -> bool:
    """Whether cleaned ``text`` has anything to score: a letter, a digit or a symbol (emoji)."""
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] in "LN" or category == "So":
            return True
    return False
