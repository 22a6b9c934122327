"""Shared test fixtures."""
import os
import shutil
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.join(HERE, "vectors")


def find_snarkjs():
    """snarkjs as a command list, or None: $SNARKJS, $NODE_TOOLS/node_modules/.bin/snarkjs,
    benchmarks/_work (made by benchmarks/circom_fixtures.py), snarkjs on PATH, or npx."""
    if os.environ.get("SNARKJS"):
        return os.environ["SNARKJS"].split()
    for base in (os.environ.get("NODE_TOOLS"), os.path.join(HERE, "..", "benchmarks", "_work")):
        if base:
            cand = os.path.join(base, "node_modules", ".bin", "snarkjs")
            if os.path.exists(cand) and shutil.which("node"):
                return [cand]
    if shutil.which("snarkjs"):
        return ["snarkjs"]
    if shutil.which("npx"):
        try:
            p = subprocess.run(["npx", "--no-install", "snarkjs", "--help"], capture_output=True,
                               text=True, timeout=60)
            if p.stdout.lstrip().startswith("snarkjs@"):
                return ["npx", "--no-install", "snarkjs"]
        except (OSError, subprocess.TimeoutExpired):
            pass
    return None


@pytest.fixture(scope="session")
def snarkjs():
    cmd = find_snarkjs()
    if cmd is None:
        pytest.skip("snarkjs not found (set SNARKJS or NODE_TOOLS, or npm install snarkjs)")
    return cmd


@pytest.fixture(scope="session", autouse=True)
def _validated_key_cache(tmp_path_factory):
    """Keep prover.key_store's cache of validated keys out of the user's home during tests."""
    if "ZKROLLUP_KEY_CACHE" not in os.environ:
        os.environ["ZKROLLUP_KEY_CACHE"] = str(tmp_path_factory.mktemp("validated-keys"))
