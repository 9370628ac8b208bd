//! Step 8's passes over a group's pairs in vector lanes (x86-64 with
//! AVX2), four pairs at a time, each lane applying to its pair the
//! operations of the scalar code in the same order, so that every figure
//! ends with the same bits either way (a test runs both):
//!
//! - [`update_pairs`], the pair update ([`PairUpdate::update`]: decay,
//!   contact beyond the meetings, growth within capacity) in pair order,
//!   for a group that meets in a room with bonding and contact beyond the
//!   meetings on, of up to 64 places; the last one to three pairs of a
//!   full matrix, and every other group, take the scalar update;
//! - [`wanted_hours`], the hours each member's ties would want outside
//!   the sessions ([`super::outside_shares`]), row by row.
//!
//! Where the scalar code branches, the lanes compute both sides and keep,
//! lane by lane, the side the pair's own condition chooses; what the
//! scalar code leaves alone, a lane stores back unchanged. The numbers of
//! a pair's contact count are computed in its lane
//! ([`lanes::uniforms_at`]), round by round; only a mean of 30 or more
//! draws with the scalar sampler.

use std::arch::x86_64::*;

use super::PairUpdate;
use crate::bonds::{MemberTies, PairColumns};
use crate::lanes::{
    self, gather, lanes_of, load_f32, load_f32_narrow, load_f64, narrow_mask, select, store_f32,
};
use crate::rng;
use crate::rules::beyond_meetings::BeyondMeetings;

/// Places of the largest group the lanes serve: one word of tie bits a
/// member.
pub(super) const MOST_PLACES: usize = 64;

/// Pairs among [`MOST_PLACES`] places.
const MOST_PAIRS: usize = MOST_PLACES * (MOST_PLACES - 1) / 2;

/// Pairs a step of a pass takes at a time, one a lane.
const PAIR_LANES: usize = 4;

/// The two members of each pair, in pair order: `ENDS.0[k] < ENDS.1[k]`.
const ENDS: ([i32; MOST_PAIRS], [i32; MOST_PAIRS]) = {
    let (mut first, mut second) = ([0; MOST_PAIRS], [0; MOST_PAIRS]);
    let (mut j, mut k) = (1, 0);
    while j < MOST_PLACES {
        let mut i = 0;
        while i < j {
            first[k] = i as i32;
            second[k] = j as i32;
            (i, k) = (i + 1, k + 1);
        }
        j += 1;
    }
    (first, second)
};

/// A member's flags, bit by bit, in [`MemberTables::flags`].
const ATTENDED: u64 = 1;
const LONELY: u64 = 2;
/// As many network ties as the member can keep (TS(k − 1)).
const TIES_FULL: u64 = 4;
/// As many close ties as the member can keep (TS(k − 1)).
const CLOSE_FULL: u64 = 8;

/// What the lanes gather of each pair's two members, one entry per place
/// (a pass rewrites the entries it reaches; those past the members who
/// have arrived hold zeros): filled once a session from the scratch and
/// TS(k − 1). 64-bit words are kept as the bits of f64, which is how the
/// lanes load them. Every member of a pair in [`ENDS`] is below
/// [`MOST_PLACES`], the tables' length, so every gather is within its
/// table.
#[derive(Debug)]
pub(in crate::session) struct MemberTables {
    /// [`ATTENDED`], [`LONELY`], [`TIES_FULL`], [`CLOSE_FULL`].
    flags: [f64; MOST_PLACES],
    outside_share: [f64; MOST_PLACES],
    depth: [f64; MOST_PLACES],
    /// Casual-or-closer tie bits (TS(k − 1)).
    casual: [f64; MOST_PLACES],
}

impl Default for MemberTables {
    fn default() -> Self {
        MemberTables {
            flags: [0.0; MOST_PLACES],
            outside_share: [0.0; MOST_PLACES],
            depth: [0.0; MOST_PLACES],
            casual: [0.0; MOST_PLACES],
        }
    }
}

