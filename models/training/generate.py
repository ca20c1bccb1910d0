"""Seeded synthetic data for the lead-intelligence models. Everything here is made up.

There is no real history yet, so the models learn from data drawn from the assumptions written
down (with the roadmap figure each one comes from) in models/training/ASSUMPTIONS.md. Keep that
file and the constants below in step.

Output rows are flat dicts in the API's camelCase vocabulary (models/README.md) plus label
columns; the same shape as a row of the `--data-csv` export:

  lead rows:      the 10 lead fields + converted (bool) + nextBestAction (str)
  customer rows:  the 13 CLV fields + the 10 churn fields
                  + firstProjectValue ($) + clv3Year ($) + churn30d (bool) + churn60d (bool)

Same seed and sizes -> the same rows, on any machine with the pinned numpy.

    .venv/bin/python models/training/generate.py --csv sample.csv [--seed 41 --n-leads 200 --n-customers 100]

writes the rows in the `--data-csv` format of train.py (models/README.md, "Training data CSV").
"""

import argparse
import csv
import sys

sys.dont_write_bytecode = True  # when run as a script: keep __pycache__ out of models/training

import numpy as np

from features import (CHURN_FIELDS, CUSTOMER_VALUE_FIELDS, LEAD_FIELDS, LEAD_SOURCES, NEXT_BEST_ACTIONS, PREMIUM_ZIPS,
                      PROPERTY_TYPES, SEASONS)

DEFAULT_SEED = 41  # roadmap section 4.1
DEFAULT_LEADS = 20_000
DEFAULT_CUSTOMERS = 10_000

# --- shared: seasonality (roadmap 6.1 C) --------------------------------------------------------
# Busy Apr-Jun and Sep-Oct, slow Jan-Feb, Jul-Aug and Dec: relative lead volume per month.
MONTH_WEIGHTS = np.array([0.6, 0.6, 1.0, 1.5, 1.5, 1.5, 0.75, 0.75, 1.35, 1.35, 1.0, 0.6])
MONTH_P = MONTH_WEIGHTS / MONTH_WEIGHTS.sum()
# Meteorological seasons, index into SEASONS (winter, spring, summer, fall) for Jan..Dec.
SEASON_OF_MONTH = np.array([0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 0])

# --- leads ---------------------------------------------------------------------------------------
# Share of lead volume per source (assumption; no roadmap figure), in LEAD_SOURCES order.
SOURCE_SHARE = {
    "website": 0.18, "google_ads": 0.12, "facebook_ads": 0.08, "phone_call": 0.10,
    "chatbot": 0.05, "voice_ai": 0.04, "referral": 0.07, "previous_customer": 0.06,
    "insurance_agent": 0.06, "realtor": 0.05, "property_manager": 0.04, "storm_canvass": 0.06,
    "nextdoor": 0.03, "direct_mail": 0.03, "other": 0.03,
}
# Mean contact quality (0-10) per source; partner sources echo the roadmap's 6.2 C
# "customer_quality" scores (9.5 / 9.2 / 8.8 / 8.5), pulled towards the middle of the scale.
CONTACT_QUALITY_MEAN = {
    "website": 6.0, "google_ads": 5.5, "facebook_ads": 5.0, "phone_call": 7.0, "chatbot": 5.5,
    "voice_ai": 6.0, "referral": 7.5, "previous_customer": 8.5, "insurance_agent": 8.2,
    "realtor": 7.8, "property_manager": 7.5, "storm_canvass": 5.0, "nextdoor": 6.0,
    "direct_mail": 5.0, "other": 5.0,
}
PARTNER_SOURCES = ["insurance_agent", "realtor", "property_manager", "previous_customer"]
# Conversion rate per group (roadmap 6.2 C for partners, 4.4 C for VIP and standard).
CONVERSION_TARGET = {
    "insurance_agent": 0.65,
    "realtor": 0.55,
    "property_manager": 0.70,
    "previous_customer": 0.80,
    "referral": 0.50,  # word of mouth that is not a partner: assumption, between standard and partners
    "vip": 0.55,  # ultra-premium property (>= $500K in a premium ZIP) from any other source
    "standard": 0.35,
}
PREMIUM_AREA_SHARE = 0.12  # leads from Bloomfield Hills / Birmingham / Grosse Pointe (assumption)
VIP_PROPERTY_VALUE = 500_000  # roadmap 4.4 C "ultra_premium_property"
# "2-minute response time for hot leads (78% conversion advantage)" (roadmap 4.1 D): among
# standard leads, those answering within 2 minutes convert 1.78x as often as the rest.
HOT_RESPONSE_MINUTES = 2
HOT_RESPONSE_ADVANTAGE = 1.78
NBA_LABEL_NOISE = 0.12  # share of next-best-action labels replaced by a random action

