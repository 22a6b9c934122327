"""The request fields of the slot: amount, L1 address, the key of a deposit; the deposit's
outcome and the forced withdrawal's validity (`circuits.spec.priority`).

A deposit or forced withdrawal serves the next L1 queue entry, whose fields (account,
amount, key, L1 address) the priority chain binds (`signatures.request_hash`); a
withdrawal carries the amount and the L1 address it pays to, and is signed with the
account's stored nonce (which it bumps, as a liquidation does).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem
from ...gadgets.bits import bits_le
from ...gadgets.comparators import assert_nonzero, is_equal
from ..ranges import positive
from ..shape import BatchShape
from ..witness import SlotInput
from .ports import PortVars
from .running import Ops


@dataclass
class Request:
    amount: LC
    amount_bits: list[LC]
    l1_address: LC
    """The depositor, the withdrawal's destination or the forced request's requester."""
    l1_paid: LC
    """wd * l1_address: the withdrawal record's destination (0 in other slots)."""
    l1_paid_bits: list[LC]
    pk_x: LC
    """The deposit's key (0 in a forced request)."""
    pk_y: LC
    refunded: LC
    """A deposit refunded (its leaf exists with another key or owner): the tree is unchanged."""
    credited: LC
    """A deposit that creates or credits its account (dep - refunded)."""
    new_nonce_a: LC
    new_pk_x: LC
    new_pk_y: LC
    new_owner: LC
    exists_a: LC
    """Whether port A's leaf exists after the slot (a deposit may create it)."""


def request(cs: ConstraintSystem, shape: BatchShape, inp: SlotInput, ops: Ops, A: PortVars) -> Request:
    """Request fields and their rules [request, deposit]; sets `ops.fwv`.

    Enforces: a deposit's, withdrawal's or forced withdrawal's amount is >= 1, and every
    amount is below 2^amount_bits; a withdrawal's L1 address is below 2^l1_address_bits
    and not 0 (L1 skips payouts to address 0: the cash would be burnt). Computes (no
    hint): refunded = deposit AND leaf exists AND NOT (same key (x and y) AND owner ==
    depositor); fwv = forced AND in the tree AND exists AND not the clearing account AND
    owner == requester. A deposit to an empty leaf creates
    the account with the deposit's key and owner = depositor; a withdrawal and a
    liquidation bump port A's nonce (not past 2^nonce_bits - 1).

    Cost: amount_bits + l1_address_bits + 25 constraints (249).
    """
    W = cs.witness
    dep, wd, fw, lq = ops.dep, ops.wd, ops.fw, ops.lq
    old = A.old
    with cs.namespace("request"):
        amount = W("amount", inp.amount)
        amount_bits = positive(cs, amount, shape.amount_bits, name="amount_range", enabled=dep + wd + fw)
        l1 = W("l1_address", inp.l1_address)
        # the withdrawal's destination enters its record: bits of wd * l1 (a depositor's
        # or requester's address is bound by the priority chain instead)
        l1_paid = cs.mul(wd, l1, name="l1_paid")
        l1_paid_bits = bits_le(cs, l1_paid, shape.l1_address_bits, name="l1_paid_bits")
        # L1 pays nothing to address 0: such a withdrawal would only burn the cash
        assert_nonzero(cs, l1_paid + 1 - wd, name="l1_nonzero")
        owner_eq = is_equal(cs, old.owner, l1, name="owner_eq")
    with cs.namespace("deposit"):
        dpx = W("pk_x", inp.pk[0])
        dpy = W("pk_y", inp.pk[1])
        same_key = cs.mul(is_equal(cs, old.pk_x, dpx, name="x_eq"), is_equal(cs, old.pk_y, dpy, name="y_eq"),
                          name="same_key")
        same = cs.mul(same_key, owner_eq, name="same_account")
        refunded = cs.mul(cs.mul(dep, A.exists, name="to_existing"), 1 - same, name="refunded")
        created = cs.mul(dep, 1 - A.exists, name="created")
        new_pk_x = old.pk_x + cs.mul(created, dpx, name="pk_x")
        new_pk_y = old.pk_y + cs.mul(created, dpy, name="pk_y")
        new_owner = old.owner + cs.mul(created, l1, name="owner")
    with cs.namespace("forced"):
        # fw - fw_out is fw AND in the tree; then: exists, not clearing, requester == owner
        v = cs.mul(fw - ops.fw_out, A.exists, name="v_exists")
        v = cs.mul(v, 1 - A.is2, name="v_not_clearing")
        ops.fwv = cs.mul(v, owner_eq, name="valid")
    with cs.namespace("request"):
        bump = wd + lq
        # the stored nonce is below 2^nonce_bits: only the last value cannot be bumped
        at_max = is_equal(cs, old.nonce, (1 << shape.nonce_bits) - 1, name="nonce_at_max")
        cs.enforce(bump, at_max, 0, name="new_nonce_range")
    return Request(amount, amount_bits, l1, l1_paid, l1_paid_bits, dpx, dpy, refunded, dep - refunded,
                   old.nonce + bump, new_pk_x, new_pk_y, new_owner, A.exists + created)
