"""Reference BN254 group arithmetic with plain Python ints: G1 over Fq and G2 over Fq2.

Curves
    G1: y^2 = x^3 + 3 over Fq; prime order R, cofactor 1 (on the curve = in the group).
    G2: y^2 = x^3 + 3/(9+u) over Fq2 (the D-type sextic twist); the twist has order
        R * h2 with a large cofactor h2, so points need a subgroup check (`g2_in_subgroup`).

Representations (the same for both groups; a G2 coordinate is an Fq2 tuple (c0, c1))
    affine:   (x, y), or None for the point at infinity;
    Jacobian: (X, Y, Z) meaning (X/Z^2, Y/Z^3); any Z == 0 is the point at infinity
              (`*_jac_*` functions return (1, 1, 0) for it).

Generators are py_ecc's (and EIP-197's / snarkjs's): G1 = (1, 2), G2 below. Formulas are the
standard a = 0 Jacobian ones (dbl-2009-l, add-2007-bl, madd-2007-bl of the Explicit-Formulas
Database), with the special cases (infinity, P + P, P + (-P)) handled explicitly: these
are the twins of the Numba point kernels. Scalars are used as given, not reduced mod R
(r * P must be computable for the subgroup check); a negative scalar negates the point.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from . import fields as F
from .fields import Q, R

Point = Optional[tuple]      # affine (x, y) or None
Jac = tuple                  # (X, Y, Z)

BN_X = 4965661367192848881
"""The BN parameter x of BN254: q = 36x^4 + 36x^3 + 24x^2 + 6x + 1, r = q + 1 - (6x^2 + 1)."""


class Curve:
    """Short Weierstrass curve y^2 = x^3 + b (a = 0) over a field given by its operations."""

    def __init__(self, name: str, b, zero, one, add: Callable, sub: Callable, mul: Callable,
                 sqr: Callable, neg: Callable, inv: Callable, generator: tuple):
        self.name, self.b, self.zero, self.one = name, b, zero, one
        self.fadd, self.fsub, self.fmul, self.fsqr, self.fneg, self.finv = add, sub, mul, sqr, neg, inv
        self.generator = generator
        self.jac_infinity = (one, one, zero)

    # --- affine ---------------------------------------------------------------------------------

    def is_on_curve(self, p: Point) -> bool:
        """True for infinity and for (x, y) with canonical coordinates satisfying the equation."""
        if p is None:
            return True
        x, y = p
        if not (self._canonical(x) and self._canonical(y)):
            return False
        return self.fsqr(y) == self.fadd(self.fmul(self.fsqr(x), x), self.b)

    def _canonical(self, c) -> bool:
        parts = c if isinstance(c, tuple) else (c,)
        return all(isinstance(v, int) and 0 <= v < Q for v in parts)

    def neg(self, p: Point) -> Point:
        return None if p is None else (p[0], self.fneg(p[1]))

    def double(self, p: Point) -> Point:
        if p is None or p[1] == self.zero:
            return None
        x, y = p
        lam = self.fmul(self.fmul(self.fsqr(x), self._k(3)), self.finv(self.fadd(y, y)))
        x3 = self.fsub(self.fsqr(lam), self.fadd(x, x))
        return (x3, self.fsub(self.fmul(lam, self.fsub(x, x3)), y))

    def add(self, p: Point, q: Point) -> Point:
        """Affine addition with every special case: O + Q, P + P, P + (-P)."""
        if p is None:
            return q
        if q is None:
            return p
        (x1, y1), (x2, y2) = p, q
        if x1 == x2:
            return self.double(p) if y1 == y2 else None
        lam = self.fmul(self.fsub(y2, y1), self.finv(self.fsub(x2, x1)))
        x3 = self.fsub(self.fsub(self.fsqr(lam), x1), x2)
        return (x3, self.fsub(self.fmul(lam, self.fsub(x1, x3)), y1))

    def sub(self, p: Point, q: Point) -> Point:
        return self.add(p, self.neg(q))

    def mul(self, p: Point, k: int) -> Point:
        """k * P (affine in, affine out) by double-and-add in Jacobian coordinates."""
        return self.from_jac(self.jac_mul(self.to_jac(p), k))

    def lift_x(self, x) -> Point:
        """A point with abscissa x (the smaller root for G1, `fq2_sqrt`'s root for G2), or None."""
        rhs = self.fadd(self.fmul(self.fsqr(x), x), self.b)
        y = F.fq_sqrt(rhs) if self.name == "G1" else F.fq2_sqrt(rhs)
        return None if y is None else (x, y)

    # --- Jacobian -------------------------------------------------------------------------------

    def to_jac(self, p: Point) -> Jac:
        return self.jac_infinity if p is None else (p[0], p[1], self.one)

    def from_jac(self, p: Jac) -> Point:
        X, Y, Z = p
        if Z == self.zero:
            return None
        zi = self.finv(Z)
        zi2 = self.fsqr(zi)
        return (self.fmul(X, zi2), self.fmul(Y, self.fmul(zi2, zi)))

    def jac_is_inf(self, p: Jac) -> bool:
        return p[2] == self.zero

    def jac_is_on_curve(self, p: Jac) -> bool:
        """Y^2 = X^3 + b Z^6 (infinity counts as on the curve)."""
        X, Y, Z = p
        if Z == self.zero:
            return True
        z6 = self.fsqr(self.fmul(self.fsqr(Z), Z))
        return self.fsqr(Y) == self.fadd(self.fmul(self.fsqr(X), X), self.fmul(self.b, z6))

    def jac_eq(self, p: Jac, q: Jac) -> bool:
        """Equality of the points represented (X1 Z2^2 = X2 Z1^2 and Y1 Z2^3 = Y2 Z1^3)."""
        pi, qi = self.jac_is_inf(p), self.jac_is_inf(q)
        if pi or qi:
            return pi and qi
        (X1, Y1, Z1), (X2, Y2, Z2) = p, q
        z1z1, z2z2 = self.fsqr(Z1), self.fsqr(Z2)
        return (self.fmul(X1, z2z2) == self.fmul(X2, z1z1)
                and self.fmul(Y1, self.fmul(z2z2, Z2)) == self.fmul(Y2, self.fmul(z1z1, Z1)))

    def jac_neg(self, p: Jac) -> Jac:
        return (p[0], self.fneg(p[1]), p[2])

    def jac_double(self, p: Jac) -> Jac:
        """dbl-2009-l (a = 0): 2 mul + 5 sqr."""
        X1, Y1, Z1 = p
        if Z1 == self.zero or Y1 == self.zero:
            return self.jac_infinity
        A = self.fsqr(X1)
        B = self.fsqr(Y1)
        C = self.fsqr(B)
        t = self.fsub(self.fsub(self.fsqr(self.fadd(X1, B)), A), C)
        D = self.fadd(t, t)
        E = self.fadd(self.fadd(A, A), A)
        Fv = self.fsqr(E)
        X3 = self.fsub(Fv, self.fadd(D, D))
        Y3 = self.fsub(self.fmul(E, self.fsub(D, X3)), self._times(C, 8))
        Z3 = self._times(self.fmul(Y1, Z1), 2)
        return (X3, Y3, Z3)

    def jac_add(self, p: Jac, q: Jac) -> Jac:
        """add-2007-bl: 11 mul + 5 sqr; falls back to doubling for P + P, infinity for P - P."""
        if self.jac_is_inf(p):
            return q
        if self.jac_is_inf(q):
            return p
        (X1, Y1, Z1), (X2, Y2, Z2) = p, q
        Z1Z1, Z2Z2 = self.fsqr(Z1), self.fsqr(Z2)
        U1, U2 = self.fmul(X1, Z2Z2), self.fmul(X2, Z1Z1)
        S1 = self.fmul(self.fmul(Y1, Z2), Z2Z2)
        S2 = self.fmul(self.fmul(Y2, Z1), Z1Z1)
        H = self.fsub(U2, U1)
        rr = self._times(self.fsub(S2, S1), 2)
        if H == self.zero:
            return self.jac_double(p) if rr == self.zero else self.jac_infinity
        I = self.fsqr(self._times(H, 2))
        J = self.fmul(H, I)
        V = self.fmul(U1, I)
        X3 = self.fsub(self.fsub(self.fsqr(rr), J), self._times(V, 2))
        Y3 = self.fsub(self.fmul(rr, self.fsub(V, X3)), self._times(self.fmul(S1, J), 2))
        Z3 = self.fmul(self.fsub(self.fsub(self.fsqr(self.fadd(Z1, Z2)), Z1Z1), Z2Z2), H)
        return (X3, Y3, Z3)

    def jac_add_mixed(self, p: Jac, q: Point) -> Jac:
        """Jacobian + affine, madd-2007-bl: 7 mul + 4 sqr; same special cases as jac_add."""
        if q is None:
            return p
        if self.jac_is_inf(p):
            return self.to_jac(q)
        X1, Y1, Z1 = p
        X2, Y2 = q
        Z1Z1 = self.fsqr(Z1)
        U2 = self.fmul(X2, Z1Z1)
        S2 = self.fmul(self.fmul(Y2, Z1), Z1Z1)
        H = self.fsub(U2, X1)
        rr = self._times(self.fsub(S2, Y1), 2)
        if H == self.zero:
            return self.jac_double(p) if rr == self.zero else self.jac_infinity
        HH = self.fsqr(H)
        I = self._times(HH, 4)
        J = self.fmul(H, I)
        V = self.fmul(X1, I)
        X3 = self.fsub(self.fsub(self.fsqr(rr), J), self._times(V, 2))
        Y3 = self.fsub(self.fmul(rr, self.fsub(V, X3)), self._times(self.fmul(Y1, J), 2))
        Z3 = self.fsub(self.fsub(self.fsqr(self.fadd(Z1, H)), Z1Z1), HH)
        return (X3, Y3, Z3)

    def jac_mul(self, p: Jac, k: int) -> Jac:
        """k * P, most significant bit first; k < 0 multiplies -P by |k|."""
        if k < 0:
            p, k = self.jac_neg(p), -k
        if k == 0 or self.jac_is_inf(p):
            return self.jac_infinity
        acc = self.jac_infinity
        for bit in bin(k)[2:]:
            acc = self.jac_double(acc)
            if bit == "1":
                acc = self.jac_add(acc, p)
        return acc

    # --- helpers --------------------------------------------------------------------------------

    def _k(self, k: int):
        """The small integer k as a field element."""
        return k % Q if self.name == "G1" else (k % Q, 0)

    def _times(self, a, k: int):
        return self.fmul(a, self._k(k))


G1_GEN = (1, 2)
G2_GEN = ((10857046999023057135944570762232829481370756359578518086990519993285655852781,
           11559732032986387107991004021392285783925812861821192530917403151452391805634),
          (8495653923123431417604973247489272438418190587263600148770280649306958101930,
           4082367875863433681332203403145435568316851327593401208105741076214120093531))

B1 = 3
B2 = F.fq2_mul((3, 0), F.fq2_inv(F.XI))
"""3/(9+u): the twist's constant."""

G1C = Curve("G1", B1, 0, 1, F.fq_add, F.fq_sub, F.fq_mul, F.fq_sqr, F.fq_neg, F.fq_inv, G1_GEN)
G2C = Curve("G2", B2, F.FQ2_ZERO, F.FQ2_ONE, F.fq2_add, F.fq2_sub, F.fq2_mul, F.fq2_sqr,
            F.fq2_neg, F.fq2_inv, G2_GEN)

# Flat function names, the ones the kernels' tests use.
g1_is_on_curve, g2_is_on_curve = G1C.is_on_curve, G2C.is_on_curve
g1_neg, g2_neg = G1C.neg, G2C.neg
g1_add, g2_add = G1C.add, G2C.add
g1_sub, g2_sub = G1C.sub, G2C.sub
g1_double, g2_double = G1C.double, G2C.double
g1_mul, g2_mul = G1C.mul, G2C.mul
g1_lift_x, g2_lift_x = G1C.lift_x, G2C.lift_x
g1_to_jac, g2_to_jac = G1C.to_jac, G2C.to_jac
g1_from_jac, g2_from_jac = G1C.from_jac, G2C.from_jac
g1_jac_add, g2_jac_add = G1C.jac_add, G2C.jac_add
g1_jac_add_mixed, g2_jac_add_mixed = G1C.jac_add_mixed, G2C.jac_add_mixed
g1_jac_double, g2_jac_double = G1C.jac_double, G2C.jac_double
g1_jac_mul, g2_jac_mul = G1C.jac_mul, G2C.jac_mul
g1_jac_eq, g2_jac_eq = G1C.jac_eq, G2C.jac_eq
g1_jac_is_on_curve, g2_jac_is_on_curve = G1C.jac_is_on_curve, G2C.jac_is_on_curve


def g2_in_subgroup(p: Point) -> bool:
    """On the twist and killed by R: the definition of G2 membership (about 380 Fq2 ops)."""
    return G2C.is_on_curve(p) and G2C.jac_is_inf(G2C.jac_mul(G2C.to_jac(p), R))


# psi = untwist-Frobenius-twist on the D-type twist: psi(x, y) = (conj(x) * GX, conj(y) * GY).
_PSI_X = F.fq2_pow(F.XI, (Q - 1) // 3)
_PSI_Y = F.fq2_pow(F.XI, (Q - 1) // 2)


def g2_psi(p: Point) -> Point:
    """The endomorphism psi; on G2 it acts as multiplication by q (mod R)."""
    if p is None:
        return None
    return (F.fq2_mul(F.fq2_conj(p[0]), _PSI_X), F.fq2_mul(F.fq2_conj(p[1]), _PSI_Y))


def g2_in_subgroup_fast(p: Point) -> bool:
    """psi(P) == [6x^2] P (El Housni, Guillevic, Piellard 2022): a 128-bit multiplication
    instead of a 254-bit one. tests/test_ref_arith.py checks it agrees with `g2_in_subgroup`."""
    if not G2C.is_on_curve(p):
        return False
    if p is None:
        return True
    return G2C.jac_eq(G2C.to_jac(g2_psi(p)), G2C.jac_mul(G2C.to_jac(p), 6 * BN_X * BN_X))


# --- py_ecc conversions -------------------------------------------------------------------------

def _ints(c) -> Any:
    """py_ecc FQ / FQ2 (optimized or not) -> int / (c0, c1)."""
    if hasattr(c, "coeffs"):
        return tuple(int(v) % Q for v in c.coeffs)
    return int(c) % Q


def g1_to_py_ecc(p: Point, optimized: bool = True):
    """Affine ints -> py_ecc point: optimized_bn128 projective (x, y, 1) / Z1, or bn128 affine."""
    if optimized:
        from py_ecc import optimized_bn128 as ob
        return ob.Z1 if p is None else (ob.FQ(p[0]), ob.FQ(p[1]), ob.FQ.one())
    from py_ecc import bn128 as b
    return None if p is None else (b.FQ(p[0]), b.FQ(p[1]))


def g2_to_py_ecc(p: Point, optimized: bool = True):
    if optimized:
        from py_ecc import optimized_bn128 as ob
        return ob.Z2 if p is None else (ob.FQ2(list(p[0])), ob.FQ2(list(p[1])), ob.FQ2.one())
    from py_ecc import bn128 as b
    return None if p is None else (b.FQ2(list(p[0])), b.FQ2(list(p[1])))


def _from_py_ecc(pt, curve: Curve) -> Point:
    if pt is None:                         # py_ecc.bn128's infinity
        return None
    if len(pt) == 2:                       # py_ecc.bn128 affine
        return (_ints(pt[0]), _ints(pt[1]))
    x, y, z = (_ints(c) for c in pt)       # py_ecc.optimized_bn128: homogeneous (x/z, y/z)
    if z == curve.zero:
        return None
    zi = curve.finv(z)
    return (curve.fmul(x, zi), curve.fmul(y, zi))


def g1_from_py_ecc(pt) -> Point:
    """py_ecc G1 point (bn128 affine or optimized_bn128 projective) -> affine ints."""
    return _from_py_ecc(pt, G1C)


def g2_from_py_ecc(pt) -> Point:
    return _from_py_ecc(pt, G2C)
