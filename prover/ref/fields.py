"""Reference field arithmetic for BN254 with plain Python ints: Fr, Fq and Fq2.

* Fr (scalar field, prime R) and Fq (base field, prime Q) elements are ints in [0, p).
  Every function returns the canonical representative; inputs may be any int.
* Fq2 = Fq[u]/(u^2 + 1) (u^2 = -1, the non-residue py_ecc, snarkjs and EIP-197 use);
  an element c0 + c1*u is the tuple (c0, c1) of canonical ints, the same coefficient
  order as py_ecc's FQ2([c0, c1]) and as snarkjs JSON's [c0, c1].
* XI = 9 + u is the sextic non-residue that defines the G2 twist (b' = 3/XI) and Fq12.

These functions are the twins of prover.mont's and prover.fields' kernels and are tested
against py_ecc; at the end, `fq_binop_array` & co. have prover.fields' array API.
"""
from __future__ import annotations

from typing import Optional

from circuits.field import R

Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583
"""BN254's base-field prime q (the coordinates of G1 and, over Fq2, of G2)."""

Fq2 = tuple[int, int]


# --- generic prime-field helpers ----------------------------------------------------------------

def _legendre(a: int, p: int) -> int:
    """Legendre symbol (a/p): 0 for 0, 1 for a non-zero square, -1 for a non-square."""
    a %= p
    if a == 0:
        return 0
    return 1 if pow(a, (p - 1) // 2, p) == 1 else -1


def _inv(a: int, p: int, name: str) -> int:
    a %= p
    if a == 0:
        raise ZeroDivisionError(f"inverse of 0 in {name}")
    return pow(a, p - 2, p)


def _tonelli_shanks(a: int, p: int) -> Optional[int]:
    """A square root of a mod the odd prime p, or None when a is not a square.

    Returns the smaller of the two roots so results are deterministic."""
    a %= p
    if a == 0:
        return 0
    if _legendre(a, p) != 1:
        return None
    if p % 4 == 3:
        x = pow(a, (p + 1) // 4, p)
    else:
        s, t = 0, p - 1          # p - 1 = 2^s * t, t odd
        while t % 2 == 0:
            s, t = s + 1, t // 2
        z = 2
        while _legendre(z, p) != -1:
            z += 1
        m, c, x, b = s, pow(z, t, p), pow(a, (t + 1) // 2, p), pow(a, t, p)
        while b != 1:
            i, b2 = 0, b          # least i with b^(2^i) = 1
            while b2 != 1:
                b2, i = b2 * b2 % p, i + 1
            f = pow(c, 1 << (m - i - 1), p)
            m, c = i, f * f % p
            x, b = x * f % p, b * c % p
    return min(x, p - x)


# --- Fq -----------------------------------------------------------------------------------------

def fq(a: int) -> int:
    return a % Q


def fq_add(a: int, b: int) -> int:
    return (a + b) % Q


def fq_sub(a: int, b: int) -> int:
    return (a - b) % Q


def fq_neg(a: int) -> int:
    return -a % Q


def fq_mul(a: int, b: int) -> int:
    return a * b % Q


def fq_sqr(a: int) -> int:
    return a * a % Q


def fq_inv(a: int) -> int:
    """a^-1; ZeroDivisionError for 0."""
    return _inv(a, Q, "Fq")


def fq_legendre(a: int) -> int:
    return _legendre(a, Q)


def fq_sqrt(a: int) -> Optional[int]:
    """The smaller square root of a in Fq, or None if a is not a square (q = 3 mod 4)."""
    return _tonelli_shanks(a, Q)


# --- Fr -----------------------------------------------------------------------------------------

def fr(a: int) -> int:
    return a % R


def fr_add(a: int, b: int) -> int:
    return (a + b) % R


def fr_sub(a: int, b: int) -> int:
    return (a - b) % R


def fr_mul(a: int, b: int) -> int:
    return a * b % R


def fr_sqr(a: int) -> int:
    return a * a % R


def fr_inv(a: int) -> int:
    """a^-1; ZeroDivisionError for 0."""
    return _inv(a, R, "Fr")


def fr_legendre(a: int) -> int:
    return _legendre(a, R)


def fr_sqrt(a: int) -> Optional[int]:
    """The smaller square root of a in Fr, or None (Tonelli-Shanks: r - 1 = 2^28 * t)."""
    return _tonelli_shanks(a, R)


# --- Fq2 = Fq[u]/(u^2 + 1) ----------------------------------------------------------------------

FQ2_ZERO: Fq2 = (0, 0)
FQ2_ONE: Fq2 = (1, 0)
XI: Fq2 = (9, 1)
"""9 + u: neither a square nor a cube in Fq2; G2's twist is y^2 = x^3 + 3/XI."""


def fq2_add(a: Fq2, b: Fq2) -> Fq2:
    return ((a[0] + b[0]) % Q, (a[1] + b[1]) % Q)


def fq2_sub(a: Fq2, b: Fq2) -> Fq2:
    return ((a[0] - b[0]) % Q, (a[1] - b[1]) % Q)


def fq2_neg(a: Fq2) -> Fq2:
    return (-a[0] % Q, -a[1] % Q)


def fq2_mul(a: Fq2, b: Fq2) -> Fq2:
    # (a0 + a1 u)(b0 + b1 u) = a0 b0 - a1 b1 + (a0 b1 + a1 b0) u, since u^2 = -1
    return ((a[0] * b[0] - a[1] * b[1]) % Q, (a[0] * b[1] + a[1] * b[0]) % Q)


def fq2_sqr(a: Fq2) -> Fq2:
    # (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u
    return ((a[0] + a[1]) * (a[0] - a[1]) % Q, 2 * a[0] * a[1] % Q)


def fq2_mul_fq(a: Fq2, k: int) -> Fq2:
    """a * k for k in Fq (or any int)."""
    return (a[0] * k % Q, a[1] * k % Q)


def fq2_mul_by_xi(a: Fq2) -> Fq2:
    """a * (9 + u) = 9 a0 - a1 + (a0 + 9 a1) u."""
    return ((9 * a[0] - a[1]) % Q, (a[0] + 9 * a[1]) % Q)


def fq2_conj(a: Fq2) -> Fq2:
    """The conjugate a0 - a1 u, which is also the Frobenius a^q."""
    return (a[0] % Q, -a[1] % Q)


def fq2_norm(a: Fq2) -> int:
    """a * conj(a) = a0^2 + a1^2, an element of Fq."""
    return (a[0] * a[0] + a[1] * a[1]) % Q


def fq2_inv(a: Fq2) -> Fq2:
    """a^-1 = conj(a) / norm(a); ZeroDivisionError for 0."""
    n = fq2_norm(a)
    if n == 0:
        raise ZeroDivisionError("inverse of 0 in Fq2")
    ni = pow(n, Q - 2, Q)
    return (a[0] * ni % Q, -a[1] * ni % Q)


def fq2_pow(a: Fq2, e: int) -> Fq2:
    """a^e for e >= 0 by square-and-multiply."""
    if e < 0:
        raise ValueError("negative exponent; invert first")
    out, base = FQ2_ONE, (a[0] % Q, a[1] % Q)
    while e:
        if e & 1:
            out = fq2_mul(out, base)
        base = fq2_sqr(base)
        e >>= 1
    return out


def fq2_legendre(a: Fq2) -> int:
    """Quadratic character in Fq2: a is a square iff its norm is a square in Fq."""
    return _legendre(fq2_norm(a), Q)


def fq2_sqrt(a: Fq2) -> Optional[Fq2]:
    """A square root of a in Fq2, or None if a is not a square.

    The "complex" method: with s = sqrt(a0^2 + a1^2) in Fq, x0 = sqrt((a0 +- s)/2) and
    x1 = a1 / (2 x0). For a1 = 0, a0 or -a0 (u^2 = -1) is a square in Fq."""
    a0, a1 = a[0] % Q, a[1] % Q
    if a1 == 0:
        r = fq_sqrt(a0)
        if r is not None:
            return (r, 0)
        return (0, fq_sqrt(-a0 % Q))   # -1 is a non-square mod q, so -a0 is a square
    s = fq_sqrt((a0 * a0 + a1 * a1) % Q)
    if s is None:
        return None
    half = (Q + 1) // 2
    t = (a0 + s) * half % Q
    if fq_legendre(t) != 1:
        t = (a0 - s) * half % Q
    x0 = fq_sqrt(t)
    if x0 is None or x0 == 0:   # cannot happen for a1 != 0; kept as a guard
        return None
    x = (x0, a1 * fq_inv(2 * x0) % Q)
    return x if fq2_sqr(x) == (a0, a1) else None


# --- prover.fields' array API on Montgomery rows ---------------------------------------------------

def _fq_ops():
    return {0: fq_mul, 1: fq_add, 2: fq_sub, 3: lambda x, y: fq_sqr(x), 4: lambda x, y: fq_inv(x) if x else 0,
            5: lambda x, y: fq_neg(x), 6: lambda x, y: fq_add(x, x)}


def _fq2_ops():
    return {0: fq2_mul, 1: fq2_add, 2: fq2_sub, 3: lambda x, y: fq2_sqr(x),
            4: lambda x, y: fq2_inv(x) if x != FQ2_ZERO else FQ2_ZERO,
            5: lambda x, y: fq2_neg(x), 6: lambda x, y: fq2_add(x, x)}


def fq_binop_array(op, a, b, out) -> None:
    """out[i] = a[i] (op) b[i] on (n, 4) Montgomery Fq rows, op codes as prover.fields'."""
    from prover.convert import from_mont, to_mont
    from prover.mont import FQ
    f = _fq_ops()[op]
    out[...] = to_mont([f(x, y) for x, y in zip(from_mont(a, FQ), from_mont(b, FQ))], FQ).reshape(out.shape)


def fq2_binop_array(op, a, b, out) -> None:
    """out[i] = a[i] (op) b[i] on (n, 8) Montgomery Fq2 rows [c0 limbs, c1 limbs]."""
    from prover.convert import from_mont, to_mont
    from prover.mont import FQ
    f = _fq2_ops()[op]
    xa, xb = from_mont(a, FQ), from_mont(b, FQ)
    res = [f((xa[2 * i], xa[2 * i + 1]), (xb[2 * i], xb[2 * i + 1])) for i in range(a.shape[0])]
    out[...] = to_mont([c for r in res for c in r], FQ).reshape(out.shape)


def fq_inv_array(a, out, fermat) -> None:
    """out[i] = 1/a[i] (0 -> 0); `fermat` is accepted for the API (one route here)."""
    fq_binop_array(4, a, a, out)
