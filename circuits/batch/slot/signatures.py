"""The slot's signatures and its shared request hash.

One Poseidon of 5 inputs serves the priority chain (`circuits.spec.priority`) and the
request messages of port A (`circuits.spec.messages`): the operations are exclusive.

    deposit, forced withdrawal, forced close:
                                [prio, kind + 2^2 account + 2^34 amount, pk_x, pk_y, l1_address]
    withdraw, liquidate, cancel: [deployment_id, request element, pk_x, pk_y, l1_address]

The request element is `messages.pack(REQUEST_LAYOUT, ...)` of the slot's variables:
the tag (linear in the selectors), port A's account, the amount, the nonce (port A's
stored nonce, gated by withdraw + liquidate), port B's account as target, order A's
valid-until and order id. A message packs only its own fields and leaves the others 0,
and so do its third and fourth inputs (`messages.request_inputs`): the signature pins
every unused variable to 0 (each is range-checked, so the packing is one-to-one). A
deposit, forced-withdrawal or forced-close slot's output is the next chain value (the
account of a forced close is port B's, the insurance fund being port A); the L1 chain binds its inputs,
whose packing is one-to-one likewise.
"""
from __future__ import annotations

from ...cs import LC, ConstraintSystem
from ...gadgets.boolean import select
from ...gadgets.eddsa import eddsa_verify
from ...gadgets.poseidon import poseidon as poseidon_gadget
from ...spec.messages import REQUEST_LAYOUT, TAG_CANCEL, TAG_LIQUIDATE, TAG_WITHDRAW, pack
from ...spec.priority import KIND_DEPOSIT, KIND_FORCED, KIND_FORCED_CLOSE, entry_element
from ..tables import TablesVars
from ..witness import OP_TRADE, SlotInput
from .ports import PortVars
from .request import Request
from .running import Ops, Running
from .trade import OrderVars


def request_hash(cs: ConstraintSystem, tv: TablesVars, ops: Ops, run: Running, A: PortVars, B: PortVars,
                 req: Request, orders: dict[str, OrderVars]) -> LC:
    """The shared Poseidon of 5 (module docstring), inputs chosen by the operation.

    Cost: 4 + Poseidon(5) constraints (325).
    """
    tag = TAG_WITHDRAW * ops.wd + TAG_LIQUIDATE * ops.lq + TAG_CANCEL * ops.cn
    nonce = cs.mul(ops.wd + ops.lq, A.old.nonce, name="nonce")
    element = pack(REQUEST_LAYOUT, tag=tag, account=A.account, amount=req.amount, nonce=nonce,
                   target=B.account, valid_until=orders["a"].vu, order_id=orders["a"].oid)
    account = A.account + cs.mul(ops.fc, B.account - A.account, name="entry_account")
    entry = entry_element(KIND_DEPOSIT * ops.dep + KIND_FORCED * ops.fw + KIND_FORCED_CLOSE * ops.fc, account,
                          req.amount)
    in1 = select(cs, ops.prio, run.prio, tv.deployment_id, name="in1")
    in2 = select(cs, ops.prio, entry, element, name="in2")
    return poseidon_gadget(cs, [in1, in2, req.pk_x, req.pk_y, req.l1_address], name="request")


def signatures(cs: ConstraintSystem, inp: SlotInput, tv: TablesVars, ops: Ops, run: Running, A: PortVars,
               B: PortVars, req: Request, orders: dict[str, OrderVars]) -> LC:
    """Port A's signature (its order in a trade, else its request) in a withdrawal, trade,
    liquidation or cancel, and port B's (its order) in a trade [sig_a, sig_b]; returns the
    shared request hash (the priority chain's next value in a deposit or forced slot).

    Cost: `request_hash` + 1 (message select) + 2 * `eddsa_verify` with an enable flag
    (325 + 1 + 2 * 3,058 = 6,442).
    """
    W = cs.witness
    sig_a = inp.order_a.sig if inp.op == OP_TRADE else inp.sig
    with cs.namespace("sig_a"):
        p5 = request_hash(cs, tv, ops, run, A, B, req, orders)
        msg_a = select(cs, ops.tr, orders["a"].msg, p5, name="msg")
        r8x, r8y, ss = W("r8x", sig_a.r8x), W("r8y", sig_a.r8y), W("s", sig_a.s)
        eddsa_verify(cs, ops.signs_a, A.old.pk_x, A.old.pk_y, r8x, r8y, ss, msg_a, name="verify")
    with cs.namespace("sig_b"):
        sig_b = inp.order_b.sig
        r8x, r8y, ss = W("r8x", sig_b.r8x), W("r8y", sig_b.r8y), W("s", sig_b.s)
        eddsa_verify(cs, ops.tr, B.old.pk_x, B.old.pk_y, r8x, r8y, ss, orders["b"].msg, name="verify")
    return p5
