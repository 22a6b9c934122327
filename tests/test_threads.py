"""prover.threads: the kernels give the same results on several threads as on one."""
import numpy as np
import pytest

from circuits.field import R
from circuits.r1cs import SparseMatrix
from prover import fr_vec, msm, ntt, threads
from prover.convert import int_limbs
from prover.fixed_base import G1_GEN, g1_batch_mul


def test_run_deals_every_task_to_exactly_one_thread(monkeypatch):
    monkeypatch.setattr(threads, "count", lambda: 3)
    seen = []
    threads.run(lambda t, nt, out: out.extend((t, nt, k) for k in range(t, 10, nt)), 10, 1 << 20, seen)
    assert sorted(k for _, _, k in seen) == list(range(10)) and {nt for _, nt, _ in seen} == {3}
    seen.clear()
    threads.run(lambda t, nt, out: out.append((t, nt)), 10, 5, seen)      # small: one thread
    assert seen == [(0, 1)]


def _both(monkeypatch, fn):
    """fn() with the threads on, then with everything on the calling thread."""
    monkeypatch.setattr(threads, "count", lambda: 2)
    par = fn()
    monkeypatch.setattr(threads, "count", lambda: 1)
    return par, fn()


def test_large_fr_vectors_spmv_and_ntt_match_single_threaded(monkeypatch):
    rng = np.random.default_rng(5)
    n = 1 << 15
    xs = [int(v) for v in rng.integers(0, 1 << 62, size=n)]
    a = fr_vec.from_ints(xs)
    b = fr_vec.from_ints(xs[::-1])
    par, one = _both(monkeypatch, lambda: (fr_vec.mul(a, b), fr_vec.batch_inverse(a), ntt.ntt(a)))
    for p, o in zip(par, one):
        assert np.array_equal(p, o)
    assert fr_vec.to_ints(par[0])[:3] == [x * y % R for x, y in zip(xs[:3], xs[::-1][:3])]
    m = SparseMatrix.from_rows([{i % 100: 1 + i % 3, (7 * i) % 100: R - 1} for i in range(n)])
    csr = fr_vec.MontCSR.from_sparse(m)
    w = fr_vec.from_ints(xs[:100])
    par, one = _both(monkeypatch, lambda: csr.matvec(w))
    assert np.array_equal(par, one) and fr_vec.to_ints(par)[:50] == m.evaluate(xs[:100])[:50]


def test_msm_and_fixed_base_match_single_threaded(monkeypatch):
    rng = np.random.default_rng(9)
    ks = np.stack([int_limbs(int.from_bytes(rng.bytes(32), "little") % R) for _ in range(3000)])
    pts = g1_batch_mul(G1_GEN, ks)
    par, one = _both(monkeypatch, lambda: (msm.msm_g1(pts, ks), g1_batch_mul(G1_GEN, ks[:400])))
    assert np.array_equal(par[0], one[0]) and np.array_equal(par[1], one[1])
    with pytest.raises(ValueError):
        msm.msm_g1(pts, ks[:10])
