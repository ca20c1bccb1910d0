#!/usr/bin/env python3
"""Trains the five lead-intelligence models and writes their ONNX files, cards and registry.

    .venv/bin/python models/training/train.py [--out-dir models] [--version 1.0.0] [--seed 41]
        [--n-leads 20000] [--n-customers 10000] [--data-csv export.csv] [--holdout-dir DIR]

The contract (features, outputs, registry) is models/README.md. Every step is seeded and nothing
carries a wall-clock time, so two runs with the same arguments write byte-identical files.
Progress goes to stderr; the last line on stdout is a one-line JSON summary of the metrics.
"""

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of models/training

import argparse
import csv
import hashlib
import json
import os
import re
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import (accuracy_score, brier_score_loss, f1_score, log_loss, mean_absolute_error,
                             mean_squared_error, precision_score, r2_score, recall_score, roc_auc_score)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import features as F
import generate as G

MODEL_NAMES = ["lead_conversion", "next_best_action", "clv", "churn_30d", "churn_60d"]
# Pinned ONNX opsets: onnxruntime(-node) 1.30 runs both; skl2onnx 1.20 is tested up to 22.
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
HOLDOUT_SHARE = 0.2
# Below this many usable exported rows a model trains on synthetic data instead (small exports
# give a holdout too small to compare models on).
MIN_EXPORTED_ROWS = 500
# ONNX (float32) vs scikit-learn (float64) on the holdout: absolute for probabilities, relative
# (to max(1, |value|)) for dollar amounts, where float32 itself only carries ~7 significant digits.
# The TypeScript parity test uses the same rule.
CHECK_TOLERANCE = 1e-5
CLV_TARGETS = ["firstProjectValue", "clv3Year"]
SEMVER = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")

# What each model learns, from which dataset, and how its output reads.
SPECS = {
    "lead_conversion": {
        "dataset": "leads",
        "kind": "binary",
        "label": "converted",
        "classes": ["not_converted", "converted"],
        "estimator": lambda: LogisticRegression(C=1.0, max_iter=2000),
        "estimator_text": "Pipeline(StandardScaler, LogisticRegression(C=1.0, lbfgs))",
        "purpose": "Probability that a new lead becomes a signed job (roadmap 4.1 A).",
        "output": "column 1 = P(converts)",
    },
    "next_best_action": {
        "dataset": "leads",
        "kind": "multiclass",
        "label": "nextBestAction",
        "classes": F.NEXT_BEST_ACTIONS,
        "estimator": lambda: LogisticRegression(C=1.0, max_iter=2000),  # lbfgs: multinomial for >2 classes
        "estimator_text": "Pipeline(StandardScaler, LogisticRegression(multinomial, C=1.0, lbfgs))",
        "purpose": "Which of six actions a rep should take next on a lead (roadmap 4.1 A). "
                   "Confidence = the top probability.",
        "output": "columns in the order " + ", ".join(F.NEXT_BEST_ACTIONS),
    },
    "clv": {
        "dataset": "customers",
        "kind": "regression",
        "targets": CLV_TARGETS,
        "estimator": lambda: Ridge(alpha=1.0),
        "estimator_text": "Pipeline(StandardScaler, Ridge(alpha=1.0)), two targets",
        "purpose": "First project value and 3-year customer lifetime value in dollars (roadmap 4.1 B); "
                   "ultra-premium = predicted first project value > $45,000.",
        "output": "column 0 = first project value ($), column 1 = 3-year CLV ($)",
    },
    "churn_30d": {
        "dataset": "customers",
        "kind": "binary",
        "label": "churn30d",
        "classes": ["stays", "churns_within_30d"],
        "estimator": lambda: LogisticRegression(C=1.0, max_iter=2000),
        "estimator_text": "Pipeline(StandardScaler, LogisticRegression(C=1.0, lbfgs))",
        "purpose": "Probability that a customer churns within 30 days (roadmap 4.1 C).",
        "output": "column 1 = P(churn within 30 days)",
    },
    "churn_60d": {
        "dataset": "customers",
        "kind": "binary",
        "label": "churn60d",
        "classes": ["stays", "churns_within_60d"],
        "estimator": lambda: LogisticRegression(C=1.0, max_iter=2000),
        "estimator_text": "Pipeline(StandardScaler, LogisticRegression(C=1.0, lbfgs))",
        "purpose": "Probability that a customer churns within 60 days (roadmap 4.1 C).",
        "output": "column 1 = P(churn within 60 days)",
    },
}

