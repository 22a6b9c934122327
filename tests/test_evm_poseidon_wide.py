"""The wide Poseidon contracts (verifier/poseidon_wide_evm.py, constants in data contracts):
equal to circuits.poseidon.poseidon for every width 2..17 on random inputs, refuse inputs
>= r and malformed calls, and fit the contract size limit."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from circuits.poseidon import poseidon
from verifier.evm import Chain, ExecutionFailed, address_of
from verifier.evm_asm import MAX_CODE_SIZE
from verifier.poseidon_wide_evm import constant_words, data_chunks, deploy_wide

USER = address_of("wide poseidon user")
field = st.one_of(st.sampled_from([0, 1, R - 1]), st.integers(0, R - 1))
INPUTS = (1, 3, 7, 8, 16)


@pytest.fixture(scope="module")
def hashes():
    with Chain() as chain:
        yield chain, {n: deploy_wide(chain, n, USER) for n in INPUTS}


@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_the_contracts_equal_the_native_hash(hashes, data):
    chain, cs = hashes
    for n in INPUTS:
        xs = data.draw(st.lists(field, min_size=n, max_size=n))
        assert cs[n].call("hash", xs) == poseidon(xs), (n, xs)


@pytest.mark.parametrize("n", range(1, 17))
def test_every_width_hashes_edge_inputs_right(n):
    with Chain() as chain:
        c = deploy_wide(chain, n, USER)
        for xs in ([0] * n, [R - 1] * n, list(range(1, n + 1))):
            assert c.call("hash", xs) == poseidon(xs)


@pytest.mark.parametrize("n", INPUTS)
def test_an_input_not_below_r_reverts_with_a_reason(hashes, n):
    chain, cs = hashes
    for pos in {0, n - 1}:
        xs = [1] * n
        xs[pos] = R
        with pytest.raises(ExecutionFailed, match="poseidon: input not below r"):
            cs[n].call("hash", xs)


def test_malformed_calls_revert_without_data(hashes):
    chain, cs = hashes
    c = cs[7]
    good = c.encode("hash", list(range(7)))
    for data in (good[:-1], good + b"\0", b"\0" * 4 + good[4:], b""):
        with pytest.raises(ExecutionFailed) as e:
            chain.call(c.address, data)
        assert e.value.data == b""


def test_code_and_data_contracts_fit_the_size_limit():
    for t in range(2, 18):
        assert all(len(ch) <= MAX_CODE_SIZE for ch in data_chunks(t))
        assert sum(len(ch) - 1 for ch in data_chunks(t)) == 32 * len(constant_words(t))
