"""The ERC-20 collateral token (verifier/contracts/token.vy) on the embedded L1."""
import pytest
from hypothesis import given, settings, strategies as st

from verifier.abi import deploy
from verifier.evm import Chain, ExecutionFailed, address_of
from verifier.vyper_build import load

OWNER, ALICE, BOB, CAROL = (address_of(n) for n in ("owner", "alice", "bob", "carol"))
MAX = 2**256 - 1
ZERO = "0x" + "00" * 20


@pytest.fixture
def token():
    with Chain() as c:
        t = deploy(c, load("token"), "Collateral", "COL", 6, sender=OWNER)
        t.transact("mint", ALICE, 1000, sender=OWNER)
        yield t


def bal(t, who):
    return t.call("balanceOf", who)


def test_metadata_and_owner(token):
    assert (token.call("name"), token.call("symbol"), token.call("decimals")) == ("Collateral", "COL", 6)
    assert token.call("owner").lower() == OWNER.lower() and token.call("totalSupply") == 1000


def test_transfer_moves_balance_and_logs(token):
    r = token.transact("transfer", BOB, 300, sender=ALICE)
    assert (bal(token, ALICE), bal(token, BOB)) == (700, 300)
    assert token.call("transfer", BOB, 1, sender=ALICE) is True
    (ev,) = token.events(r)
    assert ev.name == "Transfer" and ev.args == {"sender": ALICE.lower(), "receiver": BOB.lower(), "value": 300}


def test_transfer_refuses_overdraft_and_zero_address(token):
    with pytest.raises(ExecutionFailed, match="balance too low"):
        token.transact("transfer", BOB, 1001, sender=ALICE)
    with pytest.raises(ExecutionFailed, match="transfer to the zero address"):
        token.transact("transfer", ZERO, 1, sender=ALICE)
    assert (bal(token, ALICE), bal(token, BOB)) == (1000, 0)


def test_approve_and_transfer_from(token):
    r = token.transact("approve", BOB, 400, sender=ALICE)
    assert token.events(r)[0].args == {"owner": ALICE.lower(), "spender": BOB.lower(), "value": 400}
    token.transact("transferFrom", ALICE, CAROL, 150, sender=BOB)
    assert token.call("allowance", ALICE, BOB) == 250 and bal(token, CAROL) == 150
    with pytest.raises(ExecutionFailed, match="allowance too low"):
        token.transact("transferFrom", ALICE, CAROL, 251, sender=BOB)
    with pytest.raises(ExecutionFailed, match="allowance too low"):
        token.transact("transferFrom", ALICE, CAROL, 1, sender=CAROL)    # no allowance at all
    assert bal(token, ALICE) == 850


def test_unlimited_allowance_is_not_decreased(token):
    token.transact("approve", BOB, MAX, sender=ALICE)
    token.transact("transferFrom", ALICE, BOB, 10, sender=BOB)
    assert token.call("allowance", ALICE, BOB) == MAX


def test_transfer_from_checks_the_balance_too(token):
    token.transact("approve", BOB, MAX, sender=ALICE)
    with pytest.raises(ExecutionFailed, match="balance too low"):
        token.transact("transferFrom", ALICE, BOB, 1001, sender=BOB)


def test_only_the_owner_mints_and_hands_over(token):
    with pytest.raises(ExecutionFailed, match="only the owner mints"):
        token.transact("mint", ALICE, 1, sender=ALICE)
    with pytest.raises(ExecutionFailed, match="only the owner"):
        token.transact("transfer_ownership", ALICE, sender=ALICE)
    token.transact("transfer_ownership", ALICE, sender=OWNER)
    token.transact("mint", BOB, 5, sender=ALICE)
    with pytest.raises(ExecutionFailed, match="only the owner mints"):
        token.transact("mint", BOB, 5, sender=OWNER)
    assert token.call("totalSupply") == 1005


def test_mint_overflow_reverts(token):
    with pytest.raises(ExecutionFailed):
        token.transact("mint", BOB, MAX, sender=OWNER)
    assert token.call("totalSupply") == 1000


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["transfer", "approve", "transferFrom"]),
                          st.integers(0, 3), st.integers(0, 3), st.integers(0, 600)), max_size=12))
def test_balances_always_sum_to_the_supply_and_match_a_model(ops):
    people = [ALICE, BOB, CAROL, OWNER]
    with Chain() as c:
        t = deploy(c, load("token"), "Collateral", "COL", 6, sender=OWNER)
        t.transact("mint", ALICE, 1000, sender=OWNER)
        bals, allow = {p: 0 for p in people}, {}
        bals[ALICE] = 1000
        for op, i, j, amount in ops:
            a, b = people[i], people[j]
            try:
                if op == "transfer":
                    t.transact("transfer", b, amount, sender=a)
                elif op == "approve":
                    t.transact("approve", b, amount, sender=a)
                else:
                    t.transact("transferFrom", a, b, amount, sender=b)
            except ExecutionFailed:
                ok = False
            else:
                ok = True
            # the model
            if op == "approve":
                allow[(a, b)] = amount
                model_ok = True
            else:
                allowed = allow.get((a, b), 0) if op == "transferFrom" else amount
                model_ok = bals[a] >= amount and allowed >= amount
                if model_ok:
                    bals[a] -= amount
                    bals[b] += amount
                    if op == "transferFrom":
                        allow[(a, b)] = allow.get((a, b), 0) - amount
            assert ok == model_ok
        assert {p: bal(t, p) for p in people} == bals and sum(bals.values()) == 1000
