//! The tie summary TS(k) of up to eight groups at once, one group in each
//! lane of a vector (x86-64 AVX2): [`TieSummary::compute`] for groups of up
//! to 64 places, with the same bits.
//!
//! A member's sums over the pairs (support, strength to those present) are
//! f32 sums in pair order, so one group's pairs cannot be added in
//! parallel; eight groups' can. Pair `k` of every group is the same two
//! places, so each lane walks its own group's pairs in the scalar pass's
//! order and adds to its own members' figures: lane by lane, the same
//! operations in the same order (IEEE 754, nothing fused). Where the scalar
//! pass skips a pair without strength, a lane adds +0 to sums that are +0 or
//! positive, which leaves them as they are, and counts nothing. The counts
//! (ties at each level, ties beyond the meetings, lonely partners) are
//! 32-bit integers, and a member's ties are two 32-bit words per lane
//! (places 0–31, 32–63).
//!
//! The figures made from the sums, as `TieSummary::finish` makes them (the
//! mean strength to the others present, ln(1 + support) of those present),
//! are made in the lanes too, `libm`'s `log1pf` with them
//! ([`crate::lanes::exp_log`]).
//!
//! A group with fewer pairs than the batch's largest has no strength in the
//! pairs it lacks; lanes without a group are empty. The pairs' strengths and
//! flags are copied into the lanes' order (pair `k` of lane `l` at
//! `[k][l]`) once a session.

use std::arch::x86_64::*;

use super::{BondMatrix, MemberTies, TieLevels, TieSummary, pair_count};

/// Groups summarised at once: the f32 lanes of a 256-bit vector.
pub const LANES: usize = 8;

/// The most places a group may have for its summary in lanes: a member's
/// ties fit two 32-bit words.
pub const MOST_PLACES: usize = 64;

/// A member's ties in a lane: two 32-bit words, places 0–31 and 32–63.
const WORDS: usize = 2;

/// What one group's summary is made from, and the summary to make.
pub struct Lane<'a> {
    pub bonds: &'a BondMatrix,
    /// The places that have been taken (only they can have ties).
    pub arrived: usize,
    /// Per place (all the group's places): active now, lonely now.
    pub present: &'a [bool],
    pub lonely: &'a [bool],
    /// Bit `i`: member `i` has joined the group (whose local clustering
    /// is summed, [`TieSummary::joined_clustering_sum`]).
    pub joined: u64,
    pub summary: &'a mut TieSummary,
}

/// The batch's pairs in the lanes' order, and each member's sums in every
/// lane; reused from batch to batch.
#[derive(Debug, Default)]
pub struct SummaryTables {
    /// Pair `k`'s strength in lane `l` at `[k][l]`; 0 where the lane's
    /// group has no pair `k`.
    strengths: Vec<[f32; LANES]>,
    /// Pair `k`'s tie reaches beyond the meetings: all ones, else 0.
    beyond: Vec<[u32; LANES]>,
    /// Per member: present (1 or 0, a factor of strength), lonely (all ones
    /// or 0).
    present: Vec<[f32; LANES]>,
    lonely: Vec<[u32; LANES]>,
    sums: Vec<MemberSums>,
}

/// One member's figures in every lane.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
struct MemberSums {
    support: [f32; LANES],
    to_present: [f32; LANES],
    /// Ties, casual, friends, close, beyond the meetings, lonely partners.
    counts: [[u32; LANES]; 6],
    /// Network ties, casual-or-closer ties: bit `j` for member `j`.
    tie_bits: [[u32; LANES]; WORDS],
    casual_bits: [[u32; LANES]; WORDS],
    /// ln(1 + support) of a member present with support, else 0 (made
    /// after the pairs, [`SummaryTables::finish`]).
    log_support: [f32; LANES],
}

/// Whether a group's summary can be made in lanes.
pub fn fits(places: usize) -> bool {
    places <= MOST_PLACES
}

