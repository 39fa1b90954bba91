"""Text for the sample programme: a tiny template language and the writers of profiles, goals
and feedback.

Templates (see :mod:`recommender.data.vocab`): ``(a|b)`` picks one alternative, ``[x]``
includes ``x`` half of the time, ``{slot}`` is filled from a mapping (a tuple value picks one of
its items). Every random choice comes from one :class:`RandomStream`, so a seed fixes every word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from recommender.data import vocab

SlotValue = str | Sequence[str]


class RandomStream:
    """Fast scalar draws from a seeded numpy Generator (uniforms drawn in blocks).

    Calling ``Generator.random()`` once per word costs microseconds; the generator draws
    hundreds of thousands of small choices, so they come from a pre-drawn block instead. The
    sequence depends only on the generator's state, so results stay deterministic.
    """

    _BLOCK = 1 << 16

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._buf: list[float] = []
        self._pos = 0

    def uniform(self) -> float:
        """A float in [0, 1)."""
        if self._pos >= len(self._buf):
            self._buf = self._rng.random(self._BLOCK).tolist()
            self._pos = 0
        value = self._buf[self._pos]
        self._pos += 1
        return value

    def index(self, n: int) -> int:
        """An integer in [0, n)."""
        return min(int(self.uniform() * n), n - 1)

    def choice(self, items: Sequence[str]) -> str:
        """One item, uniformly."""
        return items[self.index(len(items))]

    def chance(self, p: float) -> bool:
        """True with probability ``p``."""
        return self.uniform() < p


# --- template language ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Text:
    text: str


@dataclass(frozen=True)
class _Slot:
    name: str


@dataclass(frozen=True)
class _Choice:
    options: tuple[tuple[_Node, ...], ...]


@dataclass(frozen=True)
class _Optional:
    body: tuple[_Node, ...]


_Node = _Text | _Slot | _Choice | _Optional


class TemplateError(ValueError):
    """A template is malformed (unbalanced brackets, empty slot name)."""


@lru_cache(maxsize=4096)
def parse_template(template: str) -> tuple[_Node, ...]:
    """Parse a template into nodes (cached: every template is parsed once)."""
    nodes, pos = _parse_seq(template, 0, closers="")
    if pos != len(template):
        raise TemplateError(f"unexpected {template[pos]!r} at {pos} in template {template!r}")
    return nodes


def _parse_seq(s: str, pos: int, closers: str) -> tuple[tuple[_Node, ...], int]:
    nodes: list[_Node] = []
    buf: list[str] = []
    while pos < len(s):
        ch = s[pos]
        if ch in closers:
            break
        if ch in ")]|" and ch not in closers:
            raise TemplateError(f"unexpected {ch!r} at {pos} in template {s!r}")
        if ch in "([{":
            if buf:
                nodes.append(_Text("".join(buf)))
                buf = []
            if ch == "{":
                end = s.find("}", pos)
                if end < 0 or end == pos + 1:
                    raise TemplateError(f"bad slot at {pos} in template {s!r}")
                nodes.append(_Slot(s[pos + 1 : end]))
                pos = end + 1
            elif ch == "(":
                options: list[tuple[_Node, ...]] = []
                pos += 1
                while True:
                    option, pos = _parse_seq(s, pos, closers="|)")
                    options.append(option)
                    if pos >= len(s):
                        raise TemplateError(f"unclosed '(' in template {s!r}")
                    if s[pos] == ")":
                        pos += 1
                        break
                    pos += 1  # '|'
                nodes.append(_Choice(tuple(options)))
            else:
                body, pos = _parse_seq(s, pos + 1, closers="]")
                if pos >= len(s):
                    raise TemplateError(f"unclosed '[' in template {s!r}")
                pos += 1
                nodes.append(_Optional(body))
            continue
        buf.append(ch)
        pos += 1
    if buf:
        nodes.append(_Text("".join(buf)))
    return tuple(nodes), pos


def _render_nodes(
    nodes: Sequence[_Node], slots: Mapping[str, SlotValue], rs: RandomStream, out: list[str]
) -> None:
    for node in nodes:
        if isinstance(node, _Text):
            out.append(node.text)
        elif isinstance(node, _Slot):
            value = slots[node.name]
            out.append(value if isinstance(value, str) else rs.choice(value))
        elif isinstance(node, _Choice):
            _render_nodes(node.options[rs.index(len(node.options))], slots, rs, out)
        elif rs.chance(0.5):
            _render_nodes(node.body, slots, rs, out)


_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?)])")


def tidy(text: str) -> str:
    """Collapse spaces, drop spaces before punctuation, capitalise the first letter."""
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text)).strip()
    text = text.replace(";.", ".").replace(",.", ".").replace("..", ".")
    return text[:1].upper() + text[1:] if text else text


def render(template: str, slots: Mapping[str, SlotValue], rs: RandomStream) -> str:
    """Expand one template with random choices from ``rs``."""
    out: list[str] = []
    _render_nodes(parse_template(template), slots, rs, out)
    return tidy("".join(out))


# --- slot helpers -----------------------------------------------------------------------------

_NUMBER_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
)


def years_text(years: float, rs: RandomStream) -> str:
    """Years of experience written as people write them ("12", "twelve", "about 12")."""
    n = max(1, round(years))
    if n < len(_NUMBER_WORDS) and rs.chance(0.3):
        return _NUMBER_WORDS[n]
    return f"about {n}" if rs.chance(0.15) else str(n)


def with_article(title: str) -> str:
    """ "an Associate Product Manager", "a Data Analyst"."""
    return ("an " if title[:1].lower() in "aeiou" else "a ") + title


def join_words(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def person_slots(
    *,
    title: str,
    function: vocab.Function,
    city: str,
    years: float,
    interests: Sequence[str],
    rs: RandomStream,
) -> dict[str, SlotValue]:
    """The slots every template may use, for one person."""
    others = tuple(f.noun for f in vocab.FUNCTIONS if f.key != function.key)
    picked = list(interests) or list(vocab.INTERESTS[:2])
    first = picked[rs.index(len(picked))]
    rest = [i for i in picked if i != first] or [i for i in vocab.INTERESTS if i != first]
    slots: dict[str, SlotValue] = dict(vocab.SLOT_VALUES)
    slots.update(
        title=title,
        title_a=with_article(title),
        department=function.department,
        dept_noun=function.noun,
        other_dept_noun=others,
        city=city,
        years=years_text(years, rs),
        interest=first,
        interest2=rest[rs.index(len(rest))],
    )
    return slots


# --- writers ----------------------------------------------------------------------------------


def mentor_profile(
    themes: Sequence[vocab.Theme],
    slots: Mapping[str, SlotValue],
    rs: RandomStream,
    *,
    offers: Sequence[str],
) -> str:
    """A mentor's profile: an intro, a sentence or two per expertise theme, a closer.

    A mentor does not always write about everything they know: a secondary theme is left out
    now and then, so their history (who they mentored well) can say more than their profile.
    """
    if rs.chance(0.04):
        return ""  # some people never fill in their profile
    parts: list[str] = []
    if rs.chance(0.9):
        parts.append(render(rs.choice(vocab.MENTOR_INTROS), slots, rs))
    for rank, theme in enumerate(themes):
        if rank == 0 or rs.chance(0.9):
            first = rs.index(len(theme.mentor_phrases))
            parts.append(render(theme.mentor_phrases[first], slots, rs))
            if rank == 0 and rs.chance(0.35):
                # Main expertise often gets a second sentence, in other words.
                second = (first + 1 + rs.index(len(theme.mentor_phrases) - 1)) % len(
                    theme.mentor_phrases
                )
                parts.append(render(theme.mentor_phrases[second], slots, rs))
    if len(parts) > 2 and rs.chance(0.3):
        # Not every profile opens with the job title.
        parts.append(parts.pop(0))
    if themes and rs.chance(0.5):
        parts.append(_topic_line(themes, rs))
    if rs.chance(0.5):
        parts.append(render(rs.choice(vocab.MENTOR_CLOSERS), slots, rs))
    extra = [t for t in offers if t != "traditional"]
    if extra and rs.chance(0.5):
        parts.append(
            render("Open to {kinds} mentoring (too|as well).", {"kinds": join_words(extra)}, rs)
        )
    return " ".join(p for p in parts if p)


def _topic_line(themes: Sequence[vocab.Theme], rs: RandomStream) -> str:
    """ "Can help with: becoming a manager, one-on-ones and public speaking." """
    topics: list[str] = []
    for rank, theme in enumerate(themes):
        pool = vocab.THEME_TOPICS[theme.key]
        for _ in range(2 if rank == 0 else 1):
            topic = rs.choice(pool)
            if topic not in topics:
                topics.append(topic)
    return render(rs.choice(vocab.MENTOR_TOPIC_LINES), {"topics": join_words(topics)}, rs)


def _lower_first(sentence: str) -> str:
    if sentence.startswith(("I ", "I'")):
        return sentence
    return sentence[:1].lower() + sentence[1:]


def mentee_profile(slots: Mapping[str, SlotValue], rs: RandomStream) -> str:
    """A mentee's short profile: current role, sometimes a background line."""
    if rs.chance(0.05):
        return ""
    parts = [render(rs.choice(vocab.MENTEE_INTROS), slots, rs)]
    if rs.chance(0.35):
        parts.append(render(rs.choice(vocab.MENTEE_BACKGROUNDS), slots, rs))
    return " ".join(parts)


