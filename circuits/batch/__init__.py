"""The batch circuit of the rollup: N universal operation slots and the public-input commitment.

Modules: `shape` (BatchShape: sizes and bit widths, given by the application),
`public` (the commitment, native and in-circuit; the L1 contract model uses it),
`witness` (the batch input record the application fills), `tables` (market and oracle
tables), `account_leaf`, `orders`, `margin`, `ranges`, `slot` (one operation slot),
`circuit` (the whole batch: compile, solve), `costs` (constraint counts per part).
See docs/batch_circuit.md.

Imports point one way: nothing here imports zkrollup, prover or verifier.
"""