KNOWN_LIMITS = {
    "lead_conversion": [
        "Per-source conversion rates are the roadmap's figures, put into the data by construction; "
        "the model recovering them says nothing about real leads.",
        "A linear model: the 2-minute response bonus (a step) and the VIP rule (premium ZIP *and* "
        "value >= $500K) are only approximated.",
    ],
    "next_best_action": [
        "The labels come from a written rule (models/training/generate.py) plus 12% random labels, "
        "not from which action actually won deals; the model imitates that rule.",
        "Thresholds in the rule (contact quality, response time) are seen by the model only through "
        "linear terms, so cases near a threshold are often wrong.",
    ],
    "clv": [
        "Segment deal sizes are the roadmap's averages; within-segment spread and the 3-year follow-on "
        "revenue (maintenance, repairs, upgrades) are assumptions.",
        "A linear model of dollar amounts: it can predict negative values for very small properties and "
        "extrapolates linearly for very large ones; clamp at 0 when showing it.",
        "Location reaches the model only through neighbourhood project value: the ZIP is not a CLV feature.",
    ],
    "churn_30d": [
        "Churn is synthetic: 12% within 60 days (the roadmap's baseline), 55% of those by day 30. "
        "There is no real churn history behind it.",
        "Few positives (about 7%): read the probability as a ranking, not a calibrated rate for a real book.",
    ],
    "churn_60d": [
        "Churn is synthetic: 12% within 60 days (the roadmap's baseline churn). There is no real churn "
        "history behind it.",
        "The 30- and 60-day models are trained separately, so on an odd record P(30d) can exceed P(60d).",
    ],
}

# --data-csv: which columns a row of each dataset carries (generate.DATASET_COLUMNS), and how a cell is read.
COLUMN_TYPES = {
    "leadSource": "str", "propertyValue": "number", "roofAge": "number", "damageSeverity": "str",
    "insuranceClaim": "bool", "contactQuality": "number", "responseTimeMinutes": "number", "zip": "str",
    "season": "str", "previousInteraction": "bool", "converted": "bool", "nextBestAction": "str",
    "squareFeet": "number", "propertyType": "str", "incomeEstimate": "number", "householdSize": "number",
    "previousRepairs": "number", "claimsCount": "number", "avgClaimValue": "number",
    "neighborhoodAvgProjectValue": "number", "neighborhoodUpgradeRate": "number", "weatherEvents12m": "number",
    "engagementDrop": "number", "sentiment": "number", "competitorActivity": "bool", "paymentDelayDays": "number",
    "responseRateDecline": "number", "emailOpenRate": "number", "callPickupRate": "number",
    "satisfactionTrend": "number", "daysSinceLastContact": "number", "isVip": "bool",
    "firstProjectValue": "number", "clv3Year": "number", "churn30d": "bool", "churn60d": "bool",
}
assert set(COLUMN_TYPES) == set(G.CSV_COLUMNS) - {"dataset"}


def log(message):
    print(message, file=sys.stderr, flush=True)


def check_lead_sources():
    """features.LEAD_SOURCES is a copy of the TypeScript list; both must agree, order included."""
    ts = (F.REPO_ROOT / "workflows" / "lead-intake" / "rules" / "lead.ts").read_text()
    block = re.search(r"export const LEAD_SOURCES = \[(.*?)\] as const", ts, re.S)
    if not block:
        raise SystemExit("workflows/lead-intake/rules/lead.ts: LEAD_SOURCES not found")
    ts_sources = re.findall(r"'([^']*)'", block.group(1))
    if ts_sources != F.LEAD_SOURCES:
        raise SystemExit(f"LEAD_SOURCES differ: rules/lead.ts has {ts_sources}, features.py has {F.LEAD_SOURCES}")