def mentee_goals(
    theme: vocab.Theme,
    second: vocab.Theme | None,
    skills_wanted: Sequence[str],
    slots: Mapping[str, SlotValue],
    rs: RandomStream,
) -> str:
    """A mentee's goals: the main theme in one of its phrasings, then optional add-ons."""
    if rs.chance(0.03):
        return ""
    first = rs.index(len(theme.mentee_phrases))
    parts = [render(theme.mentee_phrases[first], slots, rs)]
    if rs.chance(0.35):
        # Say the main goal twice, differently ("I want to become a manager. I'd like to learn
        # to lead without micromanaging.").
        other = (first + 1 + rs.index(len(theme.mentee_phrases) - 1)) % len(theme.mentee_phrases)
        parts.append(render(theme.mentee_phrases[other], slots, rs))
    if second is not None:
        lead = rs.choice(("Also,", "Secondly,", "Secondary goal:", ""))
        sentence = render(rs.choice(second.mentee_phrases), slots, rs)
        parts.append(tidy(f"{lead} {_lower_first(sentence)}") if lead else sentence)
    if skills_wanted and rs.chance(0.4):
        extra = dict(slots)
        extra["skills"] = join_words(list(skills_wanted))
        parts.append(render(rs.choice(vocab.GOAL_SKILL_ADDONS), extra, rs))
    if rs.chance(0.25):
        parts.append(render(rs.choice(vocab.GOAL_TIMELINES), slots, rs))
    if rs.chance(0.2):
        parts.append(render(rs.choice(vocab.GOAL_PREFERENCES), slots, rs))
    return " ".join(parts)