# --- customers -----------------------------------------------------------------------------------
PROPERTY_TYPE_SHARE = [0.72, 0.12, 0.10, 0.06]  # PROPERTY_TYPES order (assumption)
# Average first-project value per segment (roadmap 6.1 D; 'standard' is an assumption).
SEGMENT_DEAL_SIZE = {
    "ultra_premium": 45_000,
    "insurance_claim_focus": 35_000,
    "professional_class": 28_000,
    "standard": 16_000,
}
ULTRA_PREMIUM_PROJECT_VALUE = 45_000
MAINTENANCE_ANNUAL = 2_500  # roadmap 6.1 D "maintenance_contract": $2,500 a year
CHURN_60D_RATE = 0.12  # roadmap 4.1 C "Reduce churn from 12% to 5%": today's 12%
CHURN_30D_SHARE = 0.55  # share of 60-day churners already gone by day 30 (assumption)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _bisect(f, lo, hi, iterations=60):
    """The x in [lo, hi] where the increasing function f crosses 0."""
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _offset_for_rate(logit, target):
    """The constant to add to `logit` so that the mean probability equals `target`."""
    return _bisect(lambda c: sigmoid(logit + c).mean() - target, -20.0, 20.0)


def _zips(rng, premium):
    """A premium-area ZIP where `premium`, else another Southeast Michigan (48xxx) ZIP; 5% ZIP+4."""
    premium_pool = np.array(sorted(PREMIUM_ZIPS))
    other_pool = np.array([f"{z:05d}" for z in range(48001, 48400) if f"{z:05d}" not in PREMIUM_ZIPS])
    n = len(premium)
    zips = np.where(premium, rng.choice(premium_pool, n), rng.choice(other_pool, n))
    plus4 = rng.random(n) < 0.05
    suffix = rng.integers(0, 10_000, n)
    return [f"{z}-{s:04d}" if p else str(z) for z, p, s in zip(zips, plus4, suffix)]


