"""Solvency: the insurance fund's proven deficit, and the pro-rata exit rule that
socialises it (issue 14, items 2 and 5; docs/risk.md, "Socialised loss").

**The deficit.** The insurance fund (account 1) takes over what liquidators do not (the
backstop, forced closes) and covers shortfalls; it may then hold positions and lose. Its
value at the mark is

    value = cash + sum_k size_k * mark_k

and its deficit D = max(0, -value). Every batch proves D at its end, after the fund has
received what the batch deferred to it (`circuits.batch.solvency`), and posts it after the
records: the public input is sha256(HEADER || RECORDS || TRAILER) >> 3 with TRAILER starting
with D as `DEFICIT_BYTES` bytes big-endian (`trailer_bytes`; the rest below). So L1 knows, with every batch, whether
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

**The solvency outputs** (item 5). The trailer carries two more proven checks, each of
which L1 fills in itself, so a batch is accepted only if the circuit's value is L1's:

    TRAILER = D (DEFICIT_BYTES) || CASH_FLOW_OFFSET + flow (CASH_FLOW_BYTES)
              || oi[0..K-1] (OI_BYTES each) || oi[0..K-1] again

- *Total cash.* The circuit sums, over both ports of every slot and the pending fee and
  insurance totals, new cash - old cash (an unused port's new cash is its old one): how much
  the accounts' total cash moved, computed from the cash the slots write, not from the
  operations' rules. L1 puts in `cash_flow(records)` (credited deposits - withdrawals -
  forced withdrawals' paid amounts, read from the records it pays from), so a batch that
  mints or burns cash anywhere cannot be proven. L1's ledger held - retained starts at 0 and
  moves by exactly that flow (while held is not saturated at 0), so it is the proven total
  cash less what the genesis state held (none for a genesis built by `zkrollup`: cash enters
  only by deposits); after paying, L1 asserts that held (that total plus what haircuts
  retained) plus the queued deposits is covered by its token balance.
- *Open interest.* The circuit carries, beside each slot's long open interest (the sum of
  positive sizes, committed in the state root), the short one: the sum of negative sizes,
  moved from slot to slot by the sizes the slots write (a port's short change is its long
  change less its size change), so long = short after the batch means the batch conserved
  every instrument slot's total size. The trailer holds the K long totals, then
  the K short totals, after the batch; L1 receives the K open interests with the calldata and
  hashes them in both places, so a proof exists only if long = short in every instrument slot.

Native functions here; L1's twin is `verifier/contracts/rollup.vy` (`_exit_payout`,
`_check`: the cash flow, `_digest`), the circuit's `circuits.batch.solvency`.
"""
from __future__ import annotations

from typing import Sequence

from .ops import OP_DEPOSIT, OP_FORCED, OP_WITHDRAW
from .records import decode_record
from .widths import SIZE_BITS

DEFICIT_BITS = 128
DEFICIT_BYTES = DEFICIT_BITS // 8
CASH_FLOW_BITS = 128
CASH_FLOW_BYTES = CASH_FLOW_BITS // 8
CASH_FLOW_OFFSET = 1 << (CASH_FLOW_BITS - 1)
"""The batch's cash flow is signed: the trailer holds CASH_FLOW_OFFSET + flow."""
OI_BITS = SIZE_BITS
"""Open interest per instrument slot is below 2^SIZE_BITS (`circuits.batch.slot.positions`)."""
OI_BYTES = OI_BITS // 8
assert OI_BITS % 8 == 0


def fund_value(cash: int, sizes: Sequence[int], mark: Sequence[int]) -> int:
    """The fund's value at the mark: cash + sum_k size_k * mark_k."""
    return cash + sum(s * m for s, m in zip(sizes, mark))


def fund_deficit(cash: int, sizes: Sequence[int], mark: Sequence[int]) -> int:
    """max(0, -fund_value) (ValueError if it does not fit DEFICIT_BITS)."""
    d = max(0, -fund_value(cash, sizes, mark))
    if d >= 1 << DEFICIT_BITS:
        raise ValueError(f"the insurance fund's deficit does not fit {DEFICIT_BITS} bits")
    return d


def cash_flow(records: Sequence[bytes]) -> int:
    """How much the batch moves the accounts' total cash, from its records: credited
    deposits (not refunded) - withdrawals - forced withdrawals' paid amounts."""
    flow = 0
    for rec in records:
        r = decode_record(bytes(rec))
        op, f = r.op, r.fields
        if op == OP_DEPOSIT and not f["refunded"]:
            flow += f["amount"]
        elif op == OP_WITHDRAW:
            flow -= f["amount"]
        elif op == OP_FORCED:
            flow -= f["paid"]
    return flow


def open_interest_from_bytes(data: bytes) -> tuple[int, ...]:
    """The open interests of `open_interest_bytes` (ValueError unless whole OI_BYTES fields)."""
    if len(data) % OI_BYTES:
        raise ValueError(f"open interests are {OI_BYTES} bytes each, got {len(data)} bytes")
    return tuple(int.from_bytes(data[j:j + OI_BYTES], "big") for j in range(0, len(data), OI_BYTES))


def trailer_slots(n_bytes: int) -> int:
    """K of a trailer of `n_bytes` (`trailer_bytes`; ValueError when no K gives that length)."""
    fixed = DEFICIT_BYTES + CASH_FLOW_BYTES
    if n_bytes < fixed or (n_bytes - fixed) % (2 * OI_BYTES):
        raise ValueError(f"the trailer has {fixed} + 2 * {OI_BYTES} * K bytes, got {n_bytes}")
    return (n_bytes - fixed) // (2 * OI_BYTES)


def open_interest_bytes(oi: Sequence[int]) -> bytes:
    """The K open interests, OI_BYTES big-endian each (what L1 receives and hashes twice)."""
    out = b""
    for k, v in enumerate(oi):
        if not isinstance(v, int) or isinstance(v, bool) or not 0 <= v < 1 << OI_BITS:
            raise ValueError(f"open interest {k} must be an int in [0, 2^{OI_BITS}), got {v!r}")
        out += v.to_bytes(OI_BYTES, "big")
    return out


def trailer_bytes(deficit: int, flow: int, oi: Sequence[int]) -> bytes:
    """The batch data's trailer (module docstring): the fund's deficit, the cash flow
    (offset), the K open interests as the long totals and again as the short ones."""
    if not isinstance(deficit, int) or isinstance(deficit, bool) or not 0 <= deficit < 1 << DEFICIT_BITS:
        raise ValueError(f"the fund's deficit must be an int in [0, 2^{DEFICIT_BITS}), got {deficit!r}")
    if not isinstance(flow, int) or isinstance(flow, bool) or not -CASH_FLOW_OFFSET <= flow < CASH_FLOW_OFFSET:
        raise ValueError(f"the cash flow must be an int in [-2^{CASH_FLOW_BITS - 1}, 2^{CASH_FLOW_BITS - 1}), "
                         f"got {flow!r}")
    oib = open_interest_bytes(oi)
    return deficit.to_bytes(DEFICIT_BYTES, "big") + (CASH_FLOW_OFFSET + flow).to_bytes(CASH_FLOW_BYTES, "big") \
        + oib + oib


def exit_payout(amount: int, held: int, deficit: int, retained: int) -> int:
    """What L1 pays for an exit of `amount` (module docstring): in full while the deficit
    is covered (retained >= deficit), else amount * held // (held + deficit - retained)."""
    uncovered = deficit - retained
    if uncovered <= 0:
        return amount
    return amount * held // (held + uncovered)