/// Makes the summary of every lane's group (at most [`LANES`], each of at
/// most [`MOST_PLACES`] places, [`fits`]), and `with_clustering`, each
/// group's [`TieSummary::joined_clustering_sum`].
///
/// # Safety
/// The processor must have AVX2 ([`crate::lanes::available`]).
#[target_feature(enable = "avx2")]
pub unsafe fn summarize(
    lanes: &mut [Option<Lane>],
    levels: &TieLevels,
    with_clustering: bool,
    tables: &mut SummaryTables,
) {
    assert!(lanes.len() <= LANES);
    // The places of each lane that can have ties (those who arrived,
    // within the matrix).
    let mut people = [0; LANES];
    for (people, lane) in people.iter_mut().zip(lanes.iter().flatten()) {
        assert!(fits(lane.present.len()));
        *people = lane.arrived.min(lane.bonds.people());
    }
    let most = people.iter().copied().max().unwrap_or(0);
    tables.fill(lanes.iter().flatten().zip(people), most);
    // Groups of up to 32 places keep a member's ties in one word.
    if most > 32 {
        tables.add_pairs::<WORDS>(most, levels);
    } else {
        tables.add_pairs::<1>(most, levels);
    }
    let mut joined = [[0u32; LANES]; WORDS];
    for (at, (lane, people)) in lanes.iter().flatten().zip(people).enumerate() {
        // Places past those with ties have no clustering to add.
        let places = u64::MAX.checked_shr(64 - people as u32).unwrap_or(0);
        let bits = lane.joined & places;
        joined[0][at] = bits as u32;
        joined[1][at] = (bits >> 32) as u32;
    }
    let mut present_count = [0.0f32; LANES];
    for (count, lane) in present_count.iter_mut().zip(lanes.iter().flatten()) {
        *count = lane.present[..lane.arrived].iter().filter(|&&p| p).count() as f32;
    }
    tables.finish(most, &present_count);
    let clustering = with_clustering.then(|| {
        if most > 32 {
            tables.clustering_sums::<WORDS>(most, &joined)
        } else {
            tables.clustering_sums::<1>(most, &joined)
        }
    });
    for (at, lane) in lanes.iter_mut().flatten().enumerate() {
        let people = people[at];
        let summary = &mut *lane.summary;
        summary.clear(lane.present.len());
        let words = summary.words();
        let (tie_bits, casual_bits) = summary.bits.split_at_mut(lane.present.len() * words);
        let members = summary
            .members
            .iter_mut()
            .zip(tie_bits.iter_mut().zip(casual_bits));
        for (sums, (member, (ties, casual))) in tables.sums[..people].iter().zip(members) {
            let count = |c: usize| sums.counts[c][at] as u16;
            *member = MemberTies {
                ties: count(0),
                casual: count(1),
                friends: count(2),
                close: count(3),
                beyond: count(4),
                lonely_partners: count(5),
                support: sums.support[at],
                log_support: sums.log_support[at],
                strength_to_present: sums.to_present[at],
            };
            let word = |bits: &[[u32; LANES]; WORDS]| {
                u64::from(bits[0][at]) | u64::from(bits[1][at]) << 32
            };
            *ties = word(&sums.tie_bits);
            *casual = word(&sums.casual_bits);
        }
        summary.joined_clustering_sum = clustering.map(|sums| sums[at]);
    }
}