/// The places the lanes of a pass over the first `count` pairs reach: one
/// past the last pair's second member, in the last four (the members of
/// pair order's later pairs are never lower).
fn reach(count: usize) -> usize {
    match count {
        0 => 0,
        _ => ENDS.1[count.next_multiple_of(PAIR_LANES) - 1] as usize + 1,
    }
}

/// Lane by lane, `column[i]` and `column[j]` of the members of four pairs.
#[inline]
#[target_feature(enable = "avx2")]
fn of_both(column: &[f64; MOST_PLACES], (i, j): ([i32; 4], [i32; 4])) -> (__m256d, __m256d) {
    // SAFETY: every member index in `ENDS` is below `MOST_PLACES`.
    unsafe { (gather(column, i), gather(column, j)) }
}

/// The session's figures of a member, as [`MemberTables::fill`] reads
/// them.
pub(super) struct MemberFigures<'a> {
    pub attended: &'a [bool],
    pub lonely: &'a [bool],
    pub outside_share: &'a [f64],
    pub depth: &'a [f64],
    pub ties: &'a [MemberTies],
    pub casual_bits: &'a [u64],
    /// Tie and close capacity.
    pub capacity: (u32, u32),
}

impl MemberTables {
    /// Fills the tables for a pass over the first `count` pairs of a group
    /// whose first `arrived` places have arrived.
    pub(super) fn fill(&mut self, count: usize, arrived: usize, m: &MemberFigures) {
        let reach = reach(count);
        let arrived = arrived.min(reach);
        for i in arrived..reach {
            self.flags[i] = 0.0;
            self.outside_share[i] = 0.0;
            self.depth[i] = 0.0;
            self.casual[i] = 0.0;
        }
        for i in 0..arrived {
            let ties = m.ties[i];
            let flag = |set: bool, flag: u64| if set { flag } else { 0 };
            let flags = flag(m.attended[i], ATTENDED)
                | flag(m.lonely[i], LONELY)
                | flag(u32::from(ties.ties) >= m.capacity.0, TIES_FULL)
                | flag(u32::from(ties.close) >= m.capacity.1, CLOSE_FULL);
            self.flags[i] = f64::from_bits(flags);
            self.outside_share[i] = m.outside_share[i];
            self.depth[i] = m.depth[i];
            self.casual[i] = f64::from_bits(m.casual_bits[i]);
        }
    }
}

/// The session's constants, one in every lane.
struct Broadcast {
    zero: __m256d,
    one: __m256d,
    hours_in_session: __m256d,
    half_squared: __m256d,
    most_contacts: __m256d,
    online_contacts: __m256d,
    weeks: __m256d,
    contacts_kept: __m256d,
    repeated_contacts: __m256d,
    shortest_contact: __m256d,
    contact_span: __m256d,
    reciprocity: __m256d,
    homophily: __m256d,
    lonely_pair: __m256d,
    closure: __m256d,
    online_growth: __m256d,
    session_gain: __m256d,
    tie: __m256d,
    close: __m256d,
    below_tie: __m256d,
    below_close: __m256d,
}

impl Broadcast {
    /// Each constant computed as the scalar rules compute it.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn of(rule: &PairUpdate) -> Broadcast {
        let (b, p) = (rule.bonding, rule.beyond);
        let (tie, close) = rule.levels;
        let one = |value: f64| _mm256_set1_pd(value);
        Broadcast {
            zero: one(0.0),
            one: one(1.0),
            hours_in_session: one(rule.hours_in_session),
            half_squared: one(p.half_hours * p.half_hours),
            most_contacts: one(p.max_contacts_per_week),
            online_contacts: one(if rule.online { p.online_factor } else { 1.0 }),
            weeks: one(rule.weeks),
            contacts_kept: one(rule.contacts_kept),
            repeated_contacts: one(p.repeated_contacts),
            shortest_contact: one(p.shortest_contact_hours),
            contact_span: one(p.longest_contact_hours - p.shortest_contact_hours),
            reciprocity: one(b.reciprocity),
            homophily: one(b.homophily),
            lonely_pair: one(1.0 - b.lonely_pair_penalty),
            closure: one(1.0 + b.closure_bonus),
            online_growth: one(if rule.online { b.online_factor } else { 1.0 }),
            session_gain: one(rule.session_gain),
            tie: one(tie),
            close: one(close),
            below_tie: one(tie * 0.999),
            below_close: one(close * 0.999),
        }
    }
}

