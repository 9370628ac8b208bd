//! What a session's steps hand on to each other, by place, in lanes: each
//! figure of place `i` of the batch's groups side by side, one row of
//! eight words, read by a step with one load. What comes from outside
//! the lanes (the community ties', a forum's propensities, a control
//! block's log of support) is filled a figure at a time, group by group,
//! so that each group's arrays are read in order; then the lanes past
//! the batch's last group get its first group's figures
//! ([`super::batch::BatchLanes::copy_in`]'s rule). What a meeting
//! group's session reads of TS(k − 1) comes in by the transposition
//! ([`SessionLanes::set_ties_before`]).

use super::batch::{Row, bit_words, rows_in};
use super::lanes::{F32s, Isa, LANES, Mask, U32s, each_lane};
use crate::bonds::{MemberTies, TieSummary, carry_words};

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
    /// Their factor of the odds against a reply as a listener
    /// (`steps::replies`).
    ReplyOdds,
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
    rows: Vec<PlaceFigures>,
    /// Words of a place's casual ties: one per 32 places.
    casual_words: usize,
    /// Place `i`'s casual-or-closer ties in TS(k − 1), bit `j` of word
    /// `j / 32` for place `j`: row `i · casual_words + j / 32`.
    casual: Vec<Row>,
    /// In a forum, each reply exchanged this period: its pair and lane,
    /// in pair order once the period's replies are in (empty elsewhere).
    exchanges: Vec<(u32, u32)>,
    /// The tie summaries' words in lanes, on their way to the figures
    /// ([`SessionLanes::set_ties_before`]).
    ties: Vec<Row>,
}

/// Which of a tie summary's words ([`SessionLanes::set_ties_before`]).
#[derive(Debug, Clone, Copy)]
enum SummaryWords {
    /// The words of the members' figures as they are: a whole summary's
    /// figures, [`crate::bonds::MemberTies`]' six words each, or a carry's
    /// carries ([`crate::bonds::carry_words`] each).
    Figures,
    /// The casual ties' bitsets, as u32 halves.
    Casual,
}

/// One place's figures ([`SessionLanes::places_before`]).
pub type PlaceFigures = [Row; FIGURES];

/// Figure `f` of a place's figures in every lane, as a number.
#[inline(always)]
pub fn figure<I: Isa>(isa: I, place: &PlaceFigures, f: Figure) -> F32s<I> {
    isa.words(place[f as usize].0).float_bits()
}

