"""Forced close through L1 (verifier/contracts/priority_queue.vy `request_forced_close`, the
exodus contract's `proven_owner`, rollup.vy's forced_close records; circuits.spec.priority,
"Forced close"): the owner of an account queues an entry of kind 3 (amount 0, no key, the
requester's address) of the spec's chain by opening the account's leaf in the current
state root; every request no batch could serve is refused with nothing changed (another
sender, a leaf or path that does not open, an opening of an older root, the special
accounts, an index outside the tree, a wrong fee, too many pending forced requests,
exodus); an unserved request past its deadline lets anyone start exodus; a batch serves it
with a forced_close record, which must meet an entry of that kind, and pays nothing."""
from __future__ import annotations

import dataclasses
import types

import pytest

from circuits.field import R
from circuits.spec.accounts import SPECIAL_OWNER
from circuits.spec.priority import FORCED_CLOSE_REFUSED, KIND_FORCED_CLOSE, forced_close_entry
from circuits.spec.state import oi_hash, state_root
from verifier.calldata import BatchCalldata
from verifier.evm import ExecutionFailed
from verifier.l1_client import (BatchRejected, ContractError, ExitLeaf, LeafOpening, Reason, address_int, as_address,
                                leaf_opening)
from zkrollup.account import AccountFields
from zkrollup.smt import SparseMerkleTree

from l1_helpers import (ALICE, BOB, CAROL, PK, USD, Rig, deposit_record, forced_close_record, forced_record, noop,
                        snapshot)

OI = (3, 0, 2, 0)
A, B, A2 = 5, 6, 7          # Alice's account (positions), Bob's (flat), Alice's second (flat)


class Ledger:
    """Account leaves in the 4-ary account tree with the open-interest hash: what a native
    state offers `leaf_opening` (account(i).fields(), proof(i), oi_hash), with any fields."""

    def __init__(self, depth: int, accounts: dict[int, AccountFields]):
        self.fields = dict(accounts)
        self.tree = SparseMerkleTree(depth)
        self.tree.update_many({i: f.leaf for i, f in accounts.items()})
        self.oi_hash = oi_hash(OI)

    @property
    def root(self) -> int:
        return state_root(self.tree.root, self.oi_hash)

    def account(self, i: int):
        return types.SimpleNamespace(fields=lambda: self.fields[i])

    def proof(self, i: int) -> list[int]:
        return self.tree.proof(i)

    def set(self, i: int, f: AccountFields) -> None:
        self.fields[i] = f
        self.tree.update(i, f.leaf)


@dataclasses.dataclass
class World:
    """A rig whose last accepted root is the ledger's: the special accounts (owner 0), Alice's
    account A (cash and positions) and A2, Bob's B."""
    rig: Rig
    ledger: Ledger
    table_id: int

    @classmethod
    def open(cls, **rig_kw) -> "World":
        rig = Rig(**rig_kw)
        accts = {i: AccountFields(PK, 0, 0, (0,) * rig.K, 0, SPECIAL_OWNER) for i in FORCED_CLOSE_REFUSED}
        accts[A] = AccountFields(PK, 3, 200 * USD, (3, 0, -2, 0), 77, address_int(ALICE))
        accts[B] = AccountFields(PK, 1, 40 * USD, (0,) * rig.K, 0, address_int(BOB))
        accts[A2] = AccountFields(PK, 0, 10 * USD, (0,) * rig.K, 0, address_int(ALICE))
        ledger = Ledger(rig.acc_depth, accts)
        tid = rig.publish()
        rig.deposit(ALICE, A, 250 * USD)
        rig.submit([deposit_record(A, 250 * USD)], ledger.root, tid)
        return cls(rig, ledger, tid)

    @property
    def l1(self):
        return self.rig.l1

    def opening(self, i: int, **leaf_changes) -> LeafOpening:
        o = leaf_opening(self.ledger, i)
        return o._replace(leaf=dataclasses.replace(o.leaf, **leaf_changes)) if leaf_changes else o

    def request(self, i: int, who: str, opening: LeafOpening | None = None, **kw) -> int:
        return self.l1.request_forced_close(i, who, *(opening or self.opening(i)), **kw)

    def accept(self, records: list[bytes] = ()) -> None:
        """A later batch (a noop unless records) at the ledger's root, with a fresh table."""
        self.rig.submit(list(records) or [noop()], self.ledger.root, self.rig.publish())


