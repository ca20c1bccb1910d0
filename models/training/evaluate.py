#!/usr/bin/env python3
"""Scores a set of ONNX models on a holdout CSV with the same metrics train.py reports.

    .venv/bin/python models/training/evaluate.py --holdout-dir HOLDOUT --models-dir DIR [--models-dir DIR2 …]

DIR holds <name>/model.onnx for any of the five models; HOLDOUT holds <name>.csv, the rows
`train.py --holdout-dir` held out for that model. The retrain workflow scores the champion and the
challenger on the challenger's holdout, so both are compared on the same rows.
Prints one JSON line per --models-dir, in order: {"<name>": {metrics…}, …}. Several directories in
one run pay Python's start-up (numpy, scikit-learn) once.
"""

import sys

sys.dont_write_bytecode = True

import argparse
import json
from pathlib import Path

from threadpoolctl import threadpool_limits

import features as F
import train as T


def evaluate(models_dir, holdout_dir):
    results = {}
    for name in T.MODEL_NAMES:
        path = models_dir / name / "model.onnx"
        if not path.exists():
            continue
        spec = T.SPECS[name]
        holdout = holdout_dir / f"{name}.csv"
        if not holdout.exists():
            raise SystemExit(f"{name}: no holdout file {holdout}")
        rows = T.read_csv(holdout)[spec["dataset"]]
        if name == "next_best_action":
            rows = [row for row in rows if row["nextBestAction"] is not None]
        if not rows:
            raise SystemExit(f"{holdout}: no labelled {spec['dataset']} rows")
        _, vector, fields = F.MODEL_INPUTS[name]
        X = F.to_matrix([T.pick(row, fields) for row in rows], vector)
        y = T.targets_of(name, rows)
        if spec["kind"] == "regression":
            results[name] = T.regression_metrics(spec, y, T.run_onnx(path.read_bytes(), "variable", X))
        else:
            results[name] = T.classifier_metrics(spec, y, T.run_onnx(path.read_bytes(), "probabilities", X))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--holdout-dir", required=True, help="<name>.csv per model (train.py --holdout-dir)")
    parser.add_argument("--models-dir", required=True, action="append", help="a directory with <name>/model.onnx (repeatable)")
    args = parser.parse_args()
    lines = []
    with threadpool_limits(limits=1):
        for models_dir in args.models_dir:
            results = evaluate(Path(models_dir), Path(args.holdout_dir))
            if not results:
                raise SystemExit(f"{models_dir}: no <name>/model.onnx found")
            lines.append(json.dumps(results, separators=(",", ":"), allow_nan=False))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
