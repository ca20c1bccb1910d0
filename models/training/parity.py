#!/usr/bin/env python3
"""The parity test's oracle: raw records and what Python's onnxruntime makes of them.

    .venv/bin/python models/training/parity.py --rows 1000 --seed 7

Prints ONE JSON object to stdout:

    {"<model name>": {"records": [raw camelCase records], "outputs": [[full output row], ...]}, ...}

for all five models. The records are raw (not feature vectors), so the TypeScript side runs its
own feature code on them; the outputs are the `probabilities` / `variable` rows of
models/<name>/model.onnx (the file the registry names), run on features.py's vectors.
The seed must differ from the training seed, so the rows are fresh; the first rows of each model
are hand-written edge cases (range ends, ZIP+4, premium ZIP), the rest are generated.

    .venv/bin/python models/training/parity.py --records -   < {"leads": [...], "customers": [...], "churn": [...]}

runs the given raw records instead (any of the three lists may be missing or empty) and prints the
same shape for the models whose records were given: the reference for tests of chosen cases.
"""

import sys

sys.dont_write_bytecode = True

import argparse
import json

import numpy as np
import onnxruntime as ort

import features as F
import generate as G

MODEL_NAMES = ["lead_conversion", "next_best_action", "clv", "churn_30d", "churn_60d"]

EDGE_LEADS = [
    {"leadSource": "other", "propertyValue": 0, "roofAge": 0, "damageSeverity": "minor", "insuranceClaim": False,
     "contactQuality": 0, "responseTimeMinutes": 0, "zip": "48301-1234", "season": "winter", "previousInteraction": False},
    {"leadSource": "property_manager", "propertyValue": 100_000_000, "roofAge": 50, "damageSeverity": "severe",
     "insuranceClaim": True, "contactQuality": 10, "responseTimeMinutes": 525_600, "zip": "48236", "season": "fall",
     "previousInteraction": True},
    {"leadSource": "website", "propertyValue": 333_333.33, "roofAge": 17, "damageSeverity": "moderate",
     "insuranceClaim": False, "contactQuality": 6.7, "responseTimeMinutes": 2, "zip": "90210", "season": "summer",
     "previousInteraction": False},
]
EDGE_CUSTOMERS = [
    {"propertyValue": 0, "squareFeet": 300, "propertyType": "townhouse", "incomeEstimate": 0, "householdSize": 1,
     "roofAge": 0, "previousRepairs": 0, "claimsCount": 0, "avgClaimValue": 0, "neighborhoodAvgProjectValue": 0,
     "neighborhoodUpgradeRate": 0, "season": "winter", "weatherEvents12m": 0},
    {"propertyValue": 100_000_000, "squareFeet": 20_000, "propertyType": "commercial", "incomeEstimate": 10_000_000,
     "householdSize": 20, "roofAge": 50, "previousRepairs": 50, "claimsCount": 20, "avgClaimValue": 1_000_000,
     "neighborhoodAvgProjectValue": 1_000_000, "neighborhoodUpgradeRate": 1, "season": "spring", "weatherEvents12m": 50},
]
EDGE_CHURN = [
    {"engagementDrop": 0, "sentiment": -1, "competitorActivity": False, "paymentDelayDays": 0, "responseRateDecline": 0,
     "emailOpenRate": 0, "callPickupRate": 0, "satisfactionTrend": -1, "daysSinceLastContact": 0, "isVip": False},
    {"engagementDrop": 1, "sentiment": 1, "competitorActivity": True, "paymentDelayDays": 365, "responseRateDecline": 1,
     "emailOpenRate": 1, "callPickupRate": 1, "satisfactionTrend": 1, "daysSinceLastContact": 3650, "isVip": True},
]


def with_edges(edges, generated):
    """Same length as `generated`, its first rows replaced by the edge cases."""
    return (edges + generated[len(edges):])[: len(generated)]


def main():
    parser = argparse.ArgumentParser(description="Python-onnxruntime outputs for N fresh generated rows per model")
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--records", help="a JSON file of raw records to run instead ('-': stdin)")
    parser.add_argument("--registry", default=str(F.REPO_ROOT / "models" / "registry.json"))
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")

    with open(args.registry, encoding="utf-8") as fh:
        registry = {e["name"]: e for e in json.load(fh)["models"]}

    if args.records:
        if args.records == "-":
            given = json.load(sys.stdin)
        else:
            with open(args.records, encoding="utf-8") as fh:
                given = json.load(fh)
        records = {key: given.get(key) or [] for key in ("leads", "customers", "churn")}
    else:
        stale = [name for name in MODEL_NAMES if registry[name]["trainingData"].get("seed") == args.seed]
        if stale:
            print(f"parity.py: --seed {args.seed} is the training seed of {', '.join(stale)}; the rows are not fresh",
                  file=sys.stderr)
        data = G.generate(args.seed, args.rows, args.rows)
        customers = data["customers"]
        records = {
            "leads": with_edges(EDGE_LEADS, [{f: r[f] for f in F.LEAD_FIELDS} for r in data["leads"]]),
            "customers": with_edges(EDGE_CUSTOMERS, [{f: r[f] for f in F.CUSTOMER_VALUE_FIELDS} for r in customers]),
            "churn": with_edges(EDGE_CHURN, [{f: r[f] for f in F.CHURN_FIELDS} for r in customers]),
        }
    model_records = {"lead_conversion": records["leads"], "next_best_action": records["leads"],
                     "clv": records["customers"], "churn_30d": records["churn"], "churn_60d": records["churn"]}

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    result = {}
    for name in MODEL_NAMES:
        if not model_records[name]:
            continue
        entry = registry[name]
        _, vector, _ = F.MODEL_INPUTS[name]
        session = ort.InferenceSession(str(F.REPO_ROOT / entry["file"]), options, providers=["CPUExecutionProvider"])
        X = F.to_matrix(model_records[name], vector)
        output = entry["outputs"][0]["name"]  # probabilities (classifiers) or variable (clv)
        out = session.run([output], {"features": X})[0]
        result[name] = {
            "records": model_records[name],
            # float32 -> Python float is exact, and JSON keeps every digit of it.
            "outputs": [[float(v) for v in row] for row in np.asarray(out, dtype=np.float32)],
        }
    json.dump(result, sys.stdout, separators=(",", ":"), allow_nan=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
