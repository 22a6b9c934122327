"""Plain Python-int twins of the prover's Numba modules: prover/ref/X.py has prover/X.py's API.

Nothing here is fast; everything here is meant to be obviously right. The int-level cores
(`fields`, `curves`: G1/G2 in affine and Jacobian coordinates, `ntt.fft`, `qap.h_*_ref`,
`msm.g1_msm_ints`) are checked against py_ecc in tests/test_ref_arith.py; each kernel module's
test runs over the Numba module and its twin here. `textbook` is a tiny Groth16 (setup and
prove) fixing the conventions the fast prover follows.
"""
