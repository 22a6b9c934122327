"""Solvency: the insurance fund's proven deficit, and the pro-rata exit rule that
socialises it (issue 14, items 2 and 5; docs/risk.md, "Socialised loss").

**The deficit.** The insurance fund (account 1) takes over what liquidators do not (the
backstop, forced closes) and covers shortfalls; it may then hold positions and lose. Its
value at the mark is

    value = cash + sum_k size_k * mark_k

and its deficit D = max(0, -value). Every batch proves D at its end, after the fund has
received what the batch deferred to it (`circuits.batch.solvency`), and posts it after the
records: the public input is sha256(HEADER || RECORDS || TRAILER) >> 3 with TRAILER = D as
`DEFICIT_BYTES` bytes big-endian (`trailer_bytes`). So L1 knows, with every batch, whether
the fund is under water: it never goes negative silently.

**Who bears it.** Positions net to zero across accounts, so the accounts other than the
fund hold claims worth sum(cash) + D while L1 holds only what was deposited and not paid
out. L1 keeps that ledger, `held` (credited deposits - exit payouts), and `retained`: the
part of `held` that no account's cash stands for (what earlier haircuts kept back, which
covers the deficit). While the deficit is not covered, uncovered = D - retained > 0, every
exit of a batch (a withdrawal's amount, a forced withdrawal's paid) of x is paid

    payout = x * held // (held + uncovered)             (`exit_payout`)

with retained as it stood before the batch and held as it stood before the batch plus
every deposit the batch credits (one ratio per batch: the order of its records cannot move
value between its exits; its deposits share the deficit at once, and exits they fund are
not cut below their share), and the rest, x - payout, is retained. The ratio held / (held +
uncovered) is what each claim would get if everyone left at once, and paying exits this
way does not lower it for the next batch (both terms shrink in proportion, rounding
retains), so it does not matter who leaves first: the same rule as exodus's pro-rata pool
(verifier/contracts/exodus.vy), applied while the rollup runs. Once retained >= D (the
fund recovered, or enough was kept back) exits are paid in full. Deposits refunded by a
batch are not claims on the accounts and are always paid in full. D only sees losses the
fund has taken over: the operator backstops every account failing maintenance before it
admits an exit (`zkrollup.operator.sequencer.Sequencer.backstop_failing`).

Native functions here; L1's twin is `verifier/contracts/rollup.vy` (`_exit_payout`), the
circuit's `circuits.batch.solvency`.
"""
from __future__ import annotations

from typing import Sequence

DEFICIT_BITS = 128
DEFICIT_BYTES = DEFICIT_BITS // 8


def fund_value(cash: int, sizes: Sequence[int], mark: Sequence[int]) -> int:
    """The fund's value at the mark: cash + sum_k size_k * mark_k."""
    return cash + sum(s * m for s, m in zip(sizes, mark))


def fund_deficit(cash: int, sizes: Sequence[int], mark: Sequence[int]) -> int:
    """max(0, -fund_value) (ValueError if it does not fit DEFICIT_BITS)."""
    d = max(0, -fund_value(cash, sizes, mark))
    if d >= 1 << DEFICIT_BITS:
        raise ValueError(f"the insurance fund's deficit does not fit {DEFICIT_BITS} bits")
    return d


def trailer_bytes(deficit: int) -> bytes:
    """The batch data's trailer: the deficit, DEFICIT_BYTES big-endian."""
    if not isinstance(deficit, int) or isinstance(deficit, bool) or not 0 <= deficit < 1 << DEFICIT_BITS:
        raise ValueError(f"the fund's deficit must be an int in [0, 2^{DEFICIT_BITS}), got {deficit!r}")
    return deficit.to_bytes(DEFICIT_BYTES, "big")


def exit_payout(amount: int, held: int, deficit: int, retained: int) -> int:
    """What L1 pays for an exit of `amount` (module docstring): in full while the deficit
    is covered (retained >= deficit), else amount * held // (held + deficit - retained)."""
    uncovered = deficit - retained
    if uncovered <= 0:
        return amount
    return amount * held // (held + uncovered)
