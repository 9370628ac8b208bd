//! What a session's steps hand on to each other, by place, in lanes: each
//! figure of place `i` of the batch's groups side by side, one row of
//! eight words, read by a step with one load. What comes from outside
//! the lanes (TS(k − 1)'s figures, the community ties', a forum's
//! propensities) is filled a figure at a time, group by group, so that
//! each group's arrays are read in order; then the lanes past the
//! batch's last group get its first group's figures
//! ([`super::batch::BatchLanes::copy_in`]'s rule).

use super::batch::Row;
use super::lanes::{F32s, Isa, LANES, Mask, U32s};
use crate::bonds::TieSummary;

/// A figure of a place, one row each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// The place's member has arrived (pairs with them exist).
    Arrived,
    /// Active at the session's start.
    Present,
    /// Lonely at the session's start.
    Lonely,
    Attended,
    /// A discloser who had listeners and got no reply.
    NoReply,
    /// Depth of their disclosure this session (0 if none).
    Depth,
    /// Replies received this session.
    Replies,
    /// Replies given this session.
    Given,
    /// Universality's relief this session.
    Relief,
    /// Mood this session (0 if absent).
    Mood,
    /// Mood on arrival, before the averaging round (0 if absent).
    ArrivalMood,
    /// The share of their ties' wanted contact outside the sessions that
    /// the member's time budget covers (step 8).
    OutsideShare,
    /// Lonely community ties outside the group.
    OutsideLonely,
    /// As many ties as they can keep (TS(k − 1)).
    TiesFull,
    /// As many close ties as they can keep (TS(k − 1)).
    CloseFull,
    /// ln(1 + support) (TS(k − 1)).
    LogSupport,
    /// Hopeful community ties outside the group.
    OutsideHopeful,
    /// Community ties in the group heard disclosing as hopeful exemplars
    /// (counted once, in the room).
    HeardTwice,
    /// In a forum, the member's posting propensity.
    Propensity,
    /// In a forum, the posts they wrote this period.
    Posts,
    /// In a forum, the hopeful authors they read this period (each once,
    /// a community tie who is also a group mate not again).
    HopefulRead,
}

/// Rows a place's figures take.
const FIGURES: usize = Figure::HopefulRead as usize + 1;

/// A batch's session figures in lanes.
#[derive(Debug, Default)]
pub struct SessionLanes {
    places: usize,
    /// Lanes that hold a group.
    groups: usize,
    /// Figure `f` of place `i`: row `f` of entry `i` (one bounds check
    /// for a place's figures).
    rows: Vec<[Row; FIGURES]>,
    /// Words of a place's casual ties: one per 32 places.
    casual_words: usize,
    /// Place `i`'s casual-or-closer ties in TS(k − 1), bit `j` of word
    /// `j / 32` for place `j`: row `i · casual_words + j / 32`.
    casual: Vec<Row>,
    /// In a forum, each reply exchanged this period: its pair and lane,
    /// in pair order once the period's replies are in (empty elsewhere).
    exchanges: Vec<(u32, u32)>,
}

impl SessionLanes {
    /// Room for `groups` groups of `places` places; every figure 0.
    pub fn reset(&mut self, groups: usize, places: usize) {
        assert!((1..=LANES).contains(&groups), "one to eight groups");
        (self.groups, self.places) = (groups, places);
        self.rows.clear();
        self.rows.resize(places, [Row::default(); FIGURES]);
        self.casual_words = places.div_ceil(32);
        self.casual.clear();
        self.casual
            .resize(places * self.casual_words, Row::default());
        self.exchanges.clear();
    }

    /// Counts a reply exchanged by pair `k` in lane `l`.
    pub fn add_exchange(&mut self, l: usize, k: usize) {
        self.exchanges.push((k as u32, l as u32));
    }

    /// Puts the period's reply exchanges in pair order (call once every
    /// reply is in, before [`SessionLanes::exchanges`]).
    pub fn sort_exchanges(&mut self) {
        self.exchanges.sort_unstable();
    }