impl SummaryTables {
    /// Copies the pairs and members' flags of the lanes (each with the
    /// places that can have ties) into the tables, and sets the sums of the
    /// first `most` places to none.
    fn fill<'a>(&mut self, lanes: impl Iterator<Item = (&'a Lane<'a>, usize)>, most: usize) {
        let pairs = pair_count(most);
        self.strengths.clear();
        self.strengths.resize(pairs, [0.0; LANES]);
        self.beyond.clear();
        self.beyond.resize(pairs, [0; LANES]);
        self.present.clear();
        self.present.resize(most, [0.0; LANES]);
        self.lonely.clear();
        self.lonely.resize(most, [0; LANES]);
        self.sums.clear();
        self.sums.resize(most, MemberSums::default());
        for (at, (lane, people)) in lanes.enumerate() {
            let count = pair_count(people);
            let (strengths, beyond) = (lane.bonds.strengths(), lane.bonds.beyond());
            for (to, &s) in self.strengths.iter_mut().zip(&strengths[..count]) {
                to[at] = s;
            }
            for (to, &b) in self.beyond.iter_mut().zip(&beyond[..count]) {
                to[at] = 0u32.wrapping_sub(u32::from(b));
            }
            let tables = self.present.iter_mut().zip(self.lonely.iter_mut());
            let flags = lane.present[..people].iter().zip(&lane.lonely[..people]);
            for ((present, lonely), (&here, &alone)) in tables.zip(flags) {
                present[at] = f32::from(u8::from(here));
                lonely[at] = 0u32.wrapping_sub(u32::from(alone));
            }
        }
    }

    /// Adds every pair of the first `most` places to both its members'
    /// sums, in every lane at once, in the scalar pass's order.
    #[target_feature(enable = "avx2")]
    fn add_pairs<const USED: usize>(&mut self, most: usize, levels: &TieLevels) {
        let zero = _mm256_setzero_ps();
        let one = _mm256_set1_ps(1.0);
        let per_friend = _mm256_set1_ps(1.0 / levels.friend);
        let level = |l: f32| _mm256_set1_ps(l);
        let (tie, casual, friend, close) = (
            level(levels.tie),
            level(levels.casual),
            level(levels.friend),
            level(levels.close),
        );
        let sums = &mut self.sums[..most];
        let members = self.present.iter().zip(&self.lonely);
        let mut pairs = self.strengths.iter().zip(&self.beyond);
        for (j, (present_j, lonely_j)) in members.enumerate().take(most).skip(1) {
            let (present_j, lonely_j) = (load_ps(present_j), load_si(lonely_j));
            let (word_j, bit_j) = place_bit::<USED>(j);
            let (low, high) = sums.split_at_mut(j);
            let b = &mut high[0];
            let row = low.iter_mut().zip(self.present.iter().zip(&self.lonely));
            for (i, (a, (present_i, lonely_i))) in row.enumerate() {
                let (s, beyond) = pairs.next().expect("a pair for every two places");
                let (s, beyond) = (load_ps(s), load_si(beyond));
                let strong = _mm256_cmp_ps::<_CMP_GT_OQ>(s, zero);
                let s = _mm256_and_ps(s, strong);
                let share = _mm256_min_ps(_mm256_mul_ps(s, per_friend), one);
                let share = _mm256_and_ps(share, strong);
                add_ps(&mut a.support, share);
                add_ps(&mut b.support, share);
                add_ps(&mut a.to_present, _mm256_mul_ps(s, present_j));
                add_ps(&mut b.to_present, _mm256_mul_ps(s, load_ps(present_i)));
                let at_least = |l| _mm256_castps_si256(_mm256_cmp_ps::<_CMP_GE_OQ>(s, l));
                let is_tie = _mm256_and_si256(at_least(tie), _mm256_castps_si256(strong));
                let is_casual = _mm256_and_si256(is_tie, at_least(casual));
                let is_friend = _mm256_and_si256(is_casual, at_least(friend));
                let is_close = _mm256_and_si256(is_friend, at_least(close));
                let beyond = _mm256_and_si256(is_tie, beyond);
                for (c, flag) in [is_tie, is_casual, is_friend, is_close, beyond]
                    .into_iter()
                    .enumerate()
                {
                    count(&mut a.counts[c], flag);
                    count(&mut b.counts[c], flag);
                }
                count(&mut a.counts[5], _mm256_and_si256(is_tie, lonely_j));
                count(
                    &mut b.counts[5],
                    _mm256_and_si256(is_tie, load_si(lonely_i)),
                );
                let (word_i, bit_i) = place_bit::<USED>(i);
                or_si(&mut a.tie_bits[word_j], _mm256_and_si256(is_tie, bit_j));
                or_si(&mut b.tie_bits[word_i], _mm256_and_si256(is_tie, bit_i));
                or_si(
                    &mut a.casual_bits[word_j],
                    _mm256_and_si256(is_casual, bit_j),
                );
                or_si(
                    &mut b.casual_bits[word_i],
                    _mm256_and_si256(is_casual, bit_i),
                );
            }
        }
    }

    /// What `TieSummary::finish` makes of the sums, for the first `most`
    /// places of every lane, given how many of each lane's members are
    /// present: the mean strength to the others present (0 with none), and
    /// ln(1 + support) of those present with support (`libm::log1pf`, in
    /// lanes), else 0. Places past a lane's members have no sums, and
    /// `finish` gives them zeros too.
    #[target_feature(enable = "avx2")]
    fn finish(&mut self, most: usize, present_count: &[f32; LANES]) {
        let zero = _mm256_setzero_ps();
        let count = load_ps(present_count);
        for (sums, present) in self.sums[..most].iter_mut().zip(&self.present) {
            let here = load_ps(present);
            let others = _mm256_sub_ps(count, here);
            let mean = _mm256_div_ps(load_ps(&sums.to_present), others);
            let any = _mm256_cmp_ps::<_CMP_GT_OQ>(others, zero);
            store_ps(&mut sums.to_present, _mm256_and_ps(mean, any));
            let support = load_ps(&sums.support);
            let logged = _mm256_and_ps(
                _mm256_cmp_ps::<_CMP_GT_OQ>(here, zero),
                _mm256_cmp_ps::<_CMP_GT_OQ>(support, zero),
            );
            let log = crate::lanes::exp_log::log1pf(support);
            store_ps(&mut sums.log_support, _mm256_and_ps(log, logged));
        }
    }

    /// Each lane's sum of local clustering (NetworkX's, unweighted) over
    /// the members `joined` marks, in place order: twice the triangles
    /// through each member over the pairs of their partners, 0 below two
    /// ties ([`TieSummary::clustering_sum`]'s terms and sum). A member's
    /// twice-triangles are the partners their partners share, counted for
    /// both ends of each tie.
    #[target_feature(enable = "avx2")]
    fn clustering_sums<const USED: usize>(
        &self,
        most: usize,
        joined: &[[u32; LANES]; WORDS],
    ) -> [f64; LANES] {
        let sums = &self.sums[..most];
        let mut twice = [_mm256_setzero_si256(); MOST_PLACES];
        for (j, b) in sums.iter().enumerate() {
            let (word_j, bit_j) = place_bit::<USED>(j);
            for (i, a) in sums[..j].iter().enumerate() {
                let tie = _mm256_and_si256(load_si(&a.tie_bits[word_j]), bit_j);
                let tie = _mm256_cmpeq_epi32(tie, bit_j);
                let mut shared = _mm256_setzero_si256();
                for w in 0..USED {
                    let common = _mm256_and_si256(load_si(&a.tie_bits[w]), load_si(&b.tie_bits[w]));
                    shared = _mm256_add_epi32(shared, popcount(common));
                }
                let shared = _mm256_and_si256(shared, tie);
                twice[i] = _mm256_add_epi32(twice[i], shared);
                twice[j] = _mm256_add_epi32(twice[j], shared);
            }
        }
        // An empty sum is −0.0, as the scalar sum's; a member not counted
        // adds −0.0, which leaves any sum as it is.
        let (mut low, mut high) = (_mm256_set1_pd(-0.0), _mm256_set1_pd(-0.0));
        for (m, (sums, twice)) in sums.iter().zip(twice).enumerate() {
            let k = load_si(&sums.counts[0]);
            let (word, bit) = place_bit::<USED>(m);
            let counted = _mm256_and_si256(load_si(&joined[word]), bit);
            let counted = _mm256_cmpeq_epi32(counted, bit);
            let clustered = _mm256_cmpgt_epi32(k, _mm256_set1_epi32(1));
            let pairs = _mm256_mullo_epi32(k, _mm256_sub_epi32(k, _mm256_set1_epi32(1)));
            // Four lanes at a time in f64: the lower four, then the upper.
            let half = |v: __m256i, upper: bool| {
                if upper {
                    _mm256_extracti128_si256::<1>(v)
                } else {
                    _mm256_castsi256_si128(v)
                }
            };
            for (sum, upper) in [(&mut low, false), (&mut high, true)] {
                let number = |v| _mm256_cvtepi32_pd(half(v, upper));
                let mask = |v| _mm256_castsi256_pd(_mm256_cvtepi32_epi64(half(v, upper)));
                let term = _mm256_div_pd(number(twice), number(pairs));
                // 0 below two ties; −0.0 for a member not counted.
                let term = _mm256_blendv_pd(_mm256_setzero_pd(), term, mask(clustered));
                let term = _mm256_blendv_pd(_mm256_set1_pd(-0.0), term, mask(counted));
                *sum = _mm256_add_pd(*sum, term);
            }
        }
        let mut out = [0.0; LANES];
        // SAFETY: `out` holds eight f64.
        unsafe {
            _mm256_storeu_pd(out.as_mut_ptr(), low);
            _mm256_storeu_pd(out.as_mut_ptr().add(4), high);
        }
        out
    }
}

