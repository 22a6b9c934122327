"""A short run of benchmarks/fuzz_cli.py (about 50 cases) in the default suite: malformed,
truncated, bit-flipped, oversized and edited batch files, proofs, public inputs and paths
through `zkrollup verify`, `prove` and `groth16 verify` and the readers: no traceback, no
exit 3, one `error:` line naming the file for bad input, and no edited batch file or
proof accepted. The full run (1,000+ cases) is `python benchmarks/fuzz_cli.py`."""
import importlib.util
import sys
from pathlib import Path

from operator_helpers import session_keys

ROOT = Path(__file__).resolve().parent.parent


def _fuzz():
    spec = importlib.util.spec_from_file_location("fuzz_cli", ROOT / "benchmarks" / "fuzz_cli.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_cli"] = mod          # its dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_fifty_fuzz_cases_find_no_crash_and_accept_no_edit(tmp_path):
    fuzz = _fuzz()
    keys = session_keys()
    batches = fuzz.build_deployment(tmp_path / "dep", keys=keys)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    c = fuzz.campaign(batches, keys.dir, tmp_path / "dep", 50, 7, scratch)
    assert c.cases + c.reader_cases >= 50 and c.cases >= 20
    assert (c.tracebacks, c.exit3, c.bad_error_line, c.edited_accepted, c.reader_crashes) == (0, 0, 0, 0, 0), \
        c.failures
    assert set(c.exit) <= {0, 1, 2} and c.exit.get(2, 0) > 0
