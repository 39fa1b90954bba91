"""What happens to a formed pairing between its start and the programme's end date: how often
the pair checks in, and what the people write while it runs.

Drawn from a stream of its own (``followup`` in :func:`~recommender.data.generator.simulate.
simulate`), so adding or changing these draws never reshuffles who is paired or how pairings
turn out.

- **Check-ins** (``last_checkin_at``): a pair that works logs a check-in every two to five
  weeks until it ends; one in seven stops logging anyway (busy people forget), and one in ten
  never logs any. A pair that is failing fades out: its check-ins stop somewhere in the first
  part of its run, before anyone calls it.
- **Mid-course feedback** of pairings still running at the end date: failing ones often say so
  ("we've cancelled the last few sessions"), working ones sometimes report progress, and a few
  working ones grumble mildly.
- **Unrated completed pairings**: one in seven completed pairings leaves no rating, but its
  people still feel the way their rating would have said. Their feedback follows that unseen
  rating, like everyone else's (before, it was always glowing).
- **Words and ratings disagree now and then**, as in real comments: some completed pairings'
  feedback pulls both ways ("lovely person, but it didn't go anywhere") whatever the rating,
  and some reads like the next rating band's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from recommender.data import vocab
from recommender.data.generator.text import RandomStream, render

DAY = 86_400
#: Share of working pairs that stop logging check-ins at some point anyway.
LAPSE_SHARE = 1 / 7
#: Share of pairs that never log a check-in.
NEVER_LOG_SHARE = 0.1
#: Of running failing pairs (30+ days in), the share whose feedback says it is going badly.
STRUGGLING_SHARE = 0.4
#: Of completed pairings' feedback: the share with mixed words, and the share that reads like
#: a neighbouring rating band.
MIXED_SHARE = 0.15
NEIGHBOUR_SHARE = 0.08
#: Of running working pairs, the share reporting progress, and grumbling mildly.
PROGRESS_SHARE = 0.2
GRUMBLE_SHARE = 0.05


@dataclass(frozen=True)
class FollowUp:
    """A pairing's last check-in (epoch seconds, or None) and its final feedback text."""

    last_checkin: int | None
    feedback: str


def _checkins(start: int, until: int, end: int, rs: RandomStream, *, failing: bool) -> int | None:
    """The last check-in of a pair that runs from ``start`` to ``until`` (its end, or when it
    fails), as seen at ``end``; None when none was logged."""
    if until <= start or end <= start or rs.chance(NEVER_LOG_SHARE):
        return None
    interval = DAY * (14 + 21 * rs.uniform())
    if failing:
        # Fading out: meetings stop in the first part of the run, before anyone calls it.
        until = start + int((until - start) * (0.15 + 0.45 * rs.uniform()))
    elif rs.chance(LAPSE_SHARE):
        until = start + int((until - start) * rs.uniform())
    n = math.floor((min(until, end) - start) / interval)
    return start + int(n * interval) if n >= 1 else None


_BANDS = (vocab.FEEDBACK_POOR, vocab.FEEDBACK_OK, vocab.FEEDBACK_GREAT)


def _band(rating: float) -> int:
    return 2 if rating >= 4 else (1 if rating >= 3 else 0)


def _completed_feedback(rating: float, rs: RandomStream) -> str:
    """What a mentee who would rate ``rating`` writes about a completed pairing."""
    if rs.chance(MIXED_SHARE):
        return render(rs.choice(vocab.FEEDBACK_MIXED), {}, rs)
    band = _band(rating)
    if rs.chance(NEIGHBOUR_SHARE):
        band = 1 if band != 1 else (0 if rs.chance(0.5) else 2)
    return render(rs.choice(_BANDS[band]), {}, rs)


def follow_up(
    *,
    status: str,
    success: bool,
    feedback: str,
    rating: float | None,
    latent_rating: float,
    decided: int,
    busy_until: int | None,
    end: int,
    rs: RandomStream,
) -> FollowUp:
    """Check-ins and the final feedback of one proposal (see the module docstring).

    ``feedback`` is what the outcome alone would have said; ``latent_rating`` the rating the
    mentee would have given a completed pairing (used when they gave none).
    """
    if status in ("proposed", "declined") or busy_until is None:
        return FollowUp(None, feedback)
    last = _checkins(decided, busy_until, end, rs, failing=not success)
    text = feedback
    if status == "completed" and feedback:
        text = _completed_feedback(latent_rating if rating is None else rating, rs)
    elif status == "active" and end - decided > 30 * DAY:
        if not success and rs.chance(STRUGGLING_SHARE):
            text = render(rs.choice(vocab.FEEDBACK_STRUGGLING), {}, rs)
        elif success and rs.chance(PROGRESS_SHARE):
            text = render(rs.choice(vocab.FEEDBACK_PROGRESS), {}, rs)
        elif success and rs.chance(GRUMBLE_SHARE):
            text = render(rs.choice(vocab.FEEDBACK_STRUGGLING), {}, rs)
    return FollowUp(last, text)
