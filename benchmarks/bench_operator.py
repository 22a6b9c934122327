"""Operator benchmark: signed orders admitted per second, end to end on one core.

    NUMBA_NUM_THREADS=1 python benchmarks/bench_operator.py [--accounts 1000] [--makers 8]
        [--bursts 8] [--taker-share 1.0] [--modes burst,single] [--account-depth 24]
        [--order-depth 8] [--batch-size 16] [--profile FILE] [--no-breakdown]

A market of four instruments (a call and a put at the money, a future, an out-of-the-money
call; K = 8 slots, S = 35 scenarios) on an account tree of depth 24 holding `--accounts`
funded accounts at random indices. The flow comes in bursts: every maker quotes a bid and
an ask on every instrument (a few ticks apart per maker, so price-time priority varies),
then takers chosen at random send crossing orders of 1 to 4 contracts for `--taker-share`
of the quoted size (1: every quote trades and the book stays small; 0: quotes only), in
random order. Every order is signed beforehand (not timed; the remembered order messages
are dropped before timing) and goes through the operator's admission path: intake and
inbox, admission (instrument, account, signature, valid-until, order-fill state),
matching, each fill applied as a Trade on the native state (signatures, margin, tree
updates, the batch's witness records), sealing every `--batch-size` operations, and the
journal (SQLite, synchronous=FULL). Mode `burst`: each burst is one `Operator.submit_many`
(one inbox and one journal transaction, the signatures checked in one batch); mode
`single`: one `Operator.submit` per order (two transactions each). Proving is another
room (`auto_prove=False`); its cost is in benchmarks/bench_rollup.py.

Prints one JSON object: per mode the orders submitted per second of wall time (quotes and
takers together), per CPU second, and trades per second; `orders_per_s` is the first
mode's; `breakdown` is the CPU microseconds per order of each part (signature checks,
message hashing, margin, matching, native apply, sealing, journal, L1 sync, the rest),
measured in a further run of the first mode with those functions wrapped by timers
(exclusive time: a part's nested parts are subtracted; `timed_run` also has the wall
times). Wall time counts the journal's fsyncs and, on a shared machine, waiting for the
CPU; CPU time does neither. Set NUMBA_NUM_THREADS=1 for one core; the first run compiles
the Numba kernels (cached on disk afterwards), which a warm-up burst keeps out of the timings.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from circuits import eddsa  # noqa: E402
from zkrollup.deployment import deploy_l1, planned_deployment_id  # noqa: E402
from zkrollup.market import Instrument, market_of  # noqa: E402
from zkrollup.operator import Genesis, Operator  # noqa: E402
from zkrollup.ops import BUY, SELL, Order  # noqa: E402
from zkrollup.ops import messages as order_messages  # noqa: E402
from zkrollup import signatures  # noqa: E402
from zkrollup.risk import STANDARD_SCENARIOS, build_oracle_table  # noqa: E402

T0 = 1_700_000_000
DAY = 86_400
SPOT = 60_000_000              # micro-USD per lot (BTC at 60,000 USD, contract size 1 lot)
VOL = 0.6
FIRST_USER = 3                 # 0, 1, 2 are the fee, insurance and clearing accounts
FUNDS = 10 ** 13               # 10 million USD per account: margin never binds by accident


def make_market():
    expiry = T0 + 30 * DAY
    return market_of([Instrument.call(SPOT, expiry), Instrument.put(SPOT, expiry),
                      Instrument.future(expiry), Instrument.call(SPOT * 11 // 10, expiry)], 8,
                     deployment_id=planned_deployment_id())


class Rig:
    """The L1 contracts on the embedded EVM (no verifying key: nothing is proved here), the
    oracle's table and the operator in a temporary directory, accounts funded on L1."""

    def __init__(self, workdir: Path, args, rng: random.Random):
        self.market = make_market()
        keys = [bytes([7]) * 32, bytes([8]) * 32, bytes([9]) * 32]
        g = Genesis(self.market, args.account_depth, args.order_depth, STANDARD_SCENARIOS,
                    *(eddsa.public_key(k) for k in keys))
        self.contract = deploy_l1(workdir, g, clock=lambda: T0)
        self.contract.publish_oracle_table(build_oracle_table(self.market, T0, SPOT, VOL), now=T0)
        self.op = Operator(workdir, self.contract, g, batch_size=args.batch_size, clock=lambda: T0,
                           auto_prove=False)
        indices = rng.sample(range(FIRST_USER, 1 << args.account_depth), args.accounts)
        self.priv = {i: rng.randbytes(32) for i in indices}
        for n, i in enumerate(indices):
            addr = 0xB000 + n
            self.contract.mint(addr, FUNDS)
            self.contract.deposit(addr, i, *eddsa.public_key(self.priv[i]), FUNDS, now=T0)
        self.op.sync()
        self.makers = indices[:args.makers]
        self.takers = indices[args.makers:]
        self.next_id = {i: 1 for i in indices}
        self.marks = list(self.op.state.oracle.mark)

    def order(self, acct: int, slot: int, side: int, size: int, price: int) -> object:
        oid = self.next_id[acct]
        self.next_id[acct] += 1
        return Order(acct, slot, side, size, price, 10, oid, T0 + DAY, self.market[slot].id,
                     self.market.deployment_id).sign(self.priv[acct])

    def burst(self, rng: random.Random, taker_share: float = 1.0, quote_size: int = 4) -> list:
        """Quotes from every maker on every instrument, then takers crossing `taker_share` of
        the quoted size, in random order."""
        quotes, takers = [], []
        for slot in range(4):
            mark = self.marks[slot]
            tick = max(1, mark // 1000)
            for side in (BUY, SELL):
                for n, m in enumerate(self.makers):
                    off = (1 + (n + rng.randrange(3)) % 5) * tick
                    price = mark - off if side == BUY else mark + off
                    quotes.append(self.order(m, slot, side, quote_size, price))
                left = round(quote_size * len(self.makers) * taker_share)
                while left > 0:
                    size = min(left, rng.randint(1, 4))
                    left -= size
                    limit = mark + 20 * tick if side == SELL else max(0, mark - 20 * tick)
                    takers.append(self.order(rng.choice(self.takers), slot, SELL - side + BUY, size, limit))
        rng.shuffle(takers)
        return quotes + takers


# --- timing of the parts --------------------------------------------------------------------

_wrapped: list = []


def uninstrument() -> None:
    while _wrapped:
        owner, name, fn = _wrapped.pop()
        setattr(owner, name, fn)


class Timers:
    """Exclusive time per part (wall and CPU): a wrapped call's time minus the time of the
    wrapped calls inside it."""

    def __init__(self):
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.stack: list[list[float]] = []

    def wrap(self, owner, name: str, part: str) -> None:
        fn = getattr(owner, name)
        _wrapped.append((owner, name, fn))
        timers = self
        clock, cpu_clock = time.perf_counter, time.process_time

        def timed(*a, **kw):
            timers.stack.append([0.0, 0.0])
            t0, c0 = clock(), cpu_clock()
            try:
                return fn(*a, **kw)
            finally:
                dt, dc = clock() - t0, cpu_clock() - c0
                inner = timers.stack.pop()
                timers.wall[part] = timers.wall.get(part, 0.0) + dt - inner[0]
                timers.cpu[part] = timers.cpu.get(part, 0.0) + dc - inner[1]
                timers.calls[part] = timers.calls.get(part, 0) + 1
                if timers.stack:
                    timers.stack[-1][0] += dt
                    timers.stack[-1][1] += dc

        setattr(owner, name, timed)


def instrument(timers: Timers) -> None:
    """Wrap the functions each part of the admission path spends its time in."""
    import zkrollup.operator.orders as orders
    import zkrollup.ops.trade as trade
    import zkrollup.risk as risk
    from zkrollup.batch_builder import BatchBuilder
    from zkrollup.matching import Book
    from zkrollup.operator.journal import Journal
    from zkrollup.operator.sequencer import Sequencer
    from zkrollup.ops.messages import Order as Ord

    timers.wrap(signatures, "verify", "signature")         # the one check (messages.verify calls it)
    timers.wrap(signatures, "verify_many", "signature")
    timers.wrap(Ord, "message", "message_hash")
    for name in ("equities", "passes_initial", "reduces_risk"):
        timers.wrap(trade, name, "margin")
    timers.wrap(Book, "match", "matching")
    timers.wrap(orders, "admit", "admission")
    timers.wrap(BatchBuilder, "apply", "native_apply")
    timers.wrap(Sequencer, "seal", "seal")
    timers.wrap(Sequencer, "write_journal", "journal")
    for name in ("receive", "receive_many"):
        timers.wrap(Journal, name, "journal")
    timers.wrap(Sequencer, "sync", "l1_sync")
    for name in ("submit", "submit_many"):
        timers.wrap(Operator, name, "other")
    del risk


# --- the run ------------------------------------------------------------------------------------

@contextmanager
def cpu_and_wall():
    out = {}
    t0, c0 = time.perf_counter(), time.process_time()
    yield out
    out["wall"], out["cpu"] = time.perf_counter() - t0, time.process_time() - c0


def submit_all(op, orders: list, mode: str) -> int:
    """Submit orders one by one (`submit`) or as one burst (`submit_many`); how many were refused."""
    if mode == "burst":
        return sum(isinstance(r, Exception) for r in op.submit_many(orders))
    refused = 0
    for so in orders:
        try:
            op.submit(so)
        except Exception:                                # noqa: BLE001 (counted, not expected)
            refused += 1
    return refused


def run(args, mode: str, timed_parts: bool = False, profile: str | None = None) -> dict:
    rng = random.Random(args.seed)
    signatures.forget()                                 # each run starts with no remembered verdict
    with tempfile.TemporaryDirectory(prefix="bench-operator-") as d:
        t0 = time.perf_counter()
        rig = Rig(Path(d), args, rng)
        submit_all(rig.op, rig.burst(rng, args.taker_share), mode)    # warm-up: JIT, caches, a book
        bursts = [rig.burst(rng, args.taker_share) for _ in range(args.bursts)]
        setup_s = time.perf_counter() - t0
        order_messages._order_message.cache_clear()     # signing hashed them: admission must again
        timers = Timers()
        if timed_parts:
            instrument(timers)
        ops0 = sum(len(sb.ops) for sb in rig.op.sealed) + len(rig.op.builder)
        prof = None
        if profile:
            import cProfile
            prof = cProfile.Profile()
            prof.enable()
        with cpu_and_wall() as t:
            refused = sum(submit_all(rig.op, b, mode) for b in bursts)
        if prof is not None:
            prof.disable()
            prof.dump_stats(profile)
        ops = sum(len(sb.ops) for sb in rig.op.sealed) + len(rig.op.builder) - ops0
        n = sum(len(b) for b in bursts)
        out = {"mode": mode, "orders": n, "refused": refused, "trades": ops, "seconds": round(t["wall"], 3),
               "cpu_seconds": round(t["cpu"], 3), "orders_per_s": round(n / t["wall"], 1),
               "trades_per_s": round(ops / t["wall"], 1), "orders_per_cpu_s": round(n / t["cpu"], 1),
               "book_after": len(rig.op.book), "setup_seconds": round(setup_s, 1)}
        if timed_parts:
            uninstrument()
            for what, parts in (("wall", timers.wall), ("cpu", timers.cpu)):
                out[f"breakdown_{what}_us_per_order"] = {k: round(v / n * 1e6, 1) for k, v in
                                                         sorted(parts.items(), key=lambda kv: -kv[1])}
            out["calls"] = dict(timers.calls)
        rig.op.close()
        rig.contract.close()
        return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--makers", type=int, default=8)
    ap.add_argument("--bursts", type=int, default=8)
    ap.add_argument("--taker-share", type=float, default=1.0,
                    help="share of the quoted size takers cross per burst (1: every quote trades)")
    ap.add_argument("--account-depth", type=int, default=24)
    ap.add_argument("--order-depth", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--modes", default="burst",
                    help="comma-separated: burst (a burst per `submit_many`), single (`submit` per order); "
                         "the first gives orders_per_s and the breakdown")
    ap.add_argument("--profile", help="also write cProfile stats of the burst run here")
    ap.add_argument("--no-breakdown", action="store_true", help="skip the instrumented run")
    args = ap.parse_args(argv)
    res = {"machine": platform.machine(), "python": platform.python_version(),
           "numba_threads": os.environ.get("NUMBA_NUM_THREADS"), "accounts": args.accounts,
           "makers": args.makers, "taker_share": args.taker_share, "account_depth": args.account_depth,
           "order_depth": args.order_depth, "batch_size": args.batch_size}
    modes = args.modes.split(",")
    if not set(modes) <= {"burst", "single"}:
        ap.error("--modes takes burst and/or single")
    for i, mode in enumerate(modes):
        res[mode] = run(args, mode, profile=args.profile if i == 0 else None)
    res["orders_per_s"] = res[modes[0]]["orders_per_s"]
    if not args.no_breakdown:
        timed = run(args, modes[0], timed_parts=True)
        res["breakdown"] = timed["breakdown_cpu_us_per_order"]
        res["timed_run"] = timed
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
