# pragma version ~=0.4.3
"""
@title Groth16 verifier (BN254) of the batch circuit: one public input, the key set at deployment
@notice verifyProof(a, b, c, pub) is True iff (a, b, c) is a valid proof for pub under the key
        given to the constructor; bad input gives False, never a revert (as the verifiers of
        verifier/export_verifier.py, which inline the key instead: this one is compiled once
        and deployed with any key, one deployment per batch size). b is [[x.c1, x.c0],
        [y.c1, y.c0]] (the precompile's order). The key is checked by the deployer
        (verifier.groth16.VerifyingKey.checked: coordinates below q, points on the curves,
        G2 points in the subgroup).
"""

import spec

EC_ADD_GAS: constant(uint256) = 150
EC_MUL_GAS: constant(uint256) = 6000
PAIRING_GAS: constant(uint256) = 45000 + 4 * 34000

ALPHA_X: immutable(uint256)
ALPHA_Y: immutable(uint256)
BETA_X1: immutable(uint256)
BETA_X0: immutable(uint256)
BETA_Y1: immutable(uint256)
BETA_Y0: immutable(uint256)
GAMMA_X1: immutable(uint256)
GAMMA_X0: immutable(uint256)
GAMMA_Y1: immutable(uint256)
GAMMA_Y0: immutable(uint256)
DELTA_X1: immutable(uint256)
DELTA_X0: immutable(uint256)
DELTA_Y1: immutable(uint256)
DELTA_Y0: immutable(uint256)
IC0_X: immutable(uint256)
IC0_Y: immutable(uint256)
IC1_X: immutable(uint256)
IC1_Y: immutable(uint256)


@deploy
def __init__(key: uint256[18]):
    """key = [alpha.x, alpha.y, beta (4), gamma (4), delta (4), ic0.x, ic0.y, ic1.x, ic1.y],
    G2 points as [x.c1, x.c0, y.c1, y.c0]."""
    for v: uint256 in key:
        assert v < spec.Q, "verifier: a key coordinate is not below q"
    ALPHA_X = key[0]
    ALPHA_Y = key[1]
    BETA_X1 = key[2]
    BETA_X0 = key[3]
    BETA_Y1 = key[4]
    BETA_Y0 = key[5]
    GAMMA_X1 = key[6]
    GAMMA_X0 = key[7]
    GAMMA_Y1 = key[8]
    GAMMA_Y0 = key[9]
    DELTA_X1 = key[10]
    DELTA_X0 = key[11]
    DELTA_Y1 = key[12]
    DELTA_Y0 = key[13]
    IC0_X = key[14]
    IC0_Y = key[15]
    IC1_X = key[16]
    IC1_Y = key[17]


@external
@view
def key() -> uint256[18]:
    """The verifying key, in the constructor's order."""
    return [ALPHA_X, ALPHA_Y, BETA_X1, BETA_X0, BETA_Y1, BETA_Y0, GAMMA_X1, GAMMA_X0, GAMMA_Y1, GAMMA_Y0,
            DELTA_X1, DELTA_X0, DELTA_Y1, DELTA_Y0, IC0_X, IC0_Y, IC1_X, IC1_Y]


@external
@view
def verifyProof(a: uint256[2], b: uint256[2][2], c: uint256[2], pub: uint256[1]) -> bool:
    # canonical encodings only: a public input >= r would alias another input
    if pub[0] >= spec.R:
        return False
    if a[0] >= spec.Q or a[1] >= spec.Q or b[0][0] >= spec.Q or b[0][1] >= spec.Q:
        return False
    if b[1][0] >= spec.Q or b[1][1] >= spec.Q or c[0] >= spec.Q or c[1] >= spec.Q:
        return False
    ok: bool = True
    out: Bytes[64] = b""
    x: uint256 = IC0_X
    y: uint256 = IC0_Y
    # too little gas to finish must not read as an invalid proof
    assert msg.gas > EC_MUL_GAS + EC_ADD_GAS + 2000 + PAIRING_GAS + 5000, "verifier: out of gas"
    if pub[0] != 0:
        ok, out = raw_call(0x0000000000000000000000000000000000000007, abi_encode(IC1_X, IC1_Y, pub[0]),
                           max_outsize=64, gas=EC_MUL_GAS, is_static_call=True, revert_on_failure=False)
        if not ok:
            return False
        ok, out = raw_call(0x0000000000000000000000000000000000000006,
                           concat(convert(x, bytes32), convert(y, bytes32), out), max_outsize=64,
                           gas=EC_ADD_GAS, is_static_call=True, revert_on_failure=False)
        if not ok:
            return False
        x = extract32(out, 0, output_type=uint256)
        y = extract32(out, 32, output_type=uint256)
    # e(-A, B) e(alpha, beta) e(vk_x, gamma) e(C, delta) == 1
    ok, out = raw_call(0x0000000000000000000000000000000000000008, abi_encode(
            a[0], (spec.Q - a[1]) % spec.Q, b[0][0], b[0][1], b[1][0], b[1][1],
            ALPHA_X, ALPHA_Y, BETA_X1, BETA_X0, BETA_Y1, BETA_Y0,
            x, y, GAMMA_X1, GAMMA_X0, GAMMA_Y1, GAMMA_Y0,
            c[0], c[1], DELTA_X1, DELTA_X0, DELTA_Y1, DELTA_Y0),
        max_outsize=32, gas=PAIRING_GAS, is_static_call=True, revert_on_failure=False)
    return ok and len(out) == 32 and extract32(out, 0, output_type=uint256) == 1
