"""The constraint-count table equals what the gadgets cost now.

The table (tests/constraint_counts.json) is written only by
benchmarks/update_constraint_counts.py; after a deliberate change of cost, run it.
"""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "update_constraint_counts.py"
TABLE = ROOT / "tests" / "constraint_counts.json"


def _registry():
    spec = importlib.util.spec_from_file_location("update_constraint_counts", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.REGISTRY


def test_constraint_count_table_is_current():
    table = json.loads(TABLE.read_text())
    registry = _registry()
    names = [n for n, _ in registry]
    assert sorted(table) == sorted(names), (
        "table and registry list different gadgets; run python benchmarks/update_constraint_counts.py")
    drift = {n: (table[n], fn()) for n, fn in registry if table[n] != fn()}
    assert not drift, (f"constraint counts changed (table, now): {drift}; if intended, run "
                       "python benchmarks/update_constraint_counts.py")


def test_headline_costs():
    """Costs quoted in docstrings and the notes (circomlib: 128-bit comparison ~385)."""
    table = json.loads(TABLE.read_text())
    assert table["bits.range_check_64"] == 65
    assert table["comparators.less_than_checked_128"] == 388
    assert table["bits.bits_le_strict"] == 332