def args(i: int, opening: LeafOpening) -> list:
    """The contract's arguments of a request (the client's checks bypassed)."""
    leaf, sibs, oih = opening
    return [i, leaf.pk_x, leaf.pk_y, leaf.nonce, leaf.cash, list(leaf.sizes), leaf.orders_root,
            as_address(leaf.owner), list(sibs), oih]


def refused(w: World, i: int, opening: LeafOpening, sender=ALICE, value=None, queued: int = 1) -> str:
    """The contract's refusal of a raw request; nothing changed, not even an ETH balance
    (`queued`: the entries already in the queue)."""
    value = w.l1.forced_fee() if value is None else value
    before, eth = snapshot(w.rig.chain), w.rig.chain.balance(sender)
    with pytest.raises(ExecutionFailed) as e:
        w.l1.queue_contract.transact("request_forced_close", *args(i, opening), sender=sender, value=value)
    assert snapshot(w.rig.chain) == before and w.rig.chain.balance(sender) == eth
    assert w.l1.queue_length() == queued and w.l1.forced_closes() == []
    return e.value.reason


@pytest.fixture
def world() -> World:
    return World.open()


# --- accepted requests -------------------------------------------------------------------------

def test_the_owner_queues_an_entry_of_kind_3_extending_the_spec_chain(world):
    l1, fee = world.l1, world.l1.forced_fee()
    eth, prio = world.rig.chain.balance(ALICE), l1.prio_chain(1)
    rc = l1.queue_contract.transact("request_forced_close", *args(A, world.opening(A)), sender=ALICE, value=fee)
    (ev,) = l1.queue_contract.events(rc, "ForcedCloseQueued")
    want = forced_close_entry(prio, A, address_int(ALICE))
    deadline = rc.timestamp + world.rig.config.priority_deadline
    assert ev.args == {"index": 1, "account": A, "requester": ev.args["requester"], "prio": want,
                       "deadline": deadline}
    assert address_int(ev.args["requester"]) == address_int(ALICE)
    assert l1.prio_chain(2) == want
    (e,) = l1.forced_closes()
    assert e == {"index": 1, "kind": KIND_FORCED_CLOSE, "account": A, "amount": 0, "pk_x": 0, "pk_y": 0,
                 "l1_address": address_int(ALICE), "chain": want, "queued_at": rc.timestamp, "deadline": deadline,
                 "served_batch": None, "paid": None, "reclaimed": False}
    kind, requester, amount, due = l1.queue_contract.call("entry", 1)
    assert (kind, address_int(requester), amount, due) == (KIND_FORCED_CLOSE, address_int(ALICE), 0, deadline)
    assert l1.forced_requests() == [] and l1.forced_closes(pending_only=True) == [e]
    assert l1.pending_forced(ALICE) == 1 and l1.queue_contract.call("fees") == fee
    assert world.rig.chain.balance(ALICE) == eth - fee
    # the client: the same request for Alice's other account, the chain moves on by the spec
    assert world.request(A2, ALICE) == 2
    assert l1.prio_chain(3) == forced_close_entry(want, A2, address_int(ALICE))
    assert l1.pending_forced(ALICE) == 2 and l1.pending_deposit_total == 0


def test_the_exodus_contract_proves_the_owner_outside_exodus_mode(world):
    l1 = world.l1
    assert not l1.exodus
    assert l1.proven_owner(A, *world.opening(A)) == address_int(ALICE)
    assert l1.proven_owner(B, *world.opening(B)) == address_int(BOB)
    with pytest.raises(ContractError, match="exodus: the leaf is not in the last accepted state root"):
        l1.proven_owner(A, *world.opening(A, owner=address_int(BOB)))


