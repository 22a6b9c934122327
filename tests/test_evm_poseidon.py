"""Poseidon on L1 (verifier/poseidon_*.py): the plan equals circuits.poseidon for every cut,
and the deployed contracts of every width equal the native hash on random inputs, refuse
inputs >= r, and fit the contract size limit."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from circuits.poseidon import fast_params, permute, poseidon
from verifier.abi import Contract
from verifier.evm import Chain, ExecutionFailed, address_of
from verifier.evm_asm import MAX_CODE_SIZE, initcode
from verifier.poseidon_evm import CONFIG, MAX_INPUTS, abi, deploy, generate, runtime_codes, selector
from verifier.poseidon_plan import permute_plan, plan

USER = address_of("poseidon user")
field = st.one_of(st.sampled_from([0, 1, R - 1, R - 2]), st.integers(0, R - 1))
WIDTHS = range(1, MAX_INPUTS + 1)


@settings(max_examples=25, deadline=None)
@given(t=st.integers(2, 7), data=st.data())
def test_every_cut_of_the_plan_is_the_poseidon_permutation(t, data):
    P = fast_params(t).n_rounds_p
    k = data.draw(st.sampled_from(sorted({0, 1, P // 2, P - 1, P})))
    state = data.draw(st.lists(field, min_size=t, max_size=t))
    assert permute_plan(plan(t, k), state) == permute(state)


@pytest.fixture(scope="module")
def contracts():
    with Chain() as chain:
        yield chain, {n: deploy(chain, n, USER) for n in WIDTHS}


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_contracts_equal_the_native_hash(contracts, data):
    chain, cs = contracts
    for n in WIDTHS:
        xs = data.draw(st.lists(field, min_size=n, max_size=n))
        assert cs[n].call("hash", xs) == poseidon(xs), (n, xs)


def test_a_transaction_returns_the_hash_too(contracts):
    chain, cs = contracts
    for n in WIDTHS:
        xs = list(range(1, n + 1))
        r = cs[n].transact("hash", xs, sender=USER)
        assert int.from_bytes(r.output, "big") == poseidon(xs)


@pytest.mark.parametrize("n", WIDTHS)
def test_an_input_not_below_r_reverts_with_a_reason(contracts, n):
    chain, cs = contracts
    for pos in range(n):
        for bad in (R, R + 1, 2**256 - 1):
            xs = [1] * n
            xs[pos] = bad
            with pytest.raises(ExecutionFailed, match="poseidon: input not below r"):
                cs[n].call("hash", xs)


def test_malformed_calls_revert_without_data(contracts):
    chain, cs = contracts
    c = cs[2]
    good = c.encode("hash", [1, 2])
    for data in (good[:-1], good + b"\0", b"\x00\x00\x00\x00" + good[4:], b""):
        with pytest.raises(ExecutionFailed) as e:
            chain.call(c.address, data)
        assert e.value.data == b""
    chain.fund(USER, 10)
    with pytest.raises(ExecutionFailed):
        chain.call(c.address, good, value=1, sender=USER)


@pytest.mark.parametrize("n", WIDTHS)
def test_shipped_code_fits_the_size_limit(n):
    head, tail = runtime_codes(n, "0x" + "11" * 20)
    assert len(head) <= MAX_CODE_SIZE and (tail is None or len(tail) <= MAX_CODE_SIZE)
    assert (tail is None) == (CONFIG[n][0] == "whole")


def test_selector_is_the_solidity_one():
    assert selector(2).hex() == "561558fe"          # keccak256("hash(uint256[2])")[:4]


@pytest.mark.parametrize("n,sparse", [(2, 0), (2, 30), (4, 10), (5, 20)])
def test_single_contract_forms_with_dense_rounds_are_correct_too(n, sparse):
    """The dense-round loop (used when a whole contract must be smaller) computes Poseidon."""
    code = generate(n, sparse, mem_full=(n >= 4))
    assert len(code) <= MAX_CODE_SIZE
    with Chain() as chain:
        c = Contract(chain, chain.deploy(USER, initcode(code)).contract_address, abi(n))
        for xs in ([0] * n, [R - 1] * n, list(range(7, 7 + n))):
            assert c.call("hash", xs) == poseidon(xs)


def test_the_tail_refuses_a_state_not_below_r(contracts):
    chain, cs = contracts
    _, tail = runtime_codes(6)
    addr = chain.deploy(USER, initcode(tail)).contract_address
    state = [1] * 7
    ok = chain.call(addr, b"".join(x.to_bytes(32, "big") for x in state))
    assert len(ok) == 32
    state[3] = R
    with pytest.raises(ExecutionFailed, match="input not below r"):
        chain.call(addr, b"".join(x.to_bytes(32, "big") for x in state))


CALLER_SRC = """
# pragma version ~=0.4.3
interface IPoseidon2:
    def hash(inputs: uint256[2]) -> uint256: view

interface IPoseidon6:
    def hash(inputs: uint256[6]) -> uint256: view

@external
@view
def two(p: address, a: uint256, b: uint256) -> uint256:
    return staticcall IPoseidon2(p).hash([a, b])

@external
@view
def six(p: address, xs: uint256[6]) -> uint256:
    return staticcall IPoseidon6(p).hash(xs)
"""


def test_a_vyper_contract_calls_the_poseidon_contracts_through_an_interface(contracts):
    from verifier.abi import deploy as deploy_artifact
    from verifier.vyper_build import compile_vyper
    chain, cs = contracts
    caller = deploy_artifact(chain, compile_vyper(CALLER_SRC, "caller"), sender=USER)
    assert caller.call("two", cs[2].address, 3, 4) == poseidon([3, 4])
    xs = [R - 1, 0, 1, 2, 3, 4]
    assert caller.call("six", cs[6].address, xs) == poseidon(xs)
    with pytest.raises(ExecutionFailed):
        caller.call("two", cs[2].address, R, 4)
