"""`BatchShape`: every size and bit width that fixes the batch circuit's constraints.

The widths default to the rollup's (`circuits.spec.widths`); other widths serve tests
and experiments. Two batches with equal shapes have the same R1CS (and the same proving
key); `BatchShape.key()` names the compiled circuit on disk.

Width conventions are those of `circuits.spec.widths`: an unsigned width B means
0 <= v < 2^B; a signed width B means |v| < 2^B (so -2^B is excluded too). The circuit
range-checks every value it reads from a user or computes to exactly these bounds, so no
sum or product can wrap modulo r (`BatchShape.check` verifies the worst cases).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..spec import tree
from ..spec import widths as W
from ..spec.margin import IM_DEN, IM_NUM


def _source_digest() -> str:
    """Digest of every source file of the `circuits` package: a change to any gadget, the
    spec or the batch circuit gives new cache keys, so no compiled circuit or proving key
    made by other code is ever reused (no version number to remember to bump)."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.blake2b(digest_size=8)
    for p in sorted(root.rglob("*.py")):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()


CIRCUIT_VERSION = _source_digest()
"""Names the circuit code in cache keys (`BatchShape.key`)."""

MAX_RANGE_BITS = 240
"""Largest width the circuit range-checks (headroom under the 252-bit comparator limit)."""