def generate_leads(n, rng):
    sources = np.array(LEAD_SOURCES)
    share = np.array([SOURCE_SHARE[s] for s in LEAD_SOURCES])
    source = sources[rng.choice(len(sources), n, p=share / share.sum())]
    is_partner = np.isin(source, PARTNER_SOURCES)
    season = SEASON_OF_MONTH[rng.choice(12, n, p=MONTH_P)]
    premium = rng.random(n) < PREMIUM_AREA_SHARE
    zips = _zips(rng, premium)

    # Homes in the premium areas are worth more ($500K+ is the VIP line).
    median_value = np.where(premium, 650_000, 260_000)
    property_value = np.clip(np.round(median_value * rng.lognormal(0, 0.45, n), -3), 40_000, 100_000_000)
    roof_age = np.clip(np.round(rng.gamma(2.2, 7.0, n)), 0, 50).astype(int)

    # Damage: worse on old roofs, in spring storm season, on storm-canvass and insurance-agent leads.
    damage_score = (rng.normal(0, 1, n) + 0.03 * (roof_age - 15) + 0.4 * (season == 1)
                    + 0.8 * (source == "storm_canvass") + 0.5 * (source == "insurance_agent"))
    damage = np.where(damage_score > 1.0, 2, np.where(damage_score > 0.0, 1, 0))  # minor/moderate/severe
    claim_p = np.array([0.08, 0.30, 0.65])[damage] + 0.25 * (source == "insurance_agent")
    insurance_claim = rng.random(n) < np.minimum(claim_p, 0.95)

    cq_mean = np.array([CONTACT_QUALITY_MEAN[s] for s in source])
    contact_quality = np.clip(np.round(cq_mean + rng.normal(0, 1.8, n), 1), 0, 10)
    # Minutes the lead took to answer our outreach: heavy-tailed, faster for good contacts.
    response_minutes = np.clip(np.round(np.exp(rng.normal(np.log(15) - 0.25 * (contact_quality - 6), 1.7, n)), 1),
                               0, 525_600)
    prev_p = np.where(source == "previous_customer", 0.95, np.where(is_partner | (source == "referral"), 0.35, 0.25))
    previous_interaction = rng.random(n) < prev_p

    # Conversion: feature effects on the log-odds, then one offset per group so that each group's
    # rate is the roadmap's figure. The latent term is what no feature sees (budget, timing...).
    fast = response_minutes <= HOT_RESPONSE_MINUTES
    season_effect = np.array([-0.3, 0.2, -0.1, 0.1])[season]
    base = (-0.30 * np.log1p(response_minutes) + 0.25 * (contact_quality - 6)
            + np.array([-0.3, 0.0, 0.4])[damage] + 0.3 * insurance_claim + 0.02 * (roof_age - 15)
            + 0.3 * previous_interaction + season_effect + 0.15 * np.log(property_value / 300_000)
            + rng.normal(0, 0.7, n))
    vip = premium & (property_value >= VIP_PROPERTY_VALUE) & ~is_partner
    group = np.where(is_partner | (source == "referral"), source, np.where(vip, "vip", "standard"))
    standard = group == "standard"

    def calibrated(step):
        logit = base + step * fast
        for g, target in CONVERSION_TARGET.items():
            mask = group == g
            if mask.any():
                logit[mask] += _offset_for_rate(logit[mask], target)
        return sigmoid(logit)

    def advantage_gap(step):
        p = calibrated(step)
        return p[standard & fast].mean() / p[standard & ~fast].mean() - HOT_RESPONSE_ADVANTAGE

    # The bonus for answering within 2 minutes is whatever makes the 1.78x hold (on top of the slope).
    step = _bisect(advantage_gap, -3.0, 3.0, iterations=40) if (standard & fast).any() and (standard & ~fast).any() else 0.0
    converted = rng.random(n) < calibrated(step)

    # Next best action: a written rule on what a rep would see (noisy readings), then label noise.
    cq_seen = contact_quality + rng.normal(0, 0.8, n)
    rt_seen = np.log1p(response_minutes) + rng.normal(0, 0.4, n)
    action = np.select(
        [
            cq_seen < 3.5,  # unreachable or junk contact: keep warm, do not spend rep time
            insurance_claim & (damage == 2),  # claim with severe damage: adjuster-ready inspection
            (rt_seen <= np.log1p(5)) & (cq_seen >= 6.5),  # hot: answered within minutes, good contact
            is_partner & (cq_seen >= 6.5),  # partner / previous customer: 15-minute VIP fast track
            previous_interaction & (cq_seen >= 6.0),  # engaged before: ready for a proposal
            (damage == 2) | ((damage == 1) & (roof_age >= 20)),  # real damage, or some on an old roof: inspect
            rt_seen <= np.log1p(60),  # answers within the hour: text
            cq_seen >= 4.5,  # slower but reachable: email
        ],
        ["nurture", "schedule_inspection", "call_now", "call_now", "send_proposal", "schedule_inspection",
         "send_sms", "send_email"],
        default="nurture",
    )
    noisy = rng.random(n) < NBA_LABEL_NOISE
    action = np.where(noisy, np.array(NEXT_BEST_ACTIONS)[rng.integers(0, len(NEXT_BEST_ACTIONS), n)], action)

    return [
        {
            "leadSource": str(source[i]),
            "propertyValue": int(property_value[i]),
            "roofAge": int(roof_age[i]),
            "damageSeverity": ("minor", "moderate", "severe")[damage[i]],
            "insuranceClaim": bool(insurance_claim[i]),
            "contactQuality": float(contact_quality[i]),
            "responseTimeMinutes": float(response_minutes[i]),
            "zip": zips[i],
            "season": SEASONS[season[i]],
            "previousInteraction": bool(previous_interaction[i]),
            "converted": bool(converted[i]),
            "nextBestAction": str(action[i]),
        }
        for i in range(n)
    ]


