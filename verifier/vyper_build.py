"""Compile the Vyper contracts, and keep their bytecode and ABI cached in the repository.

The sources are `verifier/contracts/*.vy`; `verifier/contracts/build.json` (committed) holds
for each one: the SHA-256 of its source, the compiler and settings, the ABI, the init code
and runtime code, and the storage layout. `load(name)` reads the cache, so a fresh machine
deploys without compiling (and without importing vyper); it refuses a cache entry whose
source hash no longer matches the file. After editing a source, regenerate with

    python -m verifier.vyper_build            (writes build.json)
    python -m verifier.vyper_build --check    (exit 1 if build.json is stale)

tests/test_evm_build.py compiles every source afresh and checks it equals the cache.
`compile_vyper(source)` compiles any source (the exported Groth16 verifiers, for example);
it needs the `vyper` package (0.4.3, pure Python, from PyPI), never a downloaded binary.
"""
from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
BUILD_FILE = CONTRACTS_DIR / "build.json"
VYPER_VERSION = "0.4.3"
EVM_VERSION = "cancun"          # matches verifier.evm_backend.SPEC_ID
OPTIMIZE = "gas"


class BuildError(RuntimeError):
    """A contract failed to compile, or its cached build is missing or stale."""


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: list
    initcode: bytes             # deploy this (constructor arguments appended, ABI-encoded)
    runtime: bytes              # the code the contract ends up with
    source_sha256: str
    compiler: str               # "vyper 0.4.3 cancun gas"
    storage_layout: dict

    def to_json(self) -> dict:
        return {"source_sha256": self.source_sha256, "compiler": self.compiler, "abi": self.abi,
                "initcode": self.initcode.hex(), "runtime": self.runtime.hex(),
                "storage_layout": self.storage_layout}

    @classmethod
    def from_json(cls, name: str, d: dict) -> "Artifact":
        return cls(name, d["abi"], bytes.fromhex(d["initcode"]), bytes.fromhex(d["runtime"]),
                   d["source_sha256"], d["compiler"], d["storage_layout"])


def compiler_id() -> str:
    return f"vyper {VYPER_VERSION} {EVM_VERSION} {OPTIMIZE}"


def sha256_text(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def compile_vyper(source: str, name: str = "contract") -> Artifact:
    """Compile Vyper source with the pinned settings; BuildError with the compiler's message."""
    import vyper
    from vyper.compiler.settings import OptimizationLevel, Settings
    if vyper.__version__.split("+")[0] != VYPER_VERSION:
        raise BuildError(f"vyper {VYPER_VERSION} is required, {vyper.__version__} is installed")
    settings = Settings(evm_version=EVM_VERSION, optimize=OptimizationLevel.from_string(OPTIMIZE))
    try:
        out = vyper.compile_code(source, contract_path=f"{name}.vy",
                                 output_formats=["abi", "bytecode", "bytecode_runtime", "layout"],
                                 settings=settings)
    except Exception as e:      # vyper raises many exception types; all mean "does not compile"
        raise BuildError(f"{name}.vy does not compile: {type(e).__name__}: {e}") from None
    layout = out["layout"].get("storage_layout", out["layout"])
    return Artifact(name, out["abi"], bytes.fromhex(out["bytecode"][2:]),
                    bytes.fromhex(out["bytecode_runtime"][2:]), sha256_text(source),
                    compiler_id(), json.loads(json.dumps(layout)))


def source_path(name: str) -> Path:
    return CONTRACTS_DIR / f"{name}.vy"


def sources() -> list[str]:
    return sorted(p.stem for p in CONTRACTS_DIR.glob("*.vy"))


def _read_cache() -> dict:
    try:
        return json.loads(BUILD_FILE.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as e:
        raise BuildError(f"{BUILD_FILE}: unreadable ({e})") from None


def load(name: str) -> Artifact:
    """The cached build of verifier/contracts/<name>.vy (BuildError if missing or stale)."""
    path = source_path(name)
    try:
        source = path.read_text()
    except OSError as e:
        raise BuildError(f"{path}: cannot read the contract source ({e.strerror})") from None
    entry = _read_cache().get(name)
    if entry is None:
        raise BuildError(f"{name}.vy has no cached build; run: python -m verifier.vyper_build")
    if entry["source_sha256"] != sha256_text(source):
        raise BuildError(f"{name}.vy changed since {BUILD_FILE.name} was written; "
                         f"run: python -m verifier.vyper_build")
    return Artifact.from_json(name, entry)


def build(names: Optional[list[str]] = None) -> dict[str, Artifact]:
    """Compile the named sources (default: all) afresh."""
    return {n: compile_vyper(source_path(n).read_text(), n) for n in (names or sources())}


def write_cache(artifacts: dict[str, Artifact]) -> None:
    data = {n: a.to_json() for n, a in sorted(artifacts.items())}
    BUILD_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    fresh = build()
    if "--check" in argv:
        cached = _read_cache()
        stale = [n for n, a in fresh.items() if cached.get(n) != a.to_json()]
        stale += [n for n in cached if n not in fresh]
        for n in stale:
            print(f"stale: {n}")
        return 1 if stale else 0
    write_cache(fresh)
    for n, a in fresh.items():
        print(f"{n}: {len(a.runtime)} bytes runtime, {len(a.initcode)} bytes init code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
