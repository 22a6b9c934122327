"""The slot's selectors and its two account ports: account numbers, old fields, roles.

Port A is the acting account (depositor, withdrawer, maker, liquidator, settled account);
port B the taker, the liquidation target or the clearing account. Each port reads one
account leaf (`leaves.leaves` proves it and writes the new one on the same path).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem, lc_sum
from ...gadgets.bits import bits_le
from ...gadgets.boolean import assert_bool
from ...gadgets.comparators import assert_nonzero, is_equal, is_zero
from ...gadgets.mux import one_hot
from ...spec import tree
from ...spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT
from ..account_leaf import AccountVars
from ..ranges import Signed, signed
from ..shape import BatchShape
from ..witness import (N_OPS, OP_CANCEL, OP_DEPOSIT, OP_FORCED, OP_FORCED_CLOSE, OP_LIQUIDATE, OP_NOOP, OP_SETTLE,
                       OP_TRADE, OP_WITHDRAW, SlotInput)
from .running import Ops


def selectors(cs: ConstraintSystem, shape: BatchShape, inp: SlotInput) -> Ops:
    """The operation code and the instrument slot k as one-hot bits [op, inst].

    Enforces: the code is one of the N_OPS operations and k < K (`one_hot`).
    Cost: (N_OPS + 1) + (K + 1) constraints (K = 8: 19).
    """
    W = cs.witness
    with cs.namespace("op"):
        sel = one_hot(cs, W("code", inp.op), N_OPS, name="sel")
    with cs.namespace("inst"):
        inst = W("k", inp.instrument)
        oh_k = one_hot(cs, inst, shape.K, name="sel")
    return Ops(sel[OP_NOOP], sel[OP_DEPOSIT], sel[OP_WITHDRAW], sel[OP_FORCED], sel[OP_TRADE],
               sel[OP_LIQUIDATE] + sel[OP_FORCED_CLOSE], sel[OP_SETTLE], sel[OP_CANCEL], inst, oh_k, sel,
               fc=sel[OP_FORCED_CLOSE])


@dataclass
class PortVars:
    """One port in the circuit: account number, its low acc_depth bits (the Merkle path's
    digits, two per level of the 4-ary tree), the sum of its higher bits, the old fields,
    whether the leaf exists, the path's siblings (3 per level, `circuits.spec.tree`), and whether it is the fee account, the insurance fund, the clearing account."""

    account: LC
    bits: list[LC]
    """All decomposed bits of the account number (index_bits for port A, D for port B)."""
    path_bits: list[LC]
    high: LC
    old: AccountVars
    exists: LC
    siblings: list[LC]
    is0: LC
    is1: LC
    is2: LC


def ports(cs: ConstraintSystem, shape: BatchShape, inp: SlotInput, ops: Ops) -> tuple[PortVars, PortVars]:
    """Both ports' account numbers, old fields and siblings as witnesses [a, b]; sets
    `ops.fw_out` (a forced withdrawal naming an account outside the tree).

    Enforces: port A's number has index_bits bits and lies in the tree when port A is used
    (only a forced withdrawal may name an account outside it: then fw_out = 1, computed
    from the high bits, and port A is unused), port B's has acc_depth bits; port A's leaf
    may be empty (`exists` = 0: every field 0, the orders root that of an empty order
    tree); port B's exists. Flags the special accounts (`is_equal`).

    Cost: index_bits + D + K + 21 constraints, + 4 when index_bits > D (D = acc_depth;
    port A: index_bits + 1 bits, outside 3 and in-tree 1 (when index_bits > D), exists 1,
    empty fields K + 6, 3 flags of 2; port B: D + 1 bits, 3 flags of 2). K = 8, index
    bits 32: 81 at D = 16, 89 at D = 24.
    """
    W = cs.witness
    K, D = shape.K, shape.acc_depth
    out = []
    ops.fw_out = LC.constant(0)
    for tag, p in (("a", inp.a), ("b", inp.b)):
        with cs.namespace(tag):
            account = W("account", p.account)
            # port A may name an account outside the tree (a forced withdrawal served with 0
            # for that reason): its number gets all its message bits; port B is in the tree
            bits = bits_le(cs, account, shape.index_bits if tag == "a" else D, name="account_bits")
            high = lc_sum(bits[D:])
            if tag == "a" and shape.index_bits > D:
                outside = 1 - is_zero(cs, high, name="high_zero")
                ops.fw_out = cs.mul(ops.fw, outside, name="outside")
                cs.enforce(ops.use_a, high, 0, name="in_tree")
            f = p.before
            old = AccountVars(W("pk_x", f.pk_x), W("pk_y", f.pk_y), W("nonce", f.nonce),
                              W("cash", f.cash), [W(f"size{k}", f.sizes[k]) for k in range(K)],
                              W("orders_root", f.orders_root), W("owner", f.owner))
            if tag == "a":
                exists = W("exists", p.exists)
                assert_bool(cs, exists, name="exists_bool")
                with cs.namespace("empty_fields"):
                    # an empty leaf reads as the all-zero account with an empty order tree
                    for j, x in enumerate([old.pk_x, old.pk_y, old.nonce, old.cash, *old.sizes, old.owner]):
                        cs.enforce(1 - exists, x, 0, name=f"f{j}")
                    cs.enforce(1 - exists, old.orders_root - tree.empty_root(shape.ord_depth), 0,
                               name="orders_root")
            else:
                exists = LC.constant(1)
            sibs = [W(f"sib{i}", p.siblings[i]) for i in range(shape.acc_path)]
            is0 = is_equal(cs, account, FEE_ACCOUNT, name="is_fee")
            is1 = is_equal(cs, account, INSURANCE_ACCOUNT, name="is_insurance")
            is2 = is_equal(cs, account, CLEARING_ACCOUNT, name="is_clearing")
            out.append(PortVars(account, bits, bits[:D], high, old, exists, sibs, is0, is1, is2))
    return out[0], out[1]


