"""Exodus on the EVM (verifier/contracts/exodus.vy with the rollup and the queue): once a
queue entry is overdue, each account exits once against the last accepted root with its
leaf (circuits.spec.accounts, with its owner) and Merkle path (the 4-ary tree of
circuits.spec.tree), valued at the last accepted table's marks, paid to its owner; bad
exits change nothing."""
import dataclasses

import pytest

from circuits.poseidon import poseidon
from circuits.spec import tree as spec_tree
from circuits.spec.accounts import account_leaf_of
from circuits.spec.state import oi_hash, state_root
from verifier.evm import ExecutionFailed
from circuits.spec.tables import OracleTable
from verifier.l1_client import BatchRejected, ContractError, ExitLeaf, ExitRejected, Reason, address_int

from l1_helpers import ALICE, BOB, CAROL, PK, USD, Rig, deposit_record, snapshot


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


OI = [3, 0, 2, 0]


@pytest.fixture
def world():
    """Alice (account 5: cash, long 3 calls, short 2 futures), Bob (6: cash only), a special
    account 0 (owner 0): the rollup accepts that state, then a forced request goes overdue."""
    rig = Rig()
    tree = Tree(rig.acc_depth)
    accts = {5: Leaf(*PK, 3, 200 * USD, (3, 0, -2, 0), 77, address_int(ALICE)),
             6: Leaf(*PK, 1, 40 * USD, (0, 0, 0, 0), 0, address_int(BOB)),
             0: Leaf(*PK, 0, 5 * USD, (0, 0, 0, 0), 0, 0)}
    for i, leaf in accts.items():
        tree.leaves[i] = leaf_hash(leaf)
    root = state_root(tree.root(), oi_hash(OI))
    tid = rig.publish()
    rig.deposit(ALICE, 5, 400 * USD)
    rig.submit([deposit_record(5, 400 * USD)], root, tid)
    rig.deposit(CAROL, 9, 30 * USD)                 # queued, never consumed
    rig.l1.request_forced_withdrawal(6, BOB, USD)
    assert rig.l1.tick(rig.l1.queue()[-1]["deadline"] + 1) is True
    return rig, tree, accts, tid


def exit_(rig, tree, accts, i, table=True, **leaf_changes):
    leaf = dataclasses.replace(accts[i], **leaf_changes)
    t = OracleTable.decode(rig.l1.oracle_table(rig.l1.last_oracle_table_id)["encoded"]) if table else None
    return rig.l1.exit(i, leaf, tree.path(i), oi_hash(OI), t, sender=CAROL)


def test_exits_pay_each_owner_its_value_at_the_last_marks_once(world):
    rig, tree, accts, tid = world
    marks = OracleTable.decode(rig.l1.oracle_table(tid)["encoded"]).mark
    a, b = rig.l1.l1_balance(ALICE), rig.l1.l1_balance(BOB)
    value = 200 * USD + 3 * marks[0] - 2 * marks[2]
    assert 0 < value < rig.l1.collateral
    assert exit_(rig, tree, accts, 5) == value
    assert rig.l1.l1_balance(ALICE) == a + value and rig.l1.exited(5)
    assert exit_(rig, tree, accts, 6, table=False) == 40 * USD       # no positions: no table needed
    assert rig.l1.l1_balance(BOB) == b + 40 * USD
    assert rig.l1.exits()[5]["paid"] == value and rig.l1.exits()[6]["owner"] == address_int(BOB)
    with pytest.raises(ExitRejected, match="already exited"):
        exit_(rig, tree, accts, 5)
    # the queued deposit stays reclaimable
    assert rig.l1.reclaim_deposit(1, sender=CAROL) == 30 * USD


@pytest.mark.parametrize("change, match", [
    (dict(cash=201 * USD), "not in the last accepted state root"),
    (dict(sizes=(4, 0, -2, 0)), "not in the last accepted state root"),
    (dict(owner=address_int(BOB)), "not in the last accepted state root"),
    (dict(nonce=4), "not in the last accepted state root"),
])
def test_a_leaf_that_is_not_in_the_root_is_refused(world, change, match):
    rig, tree, accts, _ = world
    before = snapshot(rig.chain)
    with pytest.raises(ExitRejected, match=match):
        exit_(rig, tree, accts, 5, **change)
    assert snapshot(rig.chain) == before


