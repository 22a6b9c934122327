"""The operator: takes orders and requests, matches, batches, proves, submits, records.

Three rooms, talking through `SealedBatch` (`zkrollup.batch_builder`):

- sequencing: `sequencer.py` (working state, order book, open batch, sealing, L1 inputs,
  the journal's events and their replay), `intake.py` (what users may send), `orders.py`
  (an incoming order: admission, crossing the book, fees), `journal.py` (the inbox, event
  and meta tables of `operator.sqlite`);
- proving: `proving.py` (sealed batch -> witness -> Groth16 proof; changes nothing),
  `pool.py` (where batches are proved: `InProcessPool`, the proof check, `make_pool`),
  `dask_pool.py` and `pool_worker.py` (several batches at once on Dask workers);
- submission: `submission.py` (L1 submit in batch order, adoption after a crash, commit of
  the accepted state).

`pipeline.py` (`Operator`) wires them: opening and recovery, rollback, the public API.
`genesis.py` holds `Genesis` and the stored configuration, `reports.py` `BatchReport`.
docs/operator.md describes the flow, persistence, recovery and data availability.
"""
from ..errors import OperatorError
from .genesis import Genesis
from .pipeline import Operator
from .pool import InProcessPool, ProverPool
from .proving import BatchProver, ProvedBatch
from .reports import BatchReport

__all__ = ["BatchProver", "BatchReport", "Genesis", "InProcessPool", "Operator", "OperatorError", "ProvedBatch",
           "ProverPool"]
