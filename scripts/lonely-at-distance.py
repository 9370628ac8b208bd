#!/usr/bin/env python3
"""Does loneliness cluster in the community network? For each community
network export of a run folder (network/*.community.graphml), the share of
lonely people (UCLA-3 >= 6) at network distance 1, 2 and 3 from a lonely
person, against the share overall.

Usage: scripts/lonely-at-distance.py OUT     (needs networkx)
"""
import glob
import os
import sys

import networkx as nx


def shares(path):
    g = nx.read_graphml(path)
    lonely = {v for v, d in g.nodes(data=True) if d["loneliness"] >= 6}
    row = []
    for k in (1, 2, 3):
        at_k = [u for v in lonely
                for u, dist in nx.single_source_shortest_path_length(g, v, cutoff=k).items()
                if dist == k]
        row.append(sum(u in lonely for u in at_k) / len(at_k))
    return row, len(lonely) / g.number_of_nodes()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    files = sorted(glob.glob(os.path.join(sys.argv[1], "network", "*.community.graphml")))
    if not files:
        sys.exit(f"{sys.argv[1]}: no network/*.community.graphml (run with --export-network)")
    print("export,distance_1,distance_2,distance_3,overall")
    for path in files:
        row, overall = shares(path)
        cells = ",".join(f"{x:.2f}" for x in row + [overall])
        print(f"{os.path.basename(path)},{cells}")


if __name__ == "__main__":
    main()