/// The word of a member's ties that holds place `p`, and its bit in every
/// lane, where a group's places take up `USED` words (1: the first word
/// only, known when compiled).
#[inline]
#[target_feature(enable = "avx2")]
fn place_bit<const USED: usize>(p: usize) -> (usize, __m256i) {
    let word = if USED == 1 { 0 } else { p / 32 };
    (word, _mm256_set1_epi32((1u32 << (p % 32)) as i32))
}

/// The bits set in each 32-bit lane: each byte's from a table of the
/// sixteen nibbles, then the four bytes of a lane added.
#[inline]
#[target_feature(enable = "avx2")]
fn popcount(v: __m256i) -> __m256i {
    let nibbles = _mm256_setr_epi8(
        0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3,
        3, 4,
    );
    let low = _mm256_set1_epi8(0x0f);
    let bytes = _mm256_add_epi8(
        _mm256_shuffle_epi8(nibbles, _mm256_and_si256(v, low)),
        _mm256_shuffle_epi8(nibbles, _mm256_and_si256(_mm256_srli_epi32::<4>(v), low)),
    );
    let pairs = _mm256_maddubs_epi16(bytes, _mm256_set1_epi8(1));
    _mm256_madd_epi16(pairs, _mm256_set1_epi16(1))
}

/// The eight f32 of `from`.
#[inline]
#[target_feature(enable = "avx2")]
fn load_ps(from: &[f32; LANES]) -> __m256 {
    // SAFETY: `from` holds eight f32.
    unsafe { _mm256_loadu_ps(from.as_ptr()) }
}

