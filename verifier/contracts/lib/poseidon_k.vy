# pragma version ~=0.4.3
"""
@title Calling a Poseidon contract whose width is a deployment parameter
@notice The positions hash and the open-interest hash take K inputs (K fixed at deployment),
        so their contract answers hash(uint256[K]) (verifier/poseidon_wide_evm.py) and the
        caller builds that calldata itself: the selector (keccak of the signature, given at
        deployment) and the K words.
"""


@view
@internal
def hash(poseidon: address, selector: bytes4, values: DynArray[uint256, 16]) -> uint256:
    buf: uint256[16] = empty(uint256[16])
    for i: uint256 in range(len(values), bound=16):
        buf[i] = values[i]
    out: Bytes[32] = raw_call(poseidon, concat(selector, slice(abi_encode(buf), 0, 32 * len(values))),
                              max_outsize=32, is_static_call=True)
    assert len(out) == 32, "poseidon: no answer"
    return extract32(out, 0, output_type=uint256)
