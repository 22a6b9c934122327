"""Fq and Fq2 arithmetic on limb tuples in Numba (Montgomery form), for the curve kernels.

An Fq element is a 4-tuple of uint64 limbs (least significant first) in Montgomery form,
always fully reduced (< q). An Fq2 element is a pair (c0, c1) of Fq elements standing for
c0 + c1*u with u^2 = -1 (BN254's quadratic extension, as in py_ecc's FQ2([c0, c1])).

The arithmetic (`fe_mul`, `fe_sqr`, `fe_add`, `fe_sub`, `fe_dbl`, `fe_neg`, `fe_is_zero`,
`fe_eq`) is written as Numba intrinsics that emit LLVM IR into the caller, and each accepts
either an Fq or an Fq2 element (the type picks the code at compile time). Why intrinsics:
a called @njit function is compiled separately and LLVM did not inline the Montgomery
product back (a real call with tuples passed through memory, ~2x slower MSM), while Numba-IR
inlining (inline="always") made the curve kernels take minutes to compile.

Code size decides compile time (LLVM is >70% of it), so products are emitted as calls to
one shared LLVM function per module (`_outlined`): `fe_mul`/`fe_sqr` for Fq and Fq2.
`fe_mul_hot`/`fe_sqr_hot` inline the Fq product instead; they are used only in the
batch-affine loops that dominate the MSM (measured 5-15% faster there; outlining everything
halved the cold compile time of the G1 kernels). Additions and subtractions are always
inlined (they are a few instructions on i256 values, which LLVM lowers to adc/sbb chains).

The Montgomery product is the same CIOS sequence as `prover.mont.mont_mul4` (the twin the
tests compare with), on i128 products.

`f_mul`, `f_add`, ... and `f2_mul`, `f2_add`, ... are the same intrinsics under the names
that say which field the caller means.

Inversion: `f_inv` is the binary extended Euclid algorithm on 4-limb integers (measured
4.4 us against 7.3 us for Fermat's a^(q-2), `f_inv_fermat`, kept as its twin); `f2_inv` is
(a0 - a1 u) / (a0^2 + a1^2). Both map 0 to 0 (callers that must not invert 0 check first).
"""
from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

from prover.mont import FQ, ONE_U, ZERO, adc, limbs, sbb

U64 = np.uint64


# Constants as tuples of np.uint64 (Numba freezes global tuples as compile-time constants).
Q_T = limbs(FQ.p)
FQ_ZERO = (ZERO, ZERO, ZERO, ZERO)
FQ_ONE = limbs(FQ.R)                      # 1 in Montgomery form
FQ_R3 = limbs(pow(FQ.R, 3, FQ.p))         # R^3 mod q: turns a plain inverse of aR into (1/a)R
FQ2_ZERO = (FQ_ZERO, FQ_ZERO)
FQ2_ONE = (FQ_ONE, FQ_ZERO)
_EXP_QM2 = limbs(FQ.p - 2)                # Fermat exponent
_SH63 = U64(63)
_SH1 = U64(1)

FQ_TYPE = types.UniTuple(types.uint64, 4)
FQ2_TYPE = types.UniTuple(FQ_TYPE, 2)


# --- LLVM code generation ----------------------------------------------------------------------

_I64 = ir.IntType(64)
_I128 = ir.IntType(128)
_I256 = ir.IntType(256)
_P256 = ir.Constant(_I256, FQ.p)
_PL = [ir.Constant(_I64, int(v)) for v in Q_T]
_PINV = ir.Constant(_I64, FQ.pinv)


def _mac(b, x, y, c, d):
    """(lo, hi) of x*y + c + d as i64 values (exact in 128 bits)."""
    s = b.add(b.add(b.mul(b.zext(x, _I128), b.zext(y, _I128)), b.zext(c, _I128)), b.zext(d, _I128))
    return b.trunc(s, _I64), b.trunc(b.lshr(s, ir.Constant(_I128, 64)), _I64)


def _to256(b, limbs):
    v = b.zext(limbs[0], _I256)
    for i in range(1, 4):
        v = b.or_(v, b.shl(b.zext(limbs[i], _I256), ir.Constant(_I256, 64 * i)))
    return v


def _from256(b, v):
    return [b.trunc(b.lshr(v, ir.Constant(_I256, 64 * i)), _I64) for i in range(4)]