/// The lanes where `flag` is set in `flags` (one of the member flags).
#[inline]
#[target_feature(enable = "avx2")]
fn has(flags: __m256d, flag: u64) -> __m256d {
    let bit = _mm256_set1_epi64x(flag as i64);
    let set = _mm256_and_si256(_mm256_castpd_si256(flags), bit);
    _mm256_castsi256_pd(_mm256_cmpeq_epi64(set, bit))
}

/// Lane by lane `a > b`, `a < b` and `a >= b`, as masks.
#[inline]
#[target_feature(enable = "avx2")]
fn above(a: __m256d, b: __m256d) -> __m256d {
    _mm256_cmp_pd::<_CMP_GT_OQ>(a, b)
}

#[inline]
#[target_feature(enable = "avx2")]
fn below(a: __m256d, b: __m256d) -> __m256d {
    _mm256_cmp_pd::<_CMP_LT_OQ>(a, b)
}

#[inline]
#[target_feature(enable = "avx2")]
fn at_least(a: __m256d, b: __m256d) -> __m256d {
    _mm256_cmp_pd::<_CMP_GE_OQ>(a, b)
}

/// The two members of pair `k` (below [`MOST_PAIRS`]), `i < j`.
pub(super) fn ends_of(k: usize) -> (usize, usize) {
    (ENDS.0[k] as usize, ENDS.1[k] as usize)
}

