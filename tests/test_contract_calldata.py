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
    st.integers(0, 2**160 - 1), st.integers(0, 2**128 - 1)))


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


def test_effects_are_padded_per_slot_as_the_commitment_hashes_them():
    e = Effect(EFFECT_WITHDRAWAL, 3, 0xA11CE, 5)
    cd = BatchCalldata(4, 1, 0, 0, 0, 1, (None, e))
    assert cd.effects == (None, e, None, None)
    assert effects_hash(cd.effects, 4) == effects_hash([None, e], 4)
    assert cd.listed_effects() == [(1, e)] and cd.withdrawals() == [e]
    # a kind-0 tuple is the same as None
    assert BatchCalldata(4, 1, 0, 0, 0, 1, ((0, 0, 0, 0), e)) == cd


def base():
    return BatchCalldata(4, 7, 11, 12, 1, 3, (None, Effect(EFFECT_WITHDRAWAL, 3, 0xA11CE, 5),
                                              None, Effect(EFFECT_FORCED, 4, 0xB0B, 6)))


@pytest.mark.parametrize("mutate", [
    lambda b: b + b"\x00",                                    # trailing byte
    lambda b: b[:-1],                                         # missing byte
    lambda b: b"\x02" + b[1:],                                # unknown version
    lambda b: b[:11] + (R).to_bytes(32, "big") + b[43:],      # old root not below r
    lambda b: b[:HEADER_BYTES] + b[HEADER_BYTES + EFFECT_BYTES:] + b[HEADER_BYTES:HEADER_BYTES + EFFECT_BYTES],
    lambda b: b[:HEADER_BYTES + 2] + b"\x07" + b[HEADER_BYTES + 3:],          # unknown kind
    lambda b: b[:HEADER_BYTES] + b"\x00\x09" + b[HEADER_BYTES + 2:],          # slot out of range
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
    {"effects": (Effect(EFFECT_WITHDRAWAL, 1, 1, 2**128),)},
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
    d["effects"].append(d["effects"][0])                      # the same slot twice
    with pytest.raises(CalldataError):
        BatchCalldata.from_msgpack(msgpack.packb(d, use_bin_type=True))
