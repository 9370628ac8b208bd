#!/usr/bin/env python3
"""Recompute bonfire's network figures with NetworkX from an exported network.

    bonfire run scenarios/default.toml --export-network 52 --out output/check
    scripts/check-against-networkx.py output/check

For every GraphML file in OUT/network/, prints bonfire's row of network.csv
(same run and step) beside NetworkX's figures. Needs `pip install networkx`.
"""
import csv
import pathlib
import sys

import networkx as nx

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "output/default")
rows = {(r["run"], r["step"]): r for r in csv.DictReader(open(out / "network.csv"))}
# The bond networks' files (a community network's are beside them).
for path in sorted((out / "network").glob("run-*-step-[0-9][0-9][0-9][0-9].graphml")):
    run, step = int(path.stem.split("-")[1]), int(path.stem.split("-")[3])
    G = nx.read_graphml(path)
    groups = {}
    for v, d in G.nodes(data=True):
        groups.setdefault(d["group"], set()).add(v)
    ours = rows.get((str(run), str(step)))
    theirs = {
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "density": nx.density(G),
        "average_clustering": nx.average_clustering(G) if len(G) else None,
        "transitivity": nx.transitivity(G),
        "components": nx.number_connected_components(G),
        "max_core": max(nx.core_number(G).values(), default=0),
        "mean_strength": (
            sum(w for _, _, w in G.edges(data="strength")) / G.number_of_edges()
            if G.number_of_edges() else None
        ),
        # Undefined without edges (NetworkX divides by them): an empty cell.
        "group_modularity": nx.community.modularity(G, groups.values(), weight=None) if G.number_of_edges() else None,
    }
    print(f"run {run} step {step}")
    for key, value in theirs.items():
        value = "" if value is None else value  # written as an empty cell
        print(f"  {key:20} bonfire {ours[key] if ours else '-':>24}  networkx {value}")