/// Updates the first `count` pairs of `pairs` (those among the members
/// who have arrived) as [`PairUpdate::update`] does, four at a time, as
/// far as four whole pairs remain in the columns; the pairs past `count`
/// in the last four stay as they are. Returns the first pair not updated
/// (`count` when all were): the caller updates the last few.
#[target_feature(enable = "avx2")]
pub(super) fn update_pairs(
    rule: &PairUpdate,
    tables: &MemberTables,
    pairs: &mut PairColumns,
    count: usize,
) -> usize {
    let c = Broadcast::of(rule);
    let lane_offsets = _mm256_setr_pd(0.0, 1.0, 2.0, 3.0);
    let counted = _mm256_set1_pd(count as f64);
    let whole = count.min(pairs.strength.len().saturating_sub(PAIR_LANES - 1));
    for k in (0..whole).step_by(PAIR_LANES) {
        let valid = below(
            _mm256_add_pd(_mm256_set1_pd(k as f64), lane_offsets),
            counted,
        );
        let ends = |side: &[i32; MOST_PAIRS]| -> [i32; 4] {
            side[k..k + 4].try_into().expect("four lanes")
        };
        let ends = (ends(&ENDS.0), ends(&ENDS.1));
        let (flags_i, flags_j) = of_both(&tables.flags, ends);
        let (both, either) = (
            _mm256_and_pd(flags_i, flags_j),
            _mm256_or_pd(flags_i, flags_j),
        );
        let together = _mm256_and_pd(has(both, ATTENDED), c.hours_in_session);
        let both_here = above(together, c.zero);

        // Decay over the interval, for a pair with strength.
        let s0 = load_f32(pairs.strength, k);
        let with_strength = above(s0, c.zero);
        let touched = _mm256_and_pd(valid, _mm256_or_pd(with_strength, both_here));
        let kept = select(
            has(either, LONELY),
            load_f32(pairs.kept_lonely, k),
            load_f32(pairs.kept, k),
        );
        let decays = _mm256_and_pd(touched, with_strength);
        let s1 = select(decays, _mm256_mul_pd(s0, kept), s0);

        // Contact beyond the meetings, for a pair with strength left.
        let contact = _mm256_and_pd(touched, above(s1, c.zero));
        let (share_i, share_j) = of_both(&tables.outside_share, ends);
        let share = _mm256_min_pd(share_i, share_j);
        let squared = _mm256_mul_pd(s1, s1);
        let closeness = _mm256_div_pd(squared, _mm256_add_pd(squared, c.half_squared));
        let per_week = _mm256_mul_pd(_mm256_mul_pd(c.most_contacts, closeness), c.online_contacts);
        let mean = _mm256_mul_pd(_mm256_mul_pd(per_week, share), c.weeks);
        let contacts = contact_counts(rule, k, contact, mean);
        let before = load_f32(pairs.recent_contacts, k);
        let recent = _mm256_add_pd(_mm256_mul_pd(before, c.contacts_kept), contacts);
        let recent_kept = select(contact, recent, before);
        store_f32(pairs.recent_contacts, k, _mm256_cvtpd_ps(recent_kept));
        store_beyond(
            pairs.beyond,
            k,
            contact,
            at_least(recent, c.repeated_contacts),
        );
        let contact_hours = _mm256_mul_pd(
            contacts,
            _mm256_add_pd(c.shortest_contact, _mm256_mul_pd(c.contact_span, closeness)),
        );
        let met_outside = _mm256_and_pd(contact, above(contacts, c.zero));
        let h0 = load_f32_narrow(pairs.hours, k);
        let h1 = _mm_blendv_ps(
            h0,
            _mm_add_ps(h0, _mm256_cvtpd_ps(contact_hours)),
            narrow_mask(met_outside),
        );
        let s2 = select(contact, _mm256_add_pd(s1, contact_hours), s1);

        // Growth in the session both attended, within capacity.
        let grows = _mm256_and_pd(touched, both_here);
        let (depth_i, depth_j) = of_both(&tables.depth, ends);
        let (casual_i, casual_j) = of_both(&tables.casual, ends);
        let growth = Growth {
            together,
            depth_sum: _mm256_add_pd(depth_i, depth_j),
            similarity: load_f32(pairs.similarity, k),
            both_lonely: has(both, LONELY),
            share_a_friend: share_a_friend(casual_i, casual_j),
        };
        let grown = within_capacity(&c, s2, growth.strength_after(&c, s2), either);
        let h2 = _mm_blendv_ps(
            h1,
            _mm_add_ps(h1, _mm256_cvtpd_ps(together)),
            narrow_mask(grows),
        );
        store_f32(pairs.hours, k, h2);
        let s3 = select(grows, grown, s2);
        store_f32(pairs.strength, k, _mm256_cvtpd_ps(select(touched, s3, s0)));
    }
    whole.next_multiple_of(PAIR_LANES).min(count)
}

/// What a pair brings to the growth of its tie, lane by lane
/// ([`crate::rules::bonding::growth_multiplier`]).
struct Growth {
    together: __m256d,
    depth_sum: __m256d,
    similarity: __m256d,
    both_lonely: __m256d,
    share_a_friend: __m256d,
}

impl Growth {
    /// The strength `s` plus the session's growth: hours together times
    /// the growth multiplier times the group's meeting quality.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn strength_after(&self, c: &Broadcast, s: __m256d) -> __m256d {
        let disclosure = _mm256_add_pd(c.one, _mm256_mul_pd(c.reciprocity, self.depth_sum));
        let homophily = _mm256_sub_pd(
            c.one,
            _mm256_mul_pd(c.homophily, _mm256_sub_pd(c.one, self.similarity)),
        );
        let lonely = select(self.both_lonely, c.lonely_pair, c.one);
        let closure = select(self.share_a_friend, c.closure, c.one);
        let multiplier = _mm256_mul_pd(
            _mm256_mul_pd(
                _mm256_mul_pd(_mm256_mul_pd(disclosure, homophily), lonely),
                closure,
            ),
            c.online_growth,
        );
        let grow = _mm256_mul_pd(_mm256_mul_pd(self.together, multiplier), c.session_gain);
        _mm256_add_pd(s, grow)
    }
}

