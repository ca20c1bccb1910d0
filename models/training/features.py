"""Raw record -> feature vector, column for column as models/README.md specifies.

activities/ml/features.ts mirrors this file line by line: change one, change the other (and the
README). Scaling is NOT done here; it lives inside each ONNX graph (StandardScaler in the Pipeline).

Each *_vector function validates its record and raises ValueError naming the offending field, with
the same ranges as the README and activities/ml/schemas.ts (integers where schemas.ts says int).
"""

import json
import math
import numbers
import re
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[2]

# Copied from workflows/lead-intake/rules/lead.ts (LEAD_SOURCES), same order; train.py checks they match.
LEAD_SOURCES = [
    "website",
    "google_ads",
    "facebook_ads",
    "phone_call",
    "chatbot",
    "voice_ai",
    "referral",
    "previous_customer",
    "insurance_agent",
    "realtor",
    "property_manager",
    "storm_canvass",
    "nextdoor",
    "direct_mail",
    "other",
]
SEASONS = ["winter", "spring", "summer", "fall"]
DAMAGE_SEVERITIES = ["minor", "moderate", "severe"]
PROPERTY_TYPES = ["single_family", "townhouse", "multi_family", "commercial"]
NEXT_BEST_ACTIONS = ["call_now", "send_sms", "send_email", "schedule_inspection", "send_proposal", "nurture"]

_premium = json.loads((REPO_ROOT / "models" / "premium-zips.json").read_text())
PREMIUM_ZIPS = frozenset(z for zips in _premium["areas"].values() for z in zips)

ZIP_RE = re.compile(r"^\d{5}(-\d{4})?$")

LEAD_FIELDS = [
    "leadSource", "propertyValue", "roofAge", "damageSeverity", "insuranceClaim",
    "contactQuality", "responseTimeMinutes", "zip", "season", "previousInteraction",
]
CUSTOMER_VALUE_FIELDS = [
    "propertyValue", "squareFeet", "propertyType", "incomeEstimate", "householdSize", "roofAge",
    "previousRepairs", "claimsCount", "avgClaimValue", "neighborhoodAvgProjectValue",
    "neighborhoodUpgradeRate", "season", "weatherEvents12m",
]
CHURN_FIELDS = [
    "engagementDrop", "sentiment", "competitorActivity", "paymentDelayDays", "responseRateDecline",
    "emailOpenRate", "callPickupRate", "satisfactionTrend", "daysSinceLastContact", "isVip",
]


# --- validation helpers ------------------------------------------------------------------------

def _check_fields(record, fields):
    if not isinstance(record, dict):
        raise ValueError("record: expected an object")
    for key in record:
        if key not in fields:
            raise ValueError(f"{key}: unknown field")
    for key in fields:
        if key not in record or record[key] is None:
            raise ValueError(f"{key}: missing")


def _number(record, field, lo, hi, integer=False):
    value = record[field]
    # bool is an int in Python; a true/false is never a valid number here.
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{field}: expected a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{field}: expected a finite number, got {value!r}")
    if integer and not value.is_integer():
        raise ValueError(f"{field}: expected an integer, got {value!r}")
    if value < lo or value > hi:
        raise ValueError(f"{field}: {record[field]!r} is outside {lo} … {hi}")
    return value


def _choice(record, field, allowed):
    value = record[field]
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{field}: unknown value {value!r} (expected one of {', '.join(allowed)})")
    return value


def _flag(record, field):
    value = record[field]
    if not isinstance(value, bool):
        raise ValueError(f"{field}: expected true or false, got {value!r}")
    return 1.0 if value else 0.0


def _zip(record, field):
    value = record[field]
    if not isinstance(value, str) or not ZIP_RE.match(value):
        raise ValueError(f"{field}: expected a ZIP code 12345 or 12345-6789, got {value!r}")
    return value


def _one_hot(allowed, value):
    return [1.0 if v == value else 0.0 for v in allowed]


# --- feature lists: (name, source field, transform), in column order -----------------------------

LEAD_FEATURES = (
    [(f"source_{s}", "leadSource", f"1 if leadSource == '{s}' else 0") for s in LEAD_SOURCES]
    + [
        ("property_value_100k", "propertyValue", "propertyValue / 100000"),
        ("roof_age", "roofAge", "roofAge"),
    ]
    + [(f"damage_{d}", "damageSeverity", f"1 if damageSeverity == '{d}' else 0") for d in DAMAGE_SEVERITIES]
    + [
        ("insurance_claim", "insuranceClaim", "1 if insuranceClaim else 0"),
        ("contact_quality", "contactQuality", "contactQuality"),
        ("response_time_log", "responseTimeMinutes", "ln(1 + responseTimeMinutes)"),
        ("premium_zip", "zip", "1 if zip[0:5] in models/premium-zips.json else 0"),
    ]
    + [(f"season_{s}", "season", f"1 if season == '{s}' else 0") for s in SEASONS]
    + [("previous_interaction", "previousInteraction", "1 if previousInteraction else 0")]
)

