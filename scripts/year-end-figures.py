#!/usr/bin/env python3
"""The year-end figures the README's table "The default scenario at week 52"
reports, from a run's output folder (group arm, mean over replicates), and
the figures of its calibration table.

    bonfire run --out output/default
    python3 scripts/year-end-figures.py output/default

Needs pandas.
"""
import sys

import pandas as pd

out = sys.argv[1] if len(sys.argv) > 1 else "output/default"
members = pd.read_csv(f"{out}/members.csv")
group = members[members.arm == "group"]
ts = pd.read_csv(f"{out}/timeseries.csv")
ts = ts[ts.arm == "group"]
last = ts[ts.step == ts.step.max()]
at_12 = ts[ts.step == 12]
summary = pd.read_csv(f"{out}/summary.csv")
regular = group[group.sessions_attended >= 40]
graduates = group[group.status == "graduated"]


def metric(name):
    row = summary[(summary.arm == "group") & (summary.metric == name)].iloc[0]
    return f"{row['mean']:.3f} (95% CI {row.ci_low:.3f} to {row.ci_high:.3f})"


def effect():
    row = summary[(summary.arm == "group") & (summary.metric == "loneliness_mean")].iloc[0]
    return f"{row.effect_size:.2f} (95% CI {row.effect_size_ci_low:.2f} to {row.effect_size_ci_high:.2f})"


figures = [
    ("members with a friend-level tie", (group.friends > 0).mean()),
    ("of those attending 40+ sessions", (regular.friends > 0).mean()),
    ("members with a close tie", (group.close_friends > 0).mean()),
    ("beyond_share", last.beyond_share.mean()),
    ("dropped out by session 12", (at_12.dropped_out / at_12.arrived).mean()),
    ("dropped out by the last session", (last.dropped_out / last.arrived).mean()),
    ("still_attending", last.still_attending.mean()),
    ("graduated", (last.graduated / last.arrived).mean()),
    ("group ended", (last.group_ended / last.arrived).mean()),
    ("graduates lonely when they left", (graduates.loneliness_at_exit >= 6).mean()),
    ("graduates lonely at the end", (graduates.loneliness_end >= 6).mean()),
    ("cohesion_mean at session 12", at_12.cohesion_mean.mean()),
    ("cohesion_mean at the last session", last.cohesion_mean.mean()),
]
for name, value in figures:
    print(f"{name:40s} {value:.3f}")
print(f"{'Cohen d against control':40s} {effect()}")
print(f"{'between_group_share':40s} {metric('between_group_share')}")

# The calibration table: dropout by session 12 in each replicate, and
# Howard's measure of improvement (among members who reached d sessions).
by_replicate = at_12.dropped_out / (at_12.arrived - at_12.waiting)
print(f"{'dropped out by session 12, replicates':40s} {by_replicate.min():.3f} to {by_replicate.max():.3f}")
for d in (8, 26):
    reached = group[(group.sessions_attended >= d) | (group.improved_after <= d)]
    print(f"{'improved by session %d' % d:40s} {(reached.improved_after <= d).mean():.3f}")

# The calibration table's falling hazard: dropouts per member-session at
# risk in sessions 1-4 against 5-12, in each replicate.
def hazard(t, first, last):
    t = t.set_index("step")
    at_risk = sum(t.members_active[s - 1] for s in range(first, last + 1))
    return (t.dropped_out[last] - t.dropped_out[first - 1]) / at_risk


ratios = [hazard(t, 1, 4) / hazard(t, 5, 12) for _, t in ts.groupby("replicate")]
print(f"{'hazard 1-4 over 5-12, replicates':40s} {min(ratios):.1f} to {max(ratios):.1f}")
print(f"{'replies received per disclosure':40s} {group.replies_received.sum() / group.disclosures.sum():.3f}")
