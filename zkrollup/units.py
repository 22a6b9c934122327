"""Units and bit-widths of every quantity of the rollup, enforced at the boundary.

Money is an integer number of the quote currency's smallest unit ("cash units", e.g.
micro-USDC). Prices are cash units *per contract* (an instrument's contract size is
folded in by the market: see `zkrollup.market`), so a fill of q contracts at price p
moves exactly p*q cash units. Underlying prices and strikes are cash units per lot.

Widths (unsigned: 0 <= v < 2^B; signed: -2^B < v < 2^B):

| quantity                                   | kind     | bits |
|--------------------------------------------|----------|------|
| position size, order size, fill            | signed / unsigned | 40 (`SIZE_BITS`) |
| trade price, limit price, mark, scenario value, settlement value (per contract) | unsigned | 48 (`PRICE_BITS`) |
| underlying price, strike (per lot)         | unsigned | 48 (`PRICE_BITS`) |
| contract size (lots per contract)          | unsigned, >= 1 | 24 (`CONTRACT_SIZE_BITS`) |
| max fee per contract                       | unsigned | 32 (`FEE_RATE_BITS`) |
| fee charged on one fill                    | unsigned | 72 (`FEE_BITS`) |
| deposit / withdrawal amount                | unsigned | 64 (`AMOUNT_BITS`) |
| account cash                               | signed   | 96 (`CASH_BITS`) |
| nonce                                      | unsigned | 32 (`NONCE_BITS`) |
| order id (>= 1)                            | unsigned | 48 (`ORDER_ID_BITS`) |
| time: valid-until, expiry, batch timestamp | unsigned | 40 (`TIME_BITS`) |
| L1 address                                 | unsigned | 160 (`L1_ADDRESS_BITS`) |
| account index in messages                  | unsigned | 32 (`ACCOUNT_BITS`) |
| basis points (liquidation bonus, penalty)  | unsigned, < 10,000 | 14 (`BPS_BITS`) |

Worst cases (checked by the asserts at the bottom of this module), with K <= 16 slots:

- cash moved by a fill: |size * price| < 2^(40+48) = 2^88;
- fee of a fill: fee <= max_fee_per_contract * fill < 2^(32+40) = 2^72;
- portfolio value in one scenario: |sum_k size_k * scen[k][s]| < 16 * 2^88 = 2^92;
- haircut sum_k |size_k| < 2^44;
- equity in one scenario: |cash + sum - haircut| < 2^96 + 2^92 + 2^44 < 2^97 (`EQUITY_BITS`);
- liquidation: gross mark value < 2^92, times basis points (< 2^14): < 2^106.

All of these are far below r ~ 2^253.6, so no arithmetic of the rollup can wrap modulo r
once every input is range-checked to its width; the circuit proves a signed value v of
width B by range-checking v + 2^B into [0, 2^(B+1)).

Field encoding of signed values: v -> v mod r (`to_field`), so -1 is r - 1; `from_field`
reads an element back as the signed integer in (-r/2, r/2]. Always used together with
the bound, which makes the mapping injective.
"""
from __future__ import annotations

from circuits.field import R

from .errors import BadAmount, OutOfRange

SIZE_BITS = 40
PRICE_BITS = 48
CONTRACT_SIZE_BITS = 24
FEE_RATE_BITS = 32
FEE_BITS = FEE_RATE_BITS + SIZE_BITS
AMOUNT_BITS = 64
CASH_BITS = 96
NONCE_BITS = 32
ORDER_ID_BITS = 48
TIME_BITS = 40
L1_ADDRESS_BITS = 160
BPS_BITS = 14
BPS_DENOMINATOR = 10_000
ACCOUNT_BITS = 32
MAX_SLOTS = 16
MAX_SCENARIOS = 64

HAIRCUT_BITS = SIZE_BITS + 4            # sum of K <= 16 absolute sizes
PORTFOLIO_BITS = SIZE_BITS + PRICE_BITS + 4
EQUITY_BITS = CASH_BITS + 1
"""Every scenario equity satisfies |e| < 2^EQUITY_BITS."""


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def check_unsigned(name: str, value: object, bits: int, *, minimum: int = 0) -> int:
    """Return value if it is an int with minimum <= value < 2^bits, else raise OutOfRange."""
    if not _is_int(value):
        raise OutOfRange(f"{name} must be an integer, got {value!r}")
    if not minimum <= value < (1 << bits):
        raise OutOfRange(f"{name} must be in [{minimum}, 2^{bits}), got {value}")
    return value


def check_signed(name: str, value: object, bits: int) -> int:
    """Return value if it is an int with |value| < 2^bits, else raise OutOfRange."""
    if not _is_int(value):
        raise OutOfRange(f"{name} must be an integer, got {value!r}")
    if not -(1 << bits) < value < (1 << bits):
        raise OutOfRange(f"{name} must satisfy |{name}| < 2^{bits}, got {value}")
    return value


def check_positive(name: str, value: object, bits: int) -> int:
    """An amount that must be at least 1 (BadAmount for 0) and below 2^bits."""
    if _is_int(value) and value == 0:
        raise BadAmount(f"{name} must be positive, got 0")
    return check_unsigned(name, value, bits, minimum=1)


def check_size(name: str, v: object) -> int:
    return check_signed(name, v, SIZE_BITS)


def check_cash(name: str, v: object) -> int:
    return check_signed(name, v, CASH_BITS)


def to_field(v: int) -> int:
    """A (bounded) signed integer as a field element: v mod r."""
    return v % R


def from_field(x: int) -> int:
    """A field element read as a signed integer in (-r/2, r/2]."""
    x %= R
    return x - R if x > R // 2 else x


# Worst-case products of the module docstring; a change of width that breaks them fails here.
assert SIZE_BITS + PRICE_BITS < CASH_BITS
assert FEE_BITS < CASH_BITS
assert PORTFOLIO_BITS < CASH_BITS
assert (1 << CASH_BITS) + (1 << PORTFOLIO_BITS) + (1 << HAIRCUT_BITS) < (1 << EQUITY_BITS)
assert PORTFOLIO_BITS + BPS_BITS + 1 < 253
assert EQUITY_BITS + 2 < 253



WIDTHS = {"size_bits": SIZE_BITS, "price_bits": PRICE_BITS, "fee_rate_bits": FEE_RATE_BITS,
          "fee_bits": FEE_BITS, "amount_bits": AMOUNT_BITS, "cash_bits": CASH_BITS,
          "equity_bits": EQUITY_BITS, "nonce_bits": NONCE_BITS, "order_id_bits": ORDER_ID_BITS,
          "time_bits": TIME_BITS, "l1_address_bits": L1_ADDRESS_BITS, "account_bits": ACCOUNT_BITS,
          "bps_bits": BPS_BITS, "bps_denominator": BPS_DENOMINATOR}
"""Every width of this module by the name the batch circuit's BatchShape uses."""


def batch_shape(n_slots: int, acc_depth: int, ord_depth: int, n_instruments: int, n_scenarios: int = 16):
    """The batch circuit's `circuits.batch.shape.BatchShape` for these sizes with this module's
    widths (same conventions: unsigned 0 <= v < 2^B, signed |v| < 2^B)."""
    from dataclasses import fields

    from circuits.batch.shape import BatchShape
    names = {f.name for f in fields(BatchShape)}
    return BatchShape(n_slots=n_slots, acc_depth=acc_depth, ord_depth=ord_depth,
                      n_instruments=n_instruments, n_scen_init=n_scenarios, n_scen_maint=n_scenarios,
                      **{k: v for k, v in WIDTHS.items() if k in names})