    /// The period's reply exchanges, pair by pair in pair order.
    pub fn exchanges(&self) -> Exchanges<'_> {
        Exchanges {
            left: &self.exchanges,
        }
    }

    /// Sets lane `l`'s casual ties from its group's summary (TS(k − 1)).
    pub fn set_casual(&mut self, l: usize, summary: &TieSummary) {
        assert!(l < self.groups);
        let long = summary.casual_bits().chunks_exact(summary.words());
        assert_eq!(
            long.len() * self.casual_words,
            self.casual.len(),
            "a summary of every place"
        );
        if self.casual_words == 1 {
            // Groups of up to 32 places: a place's bits are the low half
            // of its one u64 word.
            for (row, long) in self.casual.iter_mut().zip(long) {
                row.0[l] = long[0] as u32;
            }
            return;
        }
        for (rows, long) in self.casual.chunks_exact_mut(self.casual_words).zip(long) {
            // A u64 word is two u32 words, the low half first.
            for (w, row) in rows.iter_mut().enumerate() {
                row.0[l] = (long[w / 2] >> (32 * (w % 2))) as u32;
            }
        }
    }

    /// Whether places `i` and `j` share a casual friend (TS(k − 1)), in
    /// each lane.
    #[inline(always)]
    pub fn share_a_casual_friend<I: Isa>(&self, isa: I, i: usize, j: usize) -> Mask<I> {
        let zero = isa.u(0);
        if self.casual_words == 1 {
            // Groups of up to 32 places: one word each.
            let (mine, theirs) = (self.casual[i].0, self.casual[j].0);
            return !(isa.words(mine) & isa.words(theirs)).eq(zero);
        }
        let mut common = zero;
        for w in 0..self.casual_words {
            let mine = isa.words(self.casual[i * self.casual_words + w].0);
            let theirs = isa.words(self.casual[j * self.casual_words + w].0);
            common = common | (mine & theirs);
        }
        !common.eq(zero)
    }

    /// Sets figure `f` of every place in lane `l` to `values`' words, in
    /// place order.
    #[inline]
    pub fn set_words(&mut self, f: Figure, l: usize, values: impl IntoIterator<Item = u32>) {
        assert!(l < self.groups);
        for (place, v) in self.rows.iter_mut().zip(values) {
            place[f as usize].0[l] = v;
        }
    }

    /// Gives the lanes past the last group the first group's figures;
    /// call once every group's are set.
    pub fn fill_missing_lanes(&mut self) {
        if self.groups < LANES {
            let rows = self.rows.as_flattened_mut().iter_mut();
            for row in rows.chain(&mut self.casual) {
                let first = row.0[0];
                row.0[self.groups..].fill(first);
            }
        }
    }

    /// [`SessionLanes::set_words`] for a flag (all ones when set).
    #[inline]
    pub fn set_flags(&mut self, f: Figure, l: usize, values: impl IntoIterator<Item = bool>) {
        let words = values.into_iter().map(|on| if on { u32::MAX } else { 0 });
        self.set_words(f, l, words);
    }

    /// [`SessionLanes::set_words`] for a number.
    #[inline]
    pub fn set_floats(&mut self, f: Figure, l: usize, values: impl IntoIterator<Item = f32>) {
        self.set_words(f, l, values.into_iter().map(f32::to_bits));
    }

    /// Figure `f` of place `i` in every lane, as words.
    #[inline(always)]
    pub fn words<I: Isa>(&self, isa: I, i: usize, f: Figure) -> U32s<I> {
        isa.words(self.rows[i][f as usize].0)
    }

    /// Figure `f` of place `i` in every lane, as a number.
    #[inline(always)]
    pub fn float<I: Isa>(&self, isa: I, i: usize, f: Figure) -> F32s<I> {
        self.words(isa, i, f).float_bits()
    }

    /// Figure `f` of place `i` in lane `l`, as a word.
    pub fn word_at(&self, i: usize, f: Figure, l: usize) -> u32 {
        self.rows[i][f as usize].0[l]
    }

    /// Sets figure `f` of place `i` in lane `l` to the word `v`.
    pub fn set_word_at(&mut self, i: usize, f: Figure, l: usize, v: u32) {
        self.rows[i][f as usize].0[l] = v;
    }

    /// Figure `f` of place `i` in lane `l`, as a number.
    pub fn float_at(&self, i: usize, f: Figure, l: usize) -> f32 {
        f32::from_bits(self.word_at(i, f, l))
    }

    /// Sets figure `f` of place `i` in every lane.
    #[inline(always)]
    pub fn put<I: Isa>(&mut self, i: usize, f: Figure, v: U32s<I>) {
        self.rows[i][f as usize].0 = v.array();
    }

    /// [`SessionLanes::put`] for a number.
    #[inline(always)]
    pub fn put_float<I: Isa>(&mut self, i: usize, f: Figure, v: F32s<I>) {
        self.put(i, f, v.bits());
    }

    /// [`SessionLanes::put`] for a flag (all ones when set).
    #[inline(always)]
    pub fn put_flag<I: Isa>(&mut self, i: usize, f: Figure, m: Mask<I>) {
        let isa = m.isa();
        self.put(i, f, m.select_u(isa.u(u32::MAX), isa.u(0)));
    }

    /// The places whose flag `f` is set, in every lane. (A loop, not an
    /// iterator's fold: a closure over lanes may be compiled out of line,
    /// without the entry's AVX2.)
    #[inline(always)]
    pub fn count<I: Isa>(&self, isa: I, f: Figure) -> F32s<I> {
        let (mut count, zero, one) = (isa.f(0.0), isa.f(0.0), isa.f(1.0));
        for i in 0..self.places {
            count = count + self.flag(isa, i, f).select(one, zero);
        }
        count
    }

    /// Figure `f` of place `i` in every lane, as a flag.
    #[inline(always)]
    pub fn flag<I: Isa>(&self, isa: I, i: usize, f: Figure) -> Mask<I> {
        !self.words(isa, i, f).eq(isa.u(0))
    }
}

