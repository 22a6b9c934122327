"""`RollupState.apply_l1_request`: the one place that queues the L1 entry an operation
serves (Deposit, ForcedWithdraw) and applies it; a refused operation leaves the state, its
queue and its collateral exactly as before."""
import pytest

from zkrollup.errors import RollupError
from zkrollup.ops import Deposit, ForcedWithdraw, Withdraw

from rollup_helpers import DID, KEYS, addr, fund, make_state, pk


def test_it_equals_queueing_then_applying():
    a, b = make_state(), make_state()
    a.apply(a.enqueue_deposit(3, pk(3), 1_000, addr(3)))
    b.apply_l1_request(Deposit(3, pk(3), 1_000, addr(3)))
    a.apply(a.enqueue_forced_withdraw(3, 10, addr(3)))
    b.apply_l1_request(ForcedWithdraw(3, 10, addr(3)))
    assert a.fingerprint() == b.fingerprint() and b.check_invariants() == []


def test_a_refused_deposit_or_forced_withdrawal_is_taken_off_its_queue_again():
    st = make_state()
    fund(st, 3, 1_000)
    st.enqueue_deposit(4, pk(4), 500, addr(4))                         # pending, not served yet
    st.enqueue_forced_withdraw(3, 10, addr(3))
    before = st.fingerprint()
    with pytest.raises(RollupError):                                   # not the next entry
        st.apply_l1_request(Deposit(5, pk(5), 700, addr(5)))
    assert st.fingerprint() == before and st.check_invariants() == []
    with pytest.raises(RollupError):                                   # not the next entry
        st.apply_l1_request(ForcedWithdraw(3, 20, addr(3)))
    assert st.fingerprint() == before
    w = Withdraw.create(KEYS[3], 3, 5, 0, 0xAB, DID)                   # other operations: plain apply
    assert st.apply_l1_request(w).op is w
