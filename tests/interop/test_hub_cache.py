"""Part 4: huggingface_hub and ckptconv share one HF cache. Against the fake hub
(tests/hub/fake_hub.py, HF_ENDPOINT): what `ckptconv download --cache_dir C` fetched is found
by huggingface_hub offline with the same files, and a cache huggingface_hub filled is used by
`ckptconv convert --offline` without a single request. Runs in the hf venv."""
import os
import shutil

import pytest

import hf_fixtures
from interop_util import FakeHub, ckptconv

REPOS = {
    # one model.safetensors, and a sharded .bin checkpoint (index + shards)
    "interop/gptj-single": {"model": "gptj", "dtype": "float32", "safe": True, "shard": None},
    "interop/gptj-sharded": {"model": "gptj", "dtype": "bfloat16", "safe": False,
                             "shard": "40KB"},
}


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    root = tmp_path_factory.mktemp("hub-root")
    for repo, spec in REPOS.items():
        d, _ = hf_fixtures.make_fixture(spec, str(tmp_path_factory.mktemp("fx")))
        shutil.copytree(d, str(root / repo))
    h = FakeHub(str(root))
    h.root = str(root)
    yield h
    h.close()


@pytest.fixture(autouse=True)
def hub_env(monkeypatch, tmp_path):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))  # no token, no stray cache
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)


def files_under(d):
    out = {}
    for dirpath, _, names in os.walk(d):
        for n in names:
            p = os.path.join(dirpath, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, d)] = f.read()
    return out


def weights_requested(log):
    return [e for e in log if e.get("method") == "GET" and "/resolve/" in e["path"]]


@pytest.mark.parametrize("repo", sorted(REPOS))
def test_huggingface_hub_finds_what_ckptconv_downloaded(hub, repo, tmp_path):
    from huggingface_hub import hf_hub_download, scan_cache_dir, snapshot_download

    cache, out = str(tmp_path / "cache"), str(tmp_path / "dl")
    ckptconv("download", "--repo", repo, "--cache_dir", cache, "--output_dir", out,
             env={"HF_ENDPOINT": hub.endpoint})
    ours = files_under(out)
    served = files_under(os.path.join(hub.root, repo))
    assert "config.json" in ours and len(ours) >= 2
    for name, data in ours.items():
        assert served[name] == data, name

    snap = snapshot_download(repo, cache_dir=cache, local_files_only=True)
    assert files_under(snap) == ours
    for name, data in ours.items():
        with open(hf_hub_download(repo, name, cache_dir=cache, local_files_only=True), "rb") as f:
            assert f.read() == data

    info = scan_cache_dir(cache)
    assert info.warnings == [], info.warnings
    [r] = list(info.repos)
    assert r.repo_id == repo and r.repo_type == "model"
    [rev] = list(r.revisions)
    assert rev.refs == frozenset({"main"})
    assert {f.file_name for f in rev.files} == {os.path.basename(n) for n in ours}
    assert rev.size_on_disk == sum(len(d) for d in ours.values())

    # Online, huggingface_hub asks for the metadata only: every blob is already where it
    # looks for it (blobs/<etag>), so nothing is downloaded again.
    hub.clear_log()
    allow = list(ours)
    snapshot_download(repo, cache_dir=cache, endpoint=hub.endpoint, allow_patterns=allow)
    assert weights_requested(hub.log()) == [], hub.log()


@pytest.mark.parametrize("repo", sorted(REPOS))
def test_ckptconv_convert_offline_uses_huggingface_hub_cache(hub, repo, tmp_path):
    from huggingface_hub import snapshot_download

    cache = str(tmp_path / "cache")
    snap = snapshot_download(repo, cache_dir=cache, endpoint=hub.endpoint)
    assert weights_requested(hub.log())  # huggingface_hub really fetched them
    hub.clear_log()
    hf_dir, out = str(tmp_path / "hf"), str(tmp_path / "cs")
    r = ckptconv("convert", "--repo", repo, "--cache_dir", cache, "--offline",
                 "--input_dir", hf_dir, "--output_dir", out,
                 env={"HF_ENDPOINT": hub.endpoint})
    assert hub.log() == [], "convert --offline made requests: %r" % hub.log()
    got = files_under(hf_dir)
    for name, data in got.items():
        with open(os.path.join(snap, name), "rb") as f:
            assert f.read() == data, name
    ckptconv("verify", "--input_dir", hf_dir, "--output_dir", out)
