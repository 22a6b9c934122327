"""The slot's signatures and its shared request hash.

One Poseidon of 5 inputs serves the request messages of port A (`circuits.spec.messages`:
withdrawal (tag, account, amount, nonce, l1_address) and liquidation (tag, liquidator,
target, nonce, valid_until)), the deposit rolling hash (h, account, pk_x, pk_y, amount)
and the forced-request rolling hash (h, account + 2^32 amount, pk_x, nonce, l1_address)
of `public.py`: the operations are exclusive and all put the account second. A forced
request's signature was verified by L1 when it was queued: no EdDSA for it here.
"""
from __future__ import annotations

from ...cs import LC, ConstraintSystem
from ...gadgets.boolean import select
from ...gadgets.eddsa import eddsa_verify
from ...gadgets.poseidon import poseidon as poseidon_gadget
from ...spec.messages import liquidate_inputs, withdraw_inputs
from ...spec.widths import ACCOUNT_BITS
from ..witness import OP_TRADE, SlotInput
from .ports import PortVars
from .request import Request
from .running import Ops, Running
from .trade import OrderVars


def request_hash(cs: ConstraintSystem, ops: Ops, run: Running, A: PortVars, B: PortVars, req: Request,
                 amount: LC, orders: dict[str, OrderVars]) -> LC:
    """The shared Poseidon of 5 (module docstring), inputs chosen by the operation.

    Cost: 8 + Poseidon(5) constraints (329).
    """
    wd, lq, dep, fw = ops.wd, ops.lq, ops.dep, ops.fw
    w = withdraw_inputs(A.account, amount, req.nonce, req.l1_address)
    q = liquidate_inputs(A.account, B.account, req.nonce, orders["a"].vu)
    # the selection below relies on both requests putting the account second, the nonce fourth
    if not (len(w) == len(q) == 5 and w[1] is q[1] and w[3] is q[3]):
        raise AssertionError("request layouts changed: update the shared request hash")
    tag_a = w[0] * wd + q[0] * lq
    f2 = select(cs, lq, q[2], w[2], name="f2")
    f4 = select(cs, lq, q[4], w[4], name="f4")
    in1 = tag_a + cs.mul(dep, run.dep_hash, name="in1_dep") + cs.mul(fw, run.forced_hash, name="in1_forced")
    in2 = w[1] + cs.mul(fw, amount, name="in2_pack") * (1 << ACCOUNT_BITS)
    return poseidon_gadget(cs, [in1, in2,
                                select(cs, dep + fw, req.pk_x, f2, name="in3"),
                                select(cs, dep, req.pk_y, w[3], name="in4"),
                                select(cs, dep, amount, f4, name="in5")], name="request")


def signatures(cs: ConstraintSystem, inp: SlotInput, ops: Ops, run: Running, A: PortVars, B: PortVars,
               req: Request, amount: LC, orders: dict[str, OrderVars]) -> LC:
    """Port A's signature (its order in a trade, else its request) in a withdrawal, trade
    or liquidation, and port B's (its order) in a trade [sig_a, sig_b]; returns the shared
    request hash (the deposit and forced chains' next value).

    Cost: `request_hash` + 1 (message select) + 2 * `eddsa_verify` with an enable flag
    (329 + 1 + 2 * 3,319 = 6,968).
    """
    W = cs.witness
    sig_a = inp.order_a.sig if inp.op == OP_TRADE else inp.sig
    with cs.namespace("sig_a"):
        p5 = request_hash(cs, ops, run, A, B, req, amount, orders)
        msg_a = select(cs, ops.tr, orders["a"].msg, p5, name="msg")
        r8x, r8y, ss = W("r8x", sig_a.r8x), W("r8y", sig_a.r8y), W("s", sig_a.s)
        eddsa_verify(cs, ops.wd + ops.tr + ops.lq, A.old.pk_x, A.old.pk_y, r8x, r8y, ss, msg_a, name="verify")
    with cs.namespace("sig_b"):
        sig_b = inp.order_b.sig
        r8x, r8y, ss = W("r8x", sig_b.r8x), W("r8y", sig_b.r8y), W("s", sig_b.s)
        eddsa_verify(cs, ops.tr, B.old.pk_x, B.old.pk_y, r8x, r8y, ss, orders["b"].msg, name="verify")
    return p5