def feedback(outcome: str, reason: str, rating: float | None, rs: RandomStream) -> str:
    """Short free-text feedback whose tone follows the outcome (often left empty).

    ``outcome`` is the pairing's status; ``reason`` the hidden factor that hurt the pair most
    (a key of :data:`vocab.FEEDBACK_REASONS_ENDED`), used for declined and ended_early pairs.
    """
    empty: dict[str, SlotValue] = {}
    if outcome == "completed":
        if not rs.chance(0.7):
            return ""
        if rating is None or rating >= 4:
            pool = vocab.FEEDBACK_GREAT
        elif rating >= 3:
            pool = vocab.FEEDBACK_OK
        else:
            pool = vocab.FEEDBACK_POOR
        return render(rs.choice(pool), empty, rs)
    if outcome == "ended_early":
        if not rs.chance(0.75):
            return ""
        pool = vocab.FEEDBACK_REASONS_ENDED[reason if rs.chance(0.8) else "other"]
        return render(rs.choice(pool), empty, rs)
    if outcome == "declined":
        if not rs.chance(0.45):
            return ""
        pool = vocab.FEEDBACK_REASONS_DECLINED[reason if rs.chance(0.8) else "other"]
        return render(rs.choice(pool), empty, rs)
    if outcome in ("active", "accepted") and rs.chance(0.15):
        return render(rs.choice(vocab.FEEDBACK_START), empty, rs)
    return ""