/// Whether the members of each pair share a casual-or-closer friend, from
/// their tie bits.
#[inline]
#[target_feature(enable = "avx2")]
fn share_a_friend(casual_i: __m256d, casual_j: __m256d) -> __m256d {
    let common = _mm256_castpd_si256(_mm256_and_pd(casual_i, casual_j));
    let none = _mm256_cmpeq_epi64(common, _mm256_setzero_si256());
    _mm256_castsi256_pd(_mm256_xor_si256(none, _mm256_set1_epi64x(-1)))
}

/// [`crate::rules::bonding::within_capacity`], lane by lane, from `old`
/// to `new`; `either` holds both members' flags or-ed.
#[inline]
#[target_feature(enable = "avx2")]
fn within_capacity(c: &Broadcast, old: __m256d, new: __m256d, either: __m256d) -> __m256d {
    let crosses = |level| _mm256_and_pd(below(old, level), at_least(new, level));
    let held_below = |level| _mm256_max_pd(old, _mm256_min_pd(new, level));
    let tie_blocked = _mm256_and_pd(crosses(c.tie), has(either, TIES_FULL));
    let close_blocked = _mm256_and_pd(crosses(c.close), has(either, CLOSE_FULL));
    select(
        tie_blocked,
        held_below(c.below_tie),
        select(close_blocked, held_below(c.below_close), new),
    )
}

/// [`wanted_hours`]' sums: a member's for each place, and the lanes a
/// row's last step reaches past them.
#[derive(Debug)]
pub(in crate::session) struct WantedHours(pub(super) [f64; MOST_PLACES + PAIR_LANES]);

impl Default for WantedHours {
    fn default() -> Self {
        WantedHours([0.0; MOST_PLACES + PAIR_LANES])
    }
}

/// Hours a week the ties of each of the first `arrived` members (up to
/// 64) would take outside the sessions, summed as
/// [`super::outside_shares`] sums them but four pairs of a row at a
/// time: row by row (`j = 1, 2, …`), each lane's own member taking its
/// pair's hours, member `j` taking the row's lane after lane. Each
/// member's sum keeps its order (its own row, then one pair in each later
/// row); a pair without strength adds +0.
#[target_feature(enable = "avx2")]
pub(super) fn wanted_hours(
    p: &BeyondMeetings,
    online: bool,
    strengths: &[f32],
    arrived: usize,
    wanted: &mut WantedHours,
) {
    let wanted = &mut wanted.0;
    assert!(arrived <= MOST_PLACES, "lanes serve up to 64 places");
    wanted[..arrived.next_multiple_of(PAIR_LANES) + PAIR_LANES].fill(0.0);
    let one = |value: f64| _mm256_set1_pd(value);
    let half_squared = one(p.half_hours * p.half_hours);
    let most = one(p.max_contacts_per_week);
    let online = one(if online { p.online_factor } else { 1.0 });
    let (shortest, span) = (
        one(p.shortest_contact_hours),
        one(p.longest_contact_hours - p.shortest_contact_hours),
    );
    let lane = _mm256_setr_pd(0.0, 1.0, 2.0, 3.0);
    for j in 1..arrived {
        let row = j * (j - 1) / 2;
        let mut own = 0.0;
        for first in (0..j).step_by(PAIR_LANES) {
            let in_row = below(lane, _mm256_set1_pd((j - first) as f64));
            let s = load_row(strengths, row + first);
            let with_strength = _mm256_and_pd(in_row, above(s, _mm256_setzero_pd()));
            let squared = _mm256_mul_pd(s, s);
            let closeness = _mm256_div_pd(squared, _mm256_add_pd(squared, half_squared));
            let per_week = _mm256_mul_pd(_mm256_mul_pd(most, closeness), online);
            let contact = _mm256_add_pd(shortest, _mm256_mul_pd(span, closeness));
            let hours = _mm256_and_pd(with_strength, _mm256_mul_pd(per_week, contact));
            let theirs: &mut [f64; 4] = (&mut wanted[first..first + 4]).try_into().expect("lanes");
            let summed = _mm256_add_pd(load_f64(theirs, 0), hours);
            // SAFETY: `theirs` is four writable f64.
            unsafe { _mm256_storeu_pd(theirs.as_mut_ptr(), summed) };
            for h in lanes_of(hours) {
                own += h;
            }
        }
        wanted[j] = own;
    }
}