/// The eight 32-bit words of `from`.
#[inline]
#[target_feature(enable = "avx2")]
fn load_si(from: &[u32; LANES]) -> __m256i {
    // SAFETY: `from` holds eight 32-bit words.
    unsafe { _mm256_loadu_si256(from.as_ptr().cast()) }
}

/// Stores eight f32 into `to`.
#[inline]
#[target_feature(enable = "avx2")]
fn store_ps(to: &mut [f32; LANES], v: __m256) {
    // SAFETY: `to` holds eight f32.
    unsafe { _mm256_storeu_ps(to.as_mut_ptr(), v) }
}

/// Adds `v` to the eight sums of `to`, lane by lane.
#[inline]
#[target_feature(enable = "avx2")]
fn add_ps(to: &mut [f32; LANES], v: __m256) {
    // SAFETY: `to` holds eight f32.
    unsafe {
        _mm256_storeu_ps(
            to.as_mut_ptr(),
            _mm256_add_ps(_mm256_loadu_ps(to.as_ptr()), v),
        )
    }
}

/// Counts one in each lane whose `flag` is all ones (minus −1, modulo
/// 2³²).
#[inline]
#[target_feature(enable = "avx2")]
fn count(to: &mut [u32; LANES], flag: __m256i) {
    let at = to.as_mut_ptr().cast::<__m256i>();
    // SAFETY: `to` holds eight i32.
    unsafe { _mm256_storeu_si256(at, _mm256_sub_epi32(_mm256_loadu_si256(at), flag)) }
}

