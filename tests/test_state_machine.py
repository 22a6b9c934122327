"""Hypothesis state machine over random valid and invalid operations on the native state.

After every step: cash is conserved, open interest is long = short, the tree matches the
accounts (RollupState.check_invariants); a rejected operation changed nothing; no order is
filled beyond its size; every account touched by a risk-increasing operation passes initial
margin, and every account passing initial margin passes maintenance; replayed withdrawals (stale nonce) and replayed orders are rejected; liquidation
and the backstop happen exactly when the target fails maintenance and leave it passing
initial margin or flat (partial liquidation); settlement pays the exact payoff;
a deposit under another key or from another address than an account's owner is refunded
(nothing in the tree changes, the amount leaves the collateral back to L1); a front-runner
who deposits first at a victim's fresh index never gets the victim's deposit; a cancelled
order never fills again, and a replayed cancel is refused; a forced withdrawal pays only
its account's owner; a forced close is queued only for its owner and, once queued, is always
served: the account ends flat with cash >= 0 and the insurance fund holds what it held.
Socialised loss: a model of L1's ledger (`circuits.spec.solvency.exit_payout` on every
exit, with the fund's deficit at the time) never pays out more than it holds, and what it
holds less what it retained is exactly the accounts' cash.
"""
from hypothesis import HealthCheck, event, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from circuits.spec import margin, solvency
from circuits.spec.accounts import CLEARING_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.orders import CANCELLED
from zkrollup.errors import (CancelledOrder, NotLiquidatable, OverFill, ReplayedOrder, RollupError, StaleNonce)
from zkrollup.market import Instrument
from zkrollup.ops import BUY, SELL, Backstop, Cancel, Liquidate, Noop, Settle, Trade, Withdraw
from zkrollup.risk import build_oracle_table, equities, im_allowance, passes_initial, passes_maintenance

from rollup_helpers import (DAY, DID, EXPIRY, KEYS, SPOT, T0, USD, addr, check_witness, fund, make_state, order, pk,
                            reprice)

USERS = (3, 4, 5, 6)
WHALE = 7
FRESH = (8, 9, 10, 11)         # indices that start empty (deposits create them; front-running)
user = st.sampled_from(USERS)
slot = st.integers(0, 3)