/// Sets figure `f` of a place's figures in every lane.
#[inline(always)]
pub fn set_figure<I: Isa>(place: &mut PlaceFigures, f: Figure, v: F32s<I>) {
    place[f as usize].0 = v.bits().array();
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

    /// Sets what the session reads of TS(k − 1), in every lane from the
    /// summaries of the batch's groups (lane `l`'s from `summaries[l]`,
    /// the lanes past the last the first's; each a summary of every
    /// place, as a group's is from its making on, and all holding their
    /// carry alone or all whole): the log of support, whether each member
    /// keeps as many ties as they can (`capacities.0`) and as many close
    /// ties (`capacities.1`), and the casual ties. Each summary's words
    /// come in eight at a time by the transposition: a carry's
    /// ([`crate::bonds::carry_words`] a place), or a whole summary's
    /// figures and casual ties.
    #[inline(always)]
    pub fn set_ties_before<I: Isa>(
        &mut self,
        isa: I,
        summaries: &[&TieSummary],
        capacities: (u32, u32),
    ) {
        for summary in summaries {
            assert_eq!(summary.places(), self.places, "a summary of every place");
        }
        let carried = summaries[0].carry().is_some();
        assert!(
            summaries.iter().all(|s| s.carry().is_some() == carried),
            "all carries or all whole"
        );
        let stride = if carried {
            carry_words(self.places)
        } else {
            MemberTies::WORDS
        };
        self.summary_words_in(isa, summaries, SummaryWords::Figures, self.places * stride);
        self.ties_before_from_rows(isa, (None, carried), capacities);
        if carried {
            return;
        }
        let short = self.casual_words;
        // A place's u32 words of 32 places each are the first of its
        // summary's words, two to a u64.
        let long = 2 * summaries[0].words();
        self.summary_words_in(isa, summaries, SummaryWords::Casual, self.places * long);
        for (rows, from) in self
            .casual
            .chunks_exact_mut(short)
            .zip(self.ties.chunks_exact(long))
        {
            rows.copy_from_slice(&from[..short]);
        }
    }

    /// [`SessionLanes::set_ties_before`] from carries kept in lanes
    /// (`carry`: [`crate::bonds::carry_words`] rows a place, as
    /// [`super::summary::SummaryLanes::carry_rows`] makes them), where the
    /// batch's last session left them rather than give them to the
    /// groups: the same rows as the groups' carries would give by the
    /// transposition.
    #[inline(always)]
    pub fn set_ties_before_from_carries<I: Isa>(
        &mut self,
        isa: I,
        carry: &[Row],
        capacities: (u32, u32),
    ) {
        assert_eq!(carry.len(), self.places * carry_words(self.places));
        self.ties_before_from_rows(isa, (Some(carry), true), capacities);
    }

    /// The figures of TS(k − 1) from the rows of `carry` (each place's
    /// carry), or else of `ties` as [`SessionLanes::set_ties_before`] put
    /// them there (each place's carry where `carried`, else its whole
    /// figures): whether each member keeps as many ties, and close ties,
    /// as they can, the log of support, and from a carry the casual ties.
    #[inline(always)]
    fn ties_before_from_rows<I: Isa>(
        &mut self,
        isa: I,
        (carry, carried): (Option<&[Row]>, bool),
        capacities: (u32, u32),
    ) {
        let rows = carry.unwrap_or(&self.ties);
        // Where a place's words hold its counts (the ties in the low half
        // of the first, the close ties in the high half of `close`) and
        // its log of support: a carry's first two, or the figures'.
        let (stride, close, log_support) = if carried {
            (carry_words(self.places), 0, 1)
        } else {
            (MemberTies::WORDS, 1, 4)
        };
        let (low, high) = (isa.u(0xFFFF), isa.u(0xFFFF_0000));
        let tie_capacity = isa.f(capacities.0 as f32);
        let close_capacity = isa.f(capacities.1 as f32);
        for (i, words) in rows.chunks_exact(stride).enumerate() {
            let counts = isa.words(words[0].0) & low | isa.words(words[close].0) & high;
            let ties = (counts & low).i32_to_f32();
            let close = counts.shr::<16>().i32_to_f32();
            let place = &mut self.rows[i];
            place[Figure::TiesFull as usize].0 = ties.ge(tie_capacity).words().array();
            place[Figure::CloseFull as usize].0 = close.ge(close_capacity).words().array();
            place[Figure::LogSupport as usize] = words[log_support];
        }
        if carried {
            // A place's casual words follow its counts and log of support,
            // copied row by row (mostly one: a copy of a length known only
            // here would be a call).
            let places = self
                .casual
                .chunks_exact_mut(self.casual_words)
                .zip(rows.chunks_exact(stride));
            for (rows, from) in places {
                for (to, &word) in rows.iter_mut().zip(&from[2..]) {
                    *to = word;
                }
            }
        }
    }

    /// Words `0..count` of each lane's summary (`of` says which; each a
    /// summary of every place) in `ties`' rows, by the transposition.
    #[inline(always)]
    fn summary_words_in<I: Isa>(
        &mut self,
        isa: I,
        summaries: &[&TieSummary],
        of: SummaryWords,
        count: usize,
    ) {
        let words = each_lane(|l| {
            let summary = summaries[if l < summaries.len() { l } else { 0 }];
            // What each summary holds is checked by the caller.
            let words = match of {
                SummaryWords::Figures => summary.figure_words(),
                SummaryWords::Casual => bit_words(summary.casual_bits()),
            };
            &words[..count]
        });
        // Every row is written by the transposition: those kept from an
        // earlier batch need not be cleared first.
        self.ties.resize(count, Row::default());
        rows_in(isa, &words, count, &mut self.ties);
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

    /// The figures of the places before place `j`, in place order, to be
    /// read and written along `j`'s row of pairs without a bounds check
    /// each ([`figure`], [`set_figure`]).
    #[inline(always)]
    pub fn places_before(&mut self, j: usize) -> &mut [PlaceFigures] {
        &mut self.rows[..j]
    }

    /// Figure `f` of place `i` in every lane, as words.
    #[inline(always)]
    pub fn words<I: Isa>(&self, isa: I, i: usize, f: Figure) -> U32s<I> {
        isa.words(self.rows[i][f as usize].0)
    }

    /// Figure `f` of place `i` in every lane, as a number.
    #[inline(always)]
    pub fn float<I: Isa>(&self, isa: I, i: usize, f: Figure) -> F32s<I> {
        figure(isa, &self.rows[i], f)
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
        set_figure(&mut self.rows[i], f, v);
    }

    /// [`SessionLanes::put`] for a flag (all ones when set).
    #[inline(always)]
    pub fn put_flag<I: Isa>(&mut self, i: usize, f: Figure, m: Mask<I>) {
        self.put(i, f, m.words());
    }

    /// The places whose flag `f` is set, in every lane. (A loop, not an
    /// iterator's fold: a closure over lanes may be compiled out of line,
    /// without the entry's AVX2.)
    #[inline(always)]
    pub fn count<I: Isa>(&self, isa: I, f: Figure) -> F32s<I> {
        let (mut count, one) = (isa.f(0.0), isa.f(1.0));
        for i in 0..self.places {
            count = count + self.flag(isa, i, f).keep(one);
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

    /// TS(k − 1) in lanes from groups of 12, 40 and 70 places (one, two
    /// and three words of 32 places, summaries of one and two u64 words)
    /// after a year (stronger ties made for every level), in batches of
    /// three (the first group's in the other lanes) and of two, one a
    /// group before its first session (its summary made with the group,
    /// every figure 0): each lane's figures those of its group's summary.
    #[test]
    fn ties_before_are_each_groups_summary() {
        use crate::population::{GroupState, build_community_with};
        let (mut full, mut not_full, mut casual, mut far, mut apart) = (0, 0, 0, 0, 0);
        for places in [12u32, 40, 70] {
            let s = crate::scenario::Scenario::builder()
                .set("community.groups", 3)
                .set("community.group_size", places)
                .set("format.sessions", 52)
                .build()
                .unwrap();
            let ctx = crate::context::SessionContext::new(&s, 1);
            let mut community = build_community_with(&ctx);
            let fresh: Vec<GroupState> = community.clone();
            let places = places as usize;
            for step in 1..=52 {
                crate::engine::step_all(&mut community, &ctx, step);
            }
            let capacities = (3, 2);
            let meeting = |c: &[GroupState]| -> Vec<GroupState> {
                c.iter().filter(|g| g.meets).take(3).cloned().collect()
            };
            let (mut year, fresh) = (meeting(&community), meeting(&fresh));
            assert_eq!(year.len(), 3);
            // A year leaves few casual ties: stronger ones, and the
            // summaries made anew.
            for g in &mut year {
                let strengths = g.bonds.columns_mut().strength;
                for (k, s) in strengths.iter_mut().enumerate().filter(|(_, s)| **s > 0.0) {
                    *s = ctx.levels.close * 1.3 * (k % 13) as f32 / 12.0;
                }
                let present: Vec<bool> = (0..places).map(|i| i < g.arrived).collect();
                let lonely = vec![false; places];
                let mut summary = std::mem::take(&mut g.tie_summary);
                summary.compute(&g.bonds, g.arrived, &present, &lonely, &ctx.levels);
                g.tie_summary = summary;
            }
            for groups in [&year[..], &[year[0].clone(), fresh[1].clone()][..]] {
                let summaries: Vec<&TieSummary> = groups.iter().map(|g| &g.tie_summary).collect();
                let mut lanes = SessionLanes::default();
                lanes.reset(groups.len(), places);
                lanes.set_ties_before(Portable, &summaries, capacities);
                for l in 0..LANES {
                    let summary = summaries[if l < groups.len() { l } else { 0 }];
                    for i in 0..places {
                        let t = summary.members()[i];
                        let at = |f: Figure| lanes.word_at(i, f, l);
                        assert_eq!(at(Figure::LogSupport), t.log_support.to_bits());
                        let flag = |on: bool| if on { u32::MAX } else { 0 };
                        assert_eq!(at(Figure::TiesFull), flag(u32::from(t.ties) >= 3));
                        assert_eq!(at(Figure::CloseFull), flag(u32::from(t.close) >= 2));
                        // Members whose other counts would give another
                        // flag.
                        apart += usize::from(t.close < 2 && t.casual.min(t.friends) >= 2);
                        full += usize::from(t.ties >= 3);
                        not_full += usize::from(t.ties < 3);
                        for w in 0..places.div_ceil(32) {
                            let long = summary.casual_bits()[i * summary.words() + w / 2];
                            let want = (long >> (32 * (w % 2))) as u32;
                            assert_eq!(lanes.casual[i * lanes.casual_words + w].0[l], want);
                            casual += want.count_ones();
                            far += usize::from(w > 0 && want != 0);
                        }
                    }
                }
            }
        }
        assert!(
            full > 100 && not_full > 100 && casual > 1_000 && far > 100 && apart > 20,
            "{full} {not_full} {casual} {far} {apart}"
        );
    }

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
