import argparse
import json

import pytest

from fastplastic.learning.cli import add_subcommands


def _run(argv):
    parser = argparse.ArgumentParser(prog="fastplastic")
    add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_train_writes_history(tmp_path, capsys):
    code = _run(["train", "--rule", "bp", "--dataset", "mnist-slice", "--hidden", "32",
                 "--epochs", "2", "--no-progress", "--out", str(tmp_path)])
    assert code == 0
    hist = json.loads((tmp_path / "train_bp.json").read_text())
    assert len(hist["test_accuracy"]) == 2 and 0.6 < hist["test_accuracy"][-1] <= 1
    assert "bp: test accuracy" in capsys.readouterr().out


def test_compare_writes_table_and_plot(tmp_path):
    code = _run(["compare", "--rules", "bp,dfa", "--dataset", "mnist-slice", "--hidden", "16",
                 "--epochs", "2", "--no-progress", "--out", str(tmp_path)])
    assert code == 0
    table = (tmp_path / "compare.md").read_text().splitlines()
    rows = [r for r in table if r.startswith("| bp ") or r.startswith("| dfa ")]
    assert len(rows) == 2 and rows[0].split("|")[3].strip() == "+0.0"
    png = (tmp_path / "compare.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


@pytest.mark.parametrize("argv,match", [
    (["train", "--rule", "nope"], "invalid choice"),
    (["train", "--rule", "bp", "--epochs", "0"], "must be >= 1"),
    (["train", "--rule", "bp", "--hidden", "a,b"], "comma-separated"),
    (["train", "--rule", "bp", "--lr", "-3"], "must be a finite number > 0"),
    (["train", "--rule", "bp", "--dataset", "/no/such/dir"], "--dataset"),
    (["compare", "--rules", "bp,magic", "--dataset", "mnist-slice"], "magic"),
])
def test_bad_arguments_exit_2_with_one_line(argv, match, capsys):
    with pytest.raises(SystemExit) as exc:
        _run(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert match in err[-1] and err[-1].startswith("fastplastic")


@pytest.mark.parametrize("rule", ["burstprop", "microcircuit"])
def test_dendritic_rules_learn_from_the_cli_defaults(rule, tmp_path):
    """The CLI builds the network and optimizer each dendritic rule needs
    (sigmoid rates and SGD for burstprop, SGD for the microcircuit): well above chance."""
    code = _run(["train", "--rule", rule, "--dataset", "mnist-slice", "--hidden", "64",
                 "--epochs", "3", "--no-progress", "--out", str(tmp_path)])
    assert code == 0
    hist = json.loads((tmp_path / f"train_{rule}.json").read_text())
    assert hist["test_accuracy"][-1] > 0.5