def _reduce_once(b, v):
    """v - p if v >= p else v, for v < 2p (i256)."""
    ge = b.icmp_unsigned(">=", v, _P256)
    return b.select(ge, b.sub(v, _P256), v)


def _g_add(b, x, y):
    return _from256(b, _reduce_once(b, b.add(_to256(b, x), _to256(b, y))))


def _g_sub(b, x, y):
    xv, yv = _to256(b, x), _to256(b, y)
    d = b.sub(xv, yv)
    lt = b.icmp_unsigned("<", xv, yv)
    return _from256(b, b.select(lt, b.add(d, _P256), d))


def _g_neg(b, x):
    zero = ir.Constant(_I64, 0)
    return _g_sub(b, [zero] * 4, x)


def _g_mul(b, x, y):
    """CIOS Montgomery product x*y/2^256 mod q (same steps as prover.mont.mont_mul4)."""
    zero = ir.Constant(_I64, 0)
    t = [zero] * 4
    for i in range(4):
        yi = y[i]
        t0, c = _mac(b, x[0], yi, t[0], zero)
        m = b.mul(t0, _PINV)
        _, k = _mac(b, m, _PL[0], t0, zero)
        nt = [None] * 4
        for j in range(1, 4):
            tj, c = _mac(b, x[j], yi, t[j], c)
            nt[j - 1], k = _mac(b, m, _PL[j], tj, k)
        nt[3] = b.add(c, k)
        t = nt
    return _from256(b, _reduce_once(b, _to256(b, t)))


def _g_is_zero(b, x):
    acc = x[0]
    for i in range(1, 4):
        acc = b.or_(acc, x[i])
    return b.icmp_unsigned("==", acc, ir.Constant(_I64, 0))


def _g_eq(b, x, y):
    acc = b.xor(x[0], y[0])
    for i in range(1, 4):
        acc = b.or_(acc, b.xor(x[i], y[i]))
    return b.icmp_unsigned("==", acc, ir.Constant(_I64, 0))


# Fq2 on lists [c0_limbs, c1_limbs]
def _g2_add(b, x, y):
    return [_g_add(b, x[0], y[0]), _g_add(b, x[1], y[1])]


def _g2_sub(b, x, y):
    return [_g_sub(b, x[0], y[0]), _g_sub(b, x[1], y[1])]


def _g2_neg(b, x):
    return [_g_neg(b, x[0]), _g_neg(b, x[1])]


def _g2_mul(b, x, y):
    """Karatsuba, 3 Fq products: (x0 y0 - x1 y1) + ((x0+x1)(y0+y1) - x0 y0 - x1 y1) u."""
    v0 = _g_mul(b, x[0], y[0])
    v1 = _g_mul(b, x[1], y[1])
    s = _g_mul(b, _g_add(b, x[0], x[1]), _g_add(b, y[0], y[1]))
    return [_g_sub(b, v0, v1), _g_sub(b, _g_sub(b, s, v0), v1)]


def _g2_sqr(b, x):
    """Complex squaring, 2 Fq products: (x0 + x1)(x0 - x1) + 2 x0 x1 u."""
    c0 = _g_mul(b, _g_add(b, x[0], x[1]), _g_sub(b, x[0], x[1]))
    c1 = _g_mul(b, x[0], x[1])
    return [c0, _g_add(b, c1, c1)]


def _outlined(b, name, gen, nargs):
    """Call a shared module-level LLVM function computing gen on nargs Fq2 values.

    Fq2 products are emitted once per module (linkonce_odr, so linked modules keep one copy)
    and called, rather than inlined at every use: a G2 point addition would otherwise hold
    ~40 inlined Montgomery products and LLVM took minutes over the MSM kernels. A call costs
    a few ns against ~60 ns for the product.
    """
    module = b.module
    fn = module.globals.get(name)
    if fn is None:
        ret = ir.LiteralStructType([_I64] * 8)
        fn = ir.Function(module, ir.FunctionType(ret, [_I64] * (8 * nargs)), name)
        fn.linkage = "linkonce_odr"
        fn.attributes.add("noinline")
        fb = ir.IRBuilder(fn.append_basic_block("entry"))
        a = list(fn.args)
        vals = [[a[8 * k:8 * k + 4], a[8 * k + 4:8 * k + 8]] for k in range(nargs)]
        r = gen(fb, *vals)
        agg = ir.Constant(ret, ir.Undefined)
        for i, v in enumerate(r[0] + r[1]):
            agg = fb.insert_value(agg, v, i)
        fb.ret(agg)
    return fn