def roles(cs: ConstraintSystem, ops: Ops, A: PortVars, B: PortVars, l1_address: LC) -> None:
    """Who may do what [roles]: the clearing account only settles (as port B); the fee
    account never trades or liquidates; the insurance fund is never liquidated, and a
    liquidation by it is the backstop (sets `ops.bs`); a forced close is taken over by the
    insurance fund, of an account whose owner is the requester (L1 admits only such
    requests, `circuits.spec.priority`); every operation but a deposit and a forced
    withdrawal names an existing account; the two accounts of a trade or a take-over
    differ. (A valid forced withdrawal is an existing non-clearing account by its
    definition, `request`.)

    Cost: 12 constraints (9 rules, 2 products, 1 non-zero check).
    """
    dep, wd, tr, lq, st, cn = ops.dep, ops.wd, ops.tr, ops.lq, ops.st, ops.cn
    with cs.namespace("roles"):
        cs.enforce(dep + wd + tr + lq + st + cn, A.is2, 0, name="a_not_clearing")
        cs.enforce(tr + lq, A.is0, 0, name="a_not_fee")
        ops.bs = cs.mul(lq, A.is1, name="backstop")
        cs.enforce(ops.fc, 1 - A.is1, 0, name="fc_by_insurance")
        cs.enforce(ops.fc, B.old.owner - l1_address, 0, name="fc_owner")
        cs.enforce(tr + lq, B.is0, 0, name="b_not_fee")
        cs.enforce(tr + lq, B.is2, 0, name="b_not_clearing")
        cs.enforce(lq, B.is1, 0, name="b_not_insurance")
        cs.enforce(st, 1 - B.is2, 0, name="b_is_clearing")
        cs.enforce(wd + tr + lq + st + cn, 1 - A.exists, 0, name="a_exists")
        two = tr + lq
        assert_nonzero(cs, 1 + cs.mul(two, A.account - B.account - 1, name="diff"), name="distinct")


def old_sizes(cs: ConstraintSystem, shape: BatchShape, A: PortVars,
              B: PortVars) -> tuple[dict[str, list[Signed]], dict[str, LC]]:
    """The sign split of both ports' stored sizes [old_sizes_a, old_sizes_b] (`signed`,
    trusted: stored sizes were range-checked when written), and each port's haircut
    sum_k |size_k|.

    Cost: 2 * K * (size_bits + 3) constraints (K = 8: 688).
    """
    so = {}
    for tag, P in (("a", A), ("b", B)):
        with cs.namespace(f"old_sizes_{tag}"):
            so[tag] = [signed(cs, x, shape.size_bits, name=f"s{k}", trusted=True)
                       for k, x in enumerate(P.old.sizes)]
    return so, {t: lc_sum(s.abs for s in so[t]) for t in so}
