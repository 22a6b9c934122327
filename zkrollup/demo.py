"""`zkrollup demo`: a small options and futures market, end to end with real proofs.

The story (simulated time, prices in USD, one contract = 1 BTC = 100 lots of 0.01 BTC):

1. Four users deposit on L1: a market maker, Alice, Bob and Carol. The operator takes the
   deposits from the contract's queue into batch 1.
2. The maker quotes bid and ask on every instrument of the market (a 60,000 call and put,
   a dated future, a 66,000 call, all expiring in 7 days) around the oracle's marks.
3. Alice buys calls and puts, Bob buys futures on thin collateral, Alice buys the
   out-of-the-money call. The maker is left short delta; it computes its delta from the
   risk engine and buys futures from Carol's offer to hedge.
4. The price falls 10%: the oracle publishes a new table. Bob's account fails
   maintenance margin; Carol liquidates him partially: she takes the fewest quarters of
   his positions that restore his initial margin (4 of his 8 futures) at mark minus
   the bonus, the insurance fund gets the penalty, Bob keeps the rest. On day 2 BTC falls
   to 51,000: Bob fails again and nobody steps in, so the operator asks for the backstop:
   the insurance fund takes over by the same rule, unsigned and without a margin check.
5. The maker cancels its remaining quotes on the 66,000 call with signed cancels; Alice
   withdraws part of her profit; Bob asks L1 for a forced withdrawal of what is left to
   him (from the L1 address that owns his account); the operator serves it. Both are paid
   in the L1 call that accepts the batch. Carol, say censored, asks L1 for a forced close
   (from the L1 address that owns her account, which L1 learnt from her deposit): the next batch must
   serve it, and the insurance fund takes all her positions at the backstop's terms.
6. The options and the future expire: the oracle publishes settlement prices; the
   operator settles every position (through the clearing account).
7. Everyone withdraws; every batch was proved, verified by the contract and paid at once.
   The final state is rebuilt from what L1 published alone, to the same root.

L1 is the rollup's Vyper contracts on the embedded EVM (verifier/contracts, verifier/evm.py),
its chain kept in DIR/l1.sqlite. `--report FILE.json` writes per batch its operations,
trades, constraints, proving and verification times and the gas the EVM charged, and the
L1 (engine, chain id, contract addresses).
"""
from __future__ import annotations

import hashlib
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from circuits import eddsa
from circuits.spec.accounts import CLEARING_ACCOUNT, FEE_ACCOUNT, INSURANCE_ACCOUNT
from circuits.spec.scenarios import STANDARD_SCENARIOS, base_move_bps
from verifier.l1_client import PAYOUT_REFUND

from .capital import compare_withdrawal
from .deployment import L1_CONFIG_FILE, L1_FILE, OPERATOR_FILE, Deployment, planned_deployment_id
from .keycache import KeyCache
from .l1data import rebuild_from_l1
from .market import Instrument, market_of
from .operator import BatchReport, Genesis
from .ops import BUY, SELL, Cancel, Liquidate, Order, Withdraw
from .risk import Smile, build_oracle_table, float_values, im_allowance, margin_use
from .units import batch_shape

USD = 1_000_000                       # cash units: micro-USD
LOTS = 100                            # lots of 0.01 BTC per contract (1 BTC)
T0 = 1_767_225_600                    # 2026-01-01 00:00 UTC, simulated
DAY = 86_400
EXPIRY = T0 + 7 * DAY
VOL = 0.60
SPOT = 60_000 * USD // LOTS           # per lot (0.01 BTC)

NAMES = {FEE_ACCOUNT: "fees", INSURANCE_ACCOUNT: "insurance", CLEARING_ACCOUNT: "clearing",
         3: "maker", 4: "alice", 5: "bob", 6: "carol"}
L1_ADDRESS = {3: 0x3A4E5000000000000000000000000000000000A1, 4: 0xA11CE00000000000000000000000000000000004,
              5: 0xB0B0000000000000000000000000000000000005, 6: 0xCA201000000000000000000000000000000000C6}
