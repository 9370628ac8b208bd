//! A test oracle for network.csv: the bond network's figures by NetworkX's
//! definitions, computed on the whole petgraph graph (adjacency lists of
//! [`BondNetwork::graph`]), apart from the per-group bitset code that writes
//! the file (`bonfire::network::NetStats`). It is checked here against
//! hand-made graphs and G(n, p) expectations (EVIDENCE.md E21, exact check 7)
//! and held equal to the written figures in `exact.rs`. It lives with the
//! tests because the program never needs it.

use std::collections::BTreeMap;

use bonfire::network::BondNetwork;
use bonfire::output::NetworkRow;
use petgraph::unionfind::UnionFind;

/// Neighbour lists, sorted, as plain node indices.
fn adjacency(network: &BondNetwork) -> Vec<Vec<usize>> {
    let g = &network.graph;
    let mut adj = vec![Vec::new(); g.node_count()];
    for e in g.edge_indices() {
        let (a, b) = g.edge_endpoints(e).expect("edge exists");
        if a != b {
            adj[a.index()].push(b.index());
            adj[b.index()].push(a.index());
        }
    }
    adj.iter_mut().for_each(|v| {
        v.sort_unstable();
        v.dedup();
    });
    adj
}

/// Every figure of network.csv (the row's run, arm, replicate, step and week
/// are left empty).
pub fn figures(network: &BondNetwork) -> NetworkRow {
    let g = &network.graph;
    let n = g.node_count();
    let m = g.edge_count();
    let adj = adjacency(network);
    let (triangles, triples, clustering_sum) = triangle_counts(&adj);
    let (components, largest) = components(&adj);
    let nf = n as f64;
    NetworkRow {
        nodes: n as u64,
        edges: m as u64,
        density: if n < 2 {
            0.0
        } else {
            2.0 * m as f64 / (nf * (nf - 1.0))
        },
        mean_degree: (n > 0).then(|| 2.0 * m as f64 / nf),
        isolates_share: (n > 0).then(|| adj.iter().filter(|a| a.is_empty()).count() as f64 / nf),
        components: components as u64,
        largest_component_share: (n > 0).then(|| largest as f64 / nf),
        average_clustering: (n > 0).then(|| clustering_sum / nf),
        transitivity: if triples == 0 {
            0.0
        } else {
            triangles as f64 / triples as f64
        },
        mean_strength: (m > 0)
            .then(|| g.edge_weights().map(|e| f64::from(e.strength)).sum::<f64>() / m as f64),
        max_core: network.core_numbers().into_iter().max().unwrap_or(0),
        group_modularity: modularity(&adj, &g.node_weights().map(|w| w.group).collect::<Vec<_>>()),
        ..NetworkRow::default()
    }
}

/// Triangles (each counted once), connected triples (paths of length two,
/// each counted once) and the sum of local clustering coefficients.
fn triangle_counts(adj: &[Vec<usize>]) -> (u64, u64, f64) {
    let mut triangles_at = vec![0u64; adj.len()];
    for (v, nv) in adj.iter().enumerate() {
        for &u in nv.iter().filter(|&&u| u > v) {
            // Common neighbours w > u close a triangle v < u < w once.
            let (mut a, mut b) = (0, 0);
            let nu = &adj[u];
            while a < nv.len() && b < nu.len() {
                match nv[a].cmp(&nu[b]) {
                    std::cmp::Ordering::Less => a += 1,
                    std::cmp::Ordering::Greater => b += 1,
                    std::cmp::Ordering::Equal => {
                        let w = nv[a];
                        if w > u {
                            triangles_at[v] += 1;
                            triangles_at[u] += 1;
                            triangles_at[w] += 1;
                        }
                        a += 1;
                        b += 1;
                    }
                }
            }
        }
    }
    let mut triples = 0u64;
    let mut clustering = 0.0;
    for (v, nv) in adj.iter().enumerate() {
        let k = nv.len() as u64;
        let pairs = k * k.saturating_sub(1) / 2;
        triples += pairs;
        if pairs > 0 {
            clustering += triangles_at[v] as f64 / pairs as f64;
        }
    }
    let triangles_times_three: u64 = triangles_at.iter().sum();
    // transitivity = 3 · triangles / triples = (sum over nodes of triangles at it) / triples.
    (triangles_times_three, triples, clustering)
}

/// Number of connected components and the size of the largest (petgraph's
/// union-find).
fn components(adj: &[Vec<usize>]) -> (usize, usize) {
    let mut sets = UnionFind::<usize>::new(adj.len());
    for (v, nv) in adj.iter().enumerate() {
        for &u in nv {
            sets.union(v, u);
        }
    }
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for v in 0..adj.len() {
        *sizes.entry(sets.find(v)).or_default() += 1;
    }
    (sizes.len(), sizes.values().copied().max().unwrap_or(0))
}

