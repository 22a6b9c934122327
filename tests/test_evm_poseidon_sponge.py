"""The Poseidon sponge contract (verifier/poseidon_sponge_evm.py): equal to the sponge of
the same width in Python on random vectors of every length around the block boundaries,
refuses values >= r and malformed calldata, and fits the contract size limit."""
import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from circuits.poseidon import SPONGE_WIDTH, permute, poseidon_sponge
from verifier.evm import Chain, ExecutionFailed, address_of
from verifier.evm_asm import MAX_CODE_SIZE
from verifier.poseidon_sponge_evm import deploy_sponge, generate_sponge, selector

USER = address_of("sponge user")
field = st.one_of(st.sampled_from([0, 1, R - 1]), st.integers(0, R - 1))
WIDTHS = (3, 4)


def sponge_reference(values, t):
    """The sponge of the module docstring with the textbook-checked permutation."""
    state = [len(values)] + [0] * (t - 1)
    for b in range(max(1, -(-len(values) // (t - 1)))):
        for j, v in enumerate(values[b * (t - 1):(b + 1) * (t - 1)]):
            state[1 + j] = (state[1 + j] + v) % R
        state = permute(state)
    return state[1]


@pytest.fixture(scope="module")
def sponges():
    with Chain() as chain:
        yield chain, {t: deploy_sponge(chain, t, USER) for t in WIDTHS}


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_the_contract_equals_the_python_sponge(sponges, data):
    chain, cs = sponges
    for t in WIDTHS:
        xs = data.draw(st.lists(field, min_size=0, max_size=3 * t + 1))
        assert cs[t].call("sponge", xs) == sponge_reference(xs, t), (t, xs)


@settings(max_examples=10, deadline=None)
@given(xs=st.lists(field, max_size=40))
def test_the_shipped_width_is_the_spec_sponge(sponges, xs):
    """circuits.poseidon.poseidon_sponge (the market and oracle hashes) is the T4 contract."""
    chain, cs = sponges
    assert cs[SPONGE_WIDTH].call("sponge", xs) == poseidon_sponge(xs)


@pytest.mark.parametrize("t", WIDTHS)
def test_lengths_around_block_boundaries_and_trailing_zeros_differ(sponges, t):
    chain, cs = sponges
    seen = set()
    for n in range(0, 3 * (t - 1) + 2):
        xs = [0] * n
        h = cs[t].call("sponge", xs)
        assert h == sponge_reference(xs, t)
        seen.add(h)
    assert len(seen) == 3 * (t - 1) + 2          # the length is in the capacity


@pytest.mark.parametrize("t", WIDTHS)
def test_a_value_not_below_r_reverts_with_a_reason(sponges, t):
    chain, cs = sponges
    for pos in (0, t - 2, t - 1, 2 * t):
        xs = [5] * (2 * t + 1)
        xs[pos] = R + pos
        with pytest.raises(ExecutionFailed, match="poseidon: input not below r"):
            cs[t].call("sponge", xs)


def test_malformed_calldata_reverts_without_data(sponges):
    chain, cs = sponges
    c = cs[4]
    good = c.encode("sponge", [1, 2, 3, 4])
    bad_offset = good[:4] + (64).to_bytes(32, "big") + good[36:]
    bad_length = good[:36] + (5).to_bytes(32, "big") + good[68:]
    for data in (good[:-1], b"\0" * 4 + good[4:], bad_offset, bad_length, b""):
        with pytest.raises(ExecutionFailed) as e:
            chain.call(c.address, data)
        assert e.value.data == b""
    assert chain.call(c.address, good) == sponge_reference([1, 2, 3, 4], 4).to_bytes(32, "big")
    # bytes after the values (Vyper sends its whole buffer) are never absorbed as padding
    junk = good + (R - 1).to_bytes(32, "big") * 3
    assert chain.call(c.address, junk) == sponge_reference([1, 2, 3, 4], 4).to_bytes(32, "big")
    chain.fund(USER, 10)
    with pytest.raises(ExecutionFailed):
        chain.call(c.address, good, value=1, sender=USER)


@pytest.mark.parametrize("t", WIDTHS)
def test_code_fits_the_size_limit(t):
    assert len(generate_sponge(t)) <= MAX_CODE_SIZE


def test_selector_is_the_solidity_one():
    from verifier.evm import keccak256
    assert selector() == keccak256(b"sponge(uint256[])")[:4]