def _outlined1(b, name, gen, nargs):
    """As `_outlined` for a function of Fq values."""
    module = b.module
    fn = module.globals.get(name)
    if fn is None:
        ret = ir.LiteralStructType([_I64] * 4)
        fn = ir.Function(module, ir.FunctionType(ret, [_I64] * (4 * nargs)), name)
        fn.linkage = "linkonce_odr"
        fn.attributes.add("noinline")
        fb = ir.IRBuilder(fn.append_basic_block("entry"))
        a = list(fn.args)
        r = gen(fb, *[a[4 * k:4 * k + 4] for k in range(nargs)])
        agg = ir.Constant(ret, ir.Undefined)
        for i, v in enumerate(r):
            agg = fb.insert_value(agg, v, i)
        fb.ret(agg)
    return fn


def _call_outlined1(b, name, gen, *xs):
    fn = _outlined1(b, name, gen, len(xs))
    res = b.call(fn, [limb for x in xs for limb in x])
    return [b.extract_value(res, i) for i in range(4)]


def _call_outlined(b, name, gen, *xs):
    fn = _outlined(b, name, gen, len(xs))
    res = b.call(fn, [limb for x in xs for part in x for limb in part])
    flat = [b.extract_value(res, i) for i in range(8)]
    return [flat[:4], flat[4:]]


def _unpack(b, typ, v):
    if typ == FQ_TYPE:
        return [b.extract_value(v, i) for i in range(4)]
    return [[b.extract_value(b.extract_value(v, j), i) for i in range(4)] for j in range(2)]


def _pack(ctx, b, typ, vals):
    if typ == FQ_TYPE:
        return ctx.make_tuple(b, FQ_TYPE, vals)
    return ctx.make_tuple(b, FQ2_TYPE, [ctx.make_tuple(b, FQ_TYPE, vals[0]),
                                        ctx.make_tuple(b, FQ_TYPE, vals[1])])


def _field_type(*tys):
    t = tys[0]
    if t not in (FQ_TYPE, FQ2_TYPE) or any(u != t for u in tys):
        return None
    return t


def _binary(gen1, gen2):
    def typer(typingctx, x, y):
        t = _field_type(x, y)
        if t is None:
            return None

        def codegen(ctx, b, sig, args):
            xv, yv = _unpack(b, t, args[0]), _unpack(b, t, args[1])
            r = gen1(b, xv, yv) if t == FQ_TYPE else gen2(b, xv, yv)
            return _pack(ctx, b, t, r)
        return t(t, t), codegen
    return typer


def _unary(gen1, gen2):
    def typer(typingctx, x):
        t = _field_type(x)
        if t is None:
            return None

        def codegen(ctx, b, sig, args):
            xv = _unpack(b, t, args[0])
            r = gen1(b, xv) if t == FQ_TYPE else gen2(b, xv)
            return _pack(ctx, b, t, r)
        return t(t), codegen
    return typer


def _predicate(gen1, nargs):
    def typer(typingctx, *xs):
        t = _field_type(*xs)
        if t is None:
            return None

        def codegen(ctx, b, sig, args):
            vals = [_unpack(b, t, a) for a in args]
            if t == FQ_TYPE:
                return gen1(b, *vals)
            return b.and_(gen1(b, *[v[0] for v in vals]), gen1(b, *[v[1] for v in vals]))
        return types.boolean(*([t] * nargs)), codegen
    return typer


@intrinsic
def fe_mul(typingctx, x, y):
    """x*y in Fq or Fq2 (Montgomery)."""
    return _binary(lambda b, u, v: _call_outlined1(b, "zkr_fq_mul", _g_mul, u, v),
                   lambda b, u, v: _call_outlined(b, "zkr_fq2_mul", _g2_mul, u, v))(typingctx, x, y)


@intrinsic
def fe_mul_hot(typingctx, x, y):
    """As fe_mul, with the Fq product inlined (for the MSM's innermost loops)."""
    return _binary(_g_mul, lambda b, u, v: _call_outlined(b, "zkr_fq2_mul", _g2_mul, u, v))(
        typingctx, x, y)


@intrinsic
def fe_add(typingctx, x, y):
    """x+y."""
    return _binary(_g_add, _g2_add)(typingctx, x, y)