/// A forum period's reply exchanges, read pair by pair in pair order.
#[derive(Debug)]
pub struct Exchanges<'a> {
    /// The exchanges of the pairs not yet read, in pair order.
    left: &'a [(u32, u32)],
}

impl Exchanges<'_> {
    /// The replies pair `k` exchanged, in each lane; the pairs read are in
    /// increasing order (those skipped are passed over).
    #[inline(always)]
    pub fn of<I: Isa>(&mut self, isa: I, k: usize) -> F32s<I> {
        let k = k as u32;
        let mut counts = [0u32; LANES];
        while let Some((&(pair, l), rest)) = self.left.split_first() {
            if pair > k {
                break;
            }
            if pair == k {
                counts[l as usize] += 1;
            }
            self.left = rest;
        }
        isa.words(counts).i32_to_f32()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;

    #[test]
    fn a_groups_figures_reach_its_lane_and_the_first_fills_the_rest() {
        let mut s = SessionLanes::default();
        s.reset(3, 5);
        for l in 0..3 {
            s.set_floats(Figure::Depth, l, (0..5).map(|i| (10 * l + i) as f32));
            s.set_flags(Figure::Attended, l, (0..5).map(|i| (i + l) % 2 == 0));
        }
        s.fill_missing_lanes();
        for i in 0..5 {
            let depth = s.float(Portable, i, Figure::Depth).array();
            let want: [f32; LANES] =
                std::array::from_fn(|l| (10 * if l < 3 { l } else { 0 } + i) as f32);
            assert_eq!(depth, want);
            let attended = s.flag(Portable, i, Figure::Attended).bits();
            let want = (0..LANES).fold(0u8, |bits, l| {
                let lane = if l < 3 { l } else { 0 };
                bits | u8::from((i + lane) % 2 == 0) << l
            });
            assert_eq!(attended, want);
            assert_eq!(s.float(Portable, i, Figure::Relief).array(), [0.0; LANES]);
        }
    }
}