CUSTOMER_VALUE_FEATURES = (
    [
        ("property_value_100k", "propertyValue", "propertyValue / 100000"),
        ("square_feet_1k", "squareFeet", "squareFeet / 1000"),
    ]
    + [(f"type_{t}", "propertyType", f"1 if propertyType == '{t}' else 0") for t in PROPERTY_TYPES]
    + [
        ("income_10k", "incomeEstimate", "incomeEstimate / 10000"),
        ("household_size", "householdSize", "householdSize"),
        ("roof_age", "roofAge", "roofAge"),
        ("previous_repairs", "previousRepairs", "previousRepairs"),
        ("claims_count", "claimsCount", "claimsCount"),
        ("avg_claim_10k", "avgClaimValue", "avgClaimValue / 10000"),
        ("nbhd_project_10k", "neighborhoodAvgProjectValue", "neighborhoodAvgProjectValue / 10000"),
        ("nbhd_upgrade_rate", "neighborhoodUpgradeRate", "neighborhoodUpgradeRate"),
    ]
    + [(f"season_{s}", "season", f"1 if season == '{s}' else 0") for s in SEASONS]
    + [("weather_events_12m", "weatherEvents12m", "weatherEvents12m")]
)

CHURN_FEATURES = [
    ("engagement_drop", "engagementDrop", "engagementDrop"),
    ("sentiment", "sentiment", "sentiment"),
    ("competitor_activity", "competitorActivity", "1 if competitorActivity else 0"),
    ("payment_delay_days", "paymentDelayDays", "paymentDelayDays"),
    ("response_rate_decline", "responseRateDecline", "responseRateDecline"),
    ("email_open_rate", "emailOpenRate", "emailOpenRate"),
    ("call_pickup_rate", "callPickupRate", "callPickupRate"),
    ("satisfaction_trend", "satisfactionTrend", "satisfactionTrend"),
    ("days_since_contact", "daysSinceLastContact", "daysSinceLastContact"),
    ("is_vip", "isVip", "1 if isVip else 0"),
]


# --- record -> vector (plain Python floats; to_matrix casts to float32 once, like Float32Array) ---

def lead_vector(r):
    _check_fields(r, LEAD_FIELDS)
    return [
        *_one_hot(LEAD_SOURCES, _choice(r, "leadSource", LEAD_SOURCES)),
        _number(r, "propertyValue", 0, 100_000_000) / 100_000,
        _number(r, "roofAge", 0, 50, integer=True),
        *_one_hot(DAMAGE_SEVERITIES, _choice(r, "damageSeverity", DAMAGE_SEVERITIES)),
        _flag(r, "insuranceClaim"),
        _number(r, "contactQuality", 0, 10),
        math.log1p(_number(r, "responseTimeMinutes", 0, 525_600)),
        1.0 if _zip(r, "zip")[:5] in PREMIUM_ZIPS else 0.0,
        *_one_hot(SEASONS, _choice(r, "season", SEASONS)),
        _flag(r, "previousInteraction"),
    ]


def customer_value_vector(r):
    _check_fields(r, CUSTOMER_VALUE_FIELDS)
    return [
        _number(r, "propertyValue", 0, 100_000_000) / 100_000,
        _number(r, "squareFeet", 300, 20_000) / 1000,
        *_one_hot(PROPERTY_TYPES, _choice(r, "propertyType", PROPERTY_TYPES)),
        _number(r, "incomeEstimate", 0, 10_000_000) / 10_000,
        _number(r, "householdSize", 1, 20, integer=True),
        _number(r, "roofAge", 0, 50, integer=True),
        _number(r, "previousRepairs", 0, 50, integer=True),
        _number(r, "claimsCount", 0, 20, integer=True),
        _number(r, "avgClaimValue", 0, 1_000_000) / 10_000,
        _number(r, "neighborhoodAvgProjectValue", 0, 1_000_000) / 10_000,
        _number(r, "neighborhoodUpgradeRate", 0, 1),
        *_one_hot(SEASONS, _choice(r, "season", SEASONS)),
        _number(r, "weatherEvents12m", 0, 50, integer=True),
    ]


def churn_vector(r):
    _check_fields(r, CHURN_FIELDS)
    return [
        _number(r, "engagementDrop", 0, 1),
        _number(r, "sentiment", -1, 1),
        _flag(r, "competitorActivity"),
        _number(r, "paymentDelayDays", 0, 365),
        _number(r, "responseRateDecline", 0, 1),
        _number(r, "emailOpenRate", 0, 1),
        _number(r, "callPickupRate", 0, 1),
        _number(r, "satisfactionTrend", -1, 1),
        _number(r, "daysSinceLastContact", 0, 3650),
        _flag(r, "isVip"),
    ]


def to_matrix(records, vector):
    """Rows of one model's input, float32 [N, F] as the ONNX input `features` wants it."""
    return np.asarray([vector(r) for r in records], dtype=np.float32)


# Per model: its feature list, its vector function and the raw fields its record has.
MODEL_INPUTS = {
    "lead_conversion": (LEAD_FEATURES, lead_vector, LEAD_FIELDS),
    "next_best_action": (LEAD_FEATURES, lead_vector, LEAD_FIELDS),
    "clv": (CUSTOMER_VALUE_FEATURES, customer_value_vector, CUSTOMER_VALUE_FIELDS),
    "churn_30d": (CHURN_FEATURES, churn_vector, CHURN_FIELDS),
    "churn_60d": (CHURN_FEATURES, churn_vector, CHURN_FIELDS),
}

assert len(LEAD_FEATURES) == 29 and len(CUSTOMER_VALUE_FEATURES) == 19 and len(CHURN_FEATURES) == 10