def test_the_opening_of_a_native_state_opens_in_the_root_l1_accepted():
    """leaf_opening reads a zkrollup.state.RollupState: the state L1 last accepted opens."""
    from rollup_helpers import fund, make_state
    rig = Rig()
    st = make_state(account_depth=rig.acc_depth, k=rig.K)
    fund(st, A, 100 * USD, depositor=address_int(ALICE))
    tid = rig.publish()
    rig.deposit(ALICE, A, 100 * USD)
    rig.submit([deposit_record(A, 100 * USD)], st.root, tid)
    opening = leaf_opening(st, A)
    assert opening.leaf == ExitLeaf.of(st.account(A).fields()) and opening.oi_hash == st.oi_hash
    assert rig.l1.proven_owner(A, *opening) == address_int(ALICE)
    assert rig.l1.request_forced_close(A, ALICE, *opening) == 1
    assert rig.l1.forced_closes()[0]["account"] == A


# --- refused requests --------------------------------------------------------------------------

def test_a_sender_who_is_not_the_owner_is_refused(world):
    assert "only the account's owner" in refused(world, A, world.opening(A), sender=BOB)
    # claiming the account in the leaf: the leaf no longer opens
    assert "not in the last accepted state root" in refused(world, A, world.opening(A, owner=address_int(BOB)),
                                                            sender=BOB)
    with pytest.raises(ContractError, match="only the account's owner"):
        world.request(A, BOB)
    assert world.l1.pending_forced(BOB) == 0


@pytest.mark.parametrize("change", [dict(pk_x=PK[0] + 1), dict(nonce=4), dict(cash=201 * USD),
                                    dict(cash=-200 * USD), dict(sizes=(3, 0, -1, 0)), dict(orders_root=78)],
                         ids=lambda c: next(iter(c)))
def test_a_tampered_leaf_field_is_refused(world, change):
    assert "not in the last accepted state root" in refused(world, A, world.opening(A, **change))


def test_a_wrong_sibling_oi_hash_or_path_is_refused(world):
    good = world.opening(A)
    for j in (0, 4, len(good.siblings) - 1):             # the leaf level, a middle one, the top
        sibs = list(good.siblings)
        sibs[j] = (sibs[j] + 1) % R
        assert "not in the last accepted state root" in refused(world, A, good._replace(siblings=tuple(sibs)))
    assert "not in the last accepted state root" in refused(world, A, good._replace(oi_hash=good.oi_hash + 1))
    assert "not in the last accepted state root" in refused(world, A2, good)       # A's opening at A2
    assert "3 siblings per tree level" in refused(world, A, good._replace(siblings=good.siblings[:-3]))
    assert "K position sizes" in refused(world, A, world.opening(A, sizes=(3, 0, -2)))


def test_an_opening_of_an_older_root_is_refused_and_a_fresh_one_is_accepted(world):
    """Alice reads her opening; a batch that changes another account is accepted before her
    request is mined: the request reverts, and she sends it again with a fresh opening."""
    stale = world.opening(A)
    assert world.l1.proven_owner(A, *stale) == address_int(ALICE)
    far = (1 << world.rig.acc_depth) - 1                  # no sibling of A's leaf: only the root moves
    world.ledger.set(far, AccountFields(PK, 0, 5 * USD, (0,) * 4, 0, address_int(CAROL)))
    world.accept()
    assert "not in the last accepted state root" in refused(world, A, stale)
    with pytest.raises(ContractError, match="not in the last accepted state root"):
        world.request(A, ALICE, stale)
    assert world.request(A, ALICE) == 1                   # the retry, opened in the new root


@pytest.mark.parametrize("special", FORCED_CLOSE_REFUSED)
def test_the_special_accounts_are_refused(world, special):
    assert "special accounts cannot be force-closed" in refused(world, special, world.opening(special))
    # whatever owner the leaf is given
    assert "special accounts cannot be force-closed" in refused(
        world, special, world.opening(special, owner=address_int(ALICE)))