DEPOSITS = {3: 3_000_000 * USD, 4: 200_000 * USD, 5: 85_000 * USD, 6: 600_000 * USD}
DEMO_MARKER = "demo.json"
DEMO_DEPLOYMENT = planned_deployment_id()
"""The demo's deployment: the embedded chain's id and the rollup contract's address."""
N_SCENARIOS = STANDARD_SCENARIOS      # the risk engine's standard grid (35)
SMILES = {EXPIRY: Smile(((SPOT * 8 // 10, 0.75), (SPOT * 9 // 10, 0.66), (SPOT, VOL), (SPOT * 11 // 10, 0.62),
                         (SPOT * 12 // 10, 0.66)))}
"""The oracle's implied-vol smile for the demo's expiry (vol per strike per lot): ATM 60%, a put skew."""


def demo_key(name: str) -> bytes:
    """Deterministic demo keys (never use such keys for anything real)."""
    return hashlib.blake2b(b"zkrollup demo key " + name.encode(), digest_size=32).digest()


def usd(v: int, signed: bool = False) -> str:
    s = f"{abs(v) / USD:,.2f}"
    return ("-" if v < 0 else ("+" if signed and v > 0 else "")) + s


def demo_market():
    strike = SPOT
    return market_of([Instrument.call(strike, EXPIRY, LOTS), Instrument.put(strike, EXPIRY, LOTS),
                      Instrument.future(EXPIRY, LOTS), Instrument.call(strike * 11 // 10, EXPIRY, LOTS)], 4,
                     deployment_id=DEMO_DEPLOYMENT)


SLOT_NAMES = ("CALL 60000", "PUT 60000", "FUTURE", "CALL 66000")


@dataclass
class DemoConfig:
    batch_size: int = 4
    acc_depth: int = 16
    ord_depth: int = 4


class Demo:
    """Runs the story of the module docstring in `workdir` (state files replaced; keys kept
    under `<workdir>/keys` unless `fresh_keys`). `make_pool()`, when given, makes the prover
    pool (`zkrollup.operator.pool`) once the directory is accepted; the demo closes it."""

    def __init__(self, workdir, cfg: DemoConfig = DemoConfig(), *, echo: Callable[[str], None] = print,
                 progress: Optional[Callable[[str, float], None]] = None, fresh_keys: bool = False,
                 keys_dir=None, make_pool: Optional[Callable[[], object]] = None):
        self.dir = Path(workdir)
        self.cfg = cfg
        self.echo = echo
        self.progress = progress
        self.fresh_keys = fresh_keys
        self.keys_dir = Path(keys_dir) if keys_dir else self.dir / "keys"
        self.make_pool = make_pool
        self.pool = None
        self.t = T0
        self.minted = 0
        self.reports: list[BatchReport] = []
        self.liquidations: list[dict] = []
        self.forced_closes: list[dict] = []
        self.last_deficit = self.last_retained = self.pro_rata = 0
        self.withdraw_wall: Optional[float] = None
        self.withdraw_paid_wall: Optional[float] = None
        self.order_ids = {i: 0 for i in NAMES}
        self.priv = {i: demo_key(NAMES[i]) for i in NAMES}
        self.pub = {i: eddsa.public_key(self.priv[i]) for i in NAMES}

    @property
    def shape(self):
        """The batch circuit's shape, hence the proving key, this demo uses."""
        return batch_shape(self.cfg.batch_size, self.cfg.acc_depth, self.cfg.ord_depth, demo_market().K, N_SCENARIOS)

    # --- helpers ---------------------------------------------------------------------------

    def clock(self) -> int:
        return self.t

    def _check_dir(self) -> None:
        """Refuse a directory holding anything but a demo's files or the key cache `zkrollup
        setup` made in it."""
        d = self.dir
        if d.exists() and not (d / DEMO_MARKER).exists() and not (d / L1_FILE).exists() \
                and any(p.name != "keys" for p in d.iterdir()):
            raise ValueError(f"{d} exists and is not a zkrollup demo directory; pick another --dir")

    def _prepare_dir(self) -> None:
        """Make the directory ready for a new run: the last run's state goes, keys stay. A
        directory `_check_dir` refuses is left untouched."""
        self._check_dir()
        d = self.dir
        d.mkdir(parents=True, exist_ok=True)
        for name in (L1_FILE, L1_CONFIG_FILE, OPERATOR_FILE, DEMO_MARKER):
            for p in d.glob(name + "*"):
                p.unlink()
        shutil.rmtree(d / "batches", ignore_errors=True)
        if self.fresh_keys and self.keys_dir.is_dir():
            for p in self.keys_dir.glob("*.pk"):
                p.unlink()
        (d / DEMO_MARKER).write_text('{"demo": 1}\n')

    def order(self, acct: int, slot: int, side: int, size: int, price: int, max_fee: int = 5 * USD):
        self.order_ids[acct] += 1
        o = Order(acct, slot, side, size, price, max_fee, self.order_ids[acct], EXPIRY - 1, self.market[slot].id,
                  DEMO_DEPLOYMENT)
        return o.sign(self.priv[acct])

    def publish(self, spot: int, *, settle: bool = False) -> None:
        table = build_oracle_table(self.market, self.t, spot, SMILES,
                                   settle_prices={k: spot for k in range(4)} if settle else None)
        self.dep.oracle.publish(table, now=self.t)
        self.op.sync()
        self.op.pump()
        self.prove_sealed()

    def prove_sealed(self) -> None:
        """Prove and submit the batches sealed so far. The operator runs with auto_prove off
        so that each batch's line is printed after the lines of the operations it holds."""
        self.op.process_sealed()

    @staticmethod
    def ops_text(ops: dict) -> str:
        short = {"deposit": "dep", "withdraw": "wd", "forced_withdraw": "forced", "liquidate": "liq",
                 "trade": "trade", "settle": "settle", "cancel": "cancel", "noop": "noop",
                 "forced_close": "fclose"}
        return ", ".join(f"{n} {short.get(k, k)}" for k, n in sorted(ops.items(), key=lambda t: t[0] == "noop"))

    def _on_batch(self, r: BatchReport) -> None:
        self.reports.append(r)
        if self.withdraw_paid_wall is None and any(p[0] == 1 and p[1] == 4 for p in r.payouts):
            self.withdraw_paid_wall = time.perf_counter()
        ops = self.ops_text(r.ops)
        paid = ""
        if r.payouts:
            paid = "; paid on L1 in the same call: " + ", ".join(
                f"{NAMES.get(a, a)} {usd(x)}" for _, a, _, x in r.payouts)
        self.echo(f"  batch {r.batch_number}: [{ops}] proved in {r.prove_s:.1f} s, accepted by L1 "
                  f"(verify {r.verify_s:.2f} s, gas {r.gas:,}){paid}")
        c = self.dep.contract
        deficit, retained, held = c.fund_deficit(), c.retained(), c.held()
        if retained > self.last_retained:           # this batch's exits were paid pro rata
            self.pro_rata += sum(1 for p in r.payouts if p[0] != PAYOUT_REFUND)
            self.last_retained = retained
        if deficit != self.last_deficit:
            self.echo(f"    the batch proves the insurance fund {usd(deficit)} USD under water"
                      + (f": L1 pays exits pro rata, {held / (held + deficit - retained):.6f} of their amount, "
                         f"until {usd(deficit)} USD is retained" if deficit > retained else ""))
            self.last_deficit = deficit

    def submit(self, what: str, req):
        res = self.op.submit(req)
        self.echo(f"  {what}" + (f": {res.filled} filled" if hasattr(res, "filled") else ""))
        self.prove_sealed()
        return res

    def liquidation(self, target: int, w, taker: str = "carol") -> None:
        """Say what a liquidation took (the partial rule: the fewest quarters of every position
        that restore the target's initial margin) and keep it for the report."""
        d, name = w.details, NAMES.get(target, target)
        taken = ", ".join(f"{abs(q)} {SLOT_NAMES[k]}" for k, q in enumerate(d["taken"]) if q) or "nothing"
        kept = ", ".join(f"{q:+d} {SLOT_NAMES[k]}" for k, q in enumerate(self.op.state.account(target).sizes)
                         if q) or "nothing"
        full = d["steps"] == d["of_steps"]
        self.liquidations.append({"target": target, "steps": d["steps"], "of_steps": d["of_steps"],
                                  "partial": not full, "backstop": d["backstop"], "taken": d["taken"],
                                  "penalty": d["penalty"], "shortfall": d["shortfall"]})
        self.echo(f"    {d['steps']}/{d['of_steps']} of every position ({'full' if full else 'partial'}): "
                  f"{taker} takes {taken} at mark less {usd(d['bonus'])} USD bonus, {name} pays "
                  f"{usd(d['penalty'])} USD penalty to the insurance fund and keeps {kept}"
                  + ("" if full else " (passes initial margin again)"))

    def forced_close(self, acct: int) -> None:
        """The account's owner asks L1 to close every position (L1 knows the owner from the
        deposit that created the account); the operator must serve the queue entry by its
        deadline: the backstop takes everything."""
        name, c = NAMES[acct], self.dep.contract
        before = self.op.state.account(acct)
        sizes, cash = list(before.sizes), before.cash
        self.echo(f"\n[5b] {name}'s orders go unanswered (say the operator censors her): she asks L1 to close "
                  f"her positions")
        c.request_forced_close(acct, L1_ADDRESS[acct], self.t)
        self.echo(f"  {name} queues a forced close on L1 from the address that owns account {acct} (L1 learnt "
                  f"it from her deposit; deadline 7 days, or the rollup enters exodus)")
        self.op.sync()
        self.op.flush()
        after = self.op.state.account(acct)
        taken = ", ".join(f"{SLOT_NAMES[k]} {q:+d}" for k, q in enumerate(sizes) if q) or "nothing"
        self.forced_closes.append({"account": acct, "taken": sizes, "cash_before": cash, "cash_after": after.cash})
        self.echo(f"    the insurance fund took her positions ({taken}) at mark less the bonus; {name} paid the "
                  f"penalty and holds {usd(after.cash)} USD, no positions")

    def base_move(self) -> str:
        return f"{base_move_bps(SMILES[EXPIRY].vol_at(SPOT, SPOT)) / 100:.2f}%"

    def delta(self, acct: int) -> float:
        """The account's delta in BTC, from the risk engine's model (finite differences)."""
        o = self.op.state.oracle
        up = float_values(self.market, o.timestamp, o.spot * 1.001, SMILES).values[:, 0]
        dn = float_values(self.market, o.timestamp, o.spot * 0.999, SMILES).values[:, 0]
        sizes = self.op.state.account(acct).sizes
        per_btc = (o.spot * LOTS * 0.002) / USD           # a 0.2% move of 1 BTC, in USD
        return sum(q * (u - d) / USD for q, u, d in zip(sizes, up, dn)) / per_btc

    # --- the story -----------------------------------------------------------------------

    def run(self) -> dict:
        cfg = self.cfg
        t_start = time.perf_counter()
        self._check_dir()
        if self.make_pool is not None:            # an unreachable scheduler: refused before DIR is touched
            self.pool = self.make_pool()
        self._prepare_dir()
        self.market = demo_market()
        genesis = Genesis(self.market, cfg.acc_depth, cfg.ord_depth, N_SCENARIOS, self.pub[FEE_ACCOUNT],
                          self.pub[INSURANCE_ACCOUNT], self.pub[CLEARING_ACCOUNT])
        shape = self.shape
        keys = KeyCache(self.keys_dir)
        e = self.echo
        e(f"zkrollup demo: BTC options and futures; batches of N = {cfg.batch_size}, account tree depth "
          f"{cfg.acc_depth}, order depth {cfg.ord_depth}, K = 4 instruments, {N_SCENARIOS} margin scenarios")
        e(f"  directory {self.dir}, keys {self.keys_dir}")
        t_keys = time.perf_counter()
        if keys.has(shape):
            e("[keys] proving key found in the cache")
        else:
            e("[keys] no cached key for this batch shape: compiling the batch circuit and running the "
              "Groth16 setup (first run only)")
        from prover import jit     # first run on this machine: say what compiles, on every core
        from . import kernels      # noqa: F401 -- registers the native state's kernels ("native")
        jit.ensure(("prove", "native") if keys.has(shape) else ("keys", "setup", "prove", "native"),
                   lambda m: e(f"  {m}"), background=True)
        self.dep = Deployment.create(self.dir, genesis, cfg.batch_size, keys=keys, clock=self.clock,
                                     progress=self.progress, on_batch=self._on_batch,
                                     on_compiled=lambda n: e(f"  batch circuit: {n:,} constraints"),
                                     maker_fee=1 * USD, taker_fee=2 * USD, export_dir=self.dir / "batches",
                                     auto_prove=False, pool=self.pool)
        keys_s = time.perf_counter() - t_keys
        self.op, c = self.dep.operator, self.dep.contract
        e(f"  key ready in {keys_s:.1f} s; L1 contract deployed with the genesis root, market and "
          f"verifying key")

        e(f"\n[1] day 0: the oracle publishes BTC at 60,000 USD and its vol smile (ATM {VOL:.0%}; the table's "
          f"{N_SCENARIOS} scenarios move spot by up to 3 x {self.base_move()}); four users deposit on L1")
        self.publish(SPOT)
        for acct, amount in DEPOSITS.items():
            self.dep.faucet(L1_ADDRESS[acct], amount)
            self.minted += amount
            c.deposit(L1_ADDRESS[acct], acct, *self.pub[acct], amount, now=self.t)
            e(f"  {NAMES[acct]} deposits {usd(amount)} USD into account {acct}")
        self.op.sync()
        self.op.pump()
        self.prove_sealed()

        e("\n[2] the maker quotes every instrument: options 2% and the future 0.2% around the marks")
        marks = self.op.state.oracle.mark
        for k in range(4):
            size = 20 if k != 2 else 10
            spread = 20 if k != 2 else 2                    # per mille
            bid, ask = marks[k] * (1000 - spread) // 1000, marks[k] * (1000 + spread) // 1000
            self.op.submit(self.order(3, k, BUY, size, bid))
            self.op.submit(self.order(3, k, SELL, size, ask))
            e(f"  {SLOT_NAMES[k]:<11} bid {usd(bid):>10}  ask {usd(ask):>10}  (mark {usd(marks[k])}) x {size}")
            self.prove_sealed()

        e("\n[3] traders take the maker's quotes")
        self.submit("alice buys 10 CALL 60000", self.order(4, 0, BUY, 10, marks[0] * 103 // 100))
        self.submit("alice buys 5 PUT 60000", self.order(4, 1, BUY, 5, marks[1] * 103 // 100))
        self.submit("bob buys 8 FUTURE with 85,000 USD of collateral", self.order(5, 2, BUY, 8, marks[2] * 103 // 100))
        self.submit("alice buys 5 CALL 66000", self.order(4, 3, BUY, 5, marks[3] * 103 // 100))
        d = self.delta(3)
        hedge = round(-d)
        e(f"  the maker's delta is {d:+.2f} BTC: it buys {hedge} FUTURE to hedge")
        self.submit("carol offers 10 FUTURE at mark + 0.1%", self.order(6, 2, SELL, 10, marks[2] * 1001 // 1000))
        if hedge > 0:
            self.submit(f"maker buys {hedge} FUTURE (lifts carol's offer)",
                        self.order(3, 2, BUY, hedge, marks[2] * 1002 // 1000))
        e(f"  the maker's delta is now {self.delta(3):+.2f} BTC")

        e("\n[4] day 1: BTC falls 10% to 54,000 USD; the oracle publishes a new table")
        self.t += DAY
        self.publish(SPOT * 9 // 10)
        bad = self.op.liquidatable()
        e(f"  accounts failing maintenance margin: {[NAMES.get(i, i) for i in bad]}")
        for target in bad:
            liq = Liquidate.create(self.priv[6], 6, target, self.op.state.account(6).nonce, self.t + DAY,
                                   DEMO_DEPLOYMENT)
            self.liquidation(target, self.submit(f"carol liquidates {NAMES.get(target, target)}", liq))

        # prove the open batch (Carol's liquidation) while day 1's table is fresh: L1 refuses a
        # table older than its maximum age, and the operator would rebuild the batch at day 2's
        # marks, where the rule takes all of Bob's futures
        self.op.flush()
        e("\n[4b] day 2: BTC falls to 51,000 USD (-15%); nobody liquidates what fails maintenance now: "
          "the insurance fund backstops it")
        self.t += DAY
        self.publish(SPOT * 85 // 100)
        for target in self.op.liquidatable():
            w = self.op.backstop([target])[0]
            if isinstance(w, Exception):
                raise w
            self.echo(f"  the operator asks for the backstop of {NAMES.get(target, target)}")
            self.prove_sealed()
            self.liquidation(target, w, taker="the insurance fund")

        e("\n[5] the maker cancels its 66,000 call quotes; alice withdraws 20,000 USD; bob forces a "
          "withdrawal through L1")
        for r in [r for r in self.op.book if r.key[0] == 3 and r.slot == 3]:
            self.submit(f"maker cancels order {r.key[1]} (signed)", Cancel.create(self.priv[3], 3, r.key[1],
                                                                                 DEMO_DEPLOYMENT))
        self.withdraw_wall = time.perf_counter()
        self.submit("alice withdraws 20,000 USD",
                    Withdraw.create(self.priv[4], 4, 20_000 * USD, self.op.state.account(4).nonce, L1_ADDRESS[4],
                                    DEMO_DEPLOYMENT))
        bob = self.op.state.account(5)
        left = im_allowance(bob.cash, bob.sizes, self.op.state.oracle)
        if left > 0:
            c.request_forced_withdrawal(5, L1_ADDRESS[5], left, self.t)
            e(f"  bob requests a forced withdrawal of {usd(left)} USD on L1 from the address that owns his "
              f"account (deadline 7 days)")
            self.op.sync()
        self.op.flush()
        self.forced_close(6)

        e("\n[6] day 7: expiry; BTC settles at 54,000 USD; the operator settles every position")
        self.t = EXPIRY
        self.publish(SPOT * 9 // 10, settle=True)
        self.op.flush()

        e("\n[7] everyone withdraws what is left")
        for acct in (4, 6, 3):
            a = self.op.state.account(acct)
            if a.cash > 0 and not any(a.sizes):
                self.submit(f"{NAMES[acct]} withdraws {usd(a.cash)} USD",
                            Withdraw.create(self.priv[acct], acct, a.cash, a.nonce, L1_ADDRESS[acct],
                                            DEMO_DEPLOYMENT))
        self.op.flush()

        summary = self.summary(time.perf_counter() - t_start, keys_s)
        return summary

    # --- the report ------------------------------------------------------------------------

    def summary(self, total_s: float, keys_s: float) -> dict:
        c, op, e = self.dep.contract, self.op, self.echo
        e("\nbatches (every one proved with Groth16, verified and paid by the L1 contracts on the EVM; gas "
          "from the receipts):")
        head = (f"{'batch':>5}  {'operations':<30} {'constraints':>11} {'witness s':>9} {'prove s':>7} "
                f"{'verify s':>8} {'gas':>10} {'gas/trade':>9}")
        e(head)
        e("-" * len(head))
        for r in self.reports:
            ops = self.ops_text(r.ops)
            gpt = f"{r.gas_per_trade:,}" if r.gas_per_trade else "-"
            e(f"{r.batch_number:>5}  {ops:<30} {r.n_constraints:>11,} {r.solve_s:>9.2f} {r.prove_s:>7.2f} "
              f"{r.verify_s:>8.2f} {r.gas:>10,} {gpt:>9}")
        n_trades = sum(r.n_trades for r in self.reports)
        gas = sum(r.gas for r in self.reports)
        proves = sorted(r.prove_s for r in self.reports)
        median = proves[len(proves) // 2] if proves else 0.0
        e(f"total: {len(self.reports)} batches, {sum(sum(r.ops.values()) for r in self.reports)} slots, "
          f"{n_trades} trades, gas {gas:,}; "
          f"median prove {median:.2f} s (the first proof of a process also loads or compiles the "
          f"Numba kernels)")

        st = op.l1_state
        e("\nfinal state (accepted on L1):")
        e(f"{'acct':>4}  {'name':<9} {'cash USD':>14} {'positions':<26} {'margin':<12} {'L1 balance USD':>15}")
        for idx, acc in st.accounts_items():
            pos = ", ".join(f"{SLOT_NAMES[k]} {q:+d}" for k, q in enumerate(acc.sizes) if q) or "-"
            u = margin_use(acc.cash, acc.sizes, st.oracle)
            status = "ok" if u.passes_im else ("below initial" if u.passes_mm else "liquidatable")
            bal = usd(c.l1_balance(L1_ADDRESS[idx])) if idx in L1_ADDRESS else ""
            e(f"{idx:>4}  {NAMES.get(idx, '?'):<9} {usd(acc.cash):>14} {pos:<26} {status:<12} {bal:>15}")
        rebuilt = rebuild_from_l1(c, op.genesis)
        paid = sum(x for r in self.reports for _, _, _, x in r.payouts)
        conserved = sum(c.l1_balances().values()) + c.collateral == self.minted
        checks = {
            "batches accepted": c.batch_number == len(self.reports) == st.batch_number,
            "L1 root = operator root": c.state_root == st.root,
            "rebuilt from L1 data alone to the same root": rebuilt.root == st.root,
            "withdrawals paid in the accepting calls": paid == sum(c.l1_balances().values()),
            "tokens conserved on L1": conserved,
            "L1 solvent: tokens held >= accounts' cash ledger + queued deposits":
                c.collateral >= c.held() + c.pending_deposit_total,
            "proven total cash (L1's held - retained) = the accounts' cash": c.held() - c.retained() == st.total_cash(),
            "open interest on L1 (long = short, proven) = the operator's":
                not self.reports or c.accepted_batches()[-1]["calldata"].open_interest == tuple(st.oi),
            "native invariants hold": st.check_invariants() == [],
        }
        e(f"\nL1: batch {c.batch_number}, root {hex(c.state_root)[:18]}..., contract holds {usd(c.collateral)} USD")
        for name, ok in checks.items():
            e(f"  [{'ok' if ok else 'FAILED'}] {name}")
        capital = self.capital_cost()
        if capital:
            e(f"\nalice's 20,000 USD withdrawal was paid {capital['zk_wait_s']:.0f} s after she asked (capital "
              f"cost {capital['zk_capital_cost']:.4f} USD at 5%/year); under a 7-day optimistic challenge window "
              f"it would cost {capital['optimistic_capital_cost']:.2f} USD")
        e(f"\ndemo finished in {total_s:.1f} s (keys {keys_s:.1f} s); files in {self.dir}")
        risk = {"liquidations": self.liquidations,
                "partial_liquidations": sum(x["partial"] for x in self.liquidations),
                "full_liquidations": sum(not x["partial"] for x in self.liquidations),
                "backstop_takeovers": sum(x["backstop"] for x in self.liquidations),
                "forced_closes": self.forced_closes,
                "forced_closes_served": sum(r.ops.get("forced_close", 0) for r in self.reports),
                "socialised_loss": {"fund_deficit": c.fund_deficit(), "retained": c.retained(), "held": c.held(),
                                    "exits_paid_pro_rata": self.pro_rata},
                "solvency_outputs": {"proven_total_cash": c.held() - c.retained(), "accounts_cash": st.total_cash(),
                                     "open_interest": list(st.oi), "batches_checked_on_l1": len(self.reports)}}
        return {"ok": all(checks.values()), "checks": checks, "batches": [self.batch_obj(r) for r in self.reports],
                "risk": risk, "l1": self.l1_obj(), "withdrawal_zk_vs_optimistic": capital, "total_s": total_s, "keys_s": keys_s}

    @staticmethod
    def batch_obj(r: BatchReport) -> dict:
        return {"batch": r.batch_number, "ops": r.ops, "trades": r.n_trades, "constraints": r.n_constraints,
                "witness_s": round(r.solve_s, 3), "prove_s": round(r.prove_s, 3), "verify_s": round(r.verify_s, 3),
                "gas_used": r.gas, "gas_per_trade": r.gas_per_trade, "calldata_bytes": r.calldata_bytes,
                "records_bytes": r.data_bytes, "payouts": len(r.payouts)}

    def l1_obj(self) -> dict:
        c = self.dep.contract
        return {"engine": "pyrevm 0.3.7 (REVM, Cancun) embedded, verifier/evm.py", "chain_id": c.chain.chain_id,
                "chain_file": str(self.dir / L1_FILE), "contracts": c.addresses.contracts(),
                "deployment_id": hex(c.deployment_id), "blocks": c.chain.block_number}

    def capital_cost(self) -> Optional[dict]:
        """Alice's 20,000 USD withdrawal: the wall-clock seconds from her request to the L1
        transaction that paid it (proving included), against a 7-day challenge window."""
        if self.withdraw_wall is None or self.withdraw_paid_wall is None:
            return None
        d = compare_withdrawal(20_000, 0.05, self.withdraw_paid_wall - self.withdraw_wall).as_dict()
        d["unit"] = "USD"
        return d

    def close(self) -> None:
        if hasattr(self, "dep"):
            self.dep.close()
        if self.pool is not None:
            self.pool.close()
