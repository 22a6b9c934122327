"""The universal operation slot: one constraint shape for Deposit, Withdraw, ForcedWithdraw,
Trade, Liquidate, Settle and Noop, chosen by one-hot selector bits.

Every slot has two account ports, A and B, each an account leaf read and written on the
running account root (old leaf proven on the path, new root computed on the same path,
both gated by the port's use bit so an unused port needs no path). Port A is the acting
account (depositor, withdrawer, maker, liquidator, settled account); port B the taker,
the liquidation target or the clearing account. Each port has one order-fill leaf
update and one EdDSA verification. Every operation's constraints are multiplied by its
selector (or hold trivially for the zero inputs of the other operations), so inactive
branches are vacuous. The semantics are those of `zkrollup.ops` (see docs/batch_circuit.md
for each rule and its constraint names); `slot_cost` gives the cost.

Per-batch aggregation (Loopring-style): the trading fees and the insurance fund's
receipts (liquidation penalties and shortfalls) accumulate in two running totals instead
of touching the fee account and the insurance fund in every slot. A slot whose port
touches one of these two accounts first adds the pending total to the cash it reads
("flush on touch"), so every rule sees the same cash as the native state; the batch
adds what is left pending at its end (`circuit.py`). The final root is the native one.

Structure of a slot (names of the constraint namespaces in brackets):
selectors [op], instrument one-hot [inst], ports [a, b] (account bits, fields, leaf,
flush, sizes, Merkle), trade [trade], liquidation [liq], settlement [settle], forced
withdrawal [forced], margin [margin_a, margin_b], signatures [sig_a, sig_b], deposit
chain [deposit], effects [effect].
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ..cs import LC, ConstraintSystem, lc_sum
from ..field import to_signed
from ..gadgets.bits import bits_le
from ..gadgets.boolean import assert_bool, select
from ..gadgets.comparators import assert_nonzero, is_equal, is_zero
from ..gadgets.eddsa import eddsa_verify
from ..gadgets.merkle import merkle_root_unchecked
from ..gadgets.mux import one_hot
from ..gadgets.poseidon import poseidon as poseidon_gadget
from ..poseidon import poseidon
from .account_leaf import AccountVars, account_leaf_gadget
from .margin import assert_nonneg, dot, equities, equities_native
from .orders import order_fill
from ..spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT
from ..spec.messages import TAG_LIQUIDATE, TAG_WITHDRAW, order_inputs
from ..spec.widths import ACCOUNT_BITS, AMOUNT_BITS
from .public import EFFECTS_CHAIN_EMPTY, FORCED_CHAIN_EMPTY, effect_chain_gadget
from .ranges import positive, signed, signed_range, unsigned
from .shape import BatchShape
from .tables import TablesVars
from .witness import (N_OPS, OP_DEPOSIT, OP_FORCED, OP_LIQUIDATE, OP_NOOP, OP_SETTLE, OP_TRADE,
                      OP_WITHDRAW, AccountFields, Port, SlotInput)


@lru_cache(maxsize=None)
def empty_root(depth: int) -> int:
    """Root of an empty Poseidon tree of the given depth (empty leaf 0), as zkrollup.smt."""
    d = 0
    for _ in range(depth):
        d = poseidon([d, d])
    return d


@dataclass
class Running:
    """What flows from slot to slot: the account root, open interest per instrument slot,
    the pending fee and insurance totals, the deposit and forced-request rolling hashes,
    the effects chain (`public.py`)."""

    root: LC
    oi: list[LC]
    pend_fee: LC
    pend_ins: LC
    dep_hash: LC
    forced_hash: LC = None
    effects_hash: LC = None

    def __post_init__(self):
        if self.forced_hash is None:
            self.forced_hash = LC.constant(FORCED_CHAIN_EMPTY)
        if self.effects_hash is None:
            self.effects_hash = LC.constant(EFFECTS_CHAIN_EMPTY)


@dataclass
class _PortVars:
    account: LC
    path_bits: list[LC]
    high: LC              # sum of the account number's bits above the tree depth
    old: AccountVars
    exists: LC
    siblings: list[LC]
    is0: LC
    is1: LC
    is2: LC


def default_slot(shape: BatchShape) -> SlotInput:
    """A Noop slot with every list at its shape's length (used when compiling)."""
    k, d, o = shape.K, shape.acc_depth, shape.ord_depth

    def port() -> Port:
        p = Port(account=0, exists=0, before=AccountFields(0, 0, 0, 0, (0,) * k, empty_root(o)),
                 siblings=(0,) * d)
        p.fill.siblings = (0,) * o
        return p
    return SlotInput(op=OP_NOOP, a=port(), b=port())


