//! Community ties that dissolve and form over time
//! (`community_network.tie_turnover_per_year`).
//!
//! EVIDENCE.md E9, "Tie formation, decay and capacity": ties form by
//! triadic closure and decay (Jin, Girvan & Newman 2001), most weak ties
//! vanish within a year (Burt 2002); E12: lonely people drift to the edge
//! of the network and lose ties (Cacioppo, Fowler & Christakis 2009).
//!
//! Between one session and the next every community tie dissolves with probability
//! p = 1 − (1 − turnover)^(τ/365), times `lonely_turnover_factor` if either
//! end is lonely. Each dissolved tie is replaced from one end that is not
//! lonely (a coin decides between two), by triadic closure: a friend of a
//! friend who is not yet a tie, found in up to [`CLOSURE_TRIES`] tries, or
//! failing that someone met by chance (anyone not yet a tie; Jin, Girvan &
//! Newman's random meetings). Ties among people who are not lonely thus
//! turn over at a steady number, while lonely people lose ties and regain
//! them only when someone else's new tie lands on them: they drift to the
//! edge of the network.
//!
//! The pass draws from one stream keyed by (seed, replicate, step), in one
//! order: the same network at any thread count. Its draws are only for
//! the ties that may dissolve (geometric skipping) and for their
//! replacements. The finding of each candidate's tie depends on no draw
//! and runs in parallel; the dissolved ties are taken out person by
//! person in id order. The replacements run one after another (each
//! new tie changes where the next may land), asking ahead for the lists
//! they will read first.

use rayon::prelude::*;

use crate::community::CommunityGraph;
use crate::rng::{self, Stream};

/// Tries at finding a friend of a friend to close a triangle with.
pub const CLOSURE_TRIES: usize = 3;

/// The probability that a tie dissolves between two sessions `interval_days`
/// apart, when a share `per_year` of ties dissolves in a year.
pub fn per_session(per_year: f64, interval_days: f64) -> f64 {
    1.0 - libm::pow(1.0 - per_year, interval_days / 365.0)
}

/// What happened to the network in one pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Turnover {
    pub dissolved: usize,
    pub formed: usize,
}

/// One pass of turnover over `graph`: `p` the dissolution probability of a
/// tie between two people who are not lonely, `factor` its multiplier when
/// an end is lonely (`lonely` by member id).
pub fn turn_over(
    graph: &mut CommunityGraph,
    lonely: &[bool],
    p: f64,
    factor: f64,
    stream: &mut Stream,
) -> Turnover {
    let high = (p * factor).min(1.0);
    if high <= 0.0 {
        return Turnover::default();
    }
    let dissolved = dissolving(graph, lonely, p, high, stream);
    graph.remove_ties(&dissolved);
    let mut formed = 0;
    for (i, &(a, b)) in dissolved.iter().enumerate() {
        // Which end, and which friend of a friend, depend on draws not
        // yet made: only the ends' slots and lists are asked for.
        graph.ask_ahead(&dissolved, i);
        let from = match (lonely[a as usize], lonely[b as usize]) {
            (true, true) => continue,
            (false, true) => a,
            (true, false) => b,
            (false, false) => {
                if rng::bernoulli(stream, 0.5) {
                    a
                } else {
                    b
                }
            }
        };
        let closed = close_a_triangle(graph, from, stream);
        formed += usize::from(closed || meet_someone(graph, from, stream));
    }
    Turnover {
        dissolved: dissolved.len(),
        formed,
    }
}

/// Candidates whose ties are found on one thread in one piece of work.
const CANDIDATES_PER_PIECE: usize = 4096;

/// The ties that dissolve, in id order: candidates at the higher
/// probability `high` by geometric skipping over the ties in id order,
/// each kept at its own (`p`, or `high` where an end is lonely). Ties in
/// id order are (v, u > v), numbered through the count of each person's
/// ties to higher ids (kept by the graph). The draws come first, on
/// one thread in the stream's order (a skip, then each candidate's
/// uniform and the next skip), for they depend on no tie; each
/// candidate's tie is then found in parallel, from those counts and its
/// list: random reads across the network, which wait on memory.
fn dissolving(
    graph: &CommunityGraph,
    lonely: &[bool],
    p: f64,
    high: f64,
    stream: &mut Stream,
) -> Vec<(u32, u32)> {
    let log_q = libm::log(1.0 - high);
    let skip = |stream: &mut Stream| -> u64 {
        if high >= 1.0 {
            0
        } else {
            (libm::log(1.0 - rng::uniform(stream)) / log_q).floor() as u64
        }
    };
    let mut starts = Vec::with_capacity(graph.nodes() + 1);
    let mut total = 0u64;
    starts.push(total);
    for v in 0..graph.nodes() {
        total += graph.higher_ties(v) as u64;
        starts.push(total);
    }
    let mut candidates: Vec<(u64, f64)> = Vec::new();
    let mut at = skip(stream);
    while at < total {
        candidates.push((at, rng::uniform(stream)));
        at = at.saturating_add(1).saturating_add(skip(stream));
    }
    let pieces: Vec<Vec<(u32, u32)>> = candidates
        .par_chunks(CANDIDATES_PER_PIECE)
        .map(|piece| {
            // The person of the piece's first tie; then, as candidates
            // come in id order, the person moves forward only.
            let mut v = starts.partition_point(|&s| s <= piece[0].0) - 1;
            let mut kept = Vec::new();
            for &(at, uniform) in piece {
                while starts[v + 1] <= at {
                    v += 1;
                }
                let list = graph.neighbours(v);
                let first_higher = list.len() - graph.higher_ties(v);
                let u = list[first_higher + (at - starts[v]) as usize];
                let either_lonely = lonely[v] || lonely[u as usize];
                let own = if either_lonely { high } else { p };
                if uniform < own / high {
                    kept.push((v as u32, u));
                }
            }
            kept
        })
        .collect();
    pieces.concat()
}