def test_an_index_outside_the_account_tree_is_refused(world):
    outside = 1 << world.rig.acc_depth
    assert "outside the account tree" in refused(world, outside, world.opening(A))
    before = snapshot(world.rig.chain)
    with pytest.raises(ContractError, match="account"):
        world.l1.request_forced_close(outside, ALICE, *world.opening(A))       # the client's own check
    assert snapshot(world.rig.chain) == before


def test_the_fee_must_be_exactly_the_forced_fee(world):
    fee = world.l1.forced_fee()
    for value in (0, fee - 1, fee + 1):
        assert "exactly the forced-request fee" in refused(world, A, world.opening(A), value=value)


def test_forced_withdrawals_and_closes_share_the_per_address_limit(world):
    l1, n = world.l1, world.rig.config.max_pending_forced
    assert n == 4
    l1.request_forced_withdrawal(A, ALICE, USD)
    l1.request_forced_withdrawal(A2, ALICE, USD)
    world.request(A, ALICE)
    world.request(A2, ALICE)
    assert l1.pending_forced(ALICE) == n
    before = snapshot(world.rig.chain)
    for call in (lambda: world.request(A, ALICE), lambda: l1.request_forced_withdrawal(A, ALICE, USD)):
        with pytest.raises(ContractError, match="too many pending forced requests"):
            call()
    assert snapshot(world.rig.chain) == before
    world.request(B, BOB)                                  # Bob's limit is his own


def test_a_forced_withdrawal_still_needs_an_amount_and_a_close_takes_none(world):
    """The amount check moved from the queue's common path into the deposit and forced
    withdrawal paths; a forced close queues amount 0."""
    l1 = world.l1
    before = snapshot(world.rig.chain)
    for amount in (0, 1 << 64):
        with pytest.raises(ExecutionFailed, match=r"amount must be in \[1, 2\^64\)"):
            l1.queue_contract.transact("request_forced_withdrawal", A, amount, sender=ALICE, value=l1.forced_fee())
    assert snapshot(world.rig.chain) == before
    world.request(A, ALICE)
    assert l1.queue()[-1]["amount"] == 0 and l1.queue_contract.call("entry", 1)[2] == 0


def test_no_request_once_a_queue_entry_is_overdue_or_in_exodus_mode(world):
    l1 = world.l1
    l1.request_forced_withdrawal(B, BOB, USD)              # never served
    world.rig.chain.set_next_timestamp(l1.queue()[-1]["deadline"] + 1)
    assert "past its deadline" in refused(world, A, world.opening(A), queued=2)
    l1.activate_exodus(sender=CAROL)
    assert l1.exodus
    # in exodus mode the queue stays overdue (no batch will consume its head again)
    assert "past its deadline (exodus)" in refused(world, A, world.opening(A), queued=2)
    # the opening itself still proves the owner: the root is frozen, not gone
    assert l1.proven_owner(A, *world.opening(A)) == address_int(ALICE)


def test_the_client_refuses_bad_arguments_before_sending(world):
    l1, (leaf, sibs, oih) = world.l1, world.opening(A)
    before = snapshot(world.rig.chain)
    bad = [(A, "alice", leaf, sibs, oih), (-1, ALICE, leaf, sibs, oih), ("5", ALICE, leaf, sibs, oih),
           (A, ALICE, dataclasses.astuple(leaf), sibs, oih), (A, ALICE, leaf, (R,) + sibs[1:], oih),
           (A, ALICE, leaf, 7, oih), (A, ALICE, leaf, sibs, R),
           (A, ALICE, dataclasses.replace(leaf, cash=1.5), sibs, oih),
           (A, ALICE, dataclasses.replace(leaf, owner="bob"), sibs, oih)]
    for a in bad:
        with pytest.raises(ContractError):
            l1.request_forced_close(*a)
    assert snapshot(world.rig.chain) == before


# --- deadline and exodus -----------------------------------------------------------------------

