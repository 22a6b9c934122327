"""verifier.vyper_build: the committed build cache equals a fresh compile, and stale or
broken sources are refused with a clear message."""
import pytest

from verifier import vyper_build as vb


@pytest.mark.parametrize("name", vb.sources())
def test_cached_build_equals_a_fresh_compile(name):
    cached = vb.load(name)
    fresh = vb.compile_vyper(vb.source_path(name).read_text(), name)
    assert fresh == cached


def test_every_source_has_a_cache_entry_and_no_entry_is_orphaned():
    assert vb.main(["--check"]) == 0


def test_a_stale_cache_entry_is_refused(tmp_path, monkeypatch):
    src = vb.source_path("token").read_text()
    monkeypatch.setattr(vb, "CONTRACTS_DIR", tmp_path)
    monkeypatch.setattr(vb, "BUILD_FILE", tmp_path / "build.json")
    (tmp_path / "token.vy").write_text(src)
    with pytest.raises(vb.BuildError, match="no cached build"):
        vb.load("token")
    vb.write_cache(vb.build(["token"]))
    assert vb.load("token").runtime
    (tmp_path / "token.vy").write_text(src + "\n# edited\n")
    with pytest.raises(vb.BuildError, match="changed since build.json was written"):
        vb.load("token")


def test_a_source_that_does_not_compile_raises_build_error():
    with pytest.raises(vb.BuildError, match="broken.vy does not compile"):
        vb.compile_vyper("# pragma version ~=0.4.3\n@external\ndef f() -> uint256:\n    return x\n", "broken")
