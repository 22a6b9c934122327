"""Batch calldata (v4): canonical bytes and file round trips, strict decoding of the header,
of every record and of the insurance fund's deficit after them, sizes; the deficit is
required and must fit 128 bits."""
import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circuits.field import R
from circuits.spec.ops import OP_CANCEL, OP_DEPOSIT, OP_FORCED, OP_NOOP, OP_SETTLE, OP_TRADE, OP_WITHDRAW
from circuits.spec.records import RECORD_BYTES, encode_record
from circuits.spec.solvency import DEFICIT_BYTES, OI_BYTES, cash_flow
from verifier.calldata import HEADER_BYTES, BatchCalldata, CalldataError

TAIL = DEFICIT_BYTES + 1 + OI_BYTES * 2
"""The calldata's bytes after the records in `base()`: the deficit, K = 2 and two open interests."""

u = lambda bits: st.integers(0, 2 ** bits - 1)      # noqa: E731
record = st.one_of(
    st.just(encode_record(OP_NOOP)),
    st.builds(lambda a, m, f: encode_record(OP_DEPOSIT, account=a, amount=m, refunded=f), u(32), u(64), u(1)),
    st.builds(lambda a, m, x: encode_record(OP_WITHDRAW, account=a, amount=m, l1_address=x), u(32), u(64), u(160)),
    st.builds(lambda a, m, p: encode_record(OP_FORCED, account=a, amount=m, paid=p), u(32), u(64), u(64)),
    st.builds(lambda a, b, k, s, q, p, r1, r2, i, j: encode_record(
        OP_TRADE, maker=a, taker=b, slot=k, maker_side=s, fill=q, price=p, maker_fee_rate=r1, taker_fee_rate=r2,
        maker_order_id=i, taker_order_id=j), u(32), u(32), u(4), u(1), u(40), u(48), u(32), u(32), u(48), u(48)),
    st.builds(lambda a, k: encode_record(OP_SETTLE, account=a, slot=k), u(32), u(4)),
    st.builds(lambda a, i: encode_record(OP_CANCEL, account=a, order_id=i), u(32), u(48)))


@st.composite
def calldata(draw):
    return BatchCalldata(batch_number=draw(u(64)), new_root=draw(st.integers(0, R - 1)),
                         oracle_table_id=draw(u(32)), records=tuple(draw(st.lists(record, min_size=1, max_size=20))),
                         fund_deficit=draw(st.one_of(st.just(0), u(128), st.just(2**128 - 1))),
                         open_interest=tuple(draw(st.lists(u(40), min_size=1, max_size=16))))


@settings(max_examples=50, deadline=None)
@given(calldata())
def test_bytes_and_file_round_trip_with_the_solvency_outputs_after_the_records(cd):
    raw = cd.to_bytes()
    k = len(cd.open_interest)
    tail = DEFICIT_BYTES + 1 + OI_BYTES * k
    assert len(raw) == HEADER_BYTES + RECORD_BYTES * cd.batch_size + tail
    assert BatchCalldata.from_bytes(raw) == cd
    assert BatchCalldata.from_dict(cd.to_dict()) == cd
    assert cd.data() == raw[HEADER_BYTES:-tail]
    assert raw[-tail:] == cd.fund_deficit.to_bytes(16, "big") + bytes([k]) + cd.open_interest_bytes()
    oib = b"".join(x.to_bytes(OI_BYTES, "big") for x in cd.open_interest)
    assert cd.trailer() == cd.fund_deficit.to_bytes(16, "big") + (2**127 + cash_flow(cd.records)).to_bytes(16, "big") \
        + oib + oib


def base():
    return BatchCalldata(7, 12, 3, (encode_record(OP_NOOP),
                                    encode_record(OP_WITHDRAW, account=3, amount=5, l1_address=0xA11CE)), 99,
                         (4, 0))


@pytest.mark.parametrize("mutate", [
    lambda b: b + b"\x00",                                    # trailing byte
    lambda b: b[:-1],                                         # missing byte
    lambda b: b"\x02" + b[1:],                                # unknown (old) version
    lambda b: b"\x04" + b[1:-TAIL],                           # v4: no open interests
    lambda b: b[:-TAIL],                                      # the solvency outputs missing
    lambda b: b[:-OI_BYTES * 2 - 1] + b"\x03" + b[-OI_BYTES * 2:],   # K = 3 with two values
    lambda b: b[:-OI_BYTES * 2 - 1] + b"\x00",                       # K = 0
    lambda b: b[:-OI_BYTES * 2 - 1] + b"\x11" + bytes(OI_BYTES * 17),  # K = 17
    lambda b: b[:9] + R.to_bytes(32, "big") + b[41:],         # new root not below r
    lambda b: b[:HEADER_BYTES] + b"\x08" + b[HEADER_BYTES + 1:],               # unknown op code
    lambda b: b[:HEADER_BYTES + 1] + b"\x01" + b[HEADER_BYTES + 2:],           # noop with a field
    lambda b: b[:-1 - TAIL] + b"\x01" + b[-TAIL:],             # withdraw: an unused byte not 0
    lambda b: b[:45] + b"\x00\x00" + b[47:HEADER_BYTES] + b[-TAIL:],    # no records
    lambda b: b[:45] + b"\x00\x03" + b[47:],                  # a count that does not fit the length
])
def test_malformed_bytes_are_refused(mutate):
    with pytest.raises(CalldataError):
        BatchCalldata.from_bytes(mutate(base().to_bytes()))


@pytest.mark.parametrize("change", [
    {"batch_number": -1}, {"batch_number": 2 ** 64}, {"new_root": R}, {"new_root": -1},
    {"oracle_table_id": 2 ** 32}, {"records": ()}, {"records": (b"\x00" * 41,)}, {"records": ("noop",)},
    {"records": (encode_record(OP_NOOP)[:-1] + b"\x01",)}, {"batch_number": True}, {"records": b"x" * 42},
    {"fund_deficit": 2 ** 128}, {"fund_deficit": -1}, {"fund_deficit": None}, {"fund_deficit": True},
    {"fund_deficit": 1.0}, {"open_interest": ()}, {"open_interest": (0,) * 17}, {"open_interest": (2 ** 40,)},
    {"open_interest": (-1,)}, {"open_interest": None}, {"open_interest": (True,)},
])
def test_out_of_range_fields_are_refused(change):
    with pytest.raises(CalldataError):
        dataclasses.replace(base(), **change)


def test_the_deficit_is_required_and_the_largest_128_bit_one_is_encoded():
    with pytest.raises(TypeError):
        BatchCalldata(7, 12, 3, (encode_record(OP_NOOP),), 0)                 # no default
    cd = dataclasses.replace(base(), fund_deficit=2 ** 128 - 1)
    assert cd.to_bytes()[-TAIL:-TAIL + DEFICIT_BYTES] == b"\xff" * DEFICIT_BYTES
    assert BatchCalldata.from_bytes(cd.to_bytes()).fund_deficit == 2 ** 128 - 1


def test_from_dict_refuses_other_formats():
    for d in (None, {}, {"format": "x"}, {**base().to_dict(), "version": 4}, {**base().to_dict(), "calldata": 5}):
        with pytest.raises(CalldataError):
            BatchCalldata.from_dict(d)
