"""Soundness of the batch circuit: tampered witnesses fail at a named constraint.

Three kinds of cheating prover:
1. it edits one input of a valid batch (amount, price, size, signature, path sibling, old
   leaf field, oracle value, selector) and lets the solver recompute everything else; the
   public input stays the commitment the L1 contract computes from the real calldata;
2. it applies an operation the native state refuses, with the native check switched off
   (monkeypatched), so every path and leaf is consistent: a hand-made witness that skips
   only that check;
3. it overwrites one hinted witness (a flag, a scenario index, the amount paid).
"""
import copy
from dataclasses import replace

import pytest

from circuits.batch.circuit import batch_circuit, first_failure
from circuits.cs import ConstraintSystem
from zkrollup import account as za
from zkrollup.ops import BUY, SELL, ForcedWithdraw, Liquidate, Settle, Trade, Withdraw
from zkrollup.ops import liquidate as liq_mod
from zkrollup.ops import trade as trade_mod
from zkrollup.ops import transfers as transfers_mod

from batch_native import BatchRecorder, shape_of
from rollup_helpers import DAY, EXPIRY, KEYS, SPOT, T0, fund, order, pk, reprice
from test_batch_circuit import USD, base_state

_CACHE = {}


def _build(op_name):
    s = base_state()
    mark = s.oracle.mark[0]
    if op_name == "deposit":
        rec = BatchRecorder(s)
        rec.apply(s.enqueue_deposit(9, pk(9), 777))
    elif op_name == "withdraw":
        rec = BatchRecorder(s)
        rec.apply(Withdraw.create(KEYS[3], 3, 100, 0, 0xBEEF))
    elif op_name == "trade":
        rec = BatchRecorder(s)
        rec.apply(Trade(order(3, BUY, 10, mark, 1, max_fee=5), order(4, SELL, 6, mark, 1, max_fee=5),
                        4, mark, 20, 3))
    elif op_name == "liquidate":
        fund(s, 6, 100_000 * USD)
        s.apply(Trade(order(5, BUY, 100, mark, 101), order(3, SELL, 100, mark, 100), 100, mark))
        reprice(s, SPOT * 16 // 10)
        rec = BatchRecorder(s)
        rec.apply(Liquidate.create(KEYS[6], 6, 3, 0, T0 + DAY))
    elif op_name == "settle":
        s.apply(Trade(order(5, BUY, 7, mark, 101), order(3, SELL, 7, mark, 100), 7, mark, 3, 4))
        reprice(s, SPOT, ts=EXPIRY, settle_prices={0: SPOT + 123_456, 2: SPOT})
        rec = BatchRecorder(s)
        rec.apply(Settle(5, 0))
    elif op_name == "forced":
        r = ForcedWithdraw.create(KEYS[3], 3, 50, 0, 0xAA)
        s.enqueue_forced_withdraw(r)
        rec = BatchRecorder(s)
        rec.apply(r)
    batch, exp = rec.finish(1)
    return shape_of(s, 1), batch, exp.commitment()


def valid(op_name):
    if op_name not in _CACHE:
        shape, batch, com = _build(op_name)
        assert first_failure(shape, batch, com) is None
        _CACHE[op_name] = (shape, batch, com)
    shape, batch, com = _CACHE[op_name]
    return shape, copy.deepcopy(batch), com


def _bump_sib(port):
    port.siblings = (port.siblings[0] + 1,) + tuple(port.siblings[1:])


def _oracle(b, **kw):
    b.oracle = replace(b.oracle, **kw)


def _scen(b):
    rows = [list(r) for r in b.oracle.scen_init]
    rows[0][0] += 10 ** 6
    _oracle(b, scen_init=tuple(map(tuple, rows)))


def _slot(b):
    return b.slots[0]


TAMPERS = {
    "deposit": [
        ("amount", lambda b: setattr(_slot(b), "amount", _slot(b).amount + 1), "flush_fee.old_root"),
        ("deposit key", lambda b: setattr(_slot(b), "deposit_pk", (1, 2)), "flush_fee.old_root"),
        ("path sibling", lambda b: _bump_sib(_slot(b).a), "slot0.a.old_root"),
        ("old leaf cash", lambda b: setattr(_slot(b).a.before, "cash", 1), "slot0.a.empty_fields.f3"),
        ("exists flag", lambda b: setattr(_slot(b).a, "exists", 1), "slot0.a.old_root"),
        ("oracle mark", lambda b: _oracle(b, mark=(b.oracle.mark[0] + 1,) + b.oracle.mark[1:]),
         "public_commitment"),
        ("selector", lambda b: setattr(_slot(b), "op", 2), "slot0.roles.a_exists"),
    ],
    "withdraw": [
        ("amount", lambda b: setattr(_slot(b), "amount", _slot(b).amount + 1), "slot0.sig_a.verify.check.x"),
        ("l1 address", lambda b: setattr(_slot(b), "l1_address", 1), "slot0.sig_a.verify.check.x"),
        ("signature", lambda b: setattr(_slot(b).sig, "s", _slot(b).sig.s + 1), "slot0.sig_a.verify.check.x"),
        ("path sibling", lambda b: _bump_sib(_slot(b).a), "slot0.a.old_root"),
        ("old leaf cash", lambda b: setattr(_slot(b).a.before, "cash", _slot(b).a.before.cash + 1),
         "slot0.a.old_root"),
        ("old leaf nonce", lambda b: setattr(_slot(b).a.before, "nonce", 1), "slot0.request.nonce_current"),
        ("oracle scenario", _scen, "public_commitment"),
        # as a forced withdrawal the slot names no key (0): a refusal, paying 0, so the root differs
        ("selector", lambda b: setattr(_slot(b), "op", 3), "flush_fee.old_root"),
    ],
    "trade": [
        ("fill", lambda b: setattr(_slot(b), "fill", _slot(b).fill + 1), "slot0.b.old_root"),
        ("price", lambda b: setattr(_slot(b), "price", _slot(b).price + 1), "slot0.order_a.limit_price.sum"),
        ("maker order size", lambda b: setattr(_slot(b).order_a, "size", 11), "slot0.sig_a.verify.check.x"),
        ("taker fee", lambda b: setattr(_slot(b).order_b, "fee", 31), "slot0.order_b.fee_cap.sum"),
        ("maker signature", lambda b: setattr(_slot(b).order_a.sig, "s", _slot(b).order_a.sig.s + 1),
         "slot0.sig_a.verify.check.x"),
        ("taker signature", lambda b: setattr(_slot(b).order_b.sig, "r8x", 5), "slot0.sig_b.verify.r8_on_curve.curve"),
        ("path sibling", lambda b: _bump_sib(_slot(b).b), "slot0.b.old_root"),
        ("order-fill sibling", lambda b: setattr(_slot(b).a.fill, "siblings", (7,) + _slot(b).a.fill.siblings[1:]),
         "slot0.order_a.fill.old_root"),
        ("old leaf size", lambda b: setattr(_slot(b).b.before, "sizes", (3,) + _slot(b).b.before.sizes[1:]),
         "slot0.b.old_root"),
        ("oracle timestamp", lambda b: _oracle(b, timestamp=T0 + 2 * DAY), "slot0.order_a.not_expired.sum"),
        ("selector", lambda b: setattr(_slot(b), "op", 5), "slot0.order_a.not_expired.sum"),
    ],
    "liquidate": [
        ("signature", lambda b: setattr(_slot(b).sig, "s", _slot(b).sig.s + 1), "slot0.sig_a.verify.check.x"),
        ("valid until", lambda b: setattr(_slot(b), "valid_until", T0 + 2 * DAY), "slot0.sig_a.verify.check.x"),
        ("path sibling", lambda b: _bump_sib(_slot(b).b), "slot0.b.old_root"),
        # with the short calls gone the (claimed) target passes maintenance: refused first
        ("target old size", lambda b: setattr(_slot(b).b.before, "sizes", (0,) + _slot(b).b.before.sizes[1:]),
         "slot0.margin_b.check0.sum"),
        ("oracle mark", lambda b: _oracle(b, mark=(b.oracle.mark[0] + 1,) + b.oracle.mark[1:]),
         "slot0.b.old_root"),
        ("selector", lambda b: setattr(_slot(b), "op", 6), "slot0.roles.b_is_clearing"),
    ],
    "settle": [
        ("instrument slot", lambda b: setattr(_slot(b), "instrument", 2), "slot0.settle.has_position.inv"),
        ("path sibling", lambda b: _bump_sib(_slot(b).a), "slot0.a.old_root"),
        ("old leaf cash", lambda b: setattr(_slot(b).b.before, "cash", 1), "slot0.b.old_root"),
        ("settlement value", lambda b: _oracle(b, settle_value=(1,) + b.oracle.settle_value[1:]),
         "slot0.b.old_root"),
        ("selector", lambda b: setattr(_slot(b), "op", 0), "flush_fee.old_root"),
    ],
    "forced": [
        # a forced request's fields are bound by the forced-request chain (public commitment);
        # changing one changes what the circuit pays, so the roots differ first
        ("amount", lambda b: setattr(_slot(b), "amount", 49), "flush_fee.old_root"),
        ("request key", lambda b: setattr(_slot(b), "deposit_pk", pk(4)), "slot0.request.key_matches"),
        ("claimed invalid", lambda b: setattr(_slot(b), "forced_valid", 0), "slot0.request.forced_refusal_proven"),
        ("path sibling", lambda b: _bump_sib(_slot(b).a), "slot0.a.old_root"),
        ("old leaf nonce", lambda b: setattr(_slot(b).a.before, "nonce", 1), "slot0.request.nonce_current"),
        # as a withdrawal it needs a signature, which the forced slot does not carry
        ("selector", lambda b: setattr(_slot(b), "op", 2), "slot0.sig_a.verify.r8_on_curve.curve"),
    ],
}


@pytest.mark.parametrize("op_name,what,tamper,expect",
                         [(op, w, t, e) for op, rows in TAMPERS.items() for w, t, e in rows],
                         ids=[f"{op}-{w}" for op, rows in TAMPERS.items() for w, _, _ in rows])
def test_one_changed_input_fails_at_a_named_constraint(op_name, what, tamper, expect):
    shape, batch, com = valid(op_name)
    tamper(batch)
    assert first_failure(shape, batch, com) == expect


# --- operations the native state refuses, applied with that one check switched off -------------

def _finish(rec):
    batch, exp = rec.finish(1)
    return shape_of(rec.state, 1), batch, exp.commitment()


def test_withdrawal_beyond_margin_fails_the_margin_check(monkeypatch):
    s = base_state()
    monkeypatch.setattr(transfers_mod, "passes_initial", lambda *a: True)
    rec = BatchRecorder(s)
    rec.apply(Withdraw.create(KEYS[3], 3, 1_000 * USD + 1, 0, 0xBEEF))
    shape, batch, com = _finish(rec)
    assert first_failure(shape, batch, com).startswith("slot0.margin_a.check")


def test_withdrawal_with_a_bad_signature_fails(monkeypatch):
    s = base_state()
    monkeypatch.setattr(transfers_mod, "_verify", lambda *a: True)
    rec = BatchRecorder(s)
    rec.apply(Withdraw.create(KEYS[4], 3, 100, 0, 0xBEEF))            # signed by 4, not 3
    shape, batch, com = _finish(rec)
    assert first_failure(shape, batch, com) == "slot0.sig_a.verify.check.x"


def _trade_after(s, first, second_state, monkeypatch):
    s.apply(first)
    real = za.Account.order_state
    monkeypatch.setattr(za.Account, "order_state", lambda self, slot: second_state)
    return real


@pytest.mark.parametrize("case", ["over-fill", "replay"])
def test_over_fill_and_replay_fail_even_with_the_true_stored_fill(case, monkeypatch):
    s = base_state()
    mark = s.oracle.mark[0]
    sell = order(4, SELL, 6, mark, 5)
    s.apply(Trade(order(3, BUY, 10, mark, 1), sell, 4, mark))          # sell: 4 of 6 filled
    if case == "replay":
        s.apply(Trade(order(3, BUY, 10, mark, 2), order(4, SELL, 6, mark, 9), 1, mark))  # slot 1 of 4: id 9
        bad = Trade(order(3, BUY, 10, mark, 3), order(4, SELL, 6, mark, 5), 1, mark)      # id 5 < 9
        true_stored = (9, 1)
    else:
        bad = Trade(order(3, BUY, 10, mark, 2), sell, 3, mark)         # 4 + 3 > 6
        true_stored = (5, 4)
    real = za.Account.order_state
    monkeypatch.setattr(za.Account, "order_state",
                        lambda self, slot: (0, 0) if self.pk == pk(4) else real(self, slot))
    rec = BatchRecorder(s)
    rec.apply(bad)
    monkeypatch.undo()
    shape, batch, com = _finish(rec)
    # as recorded, the stored leaf (0, 0) is not in the seller's order-fill tree ...
    assert first_failure(shape, batch, com) == "slot0.order_b.fill.old_root"
    # ... and with the true stored leaf the rule itself fails
    batch.slots[0].b.fill.stored_id, batch.slots[0].b.fill.stored_filled = true_stored
    expect = "no_overfill" if case == "over-fill" else "no_replay"
    assert first_failure(shape, batch, com) == f"slot0.order_b.fill.{expect}.sum"


def test_risk_increasing_trade_below_initial_margin_fails(monkeypatch):
    s = base_state()
    mark = s.oracle.mark[0]
    s.apply(Trade(order(5, BUY, 40, mark, 101), order(3, SELL, 40, mark, 100), 40, mark))
    reprice(s, SPOT * 14 // 10)
    mark = s.oracle.mark[0]
    monkeypatch.setattr(trade_mod, "passes_initial", lambda *a: True)
    rec = BatchRecorder(s)
    rec.apply(Trade(order(5, BUY, 5, mark, 200), order(3, SELL, 5, mark, 201), 5, mark))
    shape, batch, com = _finish(rec)
    # the seller fails initial margin, so the solver tries the risk-reducing rule: the short
    # position grows, which that rule refuses (with rr = 0 the margin check itself fails)
    assert first_failure(shape, batch, com) == "slot0.margin_b.rr_shrinks"


def test_liquidating_a_healthy_account_fails(monkeypatch):
    s = base_state()
    fund(s, 6, 100_000 * USD)
    mark = s.oracle.mark[0]
    s.apply(Trade(order(5, BUY, 10, mark, 101), order(3, SELL, 10, mark, 100), 10, mark))
    monkeypatch.setattr(liq_mod, "scenario_equities", lambda cash, sizes, table: [-1] * len(table[0]))
    rec = BatchRecorder(s)
    rec.apply(Liquidate.create(KEYS[6], 6, 3, 0, T0 + DAY))
    shape, batch, com = _finish(rec)
    assert first_failure(shape, batch, com) == "slot0.margin_b.check0.sum"


def test_forced_withdrawal_paying_more_than_margin_allows_fails(monkeypatch):
    s = base_state()
    mark = s.oracle.mark[0]
    s.apply(Trade(order(5, BUY, 20, mark, 101), order(3, SELL, 20, mark, 100), 20, mark))
    real = transfers_mod.min_equity
    monkeypatch.setattr(transfers_mod, "min_equity", lambda c, sz, t: (real(c, sz, t)[0] + 1, 0))
    r = ForcedWithdraw.create(KEYS[3], 3, 10 ** 15, 0, 0xAA)
    s.enqueue_forced_withdraw(r)
    rec = BatchRecorder(s)
    rec.apply(r)
    shape, batch, com = _finish(rec)
    # the circuit pays the true maximum: its new root differs from the native (over-paid) one
    assert first_failure(shape, batch, com) == "flush_fee.old_root"


# --- overwriting one hinted witness ---------------------------------------------------------------

def _var(cs, name):
    for v in range(1, cs.num_variables):
        if cs._var_prefix[v] + cs._var_name[v] == name:
            return v
    raise KeyError(name)


@pytest.mark.parametrize("op_name,var,change,expect", [
    ("trade", "slot0.margin_a.rr", lambda v: 1, "slot0.margin_a.rr_shrinks"),
    ("withdraw", "slot0.margin_a.rr", lambda v: 1, "slot0.margin_a.rr_only_trade"),
    ("withdraw", "slot0.margin_a.j", lambda v: v + 1, "slot0.margin_a.j_sel.sel0"),
    ("forced", "slot0.forced.paid", lambda v: v + 1, "slot0.forced.paid_range.sum"),
    ("forced", "slot0.forced.pays_zero", lambda v: 1, "slot0.forced.zero_pays_zero"),
    ("forced", "slot0.forced.valid", lambda v: 0, "slot0.forced.paid_only_valid"),
    ("forced", "slot0.forced.outside", lambda v: 1, "slot0.forced.flags_exclusive"),
    ("liquidate", "slot0.liq.bonus.divmod[0]", lambda v: v + 1, "slot0.liq.bonus.div"),
    ("liquidate", "slot0.liq.penalty.divmod[1]", lambda v: v + 1, "slot0.liq.penalty.div"),
    ("deposit", "slot0.op.code", lambda v: 2, "slot0.op.sel.sel1"),
])
def test_overwritten_hint_fails_at_a_named_constraint(op_name, var, change, expect):
    shape, batch, com = valid(op_name)
    cs = ConstraintSystem()
    batch_circuit(cs, shape, batch, com)
    assert cs.which_is_unsatisfied() is None
    v = _var(cs, var)
    cs.set_value(v, change(cs._values[v]))
    assert cs.which_is_unsatisfied() == expect


# --- forced withdrawals are bound by the L1 forced-request chain -------------------------------------

def _l1_commitment(exp, l1_forced_hash_new):
    """The commitment the L1 contract computes: its own forced-request chain, not the operator's."""
    return replace(exp, forced_hash_new=l1_forced_hash_new).commitment()


@pytest.mark.parametrize("claim", [dict(nonce=7), dict(amount=10), dict(l1_address=0xAB)],
                         ids=["stale nonce", "smaller amount", "other address"])
def test_a_valid_forced_withdrawal_cannot_be_served_differently_with_made_up_fields(claim, monkeypatch):
    s = base_state()
    real = ForcedWithdraw.create(KEYS[3], 3, 50, 0, 0xAA)      # what the L1 queue holds (signature checked)
    fake = replace(real, **claim)                              # the operator's claim
    with pytest.raises(ValueError, match="signature"):
        s.enqueue_forced_withdraw(fake)                        # L1 (and the native queue) refuse it
    # a cheating operator skips that check in its own state and serves its claim natively
    monkeypatch.setattr(ForcedWithdraw, "check_request", lambda self: None)
    s.forced_queue.append(fake)
    rec = BatchRecorder(s)
    w = rec.apply(fake)
    batch, exp = rec.finish(1)
    shape = shape_of(s, 1)
    if "nonce" in claim:
        assert w.details["rejected"] == "stale nonce" and w.effect.amount == 0
    # the witness is consistent with the operator's own commitment ...
    assert first_failure(shape, batch, exp.commitment()) is None
    # ... but not with the contract's: the forced chain names the real request
    assert first_failure(shape, batch, _l1_commitment(exp, real.chain(0))) == "public_commitment"


def test_a_valid_forced_withdrawal_cannot_be_refused_with_the_real_fields():
    shape, batch, com = valid("forced")
    batch.slots[0].forced_valid = 0
    assert first_failure(shape, batch, com) == "slot0.request.forced_refusal_proven"
    # nor by naming another key for it
    batch, com = valid("forced")[1:]
    batch.slots[0].deposit_pk = pk(4)
    assert first_failure(shape, batch, com) == "slot0.request.key_matches"


def test_a_request_under_another_key_is_served_with_zero_and_cannot_be_paid():
    s = base_state()
    r = ForcedWithdraw.create(KEYS[4], 3, 50, 0, 0xAA)         # account 3, signed by 4's key
    s.enqueue_forced_withdraw(r)                               # L1 accepts: the signature is 4's
    rec = BatchRecorder(s)
    w = rec.apply(r)
    assert w.details["rejected"] == "another key" and w.effect.amount == 0
    shape, batch, com = _finish(rec)
    assert first_failure(shape, batch, com) is None
    batch.slots[0].forced_valid = 1
    assert first_failure(shape, batch, com) == "slot0.request.key_matches"
