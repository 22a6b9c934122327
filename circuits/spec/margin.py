"""The margin rules: scenario equities, maintenance (MM), initial (IM), and the rules built on
them (a trade that strictly reduces risk, a forced withdrawal's pay). One table serves both
margins (docs/risk.md).

With the oracle table's values scen[k][s] per contract, s = 0..S-1, scenario 0 the mark
(`circuits.spec.tables`):

    E_s  = cash + sum_k size_k * scen[k][s] - sum_k |size_k|          (`equities`)
    MM:  E_s >= 0 for every s                                          (`passes_mm`)
    IM:  Q_s = IM_NUM * E_s - (IM_NUM - IM_DEN) * E_0 >= 0 for every s (`passes_im`)

i.e. E_0 + alpha * (E_s - E_0) >= 0 with alpha = IM_NUM / IM_DEN >= 1: the equity at mark
covers alpha times every scenario's loss. **IM implies MM**: s = 0 gives IM_DEN * E_0 >= 0,
so E_0 >= 0; for an s with E_s >= E_0, E_s >= 0; otherwise E_s - E_0 < 0 and
E_s = E_0 + (E_s - E_0) >= E_0 + alpha * (E_s - E_0) >= 0.

The haircut (one cash unit per contract held in each slot) absorbs the tables' rounding to
integers (each value within 1/2 of the model's): the rounded E_s is at least H/2 below the
model's and at most 3H/2 below it (H = the haircut), so the rounded Q_s is at most
IM_NUM * (-H/2) + (IM_NUM - IM_DEN) * 3H/2 <= 0 above the model's when alpha <= 3/2
(asserted below): neither margin is ever computed in the trader's favour.

`im_quantity` is written once for ints and for circuit values (the batch circuit's
`circuits.batch.margin` uses it on its linear combinations).

**Strictly reduces risk** (`reduces_risk`): a trade side failing IM may still trade when
only its traded slot k changes, the new size lies between 0 and the old one (|size|
strictly decreases, no sign flip), and min_s Q_s does not decrease.

**Forced withdrawal** (`im_allowance`): the most cash w that leaves IM passing. Lowering
cash by w lowers every Q_s by IM_DEN * w, so w = floor(min_s Q_s / IM_DEN) (at least 0).

**Use** (`MarginUse`, what `zkrollup state --account` shows): the binding scenario is
argmin_s E_s (the same s for both margins: Q_s grows with E_s); the maintenance
requirement is the worst loss L = max(0, E_0 - min_s E_s), the initial requirement
alpha * L; the account passes MM iff E_0 >= L, IM iff E_0 >= alpha * L.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence, TypeVar

from .widths import EQUITY_BITS

T = TypeVar("T")

IM_NUM = 13
IM_DEN = 10
"""alpha = IM_NUM / IM_DEN = 1.3: initial margin covers 1.3 times each scenario's loss."""
assert 1 <= IM_DEN <= IM_NUM and 2 * IM_NUM <= 3 * IM_DEN, "need 1 <= alpha <= 3/2 (module docstring)"

IM_BITS = EQUITY_BITS + (2 * IM_NUM - IM_DEN - 1).bit_length()
"""|Q_s| <= IM_NUM |E_s| + (IM_NUM - IM_DEN) |E_0| < (2 IM_NUM - IM_DEN) 2^EQUITY_BITS <= 2^IM_BITS."""
assert IM_BITS + 2 < 253


def haircut(sizes: Sequence[int]) -> int:
    """One cash unit per contract held in each slot (absorbs the tables' rounding)."""
    return sum(abs(x) for x in sizes)


def equities(cash: int, sizes: Sequence[int], scen: Sequence[Sequence[int]]) -> list[int]:
    """[E_s for s in 0..S-1]; scen[k][s] is slot k's value in scenario s (scenario 0 the mark)."""
    base = cash - haircut(sizes)
    eq = [base] * len(scen[0])
    for size, row in zip(sizes, scen):
        if size:
            eq = [e + size * v for e, v in zip(eq, row)]
    return eq


def im_quantity(e_s: T, e_0: T) -> T:
    """Q_s = IM_NUM * E_s - (IM_NUM - IM_DEN) * E_0 (ints or circuit values)."""
    return e_s * IM_NUM - e_0 * (IM_NUM - IM_DEN)


def im_quantities(eq: Sequence[int]) -> list[int]:
    return [im_quantity(e, eq[0]) for e in eq]


def passes_mm(eq: Sequence[int]) -> bool:
    return min(eq) >= 0


def passes_im(eq: Sequence[int]) -> bool:
    return min(im_quantities(eq)) >= 0


def first_failing_mm(eq: Sequence[int]) -> int | None:
    """The first scenario with E_s < 0 (what a liquidation names), None when MM passes."""
    return next((s for s, e in enumerate(eq) if e < 0), None)


def binding(eq: Sequence[int]) -> int:
    """The first s minimising E_s (and Q_s)."""
    return min(range(len(eq)), key=lambda s: (eq[s], s))


def im_allowance(eq: Sequence[int]) -> int:
    """The most cash a withdrawal can take leaving IM passing (0 when IM fails)."""
    return max(0, min(im_quantities(eq)) // IM_DEN)


def reduces_risk(old_eq: Sequence[int], new_eq: Sequence[int], old_sizes: Sequence[int],
                 new_sizes: Sequence[int], slot: int) -> bool:
    """The "strictly reduces risk" rule (module docstring) for a change in slot `slot` only."""
    if len(old_sizes) != len(new_sizes) or any(a != b for i, (a, b) in enumerate(zip(old_sizes, new_sizes))
                                               if i != slot):
        return False
    old, new = old_sizes[slot], new_sizes[slot]
    if old == 0 or abs(new) >= abs(old) or (new != 0 and (new > 0) != (old > 0)):
        return False
    return min(im_quantities(new_eq)) >= min(im_quantities(old_eq))


@dataclass(frozen=True)
class MarginUse:
    """An account's margin at one table (module docstring, "Use")."""

    equity: int
    """E_0, the equity at mark (haircut included)."""
    binding: int
    """The scenario with the lowest equity."""
    worst: int
    """E at the binding scenario."""

    @property
    def mm_requirement(self) -> Fraction:
        return Fraction(max(0, self.equity - self.worst))

    @property
    def im_requirement(self) -> Fraction:
        return self.mm_requirement * Fraction(IM_NUM, IM_DEN)

    @property
    def passes_mm(self) -> bool:
        return self.worst >= 0

    @property
    def passes_im(self) -> bool:
        return im_quantity(self.worst, self.equity) >= 0

    def use(self, requirement: Fraction) -> float | None:
        """requirement / E_0 (1.0 = the margin is just met); None when E_0 <= 0."""
        return float(requirement / self.equity) if self.equity > 0 else None

    @classmethod
    def of(cls, eq: Sequence[int]) -> "MarginUse":
        j = binding(eq)
        return cls(eq[0], j, eq[j])
