"""The batch's solvency output: the insurance fund's deficit after the batch, proven from
its leaf as the end flush writes it (`circuits.spec.solvency`), posted after the records
(the public input's trailer), acted on by L1 (pro-rata exits while it is uncovered)."""
from __future__ import annotations

from ..cs import LC, ConstraintSystem, lc_sum
from ..gadgets.data_hash import pack_record
from ..spec.solvency import DEFICIT_BITS
from .account_leaf import AccountVars
from .ranges import signed
from .shape import BatchShape
from .tables import TablesVars


def fund_deficit(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, fund: AccountVars,
                 name: str = "solvency") -> tuple[LC, list[LC]]:
    """The fund's deficit D = max(0, -(cash + sum_k size_k * mark_k)) of its leaf after the
    end flush, and D's trailer bits (DEFICIT_BITS, big-endian bytes).

    Enforces: the value's sign split (|value| < 2^equity_bits always holds: cash <
    2^cash_bits and a portfolio's mark value < 2^cash_bits, `BatchShape`), D = -neg * value,
    and D < 2^DEFICIT_BITS by its decomposition (D < 2^equity_bits <= 2^DEFICIT_BITS).
    Cost: K + equity_bits + 4 + DEFICIT_BITS + 1 constraints (K = 8: 238).
    """
    K = shape.K
    with cs.namespace(name):
        value = fund.cash + lc_sum(cs.mul(fund.sizes[k], tv.mark[k], name=f"value{k}") for k in range(K))
        s = signed(cs, value, shape.equity_bits, name="value")
        deficit = -s.neg_value
        bits = pack_record(cs, [(deficit, DEFICIT_BITS)], name="trailer")
    return deficit, bits