/// Four strengths from `at`, widened to f64; past the end of the column,
/// zeros.
#[inline]
#[target_feature(enable = "avx2")]
fn load_row(column: &[f32], at: usize) -> __m256d {
    if at + PAIR_LANES <= column.len() {
        return load_f32(column, at);
    }
    let mut four = [0.0f32; PAIR_LANES];
    let there = &column[at..];
    four[..there.len()].copy_from_slice(there);
    load_f32(&four, 0)
}

/// Each pair's count of contacts outside the sessions, as f64 lanes (0
/// where `contact` is clear): [`rng::poisson`] of `mean` from the pair's
/// rounds, step by step as it takes them. No contact without a mean, or
/// with a mean below 30 and a first number below `(1 − mean)(1 − 10⁻¹²)`;
/// otherwise, below 30, Knuth's product method in the lanes, the numbers
/// of round r of four pairs being the four at `r·pairs + k` on; a mean of
/// 30 or more (the normal approximation) draws with the scalar sampler.
#[inline]
#[target_feature(enable = "avx2")]
fn contact_counts(rule: &PairUpdate, k: usize, contact: __m256d, mean: __m256d) -> __m256d {
    let first = lanes::uniforms_at(rule.contact, k as u64);
    let one = _mm256_set1_pd(1.0);
    let bound = _mm256_mul_pd(_mm256_sub_pd(one, mean), _mm256_set1_pd(1.0 - 1e-12));
    let small = below(mean, _mm256_set1_pd(30.0));
    let settled = _mm256_or_pd(
        _mm256_cmp_pd::<_CMP_LE_OQ>(mean, _mm256_setzero_pd()),
        _mm256_and_pd(small, below(first, bound)),
    );
    let drawn = _mm256_andnot_pd(settled, contact);
    if _mm256_movemask_pd(drawn) == 0 {
        return _mm256_setzero_pd();
    }
    let by_product = _mm256_and_pd(drawn, small);
    let mut counts = product_counts(rule, k, by_product, (mean, first));
    let mut large = _mm256_movemask_pd(_mm256_andnot_pd(small, drawn));
    if large != 0 {
        let means = lanes_of(mean);
        let mut drawn_alone = lanes_of(counts);
        while large != 0 {
            let lane = large.trailing_zeros() as usize;
            large &= large - 1;
            let mut rounds = rule.contact.rounds(k + lane, rule.pairs);
            drawn_alone[lane] = f64::from(rng::poisson(&mut rounds, means[lane]));
        }
        counts = load_f64(&drawn_alone, 0);
    }
    counts
}