/// Ties `v` to a friend of a friend who is not yet a tie; false if none
/// was found in [`CLOSURE_TRIES`] tries (or `v` has no ties).
fn close_a_triangle(graph: &mut CommunityGraph, v: u32, stream: &mut Stream) -> bool {
    for _ in 0..CLOSURE_TRIES {
        let Some(&friend) = pick(graph.neighbours(v as usize), stream) else {
            return false;
        };
        let Some(&other) = pick(graph.neighbours(friend as usize), stream) else {
            continue;
        };
        if other != v && graph.add_tie(v, other) {
            return true;
        }
    }
    false
}

/// Ties `v` to someone chosen uniformly who is not yet a tie; false if
/// none was found in [`CLOSURE_TRIES`] tries.
fn meet_someone(graph: &mut CommunityGraph, v: u32, stream: &mut Stream) -> bool {
    let n = graph.nodes();
    for _ in 0..CLOSURE_TRIES {
        let other = (rng::uniform(stream) * n as f64) as u32;
        if other != v && graph.add_tie(v, other) {
            return true;
        }
    }
    false
}

/// A uniformly chosen element of `items`, if any.
fn pick<'a>(items: &'a [u32], stream: &mut Stream) -> Option<&'a u32> {
    if items.is_empty() {
        None
    } else {
        items.get((rng::uniform(stream) * items.len() as f64) as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community::watts_strogatz;
    use crate::rng::{Purpose, stream_for};

    fn network() -> CommunityGraph {
        let mut stream = stream_for(1, 0, 0, 0, Purpose::CommunityLayout);
        watts_strogatz(4000, 8, 0.1, &mut stream)
    }

    #[test]
    fn weekly_probability_compounds_to_the_yearly_share() {
        let p = per_session(0.5, 7.0);
        assert!((1.0 - (1.0 - p).powf(365.0 / 7.0) - 0.5).abs() < 1e-12);
        assert_eq!(per_session(0.0, 7.0), 0.0);
    }

    #[test]
    fn without_lonely_people_ties_turn_over_and_their_number_holds() {
        let mut g = network();
        let before = g.edges();
        let lonely = vec![false; g.nodes()];
        let mut stream = stream_for(2, 0, 1, 0, Purpose::CommunityTurnover);
        let mut total = Turnover::default();
        for _ in 0..52 {
            let t = turn_over(&mut g, &lonely, per_session(0.5, 7.0), 2.0, &mut stream);
            total.dissolved += t.dissolved;
            total.formed += t.formed;
        }
        // About half the ties dissolve in a year (more than half of the
        // original ones, as replacements dissolve too): 16,000 ties, weekly
        // p = 0.0132, 52 weeks: ~11,000 dissolutions.
        let expected = 52.0 * before as f64 * per_session(0.5, 7.0);
        let sd = expected.sqrt();
        assert!(
            (total.dissolved as f64 - expected).abs() < 4.0 * sd,
            "{total:?}, {expected}"
        );
        // Every one is replaced (by closing a triangle or by chance).
        assert_eq!(total.formed, total.dissolved);
        assert_eq!(g.edges(), before);
    }

    #[test]
    fn lonely_people_lose_ties_and_others_keep_theirs() {
        let mut g = network();
        let n = g.nodes();
        // Every fourth person is lonely.
        let lonely: Vec<bool> = (0..n).map(|v| v % 4 == 0).collect();
        let degree = |g: &CommunityGraph, want: bool| {
            let people: Vec<usize> = (0..n).filter(|&v| lonely[v] == want).collect();
            people.iter().map(|&v| g.degree(v)).sum::<usize>() as f64 / people.len() as f64
        };
        assert!((degree(&g, true) - degree(&g, false)).abs() < 0.2);
        let mut stream = stream_for(3, 0, 1, 0, Purpose::CommunityTurnover);
        for _ in 0..52 {
            turn_over(&mut g, &lonely, per_session(0.5, 7.0), 2.0, &mut stream);
        }
        let (lonely_degree, others) = (degree(&g, true), degree(&g, false));
        assert!(
            lonely_degree < 6.5,
            "lonely people's mean degree {lonely_degree}"
        );
        assert!(others > 7.5, "others' mean degree {others}");
    }

    #[test]
    fn the_same_stream_gives_the_same_network() {
        let run = || {
            let mut g = network();
            let lonely: Vec<bool> = (0..g.nodes()).map(|v| v % 3 == 0).collect();
            let mut stream = stream_for(4, 0, 1, 0, Purpose::CommunityTurnover);
            turn_over(&mut g, &lonely, 0.2, 3.0, &mut stream);
            g
        };
        assert_eq!(run(), run());
    }
}