# --- data -----------------------------------------------------------------------------------------

def _cell(column, text):
    """A CSV cell as the record's type; empty = missing (features.py then names the field)."""
    if text is None or text == "":
        return None
    kind = COLUMN_TYPES[column]
    if kind == "str":
        return text
    if kind == "bool":
        if text not in ("true", "false"):
            raise ValueError(f"{column}: expected true or false, got {text!r}")
        return text == "true"
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{column}: expected a number, got {text!r}") from None
    return int(value) if value.is_integer() else value


def _check_labels(row, dataset):
    """Labels are not features, so features.py does not look at them: check them here."""
    if dataset == "lead":
        if not isinstance(row["converted"], bool):
            raise ValueError("converted: missing")
        # Empty = the CRM did not record which action worked; next_best_action skips such rows.
        if row["nextBestAction"] is not None and row["nextBestAction"] not in F.NEXT_BEST_ACTIONS:
            raise ValueError(f"nextBestAction: unknown value {row['nextBestAction']!r}")
    else:
        for target in CLV_TARGETS:
            if not isinstance(row[target], (int, float)) or isinstance(row[target], bool) or row[target] < 0:
                raise ValueError(f"{target}: expected a number >= 0")
        for label in ("churn30d", "churn60d"):
            if not isinstance(row[label], bool):
                raise ValueError(f"{label}: missing")
        if row["churn30d"] and not row["churn60d"]:
            raise ValueError("churn60d: must be true when churn30d is true")


def read_csv(path):
    """The labelled export of `--data-csv` (format: models/README.md, "Training data CSV")."""
    data = {"leads": [], "customers": []}
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        unknown = [c for c in reader.fieldnames or [] if c != "dataset" and c not in COLUMN_TYPES]
        if unknown or "dataset" not in (reader.fieldnames or []):
            raise SystemExit(f"{path}: needs a 'dataset' column; unknown columns: {unknown}")
        for line, cells in enumerate(reader, start=2):
            dataset = cells["dataset"]
            try:
                if dataset not in G.DATASET_COLUMNS:
                    raise ValueError(f"dataset: expected lead or customer, got {dataset!r}")
                row = {c: _cell(c, cells.get(c)) for c in G.DATASET_COLUMNS[dataset]}
                # Validate now, so a bad row is reported with its line number.
                if dataset == "lead":
                    F.lead_vector(pick(row, F.LEAD_FIELDS))
                else:
                    F.customer_value_vector(pick(row, F.CUSTOMER_VALUE_FIELDS))
                    F.churn_vector(pick(row, F.CHURN_FIELDS))
                _check_labels(row, dataset)
            except ValueError as err:
                raise SystemExit(f"{path}:{line}: {err}") from None
            data["leads" if dataset == "lead" else "customers"].append(row)
    return data


def pick(row, fields):
    return {f: row[f] for f in fields}


