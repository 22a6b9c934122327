"""The plain twin of `prover.ntt`: polynomial evaluation and interpolation over Fr.

The int-level core is in natural order on lists of Python ints; two routes for the same
thing, so that the reference checks itself: a direct O(n^2) evaluation (`dft`) and a
recursive O(n log n) radix-2 transform (`fft`). Below it, the fast module's API (`ntt`,
`intt_rn`, `coset_ntt_nr`, ... on (n, 4) Montgomery arrays, same orders and names), built
on `fft` with explicit permutations. Sizes are small in tests.
"""
from __future__ import annotations

from typing import List, Sequence

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
TWO_ADICITY = 28
GENERATOR = 5
ROOT_OF_UNITY_2_28 = pow(GENERATOR, (R - 1) >> TWO_ADICITY, R)


def root_of_unity(n: int) -> int:
    """Primitive n-th root of unity (n a power of two <= 2^28): 5^((r-1)/n)."""
    if n < 1 or n & (n - 1) or n > 1 << TWO_ADICITY:
        raise ValueError(f"size must be a power of two <= 2^28, got {n}")
    return pow(ROOT_OF_UNITY_2_28, (1 << TWO_ADICITY) // n, R)


def evaluate(coeffs: Sequence[int], x: int) -> int:
    """p(x) by Horner's rule; coeffs[i] is the coefficient of x^i."""
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % R
    return acc


def dft(coeffs: Sequence[int], shift: int = 1) -> List[int]:
    """[p(shift * w^i) for i < n], w = root_of_unity(n): O(n^2), for tiny sizes."""
    n = len(coeffs)
    w = root_of_unity(n)
    return [evaluate(coeffs, shift * pow(w, i, R) % R) for i in range(n)]


def fft(coeffs: Sequence[int], w: int | None = None) -> List[int]:
    """[p(w^i) for i < n] by recursive radix-2 splitting (even/odd coefficients)."""
    n = len(coeffs)
    if w is None:
        w = root_of_unity(n)
    if n == 1:
        return [coeffs[0] % R]
    even = fft(coeffs[0::2], w * w % R)
    odd = fft(coeffs[1::2], w * w % R)
    out = [0] * n
    t = 1
    for i in range(n // 2):
        v = t * odd[i] % R
        out[i] = (even[i] + v) % R
        out[i + n // 2] = (even[i] - v) % R
        t = t * w % R
    return out


def ifft(evals: Sequence[int]) -> List[int]:
    """Coefficients of the polynomial of degree < n taking evals[i] at w^i."""
    n = len(evals)
    w_inv = pow(root_of_unity(n), -1, R)
    n_inv = pow(n, -1, R)
    return [c * n_inv % R for c in fft(evals, w_inv)]


def coset_fft(coeffs: Sequence[int], shift: int) -> List[int]:
    """[p(shift * w^i) for i < n]."""
    scaled, s = [], 1
    for c in coeffs:
        scaled.append(c * s % R)
        s = s * shift % R
    return fft(scaled)


def coset_ifft(evals: Sequence[int], shift: int) -> List[int]:
    """Coefficients of p of degree < n with p(shift * w^i) = evals[i]."""
    coeffs = ifft(evals)
    s_inv, s = pow(shift, -1, R), 1
    out = []
    for c in coeffs:
        out.append(c * s % R)
        s = s * s_inv % R
    return out


def bitrev(i: int, log_n: int) -> int:
    return int(format(i, f"0{log_n}b")[::-1], 2) if log_n else 0


def bitrev_list(values: Sequence[int]) -> List[int]:
    n = len(values)
    log_n = n.bit_length() - 1
    return [values[bitrev(i, log_n)] for i in range(n)]


# --- the fast module's API on Montgomery arrays --------------------------------------------------

GENERATOR = 5


def _ints(a) -> List[int]:
    from prover.ref.fr_vec import to_ints
    n = a.shape[0] if hasattr(a, "shape") else len(a)
    if n < 1 or n & (n - 1) or n > 1 << TWO_ADICITY:
        raise ValueError(f"NTT size must be a power of two, got {n}")
    return to_ints(a)


def _arr(vals: Sequence[int], a, inplace: bool):
    from prover.ref.fr_vec import from_ints
    out = from_ints(list(vals))
    if inplace:
        a[...] = out
        return a
    return out


def _check_shift(shift: int) -> int:
    shift %= R
    if shift == 0:
        raise ValueError("coset shift must be nonzero mod r")
    return shift


def ntt_nr(a, inplace: bool = False):
    return _arr(bitrev_list(fft(_ints(a))), a, inplace)


def ntt_rn(a, inplace: bool = False):
    return _arr(fft(bitrev_list(_ints(a))), a, inplace)


def intt_rn(a, inplace: bool = False):
    return _arr(ifft(bitrev_list(_ints(a))), a, inplace)


def intt_nr(a, inplace: bool = False):
    return _arr(bitrev_list(ifft(_ints(a))), a, inplace)


def coset_ntt_nr(a, shift: int = GENERATOR, inplace: bool = False):
    shift = _check_shift(shift)
    return _arr(bitrev_list(coset_fft(_ints(a), shift)), a, inplace)


def coset_intt_rn(a, shift: int = GENERATOR, inplace: bool = False):
    shift = _check_shift(shift)
    return _arr(coset_ifft(bitrev_list(_ints(a)), shift), a, inplace)


def bitrev_permute(a):
    return _arr(bitrev_list(_ints(a)), a, False)


def ntt(a):
    return _arr(fft(_ints(a)), a, False)


def intt(a):
    return _arr(ifft(_ints(a)), a, False)


def coset_ntt(a, shift: int = GENERATOR):
    return _arr(coset_fft(_ints(a), _check_shift(shift)), a, False)


def coset_intt(a, shift: int = GENERATOR):
    return _arr(coset_ifft(_ints(a), _check_shift(shift)), a, False)