/// Knuth's product method in the lanes set in `active` (means below 30),
/// from each lane's first number: count while e^−mean is below the
/// product, multiplying in the pair's next round's number. e^−mean is
/// compared as [`rng::poisson`] compares it: for a mean up to 1 through
/// bounds from its series, computed only for a lane whose product falls
/// between them (and at once for larger means).
#[inline]
#[target_feature(enable = "avx2")]
fn product_counts(
    rule: &PairUpdate,
    k: usize,
    mut active: __m256d,
    (mean, first): (__m256d, __m256d),
) -> __m256d {
    let (mut low, mut high) = series_bounds(mean);
    let beyond_series = _mm256_movemask_pd(_mm256_and_pd(active, above(mean, _mm256_set1_pd(1.0))));
    if beyond_series != 0 {
        (low, high) = exact_bounds(beyond_series, mean, (low, high));
    }
    let (mut product, mut count) = (first, _mm256_setzero_pd());
    let mut round = 1u64;
    loop {
        let decided = _mm256_or_pd(
            above(product, high),
            _mm256_cmp_pd::<_CMP_LE_OQ>(product, low),
        );
        let between = _mm256_movemask_pd(_mm256_andnot_pd(decided, active));
        if between != 0 {
            (low, high) = exact_bounds(between, mean, (low, high));
        }
        active = _mm256_and_pd(active, above(product, high));
        if _mm256_movemask_pd(active) == 0 {
            return count;
        }
        count = _mm256_add_pd(count, _mm256_and_pd(active, _mm256_set1_pd(1.0)));
        let position = round * rule.pairs as u64 + k as u64;
        let next = lanes::uniforms_at(rule.contact, position);
        product = select(active, _mm256_mul_pd(product, next), product);
        round += 1;
    }
}

/// Bounds on e^−mean from its series, as [`rng::poisson`] takes them for
/// a mean up to 1: `1 − m + m²/2 − m³/6` and that plus `m⁴/24`, each
/// widened by 10⁻¹² of itself.
#[inline]
#[target_feature(enable = "avx2")]
fn series_bounds(mean: __m256d) -> (__m256d, __m256d) {
    let one = _mm256_set1_pd(1.0);
    let squared = _mm256_mul_pd(mean, mean);
    let series = _mm256_add_pd(
        _mm256_sub_pd(one, mean),
        _mm256_mul_pd(_mm256_set1_pd(0.5), squared),
    );
    let below = _mm256_sub_pd(
        series,
        _mm256_div_pd(_mm256_mul_pd(squared, mean), _mm256_set1_pd(6.0)),
    );
    let above = _mm256_add_pd(
        below,
        _mm256_div_pd(_mm256_mul_pd(squared, squared), _mm256_set1_pd(24.0)),
    );
    (
        _mm256_mul_pd(below, _mm256_set1_pd(1.0 - 1e-12)),
        _mm256_mul_pd(above, _mm256_set1_pd(1.0 + 1e-12)),
    )
}

/// The bounds with e^−mean itself as both, in the lanes set in `lanes`
/// (a mask of four bits).
#[inline]
#[target_feature(enable = "avx2")]
fn exact_bounds(
    mut lanes: i32,
    mean: __m256d,
    (low, high): (__m256d, __m256d),
) -> (__m256d, __m256d) {
    let (means, mut low, mut high) = (lanes_of(mean), lanes_of(low), lanes_of(high));
    while lanes != 0 {
        let lane = lanes.trailing_zeros() as usize;
        lanes &= lanes - 1;
        let limit = libm::exp(-means[lane]);
        (low[lane], high[lane]) = (limit, limit);
    }
    (load_f64(&low, 0), load_f64(&high, 0))
}

/// Stores, lane by lane where `update` is set, whether the pair now keeps
/// in regular touch (`beyond`).
#[inline]
#[target_feature(enable = "avx2")]
fn store_beyond(column: &mut [bool], k: usize, update: __m256d, beyond: __m256d) {
    let (update, beyond) = (_mm256_movemask_pd(update), _mm256_movemask_pd(beyond));
    for (lane, flag) in column[k..k + 4].iter_mut().enumerate() {
        if update >> lane & 1 == 1 {
            *flag = beyond >> lane & 1 == 1;
        }
    }
}