@intrinsic
def fe_sub(typingctx, x, y):
    """x-y."""
    return _binary(_g_sub, _g2_sub)(typingctx, x, y)


@intrinsic
def fe_sqr(typingctx, x):
    """x^2 (Fq: one product; Fq2: complex squaring, two products)."""
    return _unary(lambda b, v: _call_outlined1(b, "zkr_fq_mul", _g_mul, v, v),
                  lambda b, v: _call_outlined(b, "zkr_fq2_sqr", _g2_sqr, v))(typingctx, x)


@intrinsic
def fe_sqr_hot(typingctx, x):
    """As fe_sqr, with the Fq product inlined."""
    return _unary(lambda b, v: _g_mul(b, v, v),
                  lambda b, v: _call_outlined(b, "zkr_fq2_sqr", _g2_sqr, v))(typingctx, x)


@intrinsic
def fe_dbl(typingctx, x):
    """2x."""
    return _unary(lambda b, v: _g_add(b, v, v), lambda b, v: _g2_add(b, v, v))(typingctx, x)


@intrinsic
def fe_neg(typingctx, x):
    """-x (0 stays 0)."""
    return _unary(_g_neg, _g2_neg)(typingctx, x)


@intrinsic
def fe_is_zero(typingctx, x):
    """x == 0."""
    return _predicate(_g_is_zero, 1)(typingctx, x)


@intrinsic
def fe_eq(typingctx, x, y):
    """x == y (canonical representatives)."""
    return _predicate(_g_eq, 2)(typingctx, x, y)


# Field-specific names for readability; same code.
f_mul = f2_mul = fe_mul_hot
f_add = f2_add = fe_add
f_sub = f2_sub = fe_sub
f_sqr = f2_sqr = fe_sqr_hot
f_dbl = f2_dbl = fe_dbl
f_neg = f2_neg = fe_neg
f_is_zero = f2_is_zero = fe_is_zero
f_eq = f2_eq = fe_eq


# --- inversion ---------------------------------------------------------------------------------

@njit(cache=True)
def f_inv_fermat(a):
    """a^(q-2) by left-to-right square and multiply (Montgomery in, Montgomery out)."""
    r = FQ_ONE
    for li in range(3, -1, -1):
        e = _EXP_QM2[li]
        for bi in range(63, -1, -1):
            r = f_sqr(r)
            if (e >> U64(bi)) & ONE_U:
                r = f_mul(r, a)
    return r


@njit(inline="always", cache=True)
def _shr1(a0, a1, a2, a3):
    return ((a0 >> _SH1) | (a1 << _SH63), (a1 >> _SH1) | (a2 << _SH63),
            (a2 >> _SH1) | (a3 << _SH63), a3 >> _SH1)


@njit(inline="always", cache=True)
def _half_mod(x0, x1, x2, x3):
    """x/2 mod q for x < q: halve x, or x + q when x is odd (x + q < 2^255, no overflow)."""
    if x0 & ONE_U:
        x0, c = adc(x0, Q_T[0], ZERO)
        x1, c = adc(x1, Q_T[1], c)
        x2, c = adc(x2, Q_T[2], c)
        x3, c = adc(x3, Q_T[3], c)
    return _shr1(x0, x1, x2, x3)


@njit(inline="always", cache=True)
def _geq(a0, a1, a2, a3, b0, b1, b2, b3):
    _, b = sbb(a0, b0, ZERO)
    _, b = sbb(a1, b1, b)
    _, b = sbb(a2, b2, b)
    _, b = sbb(a3, b3, b)
    return b == ZERO


@njit(inline="always", cache=True)
def _sub4(a0, a1, a2, a3, b0, b1, b2, b3):
    s0, b = sbb(a0, b0, ZERO)
    s1, b = sbb(a1, b1, b)
    s2, b = sbb(a2, b2, b)
    s3, b = sbb(a3, b3, b)
    return s0, s1, s2, s3