@dataclass(frozen=True)
class BatchShape:
    """Sizes and widths of one batch circuit (all ints).

    Sizes: ``n_slots`` operation slots; account tree depth ``acc_depth``; order-fill
    subtree depth ``ord_depth`` (depths in bits of the leaf index; both trees are the 4-ary
    tree of `circuits.spec.tree`, ceil(depth / 2) levels); ``n_instruments`` K market slots
    (1..16, so one Poseidon hashes the positions); ``n_scenarios`` S scenarios of the oracle
    table (1..35, scenario 0 the mark; one table serves initial and maintenance margin).

    Widths (see the module docstring for signed/unsigned):
    ``size_bits`` signed position sizes, unsigned order sizes, fills, filled amounts and
    open interest; ``price_bits`` trade and limit prices and every oracle value (marks,
    scenario values, settlement values); ``fee_rate_bits`` an order's max fee per
    contract; ``fee_bits`` a fill's fee; ``amount_bits`` deposit and withdrawal amounts;
    ``cash_bits`` signed cash; ``equity_bits`` signed scenario equities and liquidation
    remainders; ``nonce_bits``; ``order_id_bits``; ``time_bits`` timestamps, expiries,
    valid-until; ``l1_address_bits``; ``account_bits`` account numbers in messages;
    ``bps_bits`` and ``bps_denominator`` the liquidation bonus/penalty in basis points.
    """

    n_slots: int
    acc_depth: int
    ord_depth: int
    n_instruments: int
    n_scenarios: int
    size_bits: int = W.SIZE_BITS
    price_bits: int = W.PRICE_BITS
    fee_rate_bits: int = W.FEE_RATE_BITS
    fee_bits: int = W.FEE_BITS
    amount_bits: int = W.AMOUNT_BITS
    cash_bits: int = W.CASH_BITS
    equity_bits: int = W.EQUITY_BITS
    nonce_bits: int = W.NONCE_BITS
    order_id_bits: int = W.ORDER_ID_BITS
    time_bits: int = W.TIME_BITS
    l1_address_bits: int = W.L1_ADDRESS_BITS
    account_bits: int = W.ACCOUNT_BITS
    bps_bits: int = W.BPS_BITS
    bps_denominator: int = W.BPS_DENOMINATOR

    def __post_init__(self) -> None:
        self.check()

    @property
    def K(self) -> int:
        return self.n_instruments

    @property
    def S(self) -> int:
        return self.n_scenarios

    @property
    def im_bits(self) -> int:
        """Width of an initial-margin quantity IM_NUM E_s - (IM_NUM - IM_DEN) E_0
        (`circuits.spec.margin.IM_BITS` for these widths)."""
        return self.equity_bits + (2 * IM_NUM - IM_DEN - 1).bit_length()

    @property
    def gross_bits(self) -> int:
        """Width of sum_k |size_k| * mark_k (K <= 16 terms)."""
        return self.size_bits + self.price_bits + max(1, (self.n_instruments - 1).bit_length())

    @property
    def acc_path(self) -> int:
        """Siblings in an account path (`circuits.spec.tree`: 3 per level, ceil(acc_depth / 2) levels)."""
        return tree.path_length(self.acc_depth)

    @property
    def ord_path(self) -> int:
        """Siblings in an order-fill path."""
        return tree.path_length(self.ord_depth)

    @property
    def index_bits(self) -> int:
        """Bits decomposed from an account number: enough for the tree and for messages."""
        return max(self.acc_depth, self.account_bits)

    # -- validation ------------------------------------------------------------------------
    def check(self) -> None:
        """ValueError unless every size is sane and no checked sum can wrap modulo r."""
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise ValueError(f"BatchShape.{f.name} must be a non-negative int, got {v!r}")
        if self.n_slots < 1:
            raise ValueError("a batch needs at least one slot")
        if not 1 <= self.acc_depth <= tree.MAX_DEPTH or not 1 <= self.ord_depth <= tree.MAX_DEPTH:
            raise ValueError(f"tree depths must be in 1..{tree.MAX_DEPTH}")
        if self.acc_depth < 2:
            raise ValueError("the account tree needs depth >= 2 (special accounts 0, 1, 2)")
        if not 1 <= self.n_instruments <= W.MAX_INSTRUMENTS:
            raise ValueError(f"n_instruments must be in 1..{W.MAX_INSTRUMENTS} (one Poseidon hashes "
                             "the positions)")
        if not 1 <= self.n_scenarios <= W.MAX_SCENARIOS:
            raise ValueError(f"n_scenarios must be in 1..{W.MAX_SCENARIOS}")
        for f in fields(self):
            if f.name.endswith("_bits") and not 1 <= getattr(self, f.name) <= MAX_RANGE_BITS:
                raise ValueError(f"BatchShape.{f.name} must be in 1..{MAX_RANGE_BITS}")
        if not 1 < self.bps_denominator < (1 << self.bps_bits):
            raise ValueError("bps_denominator must fit bps_bits")
        if self.order_id_bits < self.ord_depth:
            raise ValueError("order ids must have at least ord_depth bits")
        # worst cases (as in circuits.spec.widths, for these widths): products and sums stay inside their widths
        k_bits = max(1, (self.n_instruments - 1).bit_length())
        portfolio = self.size_bits + self.price_bits + k_bits
        if not (self.size_bits + self.price_bits < self.cash_bits and self.fee_bits < self.cash_bits
                and portfolio < self.cash_bits and self.amount_bits < self.cash_bits):
            raise ValueError("cash_bits must exceed every cash change (fills, fees, portfolios, amounts)")
        if self.fee_rate_bits + self.size_bits > self.fee_bits:
            raise ValueError("fee_bits must hold max_fee * fill")
        haircut = self.size_bits + k_bits
        # cash + V - bonus - penalty of a liquidation, and the equities after q' < q of its
        # steps (that plus a portfolio value): four portfolio values at most
        if (1 << self.cash_bits) + 4 * (1 << portfolio) + (1 << haircut) >= (1 << self.equity_bits):
            raise ValueError("equity_bits must hold cash + portfolio value - haircut (and the "
                             "liquidation remainder cash + V - bonus - penalty)")
        if self.im_bits + 2 > MAX_RANGE_BITS:
            raise ValueError("widths too large for the margin checks")
        if self.gross_bits + self.bps_bits + 2 > MAX_RANGE_BITS:
            raise ValueError("widths too large for the liquidation arithmetic")

    # -- identity --------------------------------------------------------------------------
    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    def key(self) -> str:
        """A short stable name of this shape (and the circuit version), for cache files."""
        blob = json.dumps({"v": CIRCUIT_VERSION, **self.as_dict()}, sort_keys=True).encode()
        digest = hashlib.blake2b(blob, digest_size=8).hexdigest()
        return (f"batch_n{self.n_slots}_d{self.acc_depth}_o{self.ord_depth}"
                f"_k{self.n_instruments}_s{self.S}_{digest}")
