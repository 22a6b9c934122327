"""Batch calldata: canonical bytes and msgpack round trips, strict decoding, sizes."""
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.batch.public import EFFECT_FORCED, EFFECT_WITHDRAWAL, Effect, effects_hash
from circuits.field import R
from verifier.calldata import EFFECT_BYTES, HEADER_BYTES, BatchCalldata, CalldataError

effect = st.one_of(st.none(), st.builds(
    Effect, st.sampled_from([EFFECT_WITHDRAWAL, EFFECT_FORCED]), st.integers(0, 2**32 - 1),
    st.integers(0, 2**160 - 1), st.integers(0, 2**64 - 1)))


@st.composite
def calldata(draw):
    n = draw(st.integers(1, 20))
    return BatchCalldata(
        batch_size=n, batch_number=draw(st.integers(0, 2**64 - 1)),
        old_root=draw(st.integers(0, R - 1)), new_root=draw(st.integers(0, R - 1)),
        n_deposits=draw(st.integers(0, n)), oracle_table_id=draw(st.integers(0, 2**32 - 1)),
        effects=tuple(draw(st.lists(effect, min_size=0, max_size=n))))


@settings(max_examples=50, deadline=None)
@given(calldata())
def test_bytes_and_msgpack_round_trip(cd):
    raw = cd.to_bytes()
    assert len(raw) == HEADER_BYTES + EFFECT_BYTES * len(cd.listed_effects())
    assert BatchCalldata.from_bytes(raw) == cd
    assert BatchCalldata.from_msgpack(cd.to_msgpack()) == cd
    assert len(cd.effects) == cd.batch_size


def test_effects_are_listed_in_order_as_the_commitment_chains_them():
    e = Effect(EFFECT_WITHDRAWAL, 3, 0xA11CE, 5)
    f = Effect(EFFECT_FORCED, 4, 0xB0B, 0)
    cd = BatchCalldata(4, 1, 0, 0, 0, 1, (None, e, None, f))
    assert cd.effects == (e, f, None, None)                  # slot positions are not committed
    assert effects_hash(cd.effects, 4) == effects_hash([None, e, None, f], 4)
    assert cd.listed_effects() == [(0, e), (1, f)] and cd.withdrawals() == [e, f] and cd.forced() == [f]
    # a kind-0 tuple is the same as None; where the gaps were does not matter
    assert BatchCalldata(4, 1, 0, 0, 0, 1, ((0, 0, 0, 0), e, f)) == cd
    # the order does
    assert BatchCalldata(4, 1, 0, 0, 0, 1, (f, e)) != cd


def base():
    return BatchCalldata(4, 7, 11, 12, 1, 3, (None, Effect(EFFECT_WITHDRAWAL, 3, 0xA11CE, 5),
                                              None, Effect(EFFECT_FORCED, 4, 0xB0B, 6)))


@pytest.mark.parametrize("mutate", [
    lambda b: b + b"\x00",                                    # trailing byte
    lambda b: b[:-1],                                         # missing byte
    lambda b: b"\x01" + b[1:],                                # unknown (old) version
    lambda b: b[:11] + (R).to_bytes(32, "big") + b[43:],      # old root not below r
    lambda b: b[:HEADER_BYTES] + b"\x07" + b[HEADER_BYTES + 1:],              # unknown kind
    lambda b: b[:HEADER_BYTES] + b"\x00" + b[HEADER_BYTES + 1:],              # kind none listed
    lambda b: b[:81] + b"\x00\x05" + b[83:] + b[HEADER_BYTES:] * 3,          # more effects than slots
    lambda b: b[:75] + b"\x00\x09" + b[77:],                  # n_deposits > batch size
    lambda b: b[:1] + b"\x00\x00" + b[3:],                    # batch size 0
])
def test_decoding_is_strict(mutate):
    raw = base().to_bytes()
    with pytest.raises(CalldataError):
        BatchCalldata.from_bytes(mutate(raw))


@pytest.mark.parametrize("change", [
    {"batch_size": 0}, {"n_deposits": 5}, {"old_root": R}, {"new_root": -1},
    {"batch_number": 2**64}, {"oracle_table_id": 2**32},
    {"effects": (Effect(3, 1, 1, 1),)}, {"effects": (Effect(EFFECT_WITHDRAWAL, 2**32, 1, 1),)},
    {"effects": (Effect(EFFECT_WITHDRAWAL, 1, 2**160, 1),)},
    {"effects": (Effect(EFFECT_WITHDRAWAL, 1, 1, 2**64),)},   # the commitment packs amounts < 2^64
    {"effects": (None,) * 5}, {"effects": ((0, 1, 0, 0),)}, {"batch_size": True},
])
def test_out_of_range_fields_are_refused(change):
    with pytest.raises(CalldataError):
        dataclasses.replace(base(), **change)


def test_bad_msgpack_is_refused():
    with pytest.raises(CalldataError):
        BatchCalldata.from_msgpack(b"\xc1")
    with pytest.raises(CalldataError):
        BatchCalldata.from_msgpack(base().to_msgpack()[:-3])
    import msgpack
    d = base().to_dict()
    d["version"] = 9
    with pytest.raises(CalldataError):
        BatchCalldata.from_dict(d)
    d = base().to_dict()
    d["effects"] += d["effects"] * 2                          # more effects than slots
    with pytest.raises(CalldataError):
        BatchCalldata.from_msgpack(msgpack.packb(d, use_bin_type=True))
    d = base().to_dict()
    d["effects"][0][0] = 0                                    # a listed effect without a kind
    with pytest.raises(CalldataError):
        BatchCalldata.from_msgpack(msgpack.packb(d, use_bin_type=True))