def generate_customers(n, rng):
    premium = rng.random(n) < PREMIUM_AREA_SHARE
    ptype = rng.choice(len(PROPERTY_TYPES), n, p=PROPERTY_TYPE_SHARE)
    season = SEASON_OF_MONTH[rng.choice(12, n, p=MONTH_P)]

    median_value = np.where(premium, 700_000, 280_000) * np.array([1.0, 0.8, 1.4, 1.8])[ptype]
    property_value = np.clip(np.round(median_value * rng.lognormal(0, 0.4, n), -3), 60_000, 100_000_000)
    square_feet = np.clip(np.round(1_900 * (property_value / 300_000) ** 0.6 * np.array([1.0, 0.7, 1.8, 3.0])[ptype]
                                   * rng.lognormal(0, 0.2, n)), 300, 20_000)
    income = np.clip(np.round(property_value * 0.32 * rng.lognormal(0, 0.35, n), -3), 0, 10_000_000)
    household = np.where(ptype == 3, 1, np.clip(1 + rng.poisson(1.6, n), 1, 20))
    roof_age = np.clip(np.round(rng.gamma(2.2, 8.0, n)), 0, 50).astype(int)
    previous_repairs = np.clip(rng.poisson(roof_age / 10), 0, 50)
    weather_events = np.clip(rng.poisson(2.5, n), 0, 50)
    claims = np.clip(rng.poisson(0.25 + 0.12 * weather_events), 0, 20)
    avg_claim = np.where(claims > 0, np.clip(np.round(12_000 * (square_feet / 2_000) ** 0.5 * rng.lognormal(0, 0.5, n), -2),
                                             0, 1_000_000), 0)
    # Premium neighbourhoods' typical project sits at the $45K ultra-premium figure.
    nbhd_project = np.clip(np.round(np.where(premium, 44_000 * rng.lognormal(0, 0.12, n),
                                             24_000 * (property_value / 300_000) ** 0.3 * rng.lognormal(0, 0.15, n)), -2),
                           0, 1_000_000)
    upgrade_rate = np.round(np.where(premium, rng.beta(3, 5, n), rng.beta(2, 6, n)), 3)

    # Segments of roadmap 6.1 D, first match wins; each has its average deal size.
    ultra = premium & (property_value > 500_000)
    claim_focus = ~ultra & (roof_age > 20) & (claims >= 1)
    professional = ~ultra & ~claim_focus & (property_value >= 250_000) & (property_value <= 500_000)
    segment = np.select([ultra, claim_focus, professional], ["ultra_premium", "insurance_claim_focus", "professional_class"],
                        default="standard")
    # Within a segment, bigger roofs, dearer neighbourhoods, larger claims and busy-season pricing
    # ("10% higher during peak, 15% off slow") move the price; then noise. Scaled so that each
    # segment's mean is its roadmap deal size.
    multiplier = np.exp(0.35 * np.log(square_feet / 2_000) + 0.15 * np.log(nbhd_project / 25_000)
                        + np.array([0.0, -0.2, 0.2, 0.35])[ptype] + 0.1 * np.log1p(avg_claim / 10_000)
                        + np.array([-0.15, 0.1, -0.05, 0.1])[season] + rng.normal(0, 0.3, n))
    first_project = np.zeros(n)
    for name, deal_size in SEGMENT_DEAL_SIZE.items():
        mask = segment == name
        if mask.any():
            first_project[mask] = deal_size * multiplier[mask] / multiplier[mask].mean()
    first_project = np.round(first_project)

    # Three years after the first project: maintenance contract, repairs, and upgrades.
    contract_p = np.where(property_value > 300_000, 0.35, 0.08) + 0.15 * (income > 150_000)
    contract_years = np.where(rng.random(n) < contract_p, rng.choice([1, 2, 3], n, p=[0.2, 0.3, 0.5]), 0)
    repairs = rng.poisson(0.15 + 0.08 * weather_events + 0.05 * previous_repairs)
    repair_revenue = repairs * 1_500 * rng.lognormal(0, 0.4, n)
    upgrade_revenue = (rng.random(n) < upgrade_rate) * 0.25 * first_project
    clv3 = np.round(first_project + MAINTENANCE_ANNUAL * contract_years + repair_revenue + upgrade_revenue)

    # Churn indicators (roadmap 4.1 C) share one latent disengagement d, so they move together.
    d = rng.normal(0, 1, n)
    engagement_drop = np.round(sigmoid(-1.2 + 0.9 * d + rng.normal(0, 0.6, n)), 3)
    sentiment = np.round(np.tanh(0.3 - 0.5 * d + rng.normal(0, 0.4, n)), 3)
    competitor = rng.random(n) < sigmoid(-1.5 + 0.5 * d)
    payment_delay = np.clip(np.round(rng.exponential(5 * np.exp(0.4 * d)), 1), 0, 365)
    response_decline = np.round(sigmoid(-1.3 + 0.8 * d + rng.normal(0, 0.6, n)), 3)
    email_open = np.round(sigmoid(-0.2 - 0.6 * d + rng.normal(0, 0.6, n)), 3)
    call_pickup = np.round(sigmoid(0.2 - 0.6 * d + rng.normal(0, 0.6, n)), 3)
    satisfaction = np.round(np.tanh(0.1 - 0.4 * d + rng.normal(0, 0.4, n)), 3)
    days_since = np.clip(np.round(rng.exponential(45 * np.exp(0.4 * d))), 0, 3650)
    is_vip = ultra | (first_project > ULTRA_PREMIUM_PROJECT_VALUE)

    # Churn within 60 days: the indicators plus the part of d they do not show; calibrated to 12%.
    risk = (1.6 * engagement_drop - 1.2 * sentiment + 0.7 * competitor + 0.02 * payment_delay + 1.0 * response_decline
            - 1.0 * email_open - 0.8 * call_pickup - 1.0 * satisfaction + 0.006 * days_since - 0.4 * is_vip
            + 0.4 * d + rng.normal(0, 1.0, n))
    churn60 = rng.random(n) < sigmoid(risk + _offset_for_rate(risk, CHURN_60D_RATE))
    # The riskier a churner, the sooner they go: P(gone by day 30 | gone by day 60).
    sooner = 0.8 * risk
    offset = _offset_for_rate(sooner[churn60], CHURN_30D_SHARE) if churn60.any() else 0.0
    churn30 = churn60 & (rng.random(n) < sigmoid(sooner + offset))

    return [
        {
            "propertyValue": int(property_value[i]),
            "squareFeet": int(square_feet[i]),
            "propertyType": PROPERTY_TYPES[ptype[i]],
            "incomeEstimate": int(income[i]),
            "householdSize": int(household[i]),
            "roofAge": int(roof_age[i]),
            "previousRepairs": int(previous_repairs[i]),
            "claimsCount": int(claims[i]),
            "avgClaimValue": int(avg_claim[i]),
            "neighborhoodAvgProjectValue": int(nbhd_project[i]),
            "neighborhoodUpgradeRate": float(upgrade_rate[i]),
            "season": SEASONS[season[i]],
            "weatherEvents12m": int(weather_events[i]),
            "engagementDrop": float(engagement_drop[i]),
            "sentiment": float(sentiment[i]) + 0.0,  # + 0.0 turns -0.0 into 0.0
            "competitorActivity": bool(competitor[i]),
            "paymentDelayDays": float(payment_delay[i]),
            "responseRateDecline": float(response_decline[i]),
            "emailOpenRate": float(email_open[i]),
            "callPickupRate": float(call_pickup[i]),
            "satisfactionTrend": float(satisfaction[i]) + 0.0,
            "daysSinceLastContact": int(days_since[i]),
            "isVip": bool(is_vip[i]),
            "firstProjectValue": int(first_project[i]),
            "clv3Year": int(clv3[i]),
            "churn30d": bool(churn30[i]),
            "churn60d": bool(churn60[i]),
        }
        for i in range(n)
    ]