/// Modularity of a partition (unweighted): the sum over communities of the
/// share of edges inside minus the squared share of degree.
/// NetworkX's modularity of a partition; `None` without edges, where
/// NetworkX divides by zero.
fn modularity(adj: &[Vec<usize>], community: &[u32]) -> Option<f64> {
    let m2: usize = adj.iter().map(Vec::len).sum(); // 2m
    if m2 == 0 {
        return None;
    }
    let mut inside: BTreeMap<u32, (f64, f64)> = BTreeMap::new();
    for (v, nv) in adj.iter().enumerate() {
        let entry = inside.entry(community[v]).or_default();
        entry.1 += nv.len() as f64;
        entry.0 += nv.iter().filter(|&&u| community[u] == community[v]).count() as f64;
    }
    let m2 = m2 as f64;
    let q = inside
        .values()
        .map(|(l2, d)| l2 / m2 - (d / m2) * (d / m2))
        .sum();
    Some(q)
}

fn adj(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut a = vec![Vec::new(); n];
    for &(x, y) in edges {
        a[x].push(y);
        a[y].push(x);
    }
    a.iter_mut().for_each(|v| v.sort_unstable());
    a
}

#[test]
fn hand_made_graph_matches_networkx() {
    // Triangle 0-1-2, tail 2-3, isolated 4 (networkx values computed by hand):
    // transitivity = 3*1 / (1 + 1 + 3 + 0) = 0.6; average clustering
    // = (1 + 1 + 1/3) / 5; 2 components, the largest of 4.
    let a = adj(5, &[(0, 1), (1, 2), (0, 2), (2, 3)]);
    let (t, triples, c) = triangle_counts(&a);
    assert!((t as f64 / triples as f64 - 0.6).abs() < 1e-12);
    assert!((c / 5.0 - (7.0 / 3.0) / 5.0).abs() < 1e-12);
    assert_eq!(components(&a), (2, 4));
}

/// G(n, p) from a seeded stream, as adjacency lists.
fn gnp(n: usize, p: f64, seed: u64) -> Vec<Vec<usize>> {
    use bonfire::rng::{Purpose, bernoulli, stream_for};
    let mut s = stream_for(seed, 0, 0, 0, Purpose::Population);
    let mut edges = Vec::new();
    for j in 1..n {
        for i in 0..j {
            if bernoulli(&mut s, p) {
                edges.push((i, j));
            }
        }
    }
    adj(n, &edges)
}

#[test]
fn exact_check_7_gnp_density_clustering_isolates_and_giant_component() {
    let n = 2000;
    // Density, average clustering and transitivity all equal p; tolerances
    // are 5 standard errors (density: binomial over the pairs; clustering:
    // n local coefficients over ~k^2/2 pairs of neighbours each).
    let p = 0.01;
    let a = gnp(n, p, 3);
    let m: usize = a.iter().map(Vec::len).sum::<usize>() / 2;
    let pairs = (n * (n - 1) / 2) as f64;
    assert!((m as f64 / pairs - p).abs() < 5.0 * (p * (1.0 - p) / pairs).sqrt());
    let (t, triples, c) = triangle_counts(&a);
    let k = p * (n - 1) as f64;
    let se = (p * (1.0 - p) / (k * (k - 1.0) / 2.0)).sqrt() / (n as f64).sqrt();
    assert!(
        (c / n as f64 - p).abs() < 5.0 * se + 0.002,
        "clustering {}",
        c / n as f64
    );
    assert!(
        (t as f64 / triples as f64 - p).abs() < 0.003,
        "transitivity"
    );

    // Isolated fraction ~ e^(-c); a giant component iff c > 1 (share s
    // solving s = 1 - e^(-cs): 0.797 at c = 2).
    for (c, giant) in [(0.5, false), (2.0, true)] {
        let a = gnp(n, c / (n - 1) as f64, 4);
        let expected = (-c).exp();
        let isolated = a.iter().filter(|v| v.is_empty()).count() as f64 / n as f64;
        let se = (expected * (1.0 - expected) / n as f64).sqrt();
        assert!(
            (isolated - expected).abs() < 5.0 * se + 0.005,
            "c = {c}: {isolated}"
        );
        let share = components(&a).1 as f64 / n as f64;
        if giant {
            assert!((share - 0.797).abs() < 0.04, "c = {c}: {share}");
        } else {
            assert!(share < 0.05, "c = {c}: {share}");
        }
    }
}

#[test]
fn modularity_of_two_triangles_joined_by_an_edge() {
    // networkx: modularity([{0,1,2},{3,4,5}]) = 5/14 = 0.357142...
    let a = adj(6, &[(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)]);
    assert!((modularity(&a, &[0, 0, 0, 1, 1, 1]).unwrap() - 5.0 / 14.0).abs() < 1e-12);
    // One community: 0.
    assert!(modularity(&a, &[0; 6]).unwrap().abs() < 1e-12);
    // No edges: none, as NetworkX's raises.
    assert_eq!(modularity(&adj(3, &[]), &[0, 0, 1]), None);
}
