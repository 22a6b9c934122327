"""The embedded L1 (verifier.evm): per-transaction gas semantics, reverts, logs, time, and
state that survives a restart."""
import sqlite3

import pytest

from verifier.abi import Contract, deploy
from verifier.evm import (Chain, ExecutionFailed, L1Error, address_of, checksum, decode_revert,
                          to_address)
from verifier.evm_backend import InvalidTransaction
from verifier.evm_store import ChainStoreError
from verifier.vyper_build import compile_vyper

PROBE_SRC = """
# pragma version ~=0.4.3
x: public(uint256)
event Set:
    who: indexed(address)
    value: uint256

@external
def set(v: uint256):
    assert v != 7, "seven is refused"
    self.x = v
    log Set(who=msg.sender, value=v)

@external
@view
def now() -> (uint256, uint256):
    return block.timestamp, block.number

@external
@view
def balance_of(a: address) -> uint256:
    return a.balance

@external
def burn_gas(n: uint256):
    for i: uint256 in range(n, bound=100000):
        self.x = i
"""

# EIP-2929 / EIP-2200 / EIP-3529 (Berlin..Cancun) storage and access prices.
SSTORE_SET, SSTORE_RESET, COLD_SLOAD, WARM = 20_000, 2_900, 2_100, 100
COLD_ACCOUNT, CLEAR_REFUND = 2_600, 4_800


@pytest.fixture(scope="module")
def probe_artifact():
    return compile_vyper(PROBE_SRC, "probe")


@pytest.fixture
def chain():
    c = Chain()
    yield c
    c.close()


ALICE, BOB = address_of("alice"), address_of("bob")


def test_each_transaction_starts_cold_with_its_own_original_values(chain, probe_artifact):
    p = deploy(chain, probe_artifact, sender=ALICE)
    gas = [p.transact("set", v, sender=ALICE).gas_used for v in (5, 9, 9, 0, 3)]
    # every value has one non-zero calldata byte except 0 (16 vs 4 gas): same overhead
    base = gas[2] - COLD_SLOAD - WARM                      # 9 -> 9: a no-op write
    assert gas[0] == base + COLD_SLOAD + SSTORE_SET        # 0 -> 5: fresh slot
    assert gas[1] == base + COLD_SLOAD + SSTORE_RESET      # 5 -> 9: cold again, original 5
    assert gas[3] == base - 12 + COLD_SLOAD + SSTORE_RESET - CLEAR_REFUND   # 9 -> 0
    assert gas[4] == base + COLD_SLOAD + SSTORE_SET        # 0 -> 3: the slot is fresh again
    assert p.call("x") == 3


def test_accounts_are_cold_in_every_transaction(chain, probe_artifact):
    p = deploy(chain, probe_artifact, sender=ALICE)
    data = p.encode("balance_of", BOB)
    first = chain.transact(ALICE, p.address, data).gas_used
    second = chain.transact(ALICE, p.address, data).gas_used
    assert first == second                                  # BOB is cold both times
    own = chain.transact(ALICE, p.address, p.encode("balance_of", p.address)).gas_used
    assert first - own == COLD_ACCOUNT - WARM               # the callee itself is warm


def test_a_revert_surfaces_its_reason_is_mined_and_changes_nothing(chain, probe_artifact):
    p = deploy(chain, probe_artifact, sender=ALICE)
    p.transact("set", 1, sender=ALICE)
    block = chain.block_number
    with pytest.raises(ExecutionFailed, match="execution reverted: seven is refused") as e:
        p.transact("set", 7, sender=ALICE)
    r = e.value.receipt
    assert e.value.reason == "seven is refused" and e.value.kind == "revert"
    assert not r.status and r.gas_used > 21_000 and r.block == block + 1 and r.logs == ()
    assert chain.block_number == block + 1 and p.call("x") == 1
    assert chain.receipts()[-1] == r


def test_running_out_of_gas_is_a_halt(chain, probe_artifact):
    p = deploy(chain, probe_artifact, sender=ALICE)
    with pytest.raises(ExecutionFailed, match="halted: OutOfGas") as e:
        p.transact("burn_gas", 1000, sender=ALICE, gas=100_000)
    assert e.value.receipt.gas_used == 100_000 and p.call("x") == 0


def test_logs_are_returned_and_decoded(chain, probe_artifact):
    p = deploy(chain, probe_artifact, sender=ALICE)
    r = p.transact("set", 42, sender=BOB)
    (ev,) = p.events(r, "Set")
    assert ev.args == {"who": BOB.lower(), "value": 42} and ev.address == p.address
    assert r.logs[0].topics[1] == bytes(12) + bytes.fromhex(BOB[2:])


def test_block_time_and_number_are_controlled(chain, probe_artifact):
    p = deploy(chain, probe_artifact, sender=ALICE)
    ts, number = p.call("now")
    assert (ts, number) == (chain.next_timestamp, chain.block_number + 1)
    chain.advance_time(3600)
    r = p.transact("set", 1, sender=ALICE)
    assert r.timestamp == ts + 3600 and chain.timestamp == r.timestamp
    chain.set_next_timestamp(r.timestamp + 1)
    assert p.call("now")[0] == r.timestamp + 1
    with pytest.raises(ValueError):
        chain.set_next_timestamp(r.timestamp)
    with pytest.raises(ValueError):
        chain.advance_time(-1)


