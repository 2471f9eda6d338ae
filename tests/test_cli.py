import os
import subprocess
import sys


def _cli(*args, cwd=None):
    # run outside the source tree so that the installed (compiled) package is used
    return subprocess.run([sys.executable, "-m", "fastplastic", *args], capture_output=True,
                          text=True, timeout=300, cwd=cwd or os.path.expanduser("~"))


def test_run_writes_summary_and_figures(tmp_path):
    out = tmp_path / "tmp"
    res = _cli("run", "--duration", "0.2", "--out", str(out), "--no-progress", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    for word in ("neurons", "synapses", "spikes", "exc rate", "inh rate", "CV of ISIs",
                 "wall time", "per wall second"):
        assert word in res.stdout
    for png in ("raster.png", "rate_histogram.png"):
        data = (out / png).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_run_plastic_models_write_weight_histograms(tmp_path):
    for args in (["coba", "--stdp", "--neurons", "1000"], ["song2000", "--neurons", "200"]):
        res = _cli("run", *args, "--duration", "0.2", "--out", str(tmp_path), "--no-progress",
                   cwd=tmp_path)
        assert res.returncode == 0, res.stderr
        assert "mean weight" in res.stdout
        assert (tmp_path / "weights_0.png").stat().st_size > 5000
    res = _cli("run", "song2000", "--stdp", cwd=tmp_path)
    assert res.returncode == 2 and "--stdp" in res.stderr


def test_run_help_documents_every_option():
    res = _cli("run", "--help")
    assert res.returncode == 0
    for opt in ("--duration", "--neurons", "--seed", "--threads", "--out", "coba", "cuba"):
        assert opt in res.stdout


def test_bad_arguments_exit_2_with_one_line_error():
    for args in (["run", "--duration", "-1"], ["run", "--neurons", "abc"], ["run", "nomodel"],
                 ["run", "--seed", "-3"], ["run", "--threads", "0"], ["frobnicate"]):
        res = _cli(*args)
        assert res.returncode == 2, args
        errors = [l for l in res.stderr.splitlines() if "error" in l]
        assert len(errors) == 1, res.stderr


def test_checkpoint_every_and_resume_match_an_uninterrupted_run(tmp_path):
    import numpy as np
    common = ["--neurons", "1000", "--no-progress", "--seed", "3"]
    a, b = tmp_path / "a", tmp_path / "b"
    assert _cli("run", "--duration", "0.3", "--checkpoint-every", "0.3", "--out", str(a),
                *common, cwd=tmp_path).returncode == 0
    first = _cli("run", "--duration", "0.2", "--checkpoint-every", "0.1", "--out", str(b),
                 *common, cwd=tmp_path)
    assert first.returncode == 0 and "checkpoint" in first.stdout
    second = _cli("run", "--resume", str(b / "checkpoint.npz"), "--duration", "0.1",
                  "--checkpoint-every", "0.1", "--out", str(b), "--no-progress", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "resumed from" in second.stdout
    with np.load(a / "checkpoint.npz") as x, np.load(b / "checkpoint.npz") as y:
        assert set(x.files) == set(y.files)
        for k in x.files:
            np.testing.assert_array_equal(x[k], y[k], err_msg=k)


def test_resume_from_missing_or_bad_file_exits_2(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a checkpoint")
    for path in (str(tmp_path / "missing.npz"), str(bad)):
        res = _cli("run", "--resume", path, "--out", str(tmp_path), cwd=tmp_path)
        assert res.returncode == 2
        assert len([l for l in res.stderr.splitlines() if "error" in l]) == 1
