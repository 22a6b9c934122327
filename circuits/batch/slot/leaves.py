"""The slot's account leaves on the running root, and its rolling hashes (deposits,
forced requests, L1 effects)."""
from __future__ import annotations

from ...cs import LC, ConstraintSystem
from ...gadgets.boolean import select
from ...gadgets.merkle import merkle_root_unchecked
from ..account_leaf import AccountVars, account_leaf_gadget
from ..public import effect_chain_gadget
from .ports import PortVars
from .running import Ops, Running


def leaves(cs: ConstraintSystem, ops: Ops, root: LC, A: PortVars, B: PortVars, new_a: AccountVars,
           new_b: AccountVars, exists_a: LC) -> LC:
    """Both ports' old and new leaves on the running account root, in order [a, b];
    returns the new root.

    Enforces, for a used port: the old leaf (0 when port A's account does not exist yet)
    is on the path to the running root; the new leaf (0 while port A's account does not
    exist) replaces it on the same path. An unused port changes nothing.

    Cost: per port 2 * `account_leaf_gadget` + 2 * D * LEVEL_COST + 2, + 2 for port A's
    empty-leaf selections (K = 8: 18,454 at D = 16, 26,166 at D = 24).
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
            r_old = merkle_root_unchecked(cs, leaf_old, P.path_bits, P.siblings, name="path_old")
            cs.enforce(use, r_old - root, 0, name="old_root")
            r_new = merkle_root_unchecked(cs, leaf_new, P.path_bits, P.siblings, name="path_new")
            root = select(cs, use, r_new, root, name="root")
    return root


def chains(cs: ConstraintSystem, ops: Ops, run: Running, p5: LC, account_a: LC, l1_address: LC, paid: LC,
           transfer_a: LC) -> tuple[LC, LC, LC, list[LC]]:
    """The deposit and forced-request chains (`p5`, the shared request hash, in a deposit,
    resp. forced withdrawal) and the effects chain [deposit, forced, effect]; returns the
    three hashes and the slot's effect (kind, account, l1_address, amount).

    Effects: kind 1 (withdrawal, amount) or 2 (forced, paid); -transfer_a is the
    withdrawn amount. Packing ranges: kind < 4, account < 2^32 (port A's bits), amount and
    paid < 2^64.
    Cost: 3 + Poseidon(3) constraints (264).
    """
    wd, fw = ops.wd, ops.fw
    with cs.namespace("deposit"):
        dep_hash = select(cs, ops.dep, p5, run.dep_hash, name="chain")
    with cs.namespace("forced"):
        forced_hash = select(cs, fw, p5, run.forced_hash, name="chain")
    with cs.namespace("effect"):
        kind = wd + 2 * fw
        amt = paid - transfer_a
        h_eff = effect_chain_gadget(cs, run.effects_hash, kind, account_a, l1_address, amt, name="hash")
        effects_hash = select(cs, wd + fw, h_eff, run.effects_hash, name="chain")
    return dep_hash, forced_hash, effects_hash, [kind, account_a, l1_address, amt]
