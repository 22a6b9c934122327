"""py_ecc points <-> the prover's Montgomery point arrays, for tests (py_ecc is the oracle)."""
from py_ecc import optimized_bn128 as ob

from prover import convert
from prover.ref import curves as RC


def g1_arr(points):
    """py_ecc G1 points (optimized or bn128, or None) -> (n, 8) rows."""
    return convert.g1_from_ints([RC.g1_from_py_ecc(p) for p in points])


def g2_arr(points):
    return convert.g2_from_ints([RC.g2_from_py_ecc(p) for p in points])


def g1_pe(arr):
    """(n, 8) rows -> optimized_bn128 points (infinity as py_ecc's Z1)."""
    return [RC.g1_to_py_ecc(p) for p in convert.g1_to_ints(arr)]


def g2_pe(arr):
    return [RC.g2_to_py_ecc(p) for p in convert.g2_to_ints(arr)]


def same_g1(arr, pts) -> bool:
    return convert.g1_to_ints(arr) == convert.g1_to_ints(g1_arr(pts))


def same_g2(arr, pts) -> bool:
    return convert.g2_to_ints(arr) == convert.g2_to_ints(g2_arr(pts))


def eq_g1(a, b) -> bool:
    return ob.eq(a, b)