def generate(seed=DEFAULT_SEED, n_leads=DEFAULT_LEADS, n_customers=DEFAULT_CUSTOMERS):
    """Lead rows and customer rows; each from its own child stream, so one size never shifts the other."""
    lead_seq, customer_seq = np.random.SeedSequence(seed).spawn(2)
    return {
        "leads": generate_leads(n_leads, np.random.default_rng(lead_seq)),
        "customers": generate_customers(n_customers, np.random.default_rng(customer_seq)),
    }


# --- the --data-csv format (models/README.md, "Training data CSV") ---------------------------------
LEAD_LABELS = ["converted", "nextBestAction"]
CUSTOMER_LABELS = ["firstProjectValue", "clv3Year", "churn30d", "churn60d"]
DATASET_COLUMNS = {
    "lead": LEAD_FIELDS + LEAD_LABELS,
    "customer": CUSTOMER_VALUE_FIELDS + CHURN_FIELDS + CUSTOMER_LABELS,
}
# One header for both kinds of row: propertyValue, roofAge and season are shared columns.
CSV_COLUMNS = ["dataset"] + list(dict.fromkeys(DATASET_COLUMNS["lead"] + DATASET_COLUMNS["customer"]))


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)  # str(float) is the shortest round-tripping form


def write_csv(data, fh):
    writer = csv.DictWriter(fh, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for dataset, rows in (("lead", data["leads"]), ("customer", data["customers"])):
        for row in rows:
            writer.writerow({"dataset": dataset, **{c: _csv_cell(row[c]) for c in DATASET_COLUMNS[dataset]}})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Write synthetic rows in the --data-csv format")
    parser.add_argument("--csv", required=True, help="output path, - for stdout")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--n-leads", type=int, default=DEFAULT_LEADS)
    parser.add_argument("--n-customers", type=int, default=DEFAULT_CUSTOMERS)
    args = parser.parse_args()
    rows = generate(args.seed, args.n_leads, args.n_customers)
    if args.csv == "-":
        write_csv(rows, sys.stdout)
    else:
        with open(args.csv, "w", newline="", encoding="utf-8") as out:
            write_csv(rows, out)
