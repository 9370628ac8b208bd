//! Mechanism 5, hope: seeing a peer further along raises hope, as threshold
//! (complex) contagion.
//!
//! MECHANISMS.md, "Hope: seeing a peer further along improves hope; optional
//! threshold of k distinct exemplars" and "Complex contagion … threshold
//! contagion with threshold k = 1, 2" (Centola & Macy 2007). Exact check 8:
//! threshold-2 contagion on a ring where each node links to its 4 nearest
//! neighbours, from two adjacent seeds, activates all N nodes in ⌊(N−2)/2⌋
//! steps ([`threshold_step`]).
//!
//! In a session, an exemplar is a fellow attendee who shared and has already
//! improved. With at least `threshold` exemplars: hope += gain·(1 − hope);
//! otherwise hope drifts back toward its arrival level by `fade`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Mechanism 5, hope: seeing a peer further along raises hope (`[mechanisms.hope]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Hope {
    /// Switch the mechanism on or off.
    #[default(true)]
    pub enabled: bool,
    /// Share of the gap to full hope closed in a session with enough exemplars.
    #[default(0.06)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of the gap to 1 closed"))]
    pub gain: f64,
    /// Distinct exemplars needed in one session (complex contagion threshold k).
    #[default(1)]
    #[schemars(range(min = 1, max = 100), extend("x-unit" = "distinct exemplars in one session"))]
    pub threshold: u32,
    /// Share of the gap back to the arrival level lost per session without exemplars.
    #[default(0.01)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of the gap to the arrival level lost per session"))]
    pub fade: f64,
}

/// Hope after a session with `exemplars` distinct exemplars.
pub fn update(
    hope: f64,
    hope_start: f64,
    exemplars: u32,
    threshold: u32,
    gain: f64,
    fade: f64,
) -> f64 {
    if exemplars >= threshold {
        hope + gain * (1.0 - hope)
    } else {
        hope - fade * (hope - hope_start)
    }
}

/// One synchronous step of threshold contagion on a graph given as adjacency
/// lists: an inactive node activates when at least `threshold` neighbours are
/// active. Returns how many nodes activated.
pub fn threshold_step(neighbours: &[Vec<usize>], active: &mut [bool], threshold: u32) -> usize {
    let newly: Vec<usize> = (0..active.len())
        .filter(|&v| {
            !active[v] && neighbours[v].iter().filter(|&&u| active[u]).count() as u32 >= threshold
        })
        .collect();
    for &v in &newly {
        active[v] = true;
    }
    newly.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring_lattice(n: usize, k_each_side: usize) -> Vec<Vec<usize>> {
        (0..n)
            .map(|v| {
                (1..=k_each_side)
                    .flat_map(|d| [(v + d) % n, (v + n - d) % n])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn exact_check_8_threshold_two_on_a_ring_lattice() {
        for n in [10, 11, 50, 101] {
            let g = ring_lattice(n, 2);
            let mut active = vec![false; n];
            active[0] = true;
            active[1] = true;
            let mut steps = 0;
            while threshold_step(&g, &mut active, 2) > 0 {
                steps += 1;
            }
            assert!(active.iter().all(|&a| a), "n = {n}: not all active");
            assert_eq!(steps, (n - 2) / 2, "n = {n}");
        }
    }

    #[test]
    fn a_single_seed_cannot_spread_at_threshold_two() {
        let g = ring_lattice(20, 2);
        let mut active = vec![false; 20];
        active[3] = true;
        assert_eq!(threshold_step(&g, &mut active, 2), 0);
        assert_eq!(threshold_step(&g, &mut active, 1), 4);
    }

    #[test]
    fn hope_rises_with_enough_exemplars_and_fades_without() {
        assert!((update(0.4, 0.4, 1, 1, 0.1, 0.02) - 0.46).abs() < 1e-12);
        assert_eq!(update(0.4, 0.4, 1, 2, 0.1, 0.02), 0.4);
        assert!((update(0.6, 0.4, 0, 1, 0.1, 0.5) - 0.5).abs() < 1e-12);
    }
}