def _fields_ok(shape: BatchShape, f: AccountFields, what: str) -> None:
    if len(f.sizes) != shape.K:
        raise ValueError(f"{what}: expected {shape.K} position sizes, got {len(f.sizes)}")


def _check_input(shape: BatchShape, inp: SlotInput) -> None:
    if not isinstance(inp, SlotInput):
        raise ValueError("slot input must be a circuits.batch.witness.SlotInput")
    if not 0 <= inp.op < N_OPS:
        raise ValueError(f"unknown operation code {inp.op}")
    for name, p in (("port a", inp.a), ("port b", inp.b)):
        if p.before is None:
            raise ValueError(f"{name}: missing account fields (use zeros for an unused port)")
        _fields_ok(shape, p.before, name)
        if len(p.siblings) != shape.acc_depth:
            raise ValueError(f"{name}: expected {shape.acc_depth} siblings, got {len(p.siblings)}")
        if len(p.fill.siblings) != shape.ord_depth:
            raise ValueError(f"{name}: expected {shape.ord_depth} order-fill siblings")


def _argmin(vals: list[int]) -> int:
    return min(range(len(vals)), key=lambda i: (vals[i], i))


def slot_gadget(cs: ConstraintSystem, shape: BatchShape, tv: TablesVars, run: Running,
                inp: Optional[SlotInput]) -> tuple[Running, list[LC]]:
    """One operation slot on the running state; returns the new running state and the
    slot's effect (kind, account, l1_address, amount) as linear combinations (meaningful
    when kind is 1 or 2; the running effects chain already includes it).

    ``inp`` is None when compiling (a default Noop supplies placeholder values that are
    never read). Cost: `costs.slot_cost(shape)` (K = 8, S = 16, order depth 8: 42,135 at
    account depth 16, 49,855 at depth 24).
    """
    solving = cs.solving
    if inp is None or not solving:
        inp = default_slot(shape)
    else:
        _check_input(shape, inp)
    if shape.index_bits > ACCOUNT_BITS or shape.amount_bits > AMOUNT_BITS:
        raise ValueError("the public packings need account numbers below 2^32 and amounts below 2^64")
    K, S, D = shape.K, shape.S, shape.acc_depth
    W = cs.witness
    sv = to_signed

    # ---- selectors -----------------------------------------------------------------------
    with cs.namespace("op"):
        code = W("code", inp.op)
        sel = one_hot(cs, code, N_OPS, name="sel")
    noop, dep, wd, fw, tr, lq, st = (sel[OP_NOOP], sel[OP_DEPOSIT], sel[OP_WITHDRAW], sel[OP_FORCED],
                                     sel[OP_TRADE], sel[OP_LIQUIDATE], sel[OP_SETTLE])
    with cs.namespace("inst"):
        inst = W("k", inp.instrument)
        oh_k = one_hot(cs, inst, K, name="sel")

    # ---- forced-withdrawal flags (needed for the port use bits) ---------------------------
    is_fw = inp.op == OP_FORCED
    outside = int(is_fw and inp.a.account >= (1 << D))
    with cs.namespace("forced"):
        fw_out = W("outside", outside)
        fwv = W("valid", int(is_fw and not outside and bool(inp.forced_valid)))
        assert_bool(cs, fw_out, name="outside_bool")
        assert_bool(cs, fwv, name="valid_bool")
        cs.enforce(fw_out + fwv, 1 - fw, 0, name="flags_only_forced")
        cs.enforce(fw_out, fwv, 0, name="flags_exclusive")
    use_a = 1 - noop - fw_out
    use_b = tr + lq + st

    # ---- ports: account numbers, fields, old leaves ----------------------------------------
    ports: dict[str, _PortVars] = {}
    for tag, p, use in (("a", inp.a, use_a), ("b", inp.b, use_b)):
        with cs.namespace(tag):
            account = W("account", p.account)
            # port A may name an account outside the tree (a forced withdrawal refused for
            # that reason): its number gets all its message bits; port B is always in the tree
            bits = bits_le(cs, account, shape.index_bits if tag == "a" else D, name="account_bits")
            high = lc_sum(bits[D:])
            if tag == "a" and shape.index_bits > D:
                cs.enforce(use, high, 0, name="in_tree")
            f = p.before
            old = AccountVars(W("pk_x", f.pk_x), W("pk_y", f.pk_y), W("nonce", f.nonce),
                              W("cash", f.cash), [W(f"size{k}", f.sizes[k]) for k in range(K)],
                              W("orders_root", f.orders_root))
            if tag == "a":
                exists = W("exists", p.exists)
                assert_bool(cs, exists, name="exists_bool")
                with cs.namespace("empty_fields"):
                    # an empty leaf reads as the all-zero account with an empty order tree
                    for j, x in enumerate([old.pk_x, old.pk_y, old.nonce, old.cash, *old.sizes]):
                        cs.enforce(1 - exists, x, 0, name=f"f{j}")
                    cs.enforce(1 - exists, old.orders_root - empty_root(shape.ord_depth), 0,
                               name="orders_root")
            else:
                exists = LC.constant(1)
            sibs = [W(f"sib{i}", p.siblings[i]) for i in range(D)]
            is0 = is_equal(cs, account, FEE_ACCOUNT, name="is_fee")
            is1 = is_equal(cs, account, INSURANCE_ACCOUNT, name="is_insurance")
            is2 = is_equal(cs, account, CLEARING_ACCOUNT, name="is_clearing")
            ports[tag] = _PortVars(account, bits[:D], high, old, exists, sibs, is0, is1, is2)
    A, B = ports["a"], ports["b"]

    # ---- flush on touch: the fee account / insurance fund read their pending cash ---------
    with cs.namespace("flush"):
        pf, pi = run.pend_fee, run.pend_ins
        t0a = cs.mul(use_a, A.is0, name="touch_fee_a")
        t1a = cs.mul(use_a, A.is1, name="touch_ins_a")
        fa = cs.mul(t0a, pf, name="fee_a")
        ia = cs.mul(t1a, pi, name="ins_a")
        cash_a = A.old.cash + fa + ia
        pf, pi = pf - fa, pi - ia
        t0b = cs.mul(use_b, B.is0, name="touch_fee_b")
        t1b = cs.mul(use_b, B.is1, name="touch_ins_b")
        fb = cs.mul(t0b, pf, name="fee_b")
        ib = cs.mul(t1b, pi, name="ins_b")
        cash_b = B.old.cash + fb + ib
        pf, pi = pf - fb, pi - ib

    # ---- who may do what (special accounts, existence, distinct accounts) ------------------
    with cs.namespace("roles"):
        cs.enforce(dep + wd + fwv + tr + lq + st, A.is2, 0, name="a_not_clearing")
        cs.enforce(tr + lq, A.is0, 0, name="a_not_fee")
        cs.enforce(lq, A.is1, 0, name="a_not_insurance")
        cs.enforce(tr + lq, B.is0, 0, name="b_not_fee")
        cs.enforce(tr + lq, B.is2, 0, name="b_not_clearing")
        cs.enforce(lq, B.is1, 0, name="b_not_insurance")
        cs.enforce(st, 1 - B.is2, 0, name="b_is_clearing")
        cs.enforce(wd + fwv + tr + lq + st, 1 - A.exists, 0, name="a_exists")
        two = tr + lq
        assert_nonzero(cs, 1 + cs.mul(two, A.account - B.account - 1, name="diff"), name="distinct")

    # ---- old sizes: signs, haircut ------------------------------------------------------------
    so = {}
    for tag, P in (("a", A), ("b", B)):
        with cs.namespace(f"old_sizes_{tag}"):
            # stored sizes were range-checked when written: only their signs are needed
            so[tag] = [signed(cs, x, shape.size_bits, name=f"s{k}", trusted=True)
                       for k, x in enumerate(P.old.sizes)]
    hc_old = {t: lc_sum(s.abs for s in so[t]) for t in so}

    # ---- trade parameters and orders ----------------------------------------------------------
    ts = tv.timestamp
    oa, ob = inp.order_a, inp.order_b
    with cs.namespace("trade"):
        fill = W("fill", inp.fill)
        positive(cs, fill, shape.size_bits, name="fill_range", enabled=tr)
        price = W("price", inp.price)
        unsigned(cs, price, shape.price_bits, name="price_range")
        notional = cs.mul(price, fill, name="notional")
        kind_k = dot(cs, oh_k, tv.kind, name="kind")
        expiry_k = dot(cs, oh_k, tv.expiry, name="expiry")
        assert_nonzero(cs, 1 + cs.mul(tr, kind_k - 1, name="kind_sel"), name="listed")
        unsigned(cs, cs.mul(tr, expiry_k - ts - 1, name="exp_sel"), shape.time_bits, name="not_expired")
    orders = {}
    # port A's valid-until serves a trade order or a liquidation request
    vu_a_val = inp.valid_until if inp.op == OP_LIQUIDATE else oa.valid_until
    for tag, o, vu_val in (("a", oa, vu_a_val), ("b", ob, ob.valid_until)):
        with cs.namespace(f"order_{tag}"):
            side = W("side", o.side) if tag == "a" else 1 - orders["a"]["side"]
            if tag == "a":
                assert_bool(cs, side, name="side_bool")
            size = W("size", o.size)
            positive(cs, size, shape.size_bits, name="size_range", enabled=tr)
            limit = W("limit", o.limit_price)
            unsigned(cs, limit, shape.price_bits, name="limit_range")
            max_fee = W("max_fee", o.max_fee)
            unsigned(cs, max_fee, shape.fee_rate_bits, name="max_fee_range")
            oid = W("order_id", o.order_id)
            oid_bits = bits_le(cs, oid, shape.order_id_bits, name="order_id_bits")
            assert_nonzero(cs, oid + 1 - tr, name="order_id_positive")
            vu = W("valid_until", vu_val)
            unsigned(cs, vu, shape.time_bits, name="valid_until_range")
            fee = W("fee", o.fee)
            unsigned(cs, fee, shape.fee_bits, name="fee_range")
            # fee <= max_fee * fill
            unsigned(cs, cs.mul(max_fee, fill, name="max_fee_total") - fee, shape.fee_bits,
                     name="fee_cap")
            # the buyer pays at most its limit, the seller gets at least its limit:
            # (limit - price) * (1 - 2 side) >= 0
            gap = limit - price
            unsigned(cs, gap - 2 * cs.mul(side, gap, name="side_gap"), shape.price_bits,
                     name="limit_price")
            # signed size change: +fill for a buyer, -fill for a seller
            dfill = fill - 2 * cs.mul(side, fill, name="side_fill")
            # cash change: -(1 - 2 side) * notional - fee
            dcash = -notional + 2 * cs.mul(side, notional, name="side_notional") - fee
            not_late = tr + lq if tag == "a" else tr
            unsigned(cs, cs.mul(not_late, vu - ts, name="late_sel"), shape.time_bits,
                     name="not_expired")
            msg = poseidon_gadget(cs, order_inputs(ports[tag].account, inst, side, size, limit, max_fee,
                                                   oid, vu), name="message")
            orders[tag] = dict(side=side, size=size, oid=oid, oid_bits=oid_bits, vu=vu, fee=fee,
                               dfill=dfill, dcash=dcash, msg=msg)

    # order-fill leaves
    new_orders_root = {}
    for tag, p in (("a", inp.a), ("b", inp.b)):
        o = orders[tag]
        with cs.namespace(f"order_{tag}"):
            sid = W("stored_id", p.fill.stored_id)
            sfilled = W("stored_filled", p.fill.stored_filled)
            osibs = [W(f"osib{i}", p.fill.siblings[i]) for i in range(shape.ord_depth)]
            res = order_fill(cs, tr, o["oid_bits"][:shape.ord_depth], o["oid"], o["size"], fill,
                             sid, sfilled, osibs, ports[tag].old.orders_root, shape.order_id_bits,
                             shape.size_bits, name="fill")
            new_orders_root[tag] = res.orders_root

    # ---- selected old sizes, settlement ------------------------------------------------------------
    with cs.namespace("settle"):
        size_a_k = dot(cs, oh_k, A.old.sizes, name="size_a")
        settled_k = dot(cs, oh_k, tv.settled, name="settled")
        value_k = dot(cs, oh_k, tv.settle_value, name="value")
        cs.enforce(st, settled_k - 1, 0, name="is_settled")
        assert_nonzero(cs, 1 + cs.mul(st, size_a_k - 1, name="size_sel"), name="has_position")
        settle_amt = cs.mul(size_a_k, value_k, name="amount")

    # ---- liquidation: value of the target's portfolio, bonus, penalty, remainder ------------
    with cs.namespace("liq"):
        value = dot(cs, B.old.sizes, tv.mark, name="value")
        gross = dot(cs, [s.abs for s in so["b"]], tv.mark, name="gross")
        parts = {}
        for what, bps in (("bonus", tv.liq_bonus_bps), ("penalty", tv.liq_penalty_bps)):
            with cs.namespace(what):
                prod = cs.mul(gross, bps, name="prod")
                den = shape.bps_denominator
                q, rem = cs.hint(lambda v: [v // den, v % den], prod, n_out=2, name="divmod")
                cs.enforce(q * den + rem, 1, prod, name="div")
                unsigned(cs, rem, shape.bps_bits, name="rem_range")
                unsigned(cs, den - 1 - rem, shape.bps_bits, name="rem_lt")
                # q is not range-checked: a wrong rem moves q by a nonzero multiple of
                # 1/den mod r, larger than 2^124 in absolute value, which the liquidator's
                # cash range and the range of `left` reject (docs/batch_circuit.md)
                parts[what] = q
        left = signed(cs, cash_b + value - parts["bonus"] - parts["penalty"], shape.equity_bits,
                      name="left")

    # ---- new sizes ---------------------------------------------------------------------------
    with cs.namespace("sizes"):
        xa = cs.mul(tr, orders["a"]["dfill"], name="tr_a") - cs.mul(st, size_a_k, name="st_a")
        xb = cs.mul(tr, orders["b"]["dfill"], name="tr_b") + cs.mul(st, size_a_k, name="st_b")
        take = [cs.mul(lq, B.old.sizes[k], name=f"take{k}") for k in range(K)]
        new_sizes_a = [A.old.sizes[k] + cs.mul(oh_k[k], xa, name=f"a{k}") + take[k] for k in range(K)]
        new_sizes_b = [B.old.sizes[k] + cs.mul(oh_k[k], xb, name=f"b{k}") - take[k] for k in range(K)]
    # port A's new sizes may all change (a liquidator takes the target's portfolio): each
    # is range-checked and split. Port B's change only in the instrument slot k (trade,
    # settlement) or all become 0 (liquidated target), so one split of the slot-k value
    # serves: haircut and open interest follow from the old splits.
    with cs.namespace("new_sizes_a"):
        sn_a = [signed(cs, x, shape.size_bits, name=f"s{k}") for k, x in enumerate(new_sizes_a)]
    with cs.namespace("new_sizes_b"):
        old_bk = dot(cs, oh_k, B.old.sizes, name="old_k")
        abs_bk = dot(cs, oh_k, [x.abs for x in so["b"]], name="old_abs_k")
        pos_bk = dot(cs, oh_k, [x.pos for x in so["b"]], name="old_pos_k")
        nb = signed(cs, old_bk + xb, shape.size_bits, name="new_k")
        keep = 1 - lq
        hc_new_b = cs.mul(keep, hc_old["b"] - abs_bk + nb.abs, name="haircut")
        dpos = nb.pos - pos_bk
        dpos_b = [cs.mul(oh_k[k], dpos, name=f"dpos{k}") - cs.mul(lq, so["b"][k].pos, name=f"lq_pos{k}")
                  for k in range(K)]
    hc_new = {"a": lc_sum(x.abs for x in sn_a), "b": hc_new_b}

    # open interest: oi_k += sum over ports of max(new, 0) - max(old, 0)
    with cs.namespace("oi"):
        new_oi = [run.oi[k] + sn_a[k].pos - so["a"][k].pos + dpos_b[k] for k in range(K)]
        oi_k = dot(cs, oh_k, new_oi, name="traded")
        unsigned(cs, cs.mul(tr, oi_k, name="sel"), shape.size_bits, name="trade_oi_range")

    # ---- forced withdrawal: amount paid ---------------------------------------------------------
    def paid_hint(valid, amount, cash, *flat):
        if not valid:
            return 0
        sizes = [sv(x) for x in flat[:K]]
        table = [[sv(x) for x in flat[K + k * S:K + (k + 1) * S]] for k in range(K)]
        m = min(equities_native(sv(cash), sizes, table))
        return min(amount, max(m, 0))

    amount = W("amount", inp.amount)
    with cs.namespace("forced"):
        paid = cs.hint(paid_hint, fwv, amount, cash_a, *A.old.sizes,
                       *[x for row in tv.scen_init for x in row], name="paid")
        cs.enforce(1 - fwv, paid, 0, name="paid_only_valid")
        unsigned(cs, paid, shape.amount_bits, name="paid_range")
        unsigned(cs, amount - paid, shape.amount_bits, name="paid_le_amount")

    # ---- new cash --------------------------------------------------------------------------------
    with cs.namespace("cash"):
        transfer_a = cs.mul(dep - wd, amount, name="transfer_a")
        new_cash_a = (cash_a + transfer_a - paid
                      + cs.mul(tr, orders["a"]["dcash"], name="trade_a")
                      - cs.mul(lq, value - parts["bonus"], name="liq_a")
                      + cs.mul(st, settle_amt, name="settle_a"))
        new_cash_b = (cash_b + cs.mul(tr, orders["b"]["dcash"], name="trade_b")
                      + cs.mul(lq, left.pos - cash_b, name="liq_b")
                      - cs.mul(st, settle_amt, name="settle_b"))
        signed_range(cs, new_cash_a, shape.cash_bits, name="a_range")
        signed_range(cs, new_cash_b, shape.cash_bits, name="b_range")

    # ---- nonce, key, request fields -------------------------------------------------------------------
    req_nonce = W("req_nonce", inp.nonce)
    l1 = W("l1_address", inp.l1_address)
    with cs.namespace("deposit"):
        # the key of the L1 queue entry: a deposit's, or a forced request's (whose x alone
        # enters the forced chain: in the prime-order subgroup x determines the point)
        dpx = W("pk_x", inp.deposit_pk[0])
        dpy = W("pk_y", inp.deposit_pk[1])
    with cs.namespace("request"):
        # no range check of the L1 address: it is only hashed (message, forced chain,
        # effects chain), and the commitment binds it to the contract's 20-byte value
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
        cs.enforce(fw - fwv - fw_out, valid_looking, 0, name="forced_refusal_proven")
    with cs.namespace("deposit"):
        created = cs.mul(dep, 1 - A.exists, name="created")
        new_pk_x = A.old.pk_x + cs.mul(1 - A.exists, dpx, name="pk_x")
        new_pk_y = A.old.pk_y + cs.mul(1 - A.exists, dpy, name="pk_y")
    exists_new_a = A.exists + created

    # ---- margin ----------------------------------------------------------------------------------
    # equities of the new state on the initial grid, per port; a rule names one scenario j
    # per port (hinted, any j is sound): the minimum of the old equities for a trade that
    # reduces risk and for a forced withdrawal, the failing scenario of a liquidated target.
    E = shape.equity_bits + 1  # checked values are differences of two equities
    with cs.namespace("margin"):
        col = [dot(cs, oh_k, [tv.scen_init[k][s] for k in range(K)], name=f"col{s}")
               for s in range(S)]
        e_maint = equities(cs, cash_b - hc_old["b"], B.old.sizes, tv.scen_maint, name="maint_b")
    news = {"a": (new_cash_a, new_sizes_a, cash_a), "b": (new_cash_b, new_sizes_b, cash_b)}
    m = {}
    for tag in ("a", "b"):
        ncash, nsizes, ocash = news[tag]
        o = orders[tag]
        with cs.namespace(f"margin_{tag}"):
            e_new = equities(cs, ncash - hc_new[tag], nsizes, tv.scen_init, name="init")
            # old equities of a trade side differ from the new ones only by the traded slot:
            # old_s = new_s - dcash + dhaircut - dfill * col_s (exact in a trade, and in a
            # forced withdrawal, where it is new_s + paid)
            dcash = ncash - ocash
            dhc = hc_new[tag] - hc_old[tag]

            def rr_hint(is_tr, *vals):
                return int(bool(is_tr) and min(sv(v) for v in vals) < 0)
            rr = cs.hint(rr_hint, tr, *e_new, name="rr")
            assert_bool(cs, rr, name="rr_bool")
            cs.enforce(rr, 1 - tr, 0, name="rr_only_trade")
            # reducing risk: |new_k| = |old_k| - fill, i.e. the position shrinks towards 0
            # without flipping (any other trade gives |old_k| + fill or fill - |old_k|)
            cs.enforce(rr, dhc + fill, 0, name="rr_shrinks")

            def j_hint(is_lq, dc, dh, df, *vals):
                n = len(vals) // 3
                en, cl, em = vals[:n], vals[n:2 * n], vals[2 * n:]
                if is_lq:
                    neg = [s for s in range(n) if sv(em[s]) < 0]
                    return neg[0] if neg else 0
                old = [sv(en[s]) - sv(dc) + sv(dh) - sv(df) * sv(cl[s]) for s in range(n)]
                return _argmin(old)
            j = cs.hint(j_hint, lq if tag == "b" else 0, dcash, dhc, o["dfill"], *e_new, *col,
                        *(e_maint if tag == "b" else e_new), name="j")
            oh_j = one_hot(cs, j, S, name="j_sel")
            e_j = dot(cs, oh_j, e_new, name="e_j")
            col_j = dot(cs, oh_j, col, name="col_j")
            old_j = e_j - dcash + dhc - cs.mul(o["dfill"], col_j, name="dfill_col")
            m[tag] = dict(e_new=e_new, rr=rr, oh_j=oh_j, e_j=e_j, old_j=old_j)

    with cs.namespace("forced"):
        assert_nonzero(cs, 1 + cs.mul(fw_out, A.high - 1, name="out_sel"), name="outside_proven")

        def zero_hint(valid, amt, pd):
            return int(bool(valid) and pd == 0)
        fwz = cs.hint(zero_hint, fwv, amount, paid, name="pays_zero")
        assert_bool(cs, fwz, name="zero_bool")
        cs.enforce(fwz, 1 - fwv, 0, name="zero_only_valid")
        cs.enforce(fwz, paid, 0, name="zero_pays_zero")
        # paying less than requested: the new minimum equity is exactly 0
        cs.enforce(fwv - fwz, cs.mul(amount - paid, m["a"]["e_j"], name="short"), 0,
                   name="pays_max")
    with cs.namespace("liq"):
        em_j = dot(cs, m["b"]["oh_j"], e_maint, name="maint_j")

    # the checks "value >= 0", one per scenario and port; port B is idle in a forced
    # withdrawal and in a liquidation (as a trade side), so its scenario-0 check also
    # carries "min old equity <= 0" (forced, paying 0) and "maintenance equity < 0 at j"
    # (liquidated target)
    need_a = wd + lq + tr + fwv - fwz
    with cs.namespace("margin_a"):
        bound_a = cs.mul(m["a"]["rr"], m["a"]["old_j"], name="rr_bound")
        for s in range(S):
            x = cs.mul(need_a, m["a"]["e_new"][s], name=f"need{s}") - bound_a
            assert_nonneg(cs, x, E, name=f"check{s}")
    with cs.namespace("margin_b"):
        bound_b = cs.mul(m["b"]["rr"], m["b"]["old_j"], name="rr_bound")
        extra = -cs.mul(fwz, m["a"]["e_j"], name="forced_min") - cs.mul(lq, em_j, name="target") - lq
        for s in range(S):
            x = cs.mul(tr, m["b"]["e_new"][s], name=f"need{s}") - bound_b
            assert_nonneg(cs, x + extra if s == 0 else x, E, name=f"check{s}")

    # ---- signatures --------------------------------------------------------------------------
    sig_a = oa.sig if inp.op == OP_TRADE else inp.sig
    with cs.namespace("sig_a"):
        # One Poseidon of 5 inputs serves the request messages of port A,
        #   (tag, account, amount | target, nonce, l1_address | valid_until),
        # the deposit rolling hash (h, account, pk_x, pk_y, amount) and the forced-request
        # rolling hash (h, account + 2^32 amount, pk_x, nonce, l1_address) of `public.py`:
        # the operations are exclusive and all put the account second. A forced request's
        # signature was verified by L1 when it was queued: no EdDSA for it here.
        tag_a = TAG_WITHDRAW * wd + TAG_LIQUIDATE * lq
        f2 = select(cs, lq, B.account, amount, name="f2")
        f4 = select(cs, lq, orders["a"]["vu"], l1, name="f4")
        in1 = (tag_a + cs.mul(dep, run.dep_hash, name="in1_dep")
               + cs.mul(fw, run.forced_hash, name="in1_forced"))
        in2 = A.account + cs.mul(fw, amount, name="in2_pack") * (1 << ACCOUNT_BITS)
        p5 = poseidon_gadget(cs, [in1, in2,
                                  select(cs, dep + fw, dpx, f2, name="in3"),
                                  select(cs, dep, dpy, req_nonce, name="in4"),
                                  select(cs, dep, amount, f4, name="in5")], name="request")
        msg_a = select(cs, tr, orders["a"]["msg"], p5, name="msg")
        r8x, r8y, ss = W("r8x", sig_a.r8x), W("r8y", sig_a.r8y), W("s", sig_a.s)
        eddsa_verify(cs, wd + tr + lq, A.old.pk_x, A.old.pk_y, r8x, r8y, ss, msg_a, name="verify")
    with cs.namespace("sig_b"):
        r8x, r8y, ss = W("r8x", ob.sig.r8x), W("r8y", ob.sig.r8y), W("s", ob.sig.s)
        eddsa_verify(cs, tr, B.old.pk_x, B.old.pk_y, r8x, r8y, ss, orders["b"]["msg"], name="verify")

    # ---- leaves and paths ------------------------------------------------------------------------
    new_a = AccountVars(new_pk_x, new_pk_y, new_nonce_a, new_cash_a, new_sizes_a, new_orders_root["a"])
    new_b = AccountVars(B.old.pk_x, B.old.pk_y, B.old.nonce, new_cash_b, new_sizes_b,
                        new_orders_root["b"])
    root = run.root
    for tag, P, new, use, ex_new in (("a", A, new_a, use_a, exists_new_a),
                                     ("b", B, new_b, use_b, None)):
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

    with cs.namespace("deposit"):
        dep_hash = select(cs, dep, p5, run.dep_hash, name="chain")
    with cs.namespace("forced"):
        forced_hash = select(cs, fw, p5, run.forced_hash, name="chain")

    # ---- effects chain, pending totals ---------------------------------------------------------
    with cs.namespace("effect"):
        # kind 1 (withdraw, amount) or 2 (forced, paid); -transfer_a is the withdrawn amount.
        # Packing ranges: kind < 4, account < 2^32 (port A's bits), amount and paid < 2^64.
        kind = wd + 2 * fw
        amt = paid - transfer_a
        h_eff = effect_chain_gadget(cs, run.effects_hash, kind, A.account, l1, amt, name="hash")
        effects_hash = select(cs, wd + fw, h_eff, run.effects_hash, name="chain")
        effect = [kind, A.account, l1, amt]
    with cs.namespace("pending"):
        pf = pf + cs.mul(tr, orders["a"]["fee"] + orders["b"]["fee"], name="fees")
        pi = pi + cs.mul(lq, parts["penalty"] + left.negpart, name="insurance")
    return Running(root, new_oi, pf, pi, dep_hash, forced_hash, effects_hash), effect
