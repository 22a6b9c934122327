"""Posted records and the public input (circuits.spec.records, circuits.spec.public_input):
the layout as documented, encode/decode round trips, malformed records refused, the
public input is SHA-256 of header and records shifted by 3."""
import hashlib

import pytest
from hypothesis import given, settings, strategies as st

from circuits.field import R
from circuits.spec import ops, records
from circuits.spec.liquidation import LIQ_STEP_BITS
from circuits.spec.public_input import (HEADER_BYTES, HEADER_FIELDS, batch_data, batch_public_input, header_bytes,
                                        public_input)
from circuits.spec.records import LAYOUT, RECORD_BYTES, decode_record, encode_record, field, split_records
from circuits.spec.solvency import cash_flow, trailer_bytes

TRADE = dict(maker=3, taker=4, slot=2, maker_side=1, fill=5, price=100, maker_fee_rate=1, taker_fee_rate=2,
             maker_order_id=7, taker_order_id=2 ** 48 - 1)


def test_trade_record_bytes_follow_the_documented_offsets():
    rec = encode_record(ops.OP_TRADE, **TRADE)
    assert len(rec) == RECORD_BYTES == 42
    assert rec[0] == 4 and rec[1:5] == (3).to_bytes(4, "big") and rec[5:9] == (4).to_bytes(4, "big")
    assert rec[9] == 2 and rec[10] == 1 and rec[11:16] == (5).to_bytes(5, "big")
    assert rec[16:22] == (100).to_bytes(6, "big") and rec[22:26] == (1).to_bytes(4, "big")
    assert rec[26:30] == (2).to_bytes(4, "big") and rec[30:36] == (7).to_bytes(6, "big")
    assert rec[36:42] == b"\xff" * 6


def test_shared_variables_sit_at_the_same_offset_in_every_operation():
    assert {field(op, "account").offset for op in (1, 2, 3, 6, 7)} == {field(4, "maker").offset,
                                                                       field(5, "liquidator").offset} == {1}
    assert field(4, "taker").offset == field(5, "target").offset == field(6, "clearing").offset
    assert field(4, "slot").offset == field(6, "slot").offset
    assert field(4, "maker_order_id").offset == field(7, "order_id").offset
    assert field(1, "amount") == field(2, "amount") == field(3, "amount")


def test_every_operation_has_a_layout_and_no_record_overlaps_itself():
    assert sorted(LAYOUT) == list(range(ops.N_OPS))
    for op, fields in LAYOUT.items():
        cover = [b for f in fields for b in range(f.offset, f.offset + f.size)]
        assert len(cover) == len(set(cover)) and 0 not in cover and max(cover, default=0) < RECORD_BYTES


def test_noop_record_is_all_zeros_and_settle_names_the_clearing_account():
    assert records.NOOP_RECORD == bytes(RECORD_BYTES)
    rec = encode_record(ops.OP_SETTLE, account=9, slot=1)
    assert decode_record(rec).fields == {"account": 9, "clearing": 2, "slot": 1}
    with pytest.raises(ValueError, match="always 2"):
        encode_record(ops.OP_SETTLE, account=9, clearing=3, slot=1)


_values = {
    ops.OP_DEPOSIT: dict(account=st.integers(0, 2 ** 32 - 1), amount=st.integers(1, 2 ** 64 - 1),
                         refunded=st.integers(0, 1)),
    ops.OP_WITHDRAW: dict(account=st.integers(0, 2 ** 32 - 1), amount=st.integers(1, 2 ** 64 - 1),
                          l1_address=st.integers(0, 2 ** 160 - 1)),
    ops.OP_FORCED: dict(account=st.integers(0, 2 ** 32 - 1), amount=st.integers(1, 2 ** 64 - 1),
                        paid=st.integers(0, 2 ** 64 - 1)),
    ops.OP_CANCEL: dict(account=st.integers(0, 2 ** 32 - 1), order_id=st.integers(1, 2 ** 48 - 1)),
    ops.OP_LIQUIDATE: dict(liquidator=st.integers(0, 2 ** 32 - 1), target=st.integers(0, 2 ** 32 - 1),
                           steps=st.integers(0, 2 ** LIQ_STEP_BITS - 1)),
}


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(sorted(_values)).flatmap(lambda op: st.tuples(st.just(op), st.fixed_dictionaries(_values[op]))))
def test_encode_decode_round_trip(op_vals):
    op, vals = op_vals
    rec = encode_record(op, **vals)
    got = decode_record(rec)
    assert (got.op, dict(got.fields)) == (op, vals)
    for f in LAYOUT[op]:
        assert int.from_bytes(rec[f.offset:f.offset + f.size], "big") == vals[f.name]


@pytest.mark.parametrize("mutate,match", [
    (lambda r: r[:-1], "42 bytes"),
    (lambda r: bytes([9]) + r[1:], "unknown operation code"),
    (lambda r: bytes([8]) + r[1:], "backstop must be 1"),             # a forced close names the fund
    (lambda r: r[:20] + b"\x01" + r[21:], "outside its fields"),       # an unused byte of a cancel
    (lambda r: r[:30] + b"\x01" + r[31:], None),                        # inside order_id: still valid
])
def test_decode_refuses_malformed_records(mutate, match):
    rec = encode_record(ops.OP_CANCEL, account=5, order_id=9)
    if match is None:
        assert decode_record(mutate(rec)).fields["order_id"] == 9 + 2 ** 40
        return
    with pytest.raises(ValueError, match=match):
        decode_record(mutate(rec))