def canonical_sha256(rows):
    """sha256 of the rows as canonical JSON (sorted keys, no spaces, whole numbers without ".0"):
    the same rows give the same hash whether generated or read back from a CSV."""
    def whole(v):
        return int(v) if isinstance(v, float) and v.is_integer() else v
    rows = [{k: whole(v) for k, v in row.items()} for row in rows]
    text = json.dumps(rows, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def holdout_mask(n, seed):
    """True for the 20% holdout rows; its own seeded stream, so it never depends on the data."""
    order = np.random.default_rng([seed, 2024]).permutation(n)
    mask = np.zeros(n, dtype=bool)
    mask[order[: int(round(n * HOLDOUT_SHARE))]] = True
    return mask


# --- one model --------------------------------------------------------------------------------------

def targets_of(name, rows):
    spec = SPECS[name]
    if spec["kind"] == "regression":
        return np.array([[row[t] for t in spec["targets"]] for row in rows], dtype=np.float64)
    if spec["kind"] == "multiclass":
        # Integer classes in NEXT_BEST_ACTIONS order, so probability columns come out in that order.
        return np.array([spec["classes"].index(row[spec["label"]]) for row in rows])
    return np.array([int(row[spec["label"]]) for row in rows])


def to_onnx(name, pipeline, n_features, version, source):
    classifier = SPECS[name]["kind"] != "regression"
    model = convert_sklearn(
        pipeline,
        name=name,  # without a name skl2onnx puts a random uuid in the graph: not reproducible
        initial_types=[("features", FloatTensorType([None, n_features]))],
        target_opset=TARGET_OPSET,
        options={id(pipeline): {"zipmap": False}} if classifier else None,
    )
    # skl2onnx lists the default domain twice; keep one entry per domain, sorted.
    opsets = {}
    for entry in model.opset_import:
        opsets[entry.domain] = max(opsets.get(entry.domain, 0), entry.version)
    del model.opset_import[:]
    opsets = dict(sorted(opsets.items()))
    model.opset_import.extend(onnx.helper.make_opsetid(d, v) for d, v in opsets.items())
    trained_on = "synthetic data" if source == "synthetic" else "a labelled CSV export"
    model.doc_string = f"{name} {version}: trained on {trained_on}, see models/{name}/MODEL_CARD.md"
    onnx.checker.check_model(model, full_check=True)
    return model.SerializeToString(deterministic=True), opsets


def run_onnx(onnx_bytes, output, X):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(onnx_bytes, options, providers=["CPUExecutionProvider"])
    return session.run([output], {"features": X})[0]


def r6(x):
    return round(float(x), 6)


def _auc(*args, **kwargs):
    """ROC AUC, or None when the holdout lacks a class (a small --data-csv export)."""
    try:
        return r6(roc_auc_score(*args, **kwargs))
    except ValueError:
        return None


def classifier_metrics(spec, y, proba):
    # float32 rows sum to 1 only within ~1e-7; renormalise in float64 so the metrics accept them.
    proba = proba.astype(np.float64)
    proba /= proba.sum(axis=1, keepdims=True)
    classes = spec["classes"]
    counts = np.bincount(y, minlength=len(classes))
    metrics = {"rows": int(len(y)), "chanceAccuracy": r6(counts.max() / len(y))}  # always the majority class
    predicted = proba.argmax(axis=1)
    metrics["accuracy"] = r6(accuracy_score(y, predicted))
    if spec["kind"] == "binary":
        metrics["positiveRate"] = r6(y.mean())
        metrics["rocAuc"] = _auc(y, proba[:, 1])
        metrics["logLoss"] = r6(log_loss(y, proba, labels=[0, 1]))
        metrics["brier"] = r6(brier_score_loss(y, proba[:, 1]))
    else:
        onehot = np.eye(len(classes))[y]
        metrics["macroF1"] = r6(f1_score(y, predicted, average="macro", labels=range(len(classes))))
        metrics["rocAucOvrMacro"] = _auc(y, proba, multi_class="ovr", average="macro", labels=range(len(classes)))
        metrics["logLoss"] = r6(log_loss(y, proba, labels=range(len(classes))))
        metrics["brier"] = r6(np.mean(np.sum((proba - onehot) ** 2, axis=1)))  # multiclass: sum over classes
        # Per class: the share of that class's rows predicted correctly (its recall).
        metrics["perClassAccuracy"] = {
            c: r6((predicted[y == k] == k).mean()) if counts[k] else None for k, c in enumerate(classes)
        }
        metrics["classShare"] = {c: r6(counts[k] / len(y)) for k, c in enumerate(classes)}
    return metrics


def regression_metrics(spec, y, predicted):
    predicted = predicted.astype(np.float64)
    metrics = {"rows": int(len(y))}
    for j, target in enumerate(spec["targets"]):
        metrics[target] = {
            "mae": round(float(mean_absolute_error(y[:, j], predicted[:, j])), 2),
            "rmse": round(float(np.sqrt(mean_squared_error(y[:, j], predicted[:, j]))), 2),
            "r2": r6(r2_score(y[:, j], predicted[:, j])),
            "mean": round(float(y[:, j].mean()), 2),
        }
    # Ultra-premium flag: first project value above $45,000 (roadmap 4.1 B).
    actual = y[:, 0] > G.ULTRA_PREMIUM_PROJECT_VALUE
    flagged = predicted[:, 0] > G.ULTRA_PREMIUM_PROJECT_VALUE
    metrics["ultraPremium"] = {
        "threshold": G.ULTRA_PREMIUM_PROJECT_VALUE,
        "precision": r6(precision_score(actual, flagged, zero_division=0)),
        "recall": r6(recall_score(actual, flagged, zero_division=0)),
        "actualShare": r6(actual.mean()),
        "flaggedShare": r6(flagged.mean()),
    }
    return metrics


def train_one(name, rows, holdout, seed, source, version, out_dir):
    spec = SPECS[name]
    feature_list, vector, fields = F.MODEL_INPUTS[name]
    X = F.to_matrix([pick(row, fields) for row in rows], vector)
    y = targets_of(name, rows)
    if spec["kind"] != "regression":
        missing = [c for k, c in enumerate(spec["classes"]) if not (y[~holdout] == k).any()]
        if missing:
            raise SystemExit(f"{name}: no training rows of class {missing}")

    # Fit in float64 on the float32 values the ONNX graph will see: full-precision weights.
    X64 = X.astype(np.float64)
    pipeline = Pipeline([("scaler", StandardScaler()), ("model", spec["estimator"]())])
    pipeline.fit(X64[~holdout], y[~holdout])
    onnx_bytes, opsets = to_onnx(name, pipeline, X.shape[1], version, source)

    # The artefact must agree with scikit-learn on every holdout row, or the build fails.
    X_hold, y_hold = X[holdout], y[holdout]
    if spec["kind"] == "regression":
        expected, got = pipeline.predict(X64[holdout]), run_onnx(onnx_bytes, "variable", X_hold)
        worst = float(np.max(np.abs(got - expected) / np.maximum(1.0, np.abs(expected))))
        measure = "|onnx - sklearn| / max(1, |sklearn|)"
    else:
        expected, got = pipeline.predict_proba(X64[holdout]), run_onnx(onnx_bytes, "probabilities", X_hold)
        worst = float(np.max(np.abs(got - expected)))
        measure = "|onnx - sklearn|"
    if not worst < CHECK_TOLERANCE:
        raise SystemExit(f"{name}: ONNX and scikit-learn differ by {worst} on the holdout (limit {CHECK_TOLERANCE})")
    check = {"rows": int(len(X_hold)), "measure": measure, "maxDiff": float(f"{worst:.3g}"), "tolerance": CHECK_TOLERANCE}

    metrics = (regression_metrics(spec, y_hold, got) if spec["kind"] == "regression"
               else classifier_metrics(spec, y_hold, got))

    scaler, estimator = pipeline.named_steps["scaler"], pipeline.named_steps["model"]
    explain = {
        "mean": [float(v) for v in scaler.mean_],
        "scale": [float(v) for v in scaler.scale_],
        "coef": [[float(v) for v in row] for row in np.atleast_2d(estimator.coef_)],
        "intercept": [float(v) for v in np.atleast_1d(estimator.intercept_)],
    }
    if spec["kind"] == "regression":
        explain["targets"] = spec["targets"]
        output = {"name": "variable", "type": "float32", "shape": [None, len(spec["targets"])],
                  "columns": spec["targets"], "description": spec["output"]}
    else:
        explain["classes"] = spec["classes"]
        if spec["kind"] == "binary":
            explain["note"] = "one coef row: log-odds of column 1 (" + spec["classes"][1] + ")"
        output = {"name": "probabilities", "type": "float32", "shape": [None, len(spec["classes"])],
                  "columns": spec["classes"], "description": spec["output"]}

    onnx_path = out_dir / name / "model.onnx"
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    onnx_path.write_bytes(onnx_bytes)
    entry = {
        "name": name,
        "version": version,
        "file": Path(os.path.relpath(onnx_path, F.REPO_ROOT)).as_posix(),  # relative to the repo root
        "sha256": hashlib.sha256(onnx_bytes).hexdigest(),
        "sizeBytes": len(onnx_bytes),
        "estimator": spec["estimator_text"],
        "opset": opsets,
        "input": {"name": "features", "type": "float32", "shape": [None, X.shape[1]]},
        "outputs": [output],
        "features": [{"name": n, "source": s, "transform": t} for n, s, t in feature_list],
        "metrics": metrics,
        "onnxCheck": check,
        "trainingData": {"kind": source, "seed": seed,  # generator (if synthetic) and holdout-split seed
                         "rows": int(len(rows)), "trainRows": int((~holdout).sum()),
                         "holdoutRows": int(holdout.sum())},
        "trainingDataSha256": canonical_sha256(rows),
        "explain": explain,
    }
    (out_dir / name / "MODEL_CARD.md").write_text(model_card(entry, spec))
    return entry


# --- model card -------------------------------------------------------------------------------------

def _metric_rows(metrics, prefix=""):
    rows = []
    for key, value in metrics.items():
        if isinstance(value, dict):
            rows += _metric_rows(value, f"{prefix}{key}.")
        else:
            rows.append(f"| `{prefix}{key}` | {value} |")
    return rows


def model_card(entry, spec):
    data = entry["trainingData"]
    if data["kind"] == "synthetic":
        data_text = (f"Synthetic: drawn by `models/training/generate.py` with seed {data['seed']} from the "
                     "assumptions in `models/training/ASSUMPTIONS.md` (each tied to its roadmap figure).")
    else:
        data_text = "A labelled CSV export (`--data-csv`, format in `models/README.md`)."
    features = "\n".join(f"| {i} | `{f['name']}` | `{f['source']}` | `{f['transform']}` |"
                         for i, f in enumerate(entry["features"]))
    limits = "\n".join(f"- {text}" for text in KNOWN_LIMITS[entry["name"]])
    check = entry["onnxCheck"]
    return f"""# `{entry['name']}` {entry['version']}

{spec['purpose']}

**Trained on synthetic data.** There is no real history yet: the rows were generated from
written assumptions, so the metrics below only say how well the model recovers those
assumptions. No real-world accuracy is claimed.

## Data

- {data_text}
- {data['rows']} rows: {data['trainRows']} for training, {data['holdoutRows']} held out (20%, fixed seed) for every number below.
- Training data sha256 (canonical JSON of all rows): `{entry['trainingDataSha256']}`

## Model

- {entry['estimator']}; scaling is inside the graph, so callers pass unscaled columns.
- `{entry['file']}`: {entry['sizeBytes']} bytes, sha256 `{entry['sha256']}`, opsets {json.dumps(entry['opset'], sort_keys=True)}.
- Input `features`: float32 [N, {entry['input']['shape'][1]}], columns below. Output `{entry['outputs'][0]['name']}`: float32 [N, {entry['outputs'][0]['shape'][1]}], {entry['outputs'][0]['description']}.
- ONNX vs scikit-learn on the {check['rows']} holdout rows: largest difference {check['maxDiff']} (limit {check['tolerance']}; `{check['measure']}`).

## Features (in column order)

| # | column | source field | transform |
|---|---|---|---|
{features}

## Holdout metrics

| metric | value |
|---|---|
{chr(10).join(_metric_rows(entry['metrics']))}

## Known limits

{limits}
- Fixed weights: nothing here learns online; retraining (`--data-csv`) produces a new version.

Rebuild: `make models` (see `models/README.md`).
"""


# --- main -------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", default=str(F.REPO_ROOT / "models"), help="where <name>/model.onnx and registry.json go")
    parser.add_argument("--version", default="1.0.0", help="semver written to every model and the registry")
    parser.add_argument("--seed", type=int, default=G.DEFAULT_SEED, help="synthetic data and holdout split seed")
    parser.add_argument("--n-leads", type=int, default=G.DEFAULT_LEADS)
    parser.add_argument("--n-customers", type=int, default=G.DEFAULT_CUSTOMERS)
    parser.add_argument("--data-csv", help="train on this labelled export instead of synthetic data")
    parser.add_argument("--holdout-dir", help="also write each model's holdout rows to DIR/<name>.csv (--data-csv "
                                              "format), so other models can be scored on the same rows (evaluate.py)")
    args = parser.parse_args()
    if not SEMVER.match(args.version):
        parser.error(f"--version {args.version!r} is not semver (e.g. 1.0.0)")
    if args.n_leads < 100 or args.n_customers < 100:
        parser.error("--n-leads and --n-customers must be at least 100")

    check_lead_sources()
    out_dir = Path(args.out_dir).resolve()

    data = G.generate(args.seed, args.n_leads, args.n_customers)
    exported = read_csv(args.data_csv) if args.data_csv else {"leads": [], "customers": []}
    model_rows, model_source = {}, {}
    for name in MODEL_NAMES:
        dataset = SPECS[name]["dataset"]
        rows = exported[dataset]
        if name == "next_best_action":
            rows = [row for row in rows if row["nextBestAction"] is not None]
        if len(rows) >= MIN_EXPORTED_ROWS:
            model_rows[name], model_source[name] = rows, "csv"
        else:
            if args.data_csv:
                log(f"{name}: {len(rows)} usable exported rows (< {MIN_EXPORTED_ROWS}), trains on synthetic data")
            model_rows[name], model_source[name] = data[dataset], "synthetic"
    log("data: " + ", ".join(f"{n} {len(model_rows[n])} rows ({model_source[n]})" for n in MODEL_NAMES))

    entries = []
    # One thread: BLAS reductions in a fixed order, so the fitted weights are the same every run.
    with threadpool_limits(limits=1):
        for name in MODEL_NAMES:
            rows = model_rows[name]
            holdout = holdout_mask(len(rows), args.seed)
            entry = train_one(name, rows, holdout, args.seed, model_source[name], args.version, out_dir)
            log(f"{name}: {entry['sizeBytes']} bytes, onnx check {entry['onnxCheck']['maxDiff']}")
            entries.append(entry)
            if args.holdout_dir:
                dataset = SPECS[name]["dataset"]
                held = [row for row, h in zip(rows, holdout) if h]
                Path(args.holdout_dir).mkdir(parents=True, exist_ok=True)
                with open(Path(args.holdout_dir) / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
                    G.write_csv({"leads": held if dataset == "leads" else [], "customers": held if dataset == "customers" else []}, fh)

    registry = {
        "description": "Lead-intelligence models (models/README.md). Trained on synthetic data unless "
                       "trainingData.kind says csv; no real-world accuracy is claimed.",
        "version": args.version,
        "models": entries,
    }
    (out_dir / "registry.json").write_text(json.dumps(registry, indent=2, allow_nan=False) + "\n")

    summary = {"version": args.version, "models": {}}
    for e in entries:
        m = e["metrics"]
        if "rocAuc" in m:
            summary["models"][e["name"]] = {k: m[k] for k in ("accuracy", "rocAuc", "logLoss", "brier")}
        elif "macroF1" in m:
            summary["models"][e["name"]] = {k: m[k] for k in ("accuracy", "macroF1", "logLoss")}
        else:
            summary["models"][e["name"]] = {t: {"r2": m[t]["r2"], "mae": m[t]["mae"]} for t in CLV_TARGETS}
            summary["models"][e["name"]]["ultraPremium"] = {k: m["ultraPremium"][k] for k in ("precision", "recall")}
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
