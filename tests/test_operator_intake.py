"""The operator's request intake: every malformed request (missing or extra fields, wrong
types, lists of the wrong length, huge or negative numbers, nested garbage) is refused
with its own ValueError naming the problem, never a raw KeyError, TypeError or IndexError,
and a request file goes on to its next request. Requests are checked as the operator
applies them (`request_from_obj`, then the native state), here without proving; the
file path through the operator is in tests/test_operator.py.

Also: the rule users get for fill slots (an order whose fill slot holds a resting order of
the same account is refused with a clear error), and signed cancels taking orders out of
the book."""
import json
import random

import pytest

from zkrollup import batchfile
from zkrollup.errors import FillSlotInUse, RollupError
from zkrollup.matching import Book
from zkrollup.operator import orders
from zkrollup.operator.intake import read_request_file, request_from_obj
from zkrollup.ops import BUY, SELL, Cancel, Liquidate, Settle, SignedOrder, Withdraw

from rollup_helpers import DAY, DID, KEYS, T0, USD, addr, fund, make_state, order

ODD_VALUES = [None, True, False, -1, 2 ** 300, -(2 ** 300), 1.5, float("nan"), "7", "", [], [1], {}, {"a": 1},
              [[1, 2], 3], b"\x00" * 3, "type"]


def valid_requests(st):
    mark = st.oracle.mark[0]
    return [{"type": "order", **order(3, SELL, 5, mark, 1).to_obj()},
            Withdraw.create(KEYS[4], 4, USD, 0, addr(4), DID).to_obj(),
            Liquidate.create(KEYS[4], 4, 3, 0, T0 + DAY, DID).to_obj(),
            Settle(3, 0).to_obj(),
            Cancel.create(KEYS[3], 3, 9, DID).to_obj()]


def mutants(obj, rng, n):
    """n malformed variants of a request object (each differs from it)."""
    out = []
    keys = list(obj)
    for _ in range(n):
        m = json.loads(json.dumps(obj, default=list))
        how = rng.randrange(7)
        k = rng.choice(keys)
        if how == 0:
            del m[k]
        elif how == 1:
            m[k] = rng.choice(ODD_VALUES)
        elif how == 2 and isinstance(m.get(k), list):
            m[k] = m[k][:-1] if rng.random() < 0.5 else m[k] + [rng.choice(ODD_VALUES)]
        elif how == 3 and isinstance(m.get(k), list) and m[k]:
            m[k][rng.randrange(len(m[k]))] = rng.choice(ODD_VALUES)
        elif how == 4:
            m["extra"] = rng.choice(ODD_VALUES)
            m[k] = rng.choice(ODD_VALUES)
        elif how == 5:
            m = rng.choice([[m], "order", 5, None, [], {"type": m.get("type"), k: m.get(k)}])
        else:
            m["type"] = rng.choice(ODD_VALUES + ["deposit", "forced_withdraw", "trade", "noop", "cancel", "order"])
        if m != obj:
            out.append(m)
    return out


def intake(st, book, obj):
    """What the sequencer does with one request, without a batch or a journal."""
    req = request_from_obj(obj)
    if isinstance(req, SignedOrder):
        return orders.match(st, book, req, 0, 0, st.apply)
    return st.apply(req)


def test_four_hundred_malformed_requests_each_get_their_own_error_and_nothing_changes():
    st = make_state()
    for i in (3, 4, 5):
        fund(st, i, 1_000 * USD)
    rng = random.Random(11)
    cases = [m for obj in valid_requests(st) for m in mutants(obj, rng, 90)]
    assert len(cases) >= 400
    kinds = {}
    for obj in cases:
        before = st.fingerprint()
        try:
            intake(st, Book(), obj)
        except (RollupError, ValueError) as e:
            assert str(e), obj
            kinds[type(e).__name__] = kinds.get(type(e).__name__, 0) + 1
        # an accepted mutant (e.g. a bool turned into an equal int) is fine; a raw
        # KeyError/TypeError/IndexError would have escaped the except above
        st = make_state() if st.fingerprint() != before else st
        if st.fingerprint() != before:
            for i in (3, 4, 5):
                fund(st, i, 1_000 * USD)
    assert {"BadRequest", "OutOfRange"} <= set(kinds)


def test_a_request_file_is_refused_request_by_request(tmp_path):
    st = make_state()
    for i in (3, 4, 5):
        fund(st, i, 1_000 * USD)
    good = valid_requests(st)[:2]
    bad = [{"type": "order"}, {"type": "withdraw", "account": "x"}, [1, 2], {"no": "type"}, None]
    (tmp_path / "r.json").write_text(json.dumps([bad[0], good[0], bad[1], bad[2], good[1], bad[3], bad[4]]))
    results = []
    for obj in read_request_file(tmp_path / "r.json"):
        try:
            results.append(intake(st, Book(), obj))
        except (RollupError, ValueError) as e:
            results.append(e)
    assert [isinstance(r, Exception) for r in results] == [True, False, True, True, False, True, True]
    assert "needs the field 'order'" in str(results[0]) and "a withdrawal needs the field 'amount'" in str(results[2])


@pytest.mark.parametrize("content, suffix", [(b"[" * 100_000, ".json"), (b"\x91" * 100_000, ".msgpack"),
                                             (b"{not json", ".json"), (b"\xc1", ".msgpack")])
def test_unreadable_request_files_are_one_value_error(tmp_path, content, suffix):
    p = tmp_path / f"r{suffix}"
    p.write_bytes(content)
    with pytest.raises(ValueError, match=str(p)):
        read_request_file(p)


def test_request_files_that_are_directories_devices_or_too_large_are_refused(tmp_path):
    from zkrollup.operator import intake as intake_mod
    with pytest.raises(ValueError, match="directory"):
        read_request_file(tmp_path)
    with pytest.raises(ValueError, match="not a regular file"):
        read_request_file("/dev/zero")
    big = tmp_path / "big.msgpack"
    with open(big, "wb") as f:
        f.truncate(intake_mod.MAX_REQUEST_FILE_BYTES + 1)
    with pytest.raises(ValueError, match="more than"):
        read_request_file(big)
    assert read_request_file(_write(tmp_path / "ok.msgpack", batchfile.pack([{"type": "noop"}]))) == [{"type": "noop"}]


def _write(p, data):
    p.write_bytes(data)
    return p


def test_an_order_whose_fill_slot_holds_a_resting_order_of_the_same_account_is_refused():
    """Order ids 1 and 9 share fill slot 1 (order depth 3): the second would retire the
    first at its first fill, so the operator refuses it and says why."""
    st = make_state()
    for i in (3, 4):
        fund(st, i, 1_000 * USD)
    book = Book()
    mark = st.oracle.mark[0]
    res = orders.match(st, book, order(3, SELL, 5, mark + 100, 1), 0, 0, st.apply)
    assert res.rested
    with pytest.raises(FillSlotInUse, match="fill slot 1 .* its order 1 rests"):
        orders.match(st, book, order(3, BUY, 5, mark - 100, 9), 0, 0, st.apply)
    # another slot is fine; and once order 1 is gone (filled), slot 1 is free again
    assert orders.match(st, book, order(3, BUY, 5, mark - 100, 2), 0, 0, st.apply).rested
    assert orders.match(st, book, order(4, BUY, 5, mark + 100, 1), 0, 0, st.apply).filled == 5
    assert orders.match(st, book, order(3, SELL, 1, mark + 200, 9), 0, 0, st.apply).rested
    # another account's order in the same slot number never conflicts
    assert orders.match(st, book, order(4, SELL, 1, mark + 300, 9), 0, 0, st.apply).rested
