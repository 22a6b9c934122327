"""The capital cost of a withdrawal: paid in the transaction that accepts its batch (this
rollup) against waiting out an optimistic rollup's challenge window.

    compare_withdrawal(amount, annual_rate=0.05, zk_wait_s=600.0)

A withdrawn amount is capital its owner cannot use until L1 pays it. Here L1 pays in the
transaction that accepts the batch (`zk_wait_s`: the batch interval plus proving and
submission, measured by the demo); an optimistic rollup pays after a challenge window
(7 days). Cost = amount x annual rate x time / one year; "capital time" = amount x days.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

SECONDS_PER_YEAR = 365 * 24 * 3600
CHALLENGE_WINDOW_S = 7 * 24 * 3600


@dataclass(frozen=True)
class WithdrawalComparison:
    amount: int
    annual_rate: float
    zk_wait_s: float
    optimistic_wait_s: float
    zk_capital_cost: float
    optimistic_capital_cost: float
    zk_capital_time: float          # amount x days locked
    optimistic_capital_time: float

    def as_dict(self) -> dict:
        return asdict(self)


def compare_withdrawal(amount: int, annual_rate: float = 0.05, zk_wait_s: float = 600.0,
                       challenge_window_s: float = CHALLENGE_WINDOW_S) -> WithdrawalComparison:
    """The module docstring's comparison for one withdrawal (ValueError for negative input)."""
    if amount < 0 or annual_rate < 0 or zk_wait_s < 0 or challenge_window_s < 0:
        raise ValueError("amount, rate and times must be non-negative")

    def cost(t: float) -> float:
        return amount * annual_rate * t / SECONDS_PER_YEAR

    return WithdrawalComparison(
        amount=amount, annual_rate=annual_rate, zk_wait_s=zk_wait_s,
        optimistic_wait_s=challenge_window_s, zk_capital_cost=cost(zk_wait_s),
        optimistic_capital_cost=cost(challenge_window_s),
        zk_capital_time=amount * zk_wait_s / 86_400, optimistic_capital_time=amount * challenge_window_s / 86_400)
