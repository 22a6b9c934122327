"""Plain Python-int reference arithmetic for BN254: the readable twin of every Numba kernel.

Nothing here is fast; everything here is meant to be obviously right. `fields` (Fr, Fq, Fq2),
`curves` (G1, G2 in affine and Jacobian coordinates), `msm` (naive multi-scalar products) and
`groth16` (a tiny textbook Groth16) are checked against py_ecc in tests/test_ref_arith.py.
"""