/// Sets in each lane of `to` the bits of `v`.
#[inline]
#[target_feature(enable = "avx2")]
fn or_si(to: &mut [u32; LANES], v: __m256i) {
    let at = to.as_mut_ptr().cast::<__m256i>();
    // SAFETY: `to` holds eight u32.
    unsafe { _mm256_storeu_si256(at, _mm256_or_si256(_mm256_loadu_si256(at), v)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A group made at random: its bonds, those arrived, who is present,
    /// who is lonely, who has joined.
    type Made = (BondMatrix, usize, Vec<bool>, Vec<bool>, u64);

    /// Random batches against the scalar summary and clustering sum, bit
    /// for bit: one to eight groups (a lane left empty now and then) of 2
    /// to 64 places, fewer arrived than places, strengths of +0, −0,
    /// negative, subnormal, huge and exactly at each level, random members
    /// joined, and a stale clustering sum in the summary before.
    #[test]
    fn the_lanes_give_the_scalar_summary_and_clustering_bits() {
        if !crate::lanes::available() {
            eprintln!("this processor has no AVX2: the lanes were not run");
            return;
        }
        let mut next = super::super::tests::xorshift(0x1234_5678_9abc_def1);
        let level_sets = [
            (1.0, 5.0, 10.0, 20.0),
            (0.3, 0.7, 3.0, 7.1),
            (2.0, 2.0, 2.0, 2.0),
        ];
        let mut tables = SummaryTables::default();
        for round in 0..4_000 {
            let (tie, casual, friend, close) = level_sets[round % 3];
            let levels = TieLevels {
                tie,
                casual,
                friend,
                close,
            };
            let strengths = [
                -0.0,
                -1.5,
                tie,
                casual,
                friend,
                close,
                f32::from_bits(1),
                1e30,
            ];
            let groups = 1 + (next() % 8) as usize;
            let mut made: Vec<Made> = (0..groups)
                .map(|_| {
                    let places = match next() % 6 {
                        0 => 32,
                        1 => 64,
                        2 => 2,
                        _ => 2 + (next() % 63) as usize,
                    };
                    let arrived = if next().is_multiple_of(3) {
                        places
                    } else {
                        (next() % (places as u64 + 1)) as usize
                    };
                    let mut bonds = BondMatrix::new(places);
                    let density = next() % 100;
                    let columns = bonds.columns_mut();
                    for (s, beyond) in columns.strength.iter_mut().zip(columns.beyond.iter_mut()) {
                        *s = match (next() % 100 < density, next() % 12) {
                            (false, _) => 0.0,
                            (true, k @ 0..8) => strengths[k as usize],
                            (true, _) => (next() % 100_000) as f32 / 997.0,
                        };
                        *beyond = next().is_multiple_of(2);
                    }
                    let flags = |next: &mut dyn FnMut() -> u64, one_in: u64| {
                        (0..places).map(|_| next() % 3 < one_in).collect::<Vec<_>>()
                    };
                    let (present, lonely) = (flags(&mut next, 2), flags(&mut next, 1));
                    let joined = next() & u64::MAX >> (64 - places);
                    (bonds, arrived, present, lonely, joined)
                })
                .collect();
            let with_clustering = !next().is_multiple_of(4);
            let expected: Vec<_> = made
                .iter()
                .map(|(bonds, arrived, present, lonely, joined)| {
                    let mut t = TieSummary::default();
                    t.compute(bonds, *arrived, present, lonely, &levels);
                    let sum = t.clustering_sum(*arrived, |i| joined >> i & 1 == 1);
                    (t, with_clustering.then_some(sum.to_bits()))
                })
                .collect();
            let mut summaries = vec![
                TieSummary {
                    joined_clustering_sum: Some(123.0),
                    ..TieSummary::default()
                };
                groups
            ];
            let gap = (groups < LANES && next().is_multiple_of(3))
                .then(|| (next() % groups as u64) as usize);
            let mut lanes: Vec<Option<Lane>> = Vec::new();
            for (at, ((bonds, arrived, present, lonely, joined), summary)) in
                made.iter_mut().zip(&mut summaries).enumerate()
            {
                if gap == Some(at) {
                    lanes.push(None);
                }
                lanes.push(Some(Lane {
                    bonds,
                    arrived: *arrived,
                    present,
                    lonely,
                    joined: *joined,
                    summary,
                }));
            }
            // SAFETY: the processor has AVX2 (checked above).
            unsafe { summarize(&mut lanes, &levels, with_clustering, &mut tables) };
            for (at, (got, (want, sum))) in summaries.iter().zip(&expected).enumerate() {
                let bits = |t: &TieSummary| {
                    format!("{:?} {:?} {:?}", t.members, t.tie_bits(), t.casual_bits())
                };
                assert_eq!(bits(got), bits(want), "round {round}, lane {at}");
                assert_eq!(
                    got.joined_clustering_sum.map(f64::to_bits),
                    *sum,
                    "round {round}, lane {at}"
                );
            }
        }
    }
}
