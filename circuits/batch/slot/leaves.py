"""The slot's account leaves on the running root, and the priority chain."""
from __future__ import annotations

from ...cs import LC, ConstraintSystem
from ...gadgets.boolean import select
from ...gadgets.merkle4 import merkle4_root_unchecked
from ..account_leaf import AccountVars, account_leaf_gadget
from .ports import PortVars
from .running import Ops, Running


def leaves(cs: ConstraintSystem, ops: Ops, root: LC, A: PortVars, B: PortVars, new_a: AccountVars,
           new_b: AccountVars, exists_a: LC) -> LC:
    """Both ports' old and new leaves on the running account root, in order [a, b];
    returns the new root.

    Enforces, for a used port: the old leaf (0 when port A's account does not exist yet)
    is on the path to the running root; the new leaf (0 while port A's account does not
    exist) replaces it on the same path. An unused port changes nothing.

    Cost: per port 2 * `account_leaf_gadget` + 2 * `merkle4.path_cost(D)` + 2, + 2 for port
    A's empty-leaf selections (K = 8: 12,738 at D = 16, 17,538 at D = 24).
    """
    for tag, P, new, use, ex_new in (("a", A, new_a, ops.use_a, exists_a), ("b", B, new_b, ops.use_b, None)):
        with cs.namespace(tag):
            h_old = account_leaf_gadget(cs, P.old, name="leaf_old")
            h_new = account_leaf_gadget(cs, new, name="leaf_new")
            if ex_new is None:
                leaf_old, leaf_new = h_old, h_new
            else:
                leaf_old = cs.mul(P.exists, h_old, name="leaf_old_sel")
                leaf_new = cs.mul(ex_new, h_new, name="leaf_new_sel")
            r_old = merkle4_root_unchecked(cs, leaf_old, P.path_bits, P.siblings, name="path_old")
            cs.enforce(use, r_old - root, 0, name="old_root")
            r_new = merkle4_root_unchecked(cs, leaf_new, P.path_bits, P.siblings, name="path_new")
            root = select(cs, use, r_new, root, name="root")
    return root


def priority(cs: ConstraintSystem, ops: Ops, run: Running, p5: LC) -> LC:
    """The priority chain after the slot [priority]: `p5` (the shared request hash, here
    the next chain value) in a deposit, forced withdrawal or forced close, unchanged otherwise.

    Cost: 1 constraint.
    """
    with cs.namespace("priority"):
        return select(cs, ops.prio, p5, run.prio, name="chain")
