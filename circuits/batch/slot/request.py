"""The request fields of the slot: amount, nonce, L1 address, the key of an L1 queue entry.

A withdrawal and a liquidation request are signed with the account's current nonce (which
they bump); a forced withdrawal carries the nonce and key of its L1 request; a deposit
carries the key that creates the account (ignored when it exists).
"""
from __future__ import annotations

from dataclasses import dataclass

from ...cs import LC, ConstraintSystem
from ...gadgets.comparators import is_equal
from ..ranges import positive
from ..shape import BatchShape
from ..witness import SlotInput
from .ports import PortVars
from .running import Ops


@dataclass
class Request:
    nonce: LC
    l1_address: LC
    pk_x: LC
    """The L1 queue entry's key: a deposit's, or a forced request's."""
    pk_y: LC
    new_nonce_a: LC
    new_pk_x: LC
    new_pk_y: LC
    exists_a: LC
    """Whether port A's leaf exists after the slot (a deposit may create it)."""


def request(cs: ConstraintSystem, shape: BatchShape, inp: SlotInput, ops: Ops, A: PortVars,
            amount: LC) -> Request:
    """Request fields and their rules [request, deposit].

    Enforces: a deposit's, withdrawal's or forced withdrawal's amount is >= 1 and below
    2^amount_bits; a withdrawal, a served forced withdrawal and a liquidation name port
    A's current nonce and bump it (not past 2^nonce_bits - 1); a served forced withdrawal
    names port A's key (x coordinate: both are subgroup points); a forced withdrawal
    served with 0 is provably invalid (clearing account, unknown account, another key or
    a stale nonce; outside the tree is `forced.forced_outcome`). A deposit to an empty
    leaf creates it with the deposit's key.

    Cost: amount_bits + 18 constraints (82).
    No range check of the L1 address: it is only hashed (message, forced chain, effects
    chain), and the commitment binds it to the contract's 20-byte value.
    """
    W = cs.witness
    dep, wd, fw, fwv, lq = ops.dep, ops.wd, ops.fw, ops.fwv, ops.lq
    req_nonce = W("req_nonce", inp.nonce)
    l1 = W("l1_address", inp.l1_address)
    with cs.namespace("deposit"):
        # the key of the L1 queue entry: a deposit's, or a forced request's (whose x alone
        # enters the forced chain: in the prime-order subgroup x determines the point)
        dpx = W("pk_x", inp.deposit_pk[0])
        dpy = W("pk_y", inp.deposit_pk[1])
    with cs.namespace("request"):
        positive(cs, amount, shape.amount_bits, name="amount_range", enabled=dep + wd + fw)
        cs.enforce(wd + fwv + lq, req_nonce - A.old.nonce, 0, name="nonce_current")
        bump = wd + fwv + lq
        new_nonce_a = A.old.nonce + bump
        # the stored nonce is below 2^nonce_bits: only the last value cannot be bumped
        at_max = is_equal(cs, A.old.nonce, (1 << shape.nonce_bits) - 1, name="nonce_at_max")
        cs.enforce(bump, at_max, 0, name="new_nonce_range")
        # a forced request served (valid) names the account's key: L1 verified the
        # request's signature under that key (both keys are subgroup points, so equal x
        # means equal keys)
        cs.enforce(fwv, dpx - A.old.pk_x, 0, name="key_matches")
        # a forced withdrawal served with 0 must be provably invalid: clearing account,
        # unknown account, another key, or stale nonce (or outside the tree, port A unused)
        nonce_eq = is_equal(cs, req_nonce, A.old.nonce, name="nonce_eq")
        key_eq = is_equal(cs, dpx, A.old.pk_x, name="key_eq")
        valid_looking = cs.mul(cs.mul(cs.mul(1 - A.is2, A.exists, name="r1"), nonce_eq, name="r2"),
                               key_eq, name="r3")
        cs.enforce(fw - fwv - ops.fw_out, valid_looking, 0, name="forced_refusal_proven")
    with cs.namespace("deposit"):
        created = cs.mul(dep, 1 - A.exists, name="created")
        new_pk_x = A.old.pk_x + cs.mul(1 - A.exists, dpx, name="pk_x")
        new_pk_y = A.old.pk_y + cs.mul(1 - A.exists, dpy, name="pk_y")
    return Request(req_nonce, l1, dpx, dpy, new_nonce_a, new_pk_x, new_pk_y, A.exists + created)