def test_a_wrong_path_table_or_account_is_refused(world):
    rig, tree, accts, _ = world
    before = snapshot(rig.chain)
    leaf = accts[5]
    t = OracleTable.decode(rig.l1.oracle_table(rig.l1.last_oracle_table_id)["encoded"])
    bad_path = tree.path(5)
    bad_path[3] ^= 1
    for args, match in [((5, leaf, bad_path, oi_hash(OI), t), "not in the last accepted state root"),
                        ((5, leaf, tree.path(5), oi_hash(OI) + 1, t), "not in the last accepted state root"),
                        ((7, leaf, tree.path(5), oi_hash(OI), t), "not in the last accepted state root"),
                        ((5, leaf, tree.path(5)[:-1], oi_hash(OI), t), "3 siblings per tree level"),
                        ((5, leaf, tree.path(5), oi_hash(OI), None), "not the last accepted batch's oracle table"),
                        ((0, accts[0], tree.path(0), oi_hash(OI), None), "special account")]:
        with pytest.raises(ContractError, match=match):
            rig.l1.exit(*args, sender=CAROL)
    other = dataclasses.replace(t, spot=t.spot + 1)
    with pytest.raises(ContractError, match="not the last accepted batch's oracle table"):
        rig.l1.exit(5, leaf, tree.path(5), oi_hash(OI), other, sender=CAROL)
    assert snapshot(rig.chain) == before


def test_no_exit_before_exodus_and_no_batch_or_deposit_after():
    rig = Rig()
    tid = rig.publish()
    with pytest.raises(ExitRejected, match="not in exodus mode"):
        rig.l1.exit(5, Leaf(*PK, 0, 0, (0,) * 4, 0, address_int(ALICE)), [0] * spec_tree.path_length(rig.acc_depth),
                    0, sender=ALICE)
    rig.deposit(ALICE, 5, USD)
    rig.chain.set_next_timestamp(rig.l1.queue()[0]["deadline"] + 1)
    rig.l1.activate_exodus(sender=BOB)
    with pytest.raises(BatchRejected) as e:
        rig.submit([deposit_record(5, USD)], 5, tid)
    assert e.value.reason == Reason.EXODUS
    with pytest.raises(ContractError, match="exodus"):
        rig.deposit(BOB, 6, USD)
    with pytest.raises(ContractError, match="exodus"):
        rig.l1.register_market(rig.market)
    with pytest.raises(ExecutionFailed, match="only the exodus contract or the queue"):
        rig.l1.rollup.transact("release", ALICE, 1, sender=ALICE)


def test_exits_never_touch_the_queued_deposits(world):
    """An account worth more than the free funds gets only what is free; queued deposits
    stay for their depositors."""
    rig, tree, accts, _ = world
    rich = dataclasses.replace(accts[6], cash=10**9 * USD)
    tree.leaves[6] = leaf_hash(rich)
    # a second world whose root holds the rich leaf
    r2 = Rig()
    root = state_root(tree.root(), oi_hash(OI))
    tid = r2.publish()
    r2.deposit(ALICE, 5, 400 * USD)
    r2.submit([deposit_record(5, 400 * USD)], root, tid)
    r2.deposit(CAROL, 9, 30 * USD)
    r2.chain.set_next_timestamp(r2.l1.queue()[-1]["deadline"] + 1)
    r2.l1.activate_exodus(sender=CAROL)
    paid = r2.l1.exit(6, rich, tree.path(6), oi_hash(OI), None, sender=CAROL)
    assert paid == 400 * USD and r2.l1.collateral == 30 * USD
    assert r2.l1.reclaim_deposit(1, sender=CAROL) == 30 * USD


@pytest.mark.parametrize("acc_depth", [7, 8])
def test_exits_verify_4ary_paths_for_every_digit_and_odd_depths(acc_depth):
    """Accounts whose index digits take every value 0..3 (and the top half level of an odd
    depth) exit against one root; the path the contract checks is circuits.spec.tree's."""
    rig = Rig(acc_depth=acc_depth)
    tree = Tree(acc_depth)
    top = 2 ** acc_depth - 1
    accts = {i: Leaf(*PK, i % 5, (1 + i % 50) * USD, (0, 0, 0, 0), 0, address_int(who))
             for i, who in ((0b11100100, ALICE), (0b00011011, BOB), (top, CAROL), (top - 1, ALICE))
             if i < 2 ** acc_depth}
    for i, leaf in accts.items():
        tree.leaves[i] = leaf_hash(leaf)
        assert spec_tree.root_from_path(tree.leaves[i], i, tree.path(i), acc_depth) == tree.root()
    tid = rig.publish()
    rig.deposit(ALICE, 5, 400 * USD)
    rig.submit([deposit_record(5, 400 * USD)], state_root(tree.root(), oi_hash(OI)), tid)
    rig.l1.request_forced_withdrawal(6, BOB, USD)
    assert rig.l1.tick(rig.l1.queue()[-1]["deadline"] + 1) is True
    for i, leaf in accts.items():
        assert rig.l1.exit(i, leaf, tree.path(i), oi_hash(OI), None, sender=CAROL) == (1 + i % 50) * USD