class RollupMachine(RuleBasedStateMachine):
    @initialize(amounts=st.lists(st.integers(20, 2_000), min_size=4, max_size=4),
                opening=st.lists(st.floats(0.0, 1.3), min_size=3, max_size=3))
    def genesis(self, amounts, opening):
        self.st = make_state(account_depth=4, order_depth=2, k=4)
        for u, a in zip(USERS, amounts):
            fund(self.st, u, a * USD)
        fund(self.st, WHALE, 10 ** 7 * USD)   # a liquidator that can afford any portfolio here
        self.next_oid = {u: 1 for u in USERS}
        self.fills = {}            # (account, order_id) -> (size, filled so far)
        self.done_withdrawals = []
        self.full_orders = []      # signed orders filled completely
        self.cancelled = {}        # (account, order_id) -> the Cancel applied
        self.refunded = 0          # deposits refunded to L1
        # open some positions so that every run has risk to move (each may fail margin)
        cash = dict(zip(USERS, amounts))
        for (seller, buyer, k), frac in zip(((3, 4, 0), (5, 6, 1), (6, 3, 2)), opening):
            n = int(frac * cash[seller] / (8 if k < 2 else 15))   # near the seller's margin limit
            if n:
                self.trade(buyer, seller, k, True, n, n, 0, 0, 0, False)
        self.held, self.retained = self.st.total_cash(), 0      # L1's ledger (circuits.spec.solvency)

    # --- helpers ------------------------------------------------------------------------

    def attempt(self, op):
        """Apply op; on rejection check that nothing changed and return None."""
        before = self.st.fingerprint()
        try:
            w = self.st.apply(op)
        except RollupError as e:
            assert self.st.fingerprint() == before, f"rejected {type(e).__name__} changed the state"
            event(f"{op.kind} rejected: {type(e).__name__}")
            return None
        event(f"{op.kind} applied")
        check_witness(self.st, w)
        if hasattr(self, "held"):
            self.ledger(w)
        return w

    def ledger(self, w):
        """What L1's ledger does with an accepted operation's record: a credited deposit adds
        to held; an exit is paid `exit_payout` of the fund's deficit and the rest retained."""
        if w.kind == "deposit" and w.details["outcome"] != "refund":
            self.held += w.op.amount
        elif w.kind in ("withdraw", "forced_withdraw"):
            x = w.op.amount if w.kind == "withdraw" else w.details["paid"]
            fund = self.st.account(INSURANCE_ACCOUNT)
            deficit = solvency.fund_deficit(fund.cash, fund.sizes, self.st.oracle.mark)
            paid = solvency.exit_payout(x, self.held, deficit, self.retained)
            assert 0 <= paid <= min(x, self.held)
            if paid < x:
                event("exit paid pro rata (the fund is in deficit)")
            self.held -= paid
            self.retained += x - paid

    def fresh_oid(self, u):
        self.next_oid[u] += 1
        return self.next_oid[u]

    # --- rules ----------------------------------------------------------------------------

    @rule(u=st.sampled_from(USERS + FRESH), amount=st.integers(1, 500), key=st.sampled_from(USERS + FRESH),
          depositor=st.sampled_from(USERS + FRESH))
    def deposit(self, u, amount, key, depositor):
        """Any deposit: credited only with the account's key and owner, else refunded."""
        acc = self.st.get_account(u)
        cash, coll = (acc.cash if acc else 0), self.st.collateral
        w = self.attempt(self.st.enqueue_deposit(u, pk(key), amount * USD, addr(depositor)))
        outcome = w.details["outcome"]
        event(f"deposit: {outcome}")
        if acc is None:
            assert outcome == "create" and self.st.account(u).owner == addr(depositor)
        elif acc.pk == pk(key) and acc.owner == addr(depositor):
            assert outcome == "credit" and self.st.account(u).cash == cash + amount * USD
        else:
            assert outcome == "refund" and self.st.account(u).cash == cash and self.st.collateral == coll
            self.refunded += amount * USD

    @rule(victim=st.sampled_from(FRESH), attacker=user, amount=st.integers(1, 500))
    def front_run_a_deposit(self, victim, attacker, amount):
        """The attacker deposits 1 unit at the victim's (fresh) index first, under its own key
        or the victim's; the victim's deposit is refunded, never credited to the attacker."""
        if self.st.get_account(victim) is not None:
            return
        for key in (attacker, victim):
            if self.st.get_account(victim) is None:
                self.attempt(self.st.enqueue_deposit(victim, pk(key), 1, addr(attacker)))
        before = self.st.account(victim).cash
        w = self.attempt(self.st.enqueue_deposit(victim, pk(victim), amount * USD, addr(victim)))
        assert w.details["outcome"] == "refund" and self.st.account(victim).cash == before
        self.refunded += amount * USD

    @rule(u=user, frac=st.floats(0.0, 1.5), stale=st.sampled_from([False, False, True]),
          wrong_key=st.sampled_from([False, False, True]))
    def withdraw(self, u, frac, stale, wrong_key):
        acc = self.st.account(u)
        amount = max(1, int(max(acc.cash, 1) * frac))
        nonce = acc.nonce - 1 if stale and acc.nonce > 0 else acc.nonce
        op = Withdraw.create(KEYS[USERS[0] if wrong_key and u != USERS[0] else u], u, amount, nonce, 0xabc, DID)
        w = self.attempt(op)
        if w is not None:
            acc = self.st.account(u)
            assert passes_initial(acc.cash, acc.sizes, self.st.oracle)
            assert nonce == acc.nonce - 1 and not wrong_key or u == USERS[0]
            self.done_withdrawals.append(op)

    @precondition(lambda self: self.done_withdrawals)
    @rule(data=st.data())
    def replay_withdrawal(self, data):
        op = data.draw(st.sampled_from(self.done_withdrawals))
        before = self.st.fingerprint()
        try:
            self.st.apply(op)
            raise AssertionError("a replayed withdrawal was accepted")
        except StaleNonce:
            pass
        assert self.st.fingerprint() == before

    @rule(maker=user, taker=user, k=st.sampled_from([0, 0, 1, 2, 3]), maker_buys=st.booleans(),
          size=st.integers(1, 200), fill=st.integers(1, 200), price_bp=st.integers(-2000, 2000),
          limit_slack=st.integers(-100, 1000), fee=st.integers(0, 2), reuse=st.booleans())
    def trade(self, maker, taker, k, maker_buys, size, fill, price_bp, limit_slack, fee, reuse):
        o = self.st.oracle
        price = max(0, o.mark[k] + o.mark[k] * price_bp // 10_000)
        m_side, t_side = (BUY, SELL) if maker_buys else (SELL, BUY)
        lim = lambda side: max(0, price + (limit_slack if side == BUY else -limit_slack))
        if maker == taker:
            taker = USERS[(USERS.index(maker) + 1) % len(USERS)]
        fill = min(fill, size) if fill % 5 else fill      # mostly within the order size
        m_oid = self.next_oid[maker] if reuse else self.fresh_oid(maker)
        t_oid = self.fresh_oid(taker)
        m_size = self.fills.get((maker, m_oid), (size, 0))[0]
        inst = self.st.market[k]
        mo = order(maker, m_side, m_size, lim(m_side), m_oid, slot=k, max_fee=1, valid_until=T0 + 400 * DAY,
                   instrument=inst)
        to = order(taker, t_side, size, lim(t_side), t_oid, slot=k, max_fee=1, valid_until=T0 + 400 * DAY,
                   instrument=inst)
        olds = {a: (self.st.account(a).cash, list(self.st.account(a).sizes)) for a in {maker, taker}}
        w = self.attempt(Trade(mo, to, fill, price, fee, 0))      # a rate of 2 > max_fee 1 is refused
        if w is None:
            return
        assert fee <= 1
        for a, so, role in ((maker, mo, "maker"), (taker, to, "taker")):
            key = (a, so.order.order_id)
            assert key not in self.cancelled, "a cancelled order was filled"
            sz, done = self.fills.get(key, (so.order.size, 0))
            assert done + fill <= sz, "order filled beyond its size"
            self.fills[key] = (sz, done + fill)
            if done + fill == sz:
                self.full_orders.append((so, k))
            acc = self.st.account(a)
            if w.details[f"{role}_margin"] == "initial":
                assert passes_initial(acc.cash, acc.sizes, self.st.oracle)
            else:
                old_cash, old_sizes = olds[a]
                assert 0 <= acc.sizes[k] * (1 if old_sizes[k] > 0 else -1) < abs(old_sizes[k])
                assert (min(margin.im_quantities(equities(acc.cash, acc.sizes, self.st.oracle)))
                        >= min(margin.im_quantities(equities(old_cash, old_sizes, self.st.oracle))))

    @precondition(lambda self: self.full_orders)
    @rule(data=st.data(), counter=user)
    def replay_filled_order(self, data, counter):
        so, k = data.draw(st.sampled_from(self.full_orders))
        if counter == so.order.account:
            return
        side = SELL if so.order.side == BUY else BUY
        other = order(counter, side, 1, so.order.limit_price, self.fresh_oid(counter), slot=k,
                      valid_until=T0 + 400 * DAY, instrument=self.st.market[k])
        before = self.st.fingerprint()
        try:
            self.st.apply(Trade(so, other, 1, so.order.limit_price))
            raise AssertionError("a fully filled order was filled again")
        except (OverFill, ReplayedOrder, CancelledOrder):
            pass
        except RollupError:
            pass   # rejected for another reason first (e.g. expired instrument)
        assert self.st.fingerprint() == before

    @precondition(lambda self: self.fills)
    @rule(data=st.data(), ahead=st.booleans())
    def cancel(self, data, ahead):
        """The owner cancels one of its orders (one that traded, or one never seen)."""
        a, oid = data.draw(st.sampled_from(sorted(self.fills)))
        if ahead:
            oid = self.fresh_oid(a)
        acc = self.st.account(a)
        sid = acc.order_state(acc.order_slot_of(oid))[0]
        w = self.attempt(Cancel.create(KEYS[a], a, oid, DID))
        assert (w is not None) == (oid >= sid), "a cancel applies exactly when no newer order owns the slot"
        if w is not None:
            self.cancelled[(a, oid)] = w.op
            self.fills.pop((a, oid), None)

    @precondition(lambda self: self.cancelled)
    @rule(data=st.data())
    def replay_cancel(self, data):
        """An old cancel again: refused once a newer order took the slot, else it changes nothing."""
        (a, oid), op = data.draw(st.sampled_from(sorted(self.cancelled.items())))
        acc = self.st.account(a)
        sid, filled = acc.order_state(acc.order_slot_of(oid))
        root = self.st.root
        w = self.attempt(op)
        if sid > oid:
            assert w is None
        else:
            assert w is not None and self.st.root == root and filled == CANCELLED

    def take_over(self, op, target: int, what: str):
        """Apply a liquidation or backstop of `target`: it happens exactly when the target
        fails maintenance (else NotLiquidatable, nothing changed) and leaves it passing
        initial margin (partial: the rule's fewest quarters) or flat. Returns the witness."""
        t = self.st.account(target)
        failing = not passes_maintenance(t.cash, t.sizes, self.st.oracle)
        before = self.st.fingerprint()
        try:
            w = self.st.apply(op)
        except NotLiquidatable:
            assert not failing and self.st.fingerprint() == before
            event(f"{what} rejected: NotLiquidatable")
            return None
        except RollupError:
            assert self.st.fingerprint() == before
            return None
        assert failing, f"{what}: an account that passes maintenance"
        t = self.st.account(target)
        assert passes_initial(t.cash, t.sizes, self.st.oracle) or t.sizes == [0] * 4
        event(f"{what} {'partial' if any(t.sizes) else 'full'}")
        return w

    @rule(liq=st.sampled_from(USERS + (WHALE, WHALE, WHALE)), victim=user)
    def liquidate(self, liq, victim):
        op = Liquidate.create(KEYS[liq], liq, victim, self.st.account(liq).nonce, T0 + 400 * DAY, DID)
        if self.take_over(op, victim, "liquidate") is not None:
            a = self.st.account(liq)
            assert passes_initial(a.cash, a.sizes, self.st.oracle)

    @rule(victim=user)
    def backstop(self, victim):
        """The insurance fund takes over whatever its own margin; its nonce counts it."""
        ins = self.st.account(INSURANCE_ACCOUNT)
        nonce, sizes = ins.nonce, list(ins.sizes)
        w = self.take_over(Backstop(victim), victim, "backstop")
        if w is not None:
            ins = self.st.account(INSURANCE_ACCOUNT)
            assert ins.nonce == nonce + 1 and ins.sizes == [a + b for a, b in zip(sizes, w.details["taken"])]

    @rule(factor_bp=st.integers(-3500, 3500), days=st.integers(0, 12))
    def move_market(self, factor_bp, days):
        o = self.st.oracle
        if o.timestamp >= EXPIRY:
            return
        ts = min(o.timestamp + days * DAY, EXPIRY - 1)
        reprice(self.st, max(1, o.spot + o.spot * factor_bp // 10_000), ts=ts)

    @rule(factor_bp=st.sampled_from([-4000, -2500, 2500, 4000]))
    def shock_then_liquidate(self, factor_bp):
        self.move_market(factor_bp, 1)
        for victim in USERS:
            self.liquidate(WHALE, victim)

    @rule(factor_bp=st.sampled_from([-4000, -2500, 2500, 4000]))
    def shock_then_backstop(self, factor_bp):
        self.move_market(factor_bp, 1)
        for victim in USERS:
            self.backstop(victim)

    @precondition(lambda self: self.st.oracle.timestamp < EXPIRY)
    @rule(settle_bp=st.integers(-3000, 3000))
    def expire(self, settle_bp):
        price = SPOT + SPOT * settle_bp // 10_000
        reprice(self.st, price, ts=EXPIRY, settle_prices={0: price, 1: price, 2: price})

    @rule(u=st.sampled_from(USERS + (INSURANCE_ACCOUNT, CLEARING_ACCOUNT)), k=slot)
    def settle(self, u, k):
        acc = self.st.get_account(u)
        size, cash = (acc.sizes[k], acc.cash) if acc else (0, 0)
        w = self.attempt(Settle(u, k))
        if w is not None:
            assert self.st.account(u).cash == cash + size * self.st.oracle.settle_value[k]
            assert self.st.oracle.settle_value[k] == self.st.market[k].payoff(self.st.oracle.settle_price[k])

    @precondition(lambda self: self.st.oracle.timestamp >= EXPIRY)
    @rule(k=st.integers(0, 2))
    def relist(self, k):
        if self.st.oi[k] != 0:
            return
        ts = self.st.oracle.timestamp
        keep = {j: self.st.oracle.settle_price[j] for j in range(3) if j != k and self.st.oracle.settled[j]}
        self.st.list_instrument(k, Instrument.call(SPOT, ts + 60 * DAY) if k < 2 else Instrument.future(ts + 60 * DAY))
        self.st.set_oracle(build_oracle_table(self.st.market, ts + 1, SPOT, 0.6, settle_prices=keep))

    @rule(u=user, amount=st.integers(1, 3_000), requester=st.sampled_from(USERS))
    def forced_withdraw(self, u, amount, requester):
        acc = self.st.account(u)
        valid = addr(requester) == acc.owner
        req = self.st.enqueue_forced_withdraw(u, amount * USD, addr(requester))
        allowed = im_allowance(acc.cash, acc.sizes, self.st.oracle)
        nonce = acc.nonce
        w = self.st.apply(req)
        self.ledger(w)
        paid = w.details["paid"]
        assert paid == (min(amount * USD, allowed) if valid else 0)
        acc = self.st.account(u)
        assert acc.nonce == nonce
        assert passes_initial(acc.cash, acc.sizes, self.st.oracle) or not valid or paid == 0

    @rule(u=user, requester=st.sampled_from(USERS))
    def forced_close(self, u, requester):
        acc = self.st.account(u)
        before = self.st.fingerprint()
        if addr(requester) != acc.owner:
            try:
                self.st.enqueue_forced_close(u, addr(requester))
            except ValueError:
                assert self.st.fingerprint() == before and not self.st.prio_queue
                event("forced close refused: not the owner")
                return
            raise AssertionError("a forced close by someone other than the owner was queued")
        sizes = list(acc.sizes)
        ins_sizes = list(self.st.account(INSURANCE_ACCOUNT).sizes)
        w = self.st.apply(self.st.enqueue_forced_close(u, addr(requester)))   # never refused once queued
        check_witness(self.st, w)
        acc = self.st.account(u)
        assert acc.sizes == [0] * 4 and acc.cash >= 0 and not self.st.prio_queue
        assert self.st.account(INSURANCE_ACCOUNT).sizes == [a + b for a, b in zip(ins_sizes, sizes)]
        event(f"forced close served{' with a shortfall' if w.details['shortfall'] else ''}")

    @rule()
    def noop(self):
        root = self.st.root
        self.st.apply(Noop())
        assert self.st.root == root

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def state_invariants_hold(self):
        if hasattr(self, "st"):
            assert self.st.check_invariants() == []

    @invariant()
    def l1_holds_the_accounts_cash_plus_what_it_retained(self):
        if hasattr(self, "held"):
            assert self.held >= 0 and self.held - self.retained == self.st.total_cash()

    @invariant()
    def initial_margin_implies_maintenance(self):
        if hasattr(self, "st") and self.st.oracle is not None:
            for _, acc in self.st.accounts_items():
                if passes_initial(acc.cash, acc.sizes, self.st.oracle):
                    assert passes_maintenance(acc.cash, acc.sizes, self.st.oracle)

    @invariant()
    def recorded_fills_match_the_order_trees(self):
        if not hasattr(self, "st"):
            return
        for (a, oid), (size, done) in self.fills.items():
            assert done <= size
            acc = self.st.account(a)
            sid, filled = acc.order_state(acc.order_slot_of(oid))
            if sid == oid:
                assert filled == done
        for (a, oid) in self.cancelled:
            acc = self.st.account(a)
            sid, filled = acc.order_state(acc.order_slot_of(oid))
            assert sid > oid or (sid == oid and filled == CANCELLED)


RollupMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=30, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
TestRollupMachine = RollupMachine.TestCase