def test_an_unserved_forced_close_past_its_deadline_lets_anyone_start_exodus(world):
    l1 = world.l1
    world.request(A, ALICE)
    deadline = l1.forced_closes()[0]["deadline"]
    world.rig.chain.set_next_timestamp(deadline)
    assert not l1.overdue                                  # due at its deadline, overdue after it
    world.rig.chain.set_next_timestamp(deadline + 1)
    assert l1.overdue
    tid = l1.publish_oracle_table(world.rig.table(deadline + 1), now=deadline + 1)
    with pytest.raises(BatchRejected) as e:
        world.rig.submit([noop()], world.ledger.root, tid)
    assert e.value.reason == Reason.OVERDUE
    l1.activate_exodus(sender=CAROL)                       # not the operator, not the requester
    assert l1.exodus and l1.rollup.call("exodus_since") == l1.now


# --- batches -----------------------------------------------------------------------------------

def test_a_forced_close_record_consumes_the_entry_frees_the_slot_and_pays_nothing(world):
    l1 = world.l1
    world.request(A, ALICE)
    l1.request_forced_withdrawal(B, BOB, USD)
    collateral, balances = l1.collateral, (l1.l1_balance(ALICE), l1.l1_balance(BOB))
    rc = world.rig.submit([forced_close_record(A), forced_record(B, USD, 0)], world.ledger.root, world.rig.publish())
    assert rc.entries_served == (1, 2) and l1.entries_served == 3 and rc.payouts == ()
    assert l1.pending_forced(ALICE) == 0 and l1.pending_forced(BOB) == 0
    assert l1.prio_chain() == l1.prio_chain(3)
    (e,) = l1.forced_closes()
    assert (e["served_batch"], e["paid"]) == (rc.batch_number, 0) and l1.forced_closes(pending_only=True) == []
    assert l1.payouts(rc.batch_number) == [] and l1.pending_deposit_total == 0
    assert l1.collateral == collateral and (l1.l1_balance(ALICE), l1.l1_balance(BOB)) == balances
    assert not l1.overdue


def _rejected(w: World, records: list[bytes]) -> BatchRejected:
    """A batch with a valid proof of the public input the contract builds, refused by the
    contract's own record walk; nothing changes."""
    rig, tid = w.rig, w.rig.publish()
    _, proof = rig.batch(records, w.ledger.root, tid)
    cd = BatchCalldata(rig.l1.batch_number + 1, w.ledger.root, tid, tuple(records))
    assert rig.l1.expected_public_input(cd) > 0             # the preflight does not walk the records
    before = snapshot(rig.chain)
    with pytest.raises(BatchRejected) as e:
        rig.l1.submit_batch(cd, proof)
    assert snapshot(rig.chain) == before
    return e.value


def test_a_forced_close_record_meeting_another_kind_of_entry_is_refused(world):
    l1 = world.l1
    l1.request_forced_withdrawal(B, BOB, USD)              # the queue's next entry: kind 2
    err = _rejected(world, [forced_close_record(B)])
    assert err.reason == Reason.QUEUE_MISMATCH
    assert err.detail == "rollup: a forced-close record meets a queue entry of another kind"
    world.accept([forced_record(B, USD, 0)])
    world.request(A, ALICE)                                # now a kind-3 entry: other records cannot take it
    err = _rejected(world, [forced_record(A, USD, 0)])
    assert err.reason == Reason.QUEUE_MISMATCH and "forced-withdrawal record" in err.detail
    err = _rejected(world, [deposit_record(A, USD)])
    assert err.reason == Reason.QUEUE_MISMATCH and "deposit record" in err.detail
    world.accept([forced_close_record(A)])
    assert l1.entries_served == 3 and l1.pending_forced(ALICE) == 0


def test_a_batch_without_a_forced_close_record_leaves_the_request_queued(world):
    """The records name the entries a batch consumes: without a forced_close record the
    request stays queued, its deadline running."""
    world.request(A, ALICE)
    world.accept([noop()])
    assert world.l1.entries_served == 1 and world.l1.forced_closes(pending_only=True) != []