def test_decode_refuses_values_beyond_their_bits():
    rec = bytearray(encode_record(ops.OP_DEPOSIT, account=5, amount=9, refunded=0))
    rec[13] = 2                                                         # refunded is one bit
    with pytest.raises(ValueError, match="refunded exceeds 1 bits"):
        decode_record(bytes(rec))
    rec = bytearray(encode_record(ops.OP_TRADE, **TRADE))
    rec[9] = 16                                                         # slot has 4 bits
    with pytest.raises(ValueError, match="slot exceeds"):
        decode_record(bytes(rec))


def test_encode_refuses_missing_unknown_and_oversized_fields():
    with pytest.raises(ValueError, match="missing field amount"):
        encode_record(ops.OP_WITHDRAW, account=1, l1_address=2)
    with pytest.raises(ValueError, match="no fields"):
        encode_record(ops.OP_CANCEL, account=1, order_id=1, amount=3)
    with pytest.raises(ValueError, match="maker_side"):
        encode_record(ops.OP_TRADE, **{**TRADE, "maker_side": 2})
    with pytest.raises(ValueError, match="unknown operation"):
        encode_record(9)
    with pytest.raises(ValueError, match="steps is always 4"):
        encode_record(ops.OP_FORCED_CLOSE, account=5, steps=3)


def test_split_records():
    recs = [encode_record(ops.OP_CANCEL, account=i, order_id=1) for i in range(3)]
    assert split_records(b"".join(recs), 3) == recs
    with pytest.raises(ValueError):
        split_records(b"".join(recs) + b"\x00", 3)


# --- header and public input -----------------------------------------------------------------------

HEADER = dict(old_root=1, new_root=R - 1, oracle_hash=3, prio_old=0, prio_new=5)


def test_header_is_five_canonical_big_endian_field_elements():
    h = header_bytes(**HEADER)
    assert len(h) == HEADER_BYTES == 160
    assert [int.from_bytes(h[32 * i:32 * i + 32], "big") for i in range(5)] == [HEADER[n] for n in HEADER_FIELDS]
    with pytest.raises(ValueError, match="new_root"):
        header_bytes(**{**HEADER, "new_root": R})


def test_public_input_is_sha256_of_header_records_and_the_solvency_outputs_shifted_by_three():
    recs = [encode_record(ops.OP_TRADE, **TRADE), records.NOOP_RECORD]
    oi = (7, 0, 2 ** 40 - 1)
    oib = b"".join(x.to_bytes(5, "big") for x in oi)
    # the trade record moves no cash: the flow is 0, posted as 2^127
    data = header_bytes(**HEADER) + b"".join(recs) + (12345).to_bytes(16, "big") + (2 ** 127).to_bytes(16, "big") \
        + oib + oib
    want = int.from_bytes(hashlib.sha256(data).digest(), "big") >> 3
    assert batch_data(header_bytes(**HEADER), recs, trailer_bytes(12345, 0, oi)) == data
    assert public_input(data) == batch_public_input(recs, 12345, oi, **HEADER) == want < 2 ** 253 < R
    assert batch_public_input(recs[::-1], 12345, oi, **HEADER) != want
    assert batch_public_input(recs, 12346, oi, **HEADER) != want
    assert batch_public_input(recs, 12345, (7, 0, 2 ** 40 - 2), **HEADER) != want
    with pytest.raises(ValueError, match="record 0"):
        batch_data(header_bytes(**HEADER), [b"\x00" * 41], trailer_bytes(0, 0, oi))
    with pytest.raises(ValueError, match="trailer"):
        batch_data(header_bytes(**HEADER), recs, b"xy")
    for bad in (-1, 2 ** 128, True):
        with pytest.raises(ValueError, match="deficit"):
            trailer_bytes(bad, 0, oi)
    for bad in (-2 ** 127 - 1, 2 ** 127, True):
        with pytest.raises(ValueError, match="cash flow"):
            trailer_bytes(0, bad, oi)
    for bad in ((-1,), (2 ** 40,), (True,)):
        with pytest.raises(ValueError, match="open interest 0"):
            trailer_bytes(0, 0, bad)


def test_the_cash_flow_counts_credited_deposits_less_withdrawals_and_forced_payouts():
    dep = lambda a, refunded=0: encode_record(ops.OP_DEPOSIT, account=5, amount=a, refunded=refunded)  # noqa: E731
    wd = encode_record(ops.OP_WITHDRAW, account=5, amount=30, l1_address=9)
    fw = encode_record(ops.OP_FORCED, account=5, amount=50, paid=20)
    trade = encode_record(ops.OP_TRADE, **TRADE)
    assert cash_flow([]) == 0
    assert cash_flow([dep(100), dep(70, refunded=1), wd, fw, trade, records.NOOP_RECORD]) == 100 - 30 - 20
    assert cash_flow([wd, fw]) == -50
    with pytest.raises(ValueError):
        cash_flow([b"\xff" * RECORD_BYTES])
