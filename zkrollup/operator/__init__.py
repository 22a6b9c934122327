"""The operator: takes orders and requests, matches, batches, proves, submits, records.

Three rooms, talking through `SealedBatch` (`zkrollup.batch_builder`):

| module | room | what it does |
|---|---|---|
| `sequencer.py` | sequencing | working state, order book, open batch, sealing, L1 inputs (oracle tables, deposits, forced withdrawals), the journal's events and their replay |
| `intake.py` | sequencing | what users may send: request objects and files |
| `orders.py` | sequencing | an incoming order: admission checks, crossing the book, fees |
| `journal.py` | sequencing | the inbox, event and meta tables in `operator.sqlite` |
| `proving.py` | proving | sealed batch -> witness -> Groth16 proof (`BatchProver`, `ProvedBatch`) |
| `submission.py` | submission | L1 submit in batch order, adoption after a crash, commit of the accepted state |
| `pipeline.py` | all three | `Operator`: opening and recovery, rollback, the public API |
| `genesis.py`, `reports.py` | | `Genesis` and the stored configuration; `BatchReport` |

docs/operator.md describes the flow, persistence, recovery and data availability.
"""
from ..errors import OperatorError
from .genesis import Genesis
from .pipeline import Operator
from .proving import BatchProver, ProvedBatch
from .reports import BatchReport

__all__ = ["BatchProver", "BatchReport", "Genesis", "Operator", "OperatorError", "ProvedBatch"]
