"""The batch circuit of the rollup: N universal operation slots and the public input.

Modules: `shape` (BatchShape: sizes and bit widths, given by the application),
`public` (the public input in the circuit: header bits and SHA-256 over header and
records; native twin `circuits.spec.public_input`), `records` (a slot's record from its
variables' bits), `witness` (the batch input record the application fills), `tables`
(market and oracle tables, instrument ids), `account_leaf`, `orders` (fills and
cancels), `margin`, `ranges`, `slot` (one operation slot), `circuit` (the whole batch:
compile, solve), `costs` (constraint counts per part). See docs/batch_circuit.md.

Imports point one way: nothing here imports zkrollup, prover or verifier.
"""
