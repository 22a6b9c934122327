"""Bit widths of every quantity of the rollup, checked at every boundary.

Money is an integer number of the quote currency's smallest unit ("cash units", e.g.
micro-USDC). Prices are cash units *per contract* (an instrument's contract size is
folded in by the market), so a fill of q contracts at price p moves exactly p*q cash
units. Underlying prices and strikes are cash units per lot.

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
| instrument slot k in messages              | unsigned | 4 (`INSTRUMENT_BITS`: K <= 16) |
| basis points (liquidation bonus, penalty)  | unsigned, < 10,000 | 14 (`BPS_BITS`) |

Worst cases (checked by the asserts at the bottom of this module), with K <= 16 slots:

- cash moved by a fill: |size * price| < 2^(40+48) = 2^88;
- fee of a fill: fee <= max_fee_per_contract * fill < 2^(32+40) = 2^72;
- portfolio value in one scenario: |sum_k size_k * scen[k][s]| < 16 * 2^88 = 2^92;
- haircut sum_k |size_k| < 2^44;
- equity in one scenario: |cash + sum - haircut| < 2^96 + 2^92 + 2^44 < 2^97 (`EQUITY_BITS`);
- liquidation: gross mark value < 2^92, times basis points (< 2^14): < 2^106; the
  target's cash + V - bonus - penalty and its equities after q' < q steps of a partial
  liquidation (`circuits.spec.liquidation`): |cash| + 4 * 2^92 + 2^44 < 2^97.

All of these are far below r ~ 2^253.6, so no arithmetic of the rollup can wrap modulo r
once every input is range-checked to its width; the circuit proves a signed value v of
width B by range-checking v + 2^B into [0, 2^(B+1)).

Field encoding of signed values: v -> v mod r (`circuits.field.fr`), so -1 is r - 1;
`circuits.field.to_signed` reads an element back as the signed integer in (-r/2, r/2].
Always used together with the bound, which makes the mapping injective.
"""
from __future__ import annotations

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
ACCOUNT_BITS = 32
BPS_BITS = 14
BPS_DENOMINATOR = 10_000
"""Basis points are parts of BPS_DENOMINATOR (< 2^BPS_BITS)."""

INSTRUMENT_BITS = 4
MAX_INSTRUMENTS = 1 << INSTRUMENT_BITS
"""K, the instrument slots of a market, is 1..16: one Poseidon hashes the K position sizes."""
MAX_SCENARIOS = 35
"""S, the scenarios of the oracle table, is 1..35 (the standard grid of `circuits.spec.scenarios`)."""

HAIRCUT_BITS = SIZE_BITS + INSTRUMENT_BITS        # sum of K <= 16 absolute sizes
PORTFOLIO_BITS = SIZE_BITS + PRICE_BITS + INSTRUMENT_BITS
EQUITY_BITS = CASH_BITS + 1
"""Every scenario equity satisfies |e| < 2^EQUITY_BITS."""

# Worst-case products of the module docstring; a change of width that breaks them fails here.
assert SIZE_BITS + PRICE_BITS < CASH_BITS
assert FEE_BITS < CASH_BITS
assert PORTFOLIO_BITS < CASH_BITS
assert (1 << CASH_BITS) + 4 * (1 << PORTFOLIO_BITS) + (1 << HAIRCUT_BITS) < (1 << EQUITY_BITS)
assert PORTFOLIO_BITS + BPS_BITS + 1 < 253
assert EQUITY_BITS + 2 < 253
assert BPS_DENOMINATOR < (1 << BPS_BITS)
