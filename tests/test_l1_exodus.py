"""Exodus on the EVM (verifier/contracts/exodus.vy with the rollup and the queue): once a
queue entry is overdue, each account claims once against the last accepted root with its
leaf (circuits.spec.accounts, with its owner) and Merkle path (the 4-ary tree of
circuits.spec.tree), valued at the last accepted table's marks; after the claim period
the claims are paid to their owners pro rata when they exceed the pool, whatever the
order of claims and withdrawals; late claims get only what is left; bad claims change
nothing."""
import dataclasses
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from circuits.poseidon import poseidon
from circuits.spec import tree as spec_tree
from circuits.spec.accounts import account_leaf_of
from circuits.spec.state import oi_hash, state_root
from circuits.spec.tables import OracleTable
from verifier.contract_spec import EXODUS_CLAIM_PERIOD
from verifier.evm import ExecutionFailed
from verifier.l1_client import BatchRejected, ContractError, ExitLeaf, ExitRejected, Reason, address_int

from l1_helpers import ALICE, BOB, CAROL, GOV, PK, USD, Rig, deposit_record, noop, snapshot

OI = [3, 0, 2, 0]
PENDING = 30 * USD          # a queued deposit never consumed: outside the pool, reclaimable


def Leaf(*args) -> ExitLeaf:
    return ExitLeaf(*args)


def leaf_hash(leaf: ExitLeaf) -> int:
    return account_leaf_of(leaf.pk_x, leaf.pk_y, leaf.nonce, leaf.cash, leaf.sizes, leaf.orders_root, leaf.owner)


class Tree:
    """A sparse 4-ary Poseidon tree (circuits.spec.tree) of the given depth in bits, every
    node hashed from its children on demand."""

    def __init__(self, depth: int):
        self.depth, self.levels, self.leaves = depth, spec_tree.levels(depth), {}

    def node(self, level: int, index: int) -> int:
        if level == 0:
            return self.leaves.get(index, 0)
        if not any(i >> (2 * level) == index for i in self.leaves):
            return spec_tree.default_node(level)
        return poseidon([self.node(level - 1, 4 * index + j) for j in range(4)])

    def root(self) -> int:
        return self.node(self.levels, 0)

    def path(self, index: int) -> list[int]:
        out = []
        for k in range(self.levels):
            p = index >> (2 * k)
            out += [self.node(k, (p & ~3) + pos) for pos in spec_tree.sibling_positions(p & 3)]
        return out


