"""A user's own .npz through the chsnn command, as the README's "Your own data" shows it:
channel-first images train a conv model; the keys the README lists are the ones read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from chsnn.entry import main

README = Path(__file__).resolve().parents[2] / "README.md"


def test_channel_first_images_train_a_conv_model(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (60, 3, 8, 8), dtype=np.uint8)
    y = np.arange(60) % 3
    np.savez(tmp_path / "my.npz", x_train=x[:45], y_train=y[:45], x_test=x[45:],
             y_test=y[45:])
    out = tmp_path / "run"
    assert main(["train", "--dataset", str(tmp_path / "my.npz"), "--model", "2conv2fc",
                 "--encoder", "direct", "--method", "set", "--sparsity", "0.5", "--epochs", "1",
                 "--T", "2", "--batch-size", "16", "--energy-samples", "8", "--device", "cpu",
                 "--quiet", "--no-plots", "--out", str(out)]) == 0
    assert capsys.readouterr().err == ""  # every split holds every class: no warning
    report = json.loads((out / "report.json").read_text())
    assert report["dataset"] == "my.npz" and report["n_test"] == 15
    assert report["energy"]["layers"]["conv1"]["kind"] == "conv"


def test_readme_lists_the_npz_keys_that_are_read():
    text = README.read_text()
    section = text[text.index("### Your own data"):]
    section = section[:section.index("\n## ")]
    keys = set(re.findall(r"`([a-z_]+)`", section.split("| key |")[1].split("\n\n")[0]))
    assert {"x_train", "y_train", "x_test", "y_test", "x", "y", "n_classes",
            "image_shape"} <= keys
    source = (Path(__file__).resolve().parents[2] / "chsnn" / "data.py").read_text()
    for key in keys:  # and every key listed is one the reader looks for
        assert f'"{key}"' in source, key
