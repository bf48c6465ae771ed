"""Which networks join the ensemble, and each family's share of its weight."""

from __future__ import annotations

import numpy as np

from .members import ClassicalMember, Member


def pick(trained: list[Member], k: int) -> list[Member]:
    """The ``k - 1`` best members of one search and the best of another scaling.

    Ties go to the earlier member. The last member is the best one whose
    scaling none of the others has (the ``k``-th best when every member
    shares one scaling, or when no other scaling scored): validation on a
    dozen points picks a scaling partly by luck, and a member of another
    hedges that choice (measured: ``docs/design.md``, "The hedge").
    """
    ranked = sorted(trained, key=rank)
    top = ranked[: k - 1]
    taken = {m.candidate.scaling for m in top}
    other = [m for m in ranked[k - 1 :]
             if m.candidate.scaling not in taken and np.isfinite(rank(m))]  # fmt: skip
    return top + (other or ranked[k - 1 :])[:1]


def hedged(members: list[Member]) -> bool:
    """Whether the last member is of a scaling none of the others has."""
    return len(members) > 1 and members[-1].candidate.scaling not in {
        m.candidate.scaling for m in members[:-1]
    }


def count(members: list[ClassicalMember], model: type) -> int:
    """How many of ``members`` are ``model``s."""
    return sum(isinstance(m.model, model) for m in members)


def classical_share(classical: list[Member], members: list[Member]) -> float:
    """The classical members' share of the mean, in [0, 1]."""
    total = sum(m.weight for m in members)
    return round(sum(m.weight for m in classical) / total, 4) if total else 0.0


def shares(members) -> dict[str, float]:
    """Each family's share of the ensemble's weight, ``{"networks": 0.29,
    "hybrids": 0.0, "classical": 0.71}`` (rounded to 4 places)."""
    total = sum(m.weight for m in members)
    out = {}
    for kind, word in (("network", "networks"), ("hybrid", "hybrids"),
                       ("classical", "classical")):  # fmt: skip
        part = sum(m.weight for m in members if m.kind == kind)
        out[word] = round(part / total, 4) if total else 0.0
    return out


def rank(member: Member) -> float:
    """Sort key of a member: its validation score (NaN last)."""
    score = member.candidate.score
    return np.inf if score != score else score