def expected_payouts(period: dict[int, int], late: list[tuple[int, int]], pool: int) -> dict[int, int]:
    """The rule (docs/l1.md, "Exodus"), plainly: period claims {account: worth} share the
    pool pro rata (floor) when they exceed it; late claims [(account, worth)] in withdrawal
    order get what is left after every period claim, first come first served."""
    total = sum(period.values())
    out = {a: (w * pool // total if total > pool else w) for a, w in period.items()}
    left = pool - min(pool, total)
    for a, w in late:
        out[a] = min(w, left)
        left -= out[a]
    return out


@dataclasses.dataclass
class World:
    """A rig whose last accepted root holds `accts`, with `pool` tokens for them and a
    queued deposit of PENDING, in exodus mode (a moment after activation)."""
    rig: Rig
    tree: Tree
    accts: dict
    table: OracleTable
    pending: int            # the queued deposit's index

    @classmethod
    def open(cls, accts: dict, pool: int, acc_depth: int = 8) -> "World":
        rig = Rig(acc_depth=acc_depth)
        tree = Tree(acc_depth)
        for i, leaf in accts.items():
            tree.leaves[i] = leaf_hash(leaf)
        root = state_root(tree.root(), oi_hash(OI))
        tid = rig.publish()
        if pool:
            rig.l1.mint(ALICE, pool, sender=GOV)
            rig.deposit(ALICE, 5, pool)
            rig.submit([deposit_record(5, pool)], root, tid)
        else:
            rig.submit([noop()], root, tid)
        pending = rig.deposit(CAROL, 9, PENDING)
        assert rig.l1.tick(rig.l1.queue()[-1]["deadline"] + 1) is True
        assert rig.l1.collateral == pool + PENDING
        return cls(rig, tree, dict(accts), OracleTable.decode(rig.l1.oracle_table(tid)["encoded"]), pending)

    def reclaim(self) -> int:
        return self.rig.l1.reclaim_deposit(self.pending, sender=CAROL)

    def worth(self, i: int) -> int:
        leaf = self.accts[i]
        return max(0, leaf.cash + sum(s * m for s, m in zip(leaf.sizes, self.table.mark)))

    def claim(self, i: int, now=None, **leaf_changes) -> int:
        leaf = dataclasses.replace(self.accts[i], **leaf_changes)
        return self.rig.l1.claim(i, leaf, self.tree.path(i), oi_hash(OI), self.table, sender=CAROL, now=now)

    def end_period(self) -> None:
        self.rig.chain.set_next_timestamp(self.rig.l1.claim_end)

    def withdraw(self, i: int) -> tuple[int, int]:
        """(amount paid, what the owner received)."""
        owner = self.accts[i].owner
        before = self.rig.l1.l1_balance(owner)
        paid = self.rig.l1.withdraw_exit(i, sender=BOB)
        return paid, self.rig.l1.l1_balance(owner) - before


# The scenario: N never traded (1,000 USD); W is long 200 calls, U short 200 calls
# with too little cash (worth -159 USD). First come, first served paid W in full and N
# only 841 USD of its 1,000.
MARK0 = 1_200_000           # spec_fixtures.oracle_table's mark of the call (instrument 0)
N, W, U = 6, 5, 7
UNDERWATER = {N: Leaf(*PK, 1, 1000 * USD, (0, 0, 0, 0), 0, address_int(BOB)),
              W: Leaf(*PK, 3, 500 * USD, (200, 0, 0, 0), 77, address_int(ALICE)),
              U: Leaf(*PK, 2, 200 * MARK0 - 159 * USD, (-200, 0, 0, 0), 0, address_int(CAROL))}
UNDERWATER_POOL = sum(leaf.cash for leaf in UNDERWATER.values())        # every cash unit is on L1


def test_the_underwater_scenario_is_the_one_where_fcfs_paid_841_of_1000():
    w = World.open(UNDERWATER, UNDERWATER_POOL)
    assert w.table.mark[0] == MARK0
    worths = {i: w.worth(i) for i in UNDERWATER}
    assert worths == {N: 1000 * USD, W: 740 * USD, U: 0}
    assert UNDERWATER_POOL - worths[W] == 841 * USD          # what N got when W exited first
    assert [w.claim(i) for i in (W, U, N)] == [worths[i] for i in (W, U, N)]


def test_a_never_traded_account_gets_the_same_whatever_the_order():
    """Claims and withdrawals in opposite orders pay N (and W) the same: worth * pool // total."""
    paid = []
    for order in ((W, U, N), (N, U, W)):
        w = World.open(UNDERWATER, UNDERWATER_POOL)
        for i in order:
            w.claim(i)
        w.end_period()
        paid.append({i: w.withdraw(i) for i in order})
    total = 1740 * USD
    want = {N: 1000 * USD * UNDERWATER_POOL // total, W: 740 * USD * UNDERWATER_POOL // total, U: 0}
    assert paid[0] == paid[1] == {i: (v, v) for i, v in want.items()}
    assert want[N] == 908_620_689                                    # not 841 USD


def test_an_underwater_shorts_deficit_is_shared_pro_rata():
    w = World.open(UNDERWATER, UNDERWATER_POOL)
    for i in (U, W, N):
        w.claim(i)
    assert w.rig.l1.claim_of(U) == {"owner": address_int(CAROL), "worth": 0, "late": False, "withdrawn": False}
    assert w.rig.l1.total_claimed == 1740 * USD and w.rig.l1.exodus_pool == UNDERWATER_POOL
    w.end_period()
    paid = {i: w.withdraw(i)[0] for i in (N, U, W)}
    deficit = 1740 * USD - UNDERWATER_POOL                               # U's 159 USD
    assert deficit == 159 * USD
    for i in (N, W):                                                     # each loses deficit * worth / total
        loss = w.worth(i) - paid[i]
        assert abs(loss * 1740 * USD - deficit * w.worth(i)) < 1740 * USD
    assert paid[U] == 0
    dust = UNDERWATER_POOL - sum(paid.values())
    assert 0 <= dust < len(paid) and w.rig.l1.collateral == PENDING + dust
    assert w.rig.l1.exits()[N] == {"owner": address_int(BOB), "worth": 1000 * USD, "late": False,
                                   "claimed_at": w.rig.l1.exits()[N]["claimed_at"], "paid": paid[N],
                                   "paid_at": w.rig.l1.exits()[N]["paid_at"]}
    assert w.reclaim() == PENDING


@pytest.fixture
def world():
    """Alice (account 5: cash, long 3 calls, short 2 futures), Bob (6: cash only), a special
    account 0 (owner 0); the rollup holds 400 USD for them."""
    accts = {5: Leaf(*PK, 3, 200 * USD, (3, 0, -2, 0), 77, address_int(ALICE)),
             6: Leaf(*PK, 1, 40 * USD, (0, 0, 0, 0), 0, address_int(BOB)),
             0: Leaf(*PK, 0, 5 * USD, (0, 0, 0, 0), 0, 0)}
    return World.open(accts, 400 * USD)


def test_claims_record_the_worth_at_the_last_marks_and_pay_nothing(world):
    l1 = world.rig.l1
    value = 200 * USD + 3 * world.table.mark[0] - 2 * world.table.mark[2]
    assert 0 < value < 400 * USD and world.worth(5) == value
    before = l1.collateral
    assert world.claim(5) == value
    assert l1.claim_of(5) == {"owner": address_int(ALICE), "worth": value, "late": False, "withdrawn": False}
    assert l1.claim_of(6) is None and l1.collateral == before
    # no positions: no table needed
    assert l1.claim(6, world.accts[6], world.tree.path(6), oi_hash(OI), None, sender=CAROL) == 40 * USD
    assert l1.total_claimed == value + 40 * USD and l1.exit_due(5) == value


def test_an_account_claims_once_and_is_paid_once(world):
    l1 = world.rig.l1
    world.claim(5)
    before = snapshot(world.rig.chain)
    with pytest.raises(ExitRejected, match="already claimed"):
        world.claim(5)
    assert snapshot(world.rig.chain) == before
    world.end_period()
    a = l1.l1_balance(ALICE)
    assert world.withdraw(5) == (world.worth(5), world.worth(5))
    before = snapshot(world.rig.chain)
    for i, match in ((5, "already withdrawn"), (6, "has not claimed")):
        with pytest.raises(ExitRejected, match=match):
            l1.withdraw_exit(i, sender=BOB)
    with pytest.raises(ExitRejected, match="already claimed"):
        world.claim(5)
    assert snapshot(world.rig.chain) == before and l1.l1_balance(ALICE) == a + world.worth(5)
    assert l1.claim_of(5)["withdrawn"] and l1.exit_due(5) == 0


def test_no_withdrawal_before_the_claim_period_ends(world):
    l1 = world.rig.l1
    world.claim(6)
    assert l1.claim_end == l1.rollup.call("exodus_since") + EXODUS_CLAIM_PERIOD
    world.rig.chain.set_next_timestamp(l1.claim_end - 2)
    before = snapshot(world.rig.chain)
    with pytest.raises(ExitRejected, match="claim period has not ended"):
        l1.withdraw_exit(6, sender=BOB)
    assert snapshot(world.rig.chain) == before
    world.claim(5, now=l1.claim_end - 1)                     # the last second of the period
    assert l1.claim_of(5)["late"] is False
    assert world.withdraw(6) == (40 * USD, 40 * USD)


@pytest.mark.parametrize("pool_usd, late_paid_usd", [(100, 0), (1400, 200), (1500, 300), (1700, 300)])
def test_a_late_claim_cannot_reduce_period_payouts(pool_usd, late_paid_usd):
    """Period claims of 1,000 and 200 USD; a late claim of 300 USD, withdrawn before them,
    gets only pool - min(pool, 1,200 USD) (capped at its worth); the period payouts are what
    they would be without it. 1,700 USD: a second late claim (300 USD) finds 200 left."""
    accts = {1: Leaf(*PK, 0, 1000 * USD, (0,) * 4, 0, address_int(ALICE)),
             2: Leaf(*PK, 0, 200 * USD, (0,) * 4, 0, address_int(BOB)),
             3: Leaf(*PK, 0, 300 * USD, (0,) * 4, 0, address_int(CAROL)),
             4: Leaf(*PK, 0, 300 * USD, (0,) * 4, 0, address_int(CAROL))}
    pool = pool_usd * USD
    w = World.open(accts, pool)
    w.claim(1)
    w.claim(2)
    w.end_period()
    assert w.claim(3) == 300 * USD and w.rig.l1.claim_of(3)["late"] is True
    assert w.rig.l1.total_claimed == 1200 * USD
    late = [(3, 300 * USD)]
    got = {3: w.withdraw(3)[0]}
    if pool_usd == 1700:
        w.claim(4)
        late.append((4, 300 * USD))
        got[4] = w.withdraw(4)[0]
    got.update({i: w.withdraw(i)[0] for i in (1, 2)})
    assert got == expected_payouts({1: 1000 * USD, 2: 200 * USD}, late, pool) and got[3] == late_paid_usd * USD
    assert {i: got[i] for i in (1, 2)} == expected_payouts({1: 1000 * USD, 2: 200 * USD}, [], pool)
    if pool_usd == 1700:
        assert got[4] == 200 * USD
    assert sum(got.values()) <= pool and w.rig.l1.rollup.call("exodus") is True
    assert w.reclaim() == PENDING


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cash=st.lists(st.integers(-300 * USD, 2000 * USD), min_size=2, max_size=6),
       pool=st.integers(0, 6000 * USD), n_late=st.integers(0, 2), seed=st.integers(0, 2**32))
def test_total_paid_never_exceeds_the_pool_in_any_order(cash, pool, n_late, seed):
    """Random worths (some accounts in deficit), pools above and below the claims, some
    claims late, claims and withdrawals in a random order: each payout is the rule's
    (expected_payouts), the payouts never exceed the pool, the queued deposit stays whole."""
    rnd = random.Random(seed)
    owners = (ALICE, BOB, CAROL)
    accts = {i + 1: Leaf(*PK, 0, c, (0,) * 4, 0, address_int(owners[i % 3])) for i, c in enumerate(cash)}
    w = World.open(accts, pool)
    order = list(accts)
    rnd.shuffle(order)
    n_late = min(n_late, len(order) - 1)
    period, late = order[:len(order) - n_late], order[len(order) - n_late:]
    for i in period:
        w.claim(i)
    w.end_period()
    steps = [("w", i) for i in period] + [("c", i) for i in late]
    rnd.shuffle(steps)
    steps += [("w", i) for i in late]                    # a late claim is withdrawn after it is made
    got, late_order = {}, []
    for op, i in steps:
        if op == "c":
            w.claim(i)
        else:
            got[i] = w.withdraw(i)[0]
            if i in late:
                late_order.append((i, w.worth(i)))
    want = expected_payouts({i: w.worth(i) for i in period}, late_order, pool)
    assert got == want
    assert sum(got.values()) <= pool and w.rig.l1.collateral == pool - sum(got.values()) + PENDING
    assert w.reclaim() == PENDING


def test_a_claim_worth_more_than_the_pool_gets_the_pool_and_deposits_stay_reclaimable(world):
    rich = dataclasses.replace(world.accts[6], cash=10**9 * USD)
    accts = {**world.accts, 6: rich}
    w = World.open(accts, 400 * USD)
    assert w.claim(6) == 10**9 * USD
    w.end_period()
    assert w.withdraw(6) == (400 * USD, 400 * USD) and w.rig.l1.collateral == PENDING
    assert w.reclaim() == PENDING and w.rig.l1.collateral == 0


@pytest.mark.parametrize("change, match", [
    (dict(cash=201 * USD), "not in the last accepted state root"),
    (dict(sizes=(4, 0, -2, 0)), "not in the last accepted state root"),
    (dict(owner=address_int(BOB)), "not in the last accepted state root"),
    (dict(nonce=4), "not in the last accepted state root"),
])
def test_a_leaf_that_is_not_in_the_root_is_refused(world, change, match):
    before = snapshot(world.rig.chain)
    with pytest.raises(ExitRejected, match=match):
        world.claim(5, **change)
    assert snapshot(world.rig.chain) == before


def test_a_wrong_path_table_special_account_or_account_is_refused(world):
    l1, tree, accts, t = world.rig.l1, world.tree, world.accts, world.table
    before = snapshot(world.rig.chain)
    leaf = accts[5]
    bad_path = tree.path(5)
    bad_path[3] ^= 1
    for args, match in [((5, leaf, bad_path, oi_hash(OI), t), "not in the last accepted state root"),
                        ((5, leaf, tree.path(5), oi_hash(OI) + 1, t), "not in the last accepted state root"),
                        ((7, leaf, tree.path(5), oi_hash(OI), t), "not in the last accepted state root"),
                        ((5, leaf, tree.path(5)[:-1], oi_hash(OI), t), "3 siblings per tree level"),
                        ((5, leaf, tree.path(5), oi_hash(OI), None), "not the last accepted batch's oracle table"),
                        ((0, accts[0], tree.path(0), oi_hash(OI), None), "special account")]:
        with pytest.raises(ContractError, match=match):
            l1.claim(*args, sender=CAROL)
    other = dataclasses.replace(t, spot=t.spot + 1)
    with pytest.raises(ContractError, match="not the last accepted batch's oracle table"):
        l1.claim(5, leaf, tree.path(5), oi_hash(OI), other, sender=CAROL)
    world.end_period()
    with pytest.raises(ContractError, match="special account"):             # late: still refused
        l1.claim(0, accts[0], tree.path(0), oi_hash(OI), None, sender=CAROL)
    assert snapshot(world.rig.chain) == before
    assert l1.claim_of(0) is None and l1.total_claimed == 0


def test_no_claim_before_exodus_and_no_batch_or_deposit_after():
    rig = Rig()
    tid = rig.publish()
    for call in (lambda: rig.l1.claim(5, Leaf(*PK, 0, 0, (0,) * 4, 0, address_int(ALICE)),
                                      [0] * spec_tree.path_length(rig.acc_depth), 0, sender=ALICE),
                 lambda: rig.l1.withdraw_exit(5, sender=ALICE)):
        with pytest.raises(ExitRejected, match="not in exodus mode"):
            call()
    assert rig.l1.claim_end is None and rig.l1.rollup.call("exodus_since") == 0
    rig.deposit(ALICE, 5, USD)
    rig.chain.set_next_timestamp(rig.l1.queue()[0]["deadline"] + 1)
    rig.l1.activate_exodus(sender=BOB)
    assert rig.l1.rollup.call("exodus_since") == rig.l1.now
    assert rig.l1.claim_end == rig.l1.now + EXODUS_CLAIM_PERIOD
    with pytest.raises(BatchRejected) as e:
        rig.submit([deposit_record(5, USD)], 5, tid)
    assert e.value.reason == Reason.EXODUS
    with pytest.raises(ContractError, match="exodus"):
        rig.deposit(BOB, 6, USD)
    with pytest.raises(ContractError, match="exodus"):
        rig.l1.register_market(rig.market)
    with pytest.raises(ExecutionFailed, match="only the exodus contract or the queue"):
        rig.l1.rollup.transact("release", ALICE, 1, sender=ALICE)


@pytest.mark.parametrize("acc_depth", [7, 8])
def test_claims_verify_4ary_paths_for_every_digit_and_odd_depths(acc_depth):
    """Accounts whose index digits take every value 0..3 (and the top half level of an odd
    depth) claim against one root; the path the contract checks is circuits.spec.tree's."""
    top = 2 ** acc_depth - 1
    accts = {i: Leaf(*PK, i % 5, (1 + i % 50) * USD, (0, 0, 0, 0), 0, address_int(who))
             for i, who in ((0b11100100, ALICE), (0b00011011, BOB), (top, CAROL), (top - 1, ALICE))
             if i < 2 ** acc_depth}
    w = World.open(accts, 400 * USD, acc_depth=acc_depth)
    for i in accts:
        assert spec_tree.root_from_path(w.tree.leaves[i], i, w.tree.path(i), acc_depth) == w.tree.root()
        assert w.rig.l1.claim(i, accts[i], w.tree.path(i), oi_hash(OI), None, sender=CAROL) == (1 + i % 50) * USD