@njit(cache=True)
def f_inv(a):
    """Inverse in Fq by binary extended Euclid (0 -> 0). Montgomery in, Montgomery out.

    Euclid inverts the integer aR, giving (aR)^-1 = a^-1 R^-1; one Montgomery product with
    R^3 turns it into a^-1 R.
    """
    if f_is_zero(a):
        return FQ_ZERO
    u0, u1, u2, u3 = a
    v0, v1, v2, v3 = Q_T
    x = (ONE_U, ZERO, ZERO, ZERO)   # invariant: x * a == u (mod q)
    y = FQ_ZERO                     # invariant: y * a == v (mod q)
    while True:
        if u0 == ONE_U and (u1 | u2 | u3) == ZERO:
            break
        if v0 == ONE_U and (v1 | v2 | v3) == ZERO:
            x = y
            break
        while (u0 & ONE_U) == ZERO:
            u0, u1, u2, u3 = _shr1(u0, u1, u2, u3)
            x = _half_mod(x[0], x[1], x[2], x[3])
        while (v0 & ONE_U) == ZERO:
            v0, v1, v2, v3 = _shr1(v0, v1, v2, v3)
            y = _half_mod(y[0], y[1], y[2], y[3])
        if _geq(u0, u1, u2, u3, v0, v1, v2, v3):
            u0, u1, u2, u3 = _sub4(u0, u1, u2, u3, v0, v1, v2, v3)
            x = f_sub(x, y)
        else:
            v0, v1, v2, v3 = _sub4(v0, v1, v2, v3, u0, u1, u2, u3)
            y = f_sub(y, x)
    return f_mul(x, FQ_R3)


@njit(cache=True)
def f2_inv(a):
    """1/(a0 + a1 u) = (a0 - a1 u) / (a0^2 + a1^2); 0 -> 0."""
    t = f_add(f_sqr(a[0]), f_sqr(a[1]))
    ti = f_inv(t)
    return (f_mul(a[0], ti), f_neg(f_mul(a[1], ti)))


# --- array helpers used by tests and benchmarks ---------------------------------------------

@njit(cache=True)
def fq_inv_array(a, out, fermat):
    """out[i] = 1/a[i] for (n, 4) Montgomery rows (0 -> 0); `fermat` picks the twin."""
    for i in range(a.shape[0]):
        x = (a[i, 0], a[i, 1], a[i, 2], a[i, 3])
        r = f_inv_fermat(x) if fermat else f_inv(x)
        for k in range(4):
            out[i, k] = r[k]


@njit(cache=True)
def fq_binop_array(op, a, b, out):
    """out[i] = a[i] (op) b[i] on (n, 4) Fq rows; op 0 mul, 1 add, 2 sub, 3 square(a),
    4 inverse(a), 5 neg(a), 6 double(a)."""
    for i in range(a.shape[0]):
        x = (a[i, 0], a[i, 1], a[i, 2], a[i, 3])
        y = (b[i, 0], b[i, 1], b[i, 2], b[i, 3])
        if op == 0:
            r = f_mul(x, y)
        elif op == 1:
            r = f_add(x, y)
        elif op == 2:
            r = f_sub(x, y)
        elif op == 3:
            r = f_sqr(x)
        elif op == 4:
            r = f_inv(x)
        elif op == 5:
            r = f_neg(x)
        else:
            r = f_dbl(x)
        for k in range(4):
            out[i, k] = r[k]


@njit(cache=True)
def fq2_binop_array(op, a, b, out):
    """out[i] = a[i] (op) b[i] on (n, 8) Fq2 rows [c0 limbs, c1 limbs]; op codes as
    `fq_binop_array`."""
    for i in range(a.shape[0]):
        x = ((a[i, 0], a[i, 1], a[i, 2], a[i, 3]), (a[i, 4], a[i, 5], a[i, 6], a[i, 7]))
        y = ((b[i, 0], b[i, 1], b[i, 2], b[i, 3]), (b[i, 4], b[i, 5], b[i, 6], b[i, 7]))
        if op == 0:
            r = f2_mul(x, y)
        elif op == 1:
            r = f2_add(x, y)
        elif op == 2:
            r = f2_sub(x, y)
        elif op == 3:
            r = f2_sqr(x)
        elif op == 4:
            r = f2_inv(x)
        elif op == 5:
            r = f2_neg(x)
        else:
            r = f2_dbl(x)
        for k in range(4):
            out[i, k] = r[0][k]
            out[i, 4 + k] = r[1][k]


@njit(cache=True)
def fq_mul_chain(a, n):
    """a^(2^n) by n dependent squarings (latency benchmark)."""
    x = (a[0], a[1], a[2], a[3])
    for _ in range(n):
        x = f_mul(x, x)
    return x[0]