def test_call_changes_nothing(chain, probe_artifact):
    p = deploy(chain, probe_artifact, sender=ALICE)
    block = chain.block_number
    assert chain.call(p.address, p.encode("set", 5)) == b""      # runs, then is discarded
    assert p.call("x") == 0 and chain.block_number == block
    with pytest.raises(ExecutionFailed, match="seven is refused"):
        chain.call(p.address, p.encode("set", 7))


def test_value_transfers_and_invalid_transactions(chain):
    chain.fund(ALICE, 10**18)
    r = chain.transact(ALICE, BOB, value=10**17)
    assert r.status and r.gas_used == 21_000
    assert chain.balance(ALICE) == 9 * 10**17 and chain.balance(BOB) == 10**17
    block = chain.block_number
    with pytest.raises(InvalidTransaction):
        chain.transact(BOB, ALICE, value=10**18)               # more than BOB has
    assert chain.block_number == block and chain.balance(BOB) == 10**17


def test_state_survives_a_restart(tmp_path, probe_artifact):
    path = str(tmp_path / "l1.sqlite")
    with Chain(path) as c:
        c.fund(ALICE, 5 * 10**18)
        p = deploy(c, probe_artifact, sender=ALICE)
        p.transact("set", 5, sender=ALICE)
        c.transact(ALICE, BOB, value=10**18)
        c.advance_time(100)
        addr, code = p.address, c.code(p.address)
        state = (c.block_number, c.timestamp, c.next_timestamp)
    with Chain(path) as c:
        p = Contract(c, addr, probe_artifact.abi)
        assert (c.block_number, c.timestamp, c.next_timestamp) == state
        assert c.code(addr) == code == probe_artifact.runtime
        assert p.call("x") == 5 and c.storage(addr, 0) == 5
        assert c.balance(ALICE) == 4 * 10**18 and c.balance(BOB) == 10**18
        # the reloaded state is cold and committed: 5 -> 9 costs what it cost before
        reopened = p.transact("set", 9, sender=ALICE).gas_used
        assert c.verify_log() == len(c.receipts()) + 1          # + the fund entry
    with Chain() as ref:
        ref.fund(ALICE, 5 * 10**18)
        q = deploy(ref, probe_artifact, sender=ALICE)
        q.transact("set", 5, sender=ALICE)
        assert q.transact("set", 9, sender=ALICE).gas_used == reopened


def test_verify_log_detects_a_tampered_state(tmp_path, probe_artifact):
    path = str(tmp_path / "l1.sqlite")
    with Chain(path) as c:
        p = deploy(c, probe_artifact, sender=ALICE)
        p.transact("set", 5, sender=ALICE)
    db = sqlite3.connect(path)
    db.execute("UPDATE storage SET value = ? ", (format(6, "064x"),))
    db.commit()
    db.close()
    with Chain(path) as c:
        assert c.storage(p.address, 0) == 6
        with pytest.raises(L1Error, match="different final state"):
            c.verify_log()


def test_a_file_that_is_not_a_chain_is_refused(tmp_path):
    bad = tmp_path / "x.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(Exception, match="not an L1 chain file"):
        Chain(str(bad))


def test_address_helpers():
    # EIP-55's own examples
    for a in ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"):
        assert checksum(a.lower()) == a
    assert to_address(bytes(20)) == "0x" + "00" * 20
    with pytest.raises(ValueError):
        to_address("0x1234")
    assert address_of("alice") == address_of("alice") != address_of("bob")


def test_decode_revert():
    err = bytes.fromhex("08c379a0") + (32).to_bytes(32, "big") + (3).to_bytes(32, "big") + b"abc".ljust(32, b"\0")
    assert decode_revert(err) == "abc"
    assert decode_revert(bytes.fromhex("4e487b71") + (0x11).to_bytes(32, "big")) == "Panic(0x11)"
    assert decode_revert(b"") is None and decode_revert(b"\x01\x02") == "0x0102"


def test_empty_accounts_never_enter_the_state(chain, probe_artifact):
    p = deploy(chain, probe_artifact, sender=ALICE)
    p.transact("set", 1, sender=ALICE)
    chain.transact(ALICE, BOB)                               # a 0-value call to nobody
    held = {a for a, *_ in chain.store.accounts()}
    assert held == {to_address(ALICE), to_address(p.address)}    # no coinbase, no BOB
    chain.fund(BOB, 5)
    chain.transact(BOB, ALICE, value=5)                      # BOB is emptied: still recorded
    assert chain.store.account(to_address(BOB))[0] == 0 and chain.balance(BOB) == 0


def test_a_chain_file_has_one_user_at_a_time(tmp_path):
    path = str(tmp_path / "l1.sqlite")
    with Chain(path):
        with pytest.raises(ChainStoreError, match="open in another process"):
            Chain(path)
    Chain(path).close()                                      # free again once closed
