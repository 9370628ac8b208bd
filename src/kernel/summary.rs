//! The tie summary TS(k) that ends step 8, in lanes: each member's tie
//! figures (ties at each level, lonely tie partners, ties beyond the
//! meetings, support, the mean strength to the others present, the log of
//! support) and tie bitsets, summed pair by pair in pair order from the
//! strengths after the step, as [`crate::bonds::TieSummary::compute`] makes them for one
//! group. The session's later steps read it here; [`SummaryLanes::copy_out`]
//! gives each group its summary, where the next session, the tally and the
//! network figures read it.
//!
//! The sums and counts have the bits of [`crate::bonds::TieSummary::compute`]'s (the same
//! f32 operations in the same order); the log of support is the kernel's
//! `ln(1 + support)` (`math::ln`), where the f64 summary takes libm's `log1pf`.

use super::batch::{BatchLanes, Column, Row, bit_words_mut, field, rows_out};
use super::lanes::{F32s, Isa, LANES, Mask, U32s};
use super::math;
use super::scratch::{Figure as Session, SessionLanes};
use crate::bonds::{Held, MemberTies, TieLevels, carry_words};
use crate::population::GroupState;

/// A member's figures in [`SummaryLanes`]: the counts two to a row, each
/// in sixteen bits (the first of a row in the low half), then the sums,
/// one row each, in the order of
/// [`MemberTies`]' words (so that a place's rows
/// are the words [`SummaryLanes::copy_out`] gives its group).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Ties,
    Casual,
    Friends,
    Close,
    Beyond,
    LonelyPartners,
    Support,
    LogSupport,
    StrengthToPresent,
}

impl Figure {
    /// The figure's row among a place's, and the bit its value starts at.
    #[inline(always)]
    const fn row_and_shift(self) -> (usize, u32) {
        match self {
            Figure::Ties => (0, 0),
            Figure::Casual => (0, 16),
            Figure::Friends => (1, 0),
            Figure::Close => (1, 16),
            Figure::Beyond => (2, 0),
            Figure::LonelyPartners => (2, 16),
            Figure::Support => (3, 0),
            Figure::LogSupport => (4, 0),
            Figure::StrengthToPresent => (5, 0),
        }
    }

    /// The figure's row among a place's.
    #[inline(always)]
    const fn row(self) -> usize {
        self.row_and_shift().0
    }

    /// The row of a sum (a figure alone in its row).
    #[inline(always)]
    const fn sum_row(self) -> usize {
        let (row, _) = self.row_and_shift();
        assert!(row >= COUNT_ROWS, "a count is not a sum");
        row
    }
}

/// Rows a member's figures take: [`MemberTies`]' words.
const FIGURES: usize = MemberTies::WORDS;

/// Rows the counts take, two counts a row.
const COUNT_ROWS: usize = 3;

// A count is at most a group's places less one, which sixteen bits hold
// (and `MemberTies` keeps it in sixteen bits): one never carries into
// the count above it.
const _: () = assert!(crate::scenario::MAX_PLACES <= 1 << 16);

/// Which of a member's bitsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bits {
    /// Ties at or above the network threshold (for clustering).
    Ties,
    /// Ties at or above the casual-friend level (for triadic closure).
    Casual,
}

/// What the session brings to the summary of place `i`, in each lane.
#[derive(Debug, Clone, Copy)]
pub struct PlaceInSummary<I: Isa> {
    /// The place's member has arrived (pairs with them exist).
    pub arrived: Mask<I>,
    /// Active at the session's start.
    pub present: Mask<I>,
    /// Lonely at the session's start.
    pub lonely: Mask<I>,
}

impl<I: Isa> PlaceInSummary<I> {
    /// Place `i`'s, from the session's figures.
    #[inline(always)]
    pub fn at(isa: I, session: &SessionLanes, i: usize) -> Self {
        PlaceInSummary {
            arrived: session.flag(isa, i, Session::Arrived),
            present: session.flag(isa, i, Session::Present),
            lonely: session.flag(isa, i, Session::Lonely),
        }
    }
}

/// A batch's tie summaries in lanes.
#[derive(Debug, Default)]
pub struct SummaryLanes {
    places: usize,
    /// u32 words of a member's bitset: two for each of the summary's u64
    /// words (low half first), so that the copies write and read the
    /// u64s as their halves.
    words: usize,
    /// Place `i`'s figures: entry `i`, one row a
    /// [`MemberTies`] word (one bounds check for
    /// a place's figures).
    figures: Vec<[Row; FIGURES]>,
    /// Word `w` of place `i`'s tie bits: row `i · words + w`; the casual
    /// bits follow every place's tie bits.
    bits: Vec<Row>,
    /// Twice the triangles through each place, one row a place
    /// ([`SummaryLanes::clustering`]'s scratch).
    twice_triangles: Vec<Row>,
    /// Each lane's sum of local clustering over the places whose members
    /// joined, where [`SummaryLanes::clustering`] was made.
    clustering_sums: Option<[f64; LANES]>,
    /// The places' carries, for a copy out of carries alone
    /// ([`SummaryLanes::carry_rows`]).
    carry: Vec<Row>,
}

/// The row of word `w` of place `i`'s bitset `b`, in summaries of
/// `places` places of `words` words each: the casual bitsets' rows follow
/// every place's tie bitsets.
#[inline(always)]
fn bit_row((places, words): (usize, usize), b: Bits, i: usize, w: usize) -> usize {
    let set = if b == Bits::Ties { 0 } else { places };
    (set + i) * words + w
}

/// A place's tie and close-tie counts in one row, from its figures: the
/// ties in the low sixteen bits, the close ties in the high
/// ([`crate::bonds::carry_words`]). A function, not a closure: work over
/// lanes in a closure may be compiled apart, without the vectors.
#[inline(always)]
fn counts_row<I: Isa>(isa: I, figures: &[Row; FIGURES]) -> Row {
    let ties = isa.words(figures[Figure::Ties.row()].0) & 0xFFFF;
    let close = isa.words(figures[Figure::Close.row()].0) & 0xFFFF_0000;
    Row((ties | close).array())
}

/// Adds to each place's row of `twice` the partners it shares with each
/// of its tie partners, in every lane, from the places' tie bitsets
/// (`ties`: `words` rows a place, the first `used` holding bits). Pair
/// (i, j), i < j, is read from i's row, where j's bit says whether they
/// are tied; its shared partners are added to j's count in a register.
#[inline(always)]
fn add_twice_triangles<I: Isa>(
    isa: I,
    (ties, words, used): (&[Row], usize, usize),
    twice: &mut [Row],
) {
    let zero = isa.u(0);
    let rows = |i: usize| &ties[i * words..][..used];
    for j in 1..twice.len() {
        let (row_j, word_j, bit_j) = (rows(j), j / 32, isa.u(1 << (j % 32)));
        let (before, from_j) = twice.split_at_mut(j);
        let mut twice_j = zero;
        for (row_i, twice_i) in ties.chunks_exact(words).zip(before) {
            let row_i = &row_i[..used];
            let tie = !(isa.words(row_i[word_j].0) & bit_j).eq(zero);
            let mut shared = zero;
            for (a, b) in row_i.iter().zip(row_j) {
                shared = shared + (isa.words(a.0) & isa.words(b.0)).count_ones();
            }
            let shared = tie.keep_u(shared);
            twice_j = twice_j + shared;
            twice_i.0 = (isa.words(twice_i.0) + shared).array();
        }
        from_j[0].0 = (isa.words(from_j[0].0) + twice_j).array();
    }
}

/// Adds one place's local clustering to each lane's sum where its member
/// has joined (`joined` all ones): twice its triangles over k (k − 1) for
/// `ties` k of at least 2, else 0; elsewhere −0, which leaves a sum as it
/// is (as leaving the place out does). Each term and sum is the f64 one
/// of [`crate::bonds::TieSummary::clustering_sum`]: k (k − 1) is below
/// 2^32, exact in f64.
#[inline(always)]
fn add_local_clustering(
    sums: &mut [f64; LANES],
    joined: [u32; LANES],
    ties: [u32; LANES],
    twice: [u32; LANES],
) {
    // Branch-free, lane by lane, for the compiler to widen: counts are
    // below 2^31 (a group has at most 5,000 places), so as i32 they are
    // the same numbers.
    let k = ties.map(|k| f64::from(k as i32));
    let twice = twice.map(|t| f64::from(t as i32));
    for l in 0..LANES {
        let local = twice[l] / (k[l] * (k[l] - 1.0));
        let term = if k[l] < 2.0 { 0.0 } else { local };
        sums[l] += if joined[l] == 0 { -0.0 } else { term };
    }
}

/// A place's figures in registers, the sums as their bits.
type Figures<I> = [U32s<I>; FIGURES];

/// Where a place's figures are summed: in registers ([`Figures`]) for
/// the place whose row of pairs is being walked, in its rows for the
/// others.
trait Sums<I: Isa> {
    fn row(&self, isa: I, row: usize) -> U32s<I>;
    fn set_row(&mut self, row: usize, v: U32s<I>);

    /// Adds `v` to sum figure `f`.
    #[inline(always)]
    fn add(&mut self, f: Figure, v: F32s<I>) {
        let row = f.sum_row();
        let sum = self.row(v.isa(), row).float_bits() + v;
        self.set_row(row, sum.bits());
    }

    /// Adds `counted` (ones at each count's bit, [`counted`]) to the
    /// counts of row `row`.
    #[inline(always)]
    fn count(&mut self, row: usize, counted: U32s<I>) {
        let counts = self.row(counted.isa(), row) + counted;
        self.set_row(row, counts);
    }
}

/// One for the low count of a row in the lanes of `low`, and one for its
/// high count in those of `high`.
#[inline(always)]
fn counted<I: Isa>(low: Mask<I>, high: Mask<I>) -> U32s<I> {
    let isa = low.isa();
    low.keep_u(isa.u(1)) | high.keep_u(isa.u(1 << 16))
}

impl<I: Isa> Sums<I> for Figures<I> {
    #[inline(always)]
    fn row(&self, _: I, row: usize) -> U32s<I> {
        self[row]
    }

    #[inline(always)]
    fn set_row(&mut self, row: usize, v: U32s<I>) {
        self[row] = v;
    }
}

impl<I: Isa> Sums<I> for [Row; FIGURES] {
    #[inline(always)]
    fn row(&self, isa: I, row: usize) -> U32s<I> {
        isa.words(self[row].0)
    }

    #[inline(always)]
    fn set_row(&mut self, row: usize, v: U32s<I>) {
        self[row].0 = v.array();
    }
}

/// The tie levels in every lane, and the support of a unit of strength
/// (1 / the friend level): made once a batch rather than at each pair.
#[derive(Debug, Clone, Copy)]
struct Levels<I: Isa> {
    tie: F32s<I>,
    casual: F32s<I>,
    friend: F32s<I>,
    close: F32s<I>,
    per_friend: F32s<I>,
}

impl<I: Isa> Levels<I> {
    #[inline(always)]
    fn new(isa: I, levels: &TieLevels) -> Self {
        Levels {
            tie: isa.f(levels.tie),
            casual: isa.f(levels.casual),
            friend: isa.f(levels.friend),
            close: isa.f(levels.close),
            per_friend: isa.f(1.0 / levels.friend),
        }
    }
}

/// Adds the pair of places `a` (the earlier) and `b` (the later), of
/// strength `s`, to both members' figures in the lanes of `has` (those
/// where it has strength; `beyond` where it reaches beyond the
/// meetings); returns the lanes where it is a tie and where it is
/// casual.
#[inline(always)]
fn add_pair<I: Isa>(
    levels: &Levels<I>,
    (a, b): (&PlaceInSummary<I>, &PlaceInSummary<I>),
    (s, has, beyond): (F32s<I>, Mask<I>, Mask<I>),
    (of_a, of_b): (&mut impl Sums<I>, &mut impl Sums<I>),
) -> [Mask<I>; 2] {
    let isa = s.isa();
    let support = has.keep((s * levels.per_friend).min(isa.f(1.0)));
    of_a.add(Figure::Support, support);
    of_b.add(Figure::Support, support);
    // s where the other came, else +0, which leaves a sum of positive
    // terms as it is.
    of_a.add(Figure::StrengthToPresent, (has & b.present).keep(s));
    of_b.add(Figure::StrengthToPresent, (has & a.present).keep(s));
    let tie = has & s.ge(levels.tie);
    if !tie.any() {
        return [tie, tie];
    }
    let casual = tie & s.ge(levels.casual);
    let friends = casual & s.ge(levels.friend);
    let close = friends & s.ge(levels.close);
    for (row, counted) in [
        (Figure::Ties.row(), counted(tie, casual)),
        (Figure::Friends.row(), counted(friends, close)),
    ] {
        of_a.count(row, counted);
        of_b.count(row, counted);
    }
    let (beyond, row) = (tie & beyond, Figure::Beyond.row());
    of_a.count(row, counted(beyond, tie & b.lonely));
    of_b.count(row, counted(beyond, tie & a.lonely));
    [tie, casual]
}

impl SummaryLanes {
    /// Makes the summaries of the batch in `lanes` after step 8, from
    /// what the session brings to each place (`session`'s figures).
    #[inline(always)]
    pub fn make<I: Isa>(
        &mut self,
        isa: I,
        levels: &TieLevels,
        lanes: &BatchLanes,
        session: &SessionLanes,
    ) {
        self.without_ties(lanes.places());
        let (zero, levels) = (isa.f(0.0), Levels::new(isa, levels));
        let shape = (self.places, self.words);
        let (figures, bits) = (&mut self.figures[..], &mut self.bits[..]);
        let sets = [Bits::Ties, Bits::Casual];
        for j in 1..lanes.filled_places() {
            let b = PlaceInSummary::at(isa, session, j);
            if !b.arrived.any() {
                continue;
            }
            // Place j's figures gather its pairs with the places before
            // it in registers, in the order the pairs come (nothing before
            // this row has added to them), and its bits 32 places at a
            // time; place i's are read and written at each pair.
            let mut of_j = [isa.u(0); FIGURES];
            let bit_j = isa.u(1 << (j % 32));
            let (strengths, beyond) = (lanes.column_row(Column::Strength, j), lanes.beyond_row(j));
            for w in 0..j.div_ceil(32) {
                let mut bits_of_j = [isa.u(0); 2];
                for i in w * 32..j.min(w * 32 + 32) {
                    let a = &PlaceInSummary::at(isa, session, i);
                    let s = isa.words(strengths[i].0).float_bits();
                    // Only pairs of members who have arrived (the first
                    // places) have strength; a lane without it adds
                    // nothing.
                    let has = s.gt(zero) & b.arrived;
                    if !has.any() {
                        continue;
                    }
                    let pair = (s, has, isa.mask_of_bits(beyond[i]));
                    let [tie, casual] =
                        add_pair(&levels, (a, &b), pair, (&mut figures[i], &mut of_j));
                    let bit_i = isa.u(1 << (i % 32));
                    for (n, m) in [tie, casual].into_iter().enumerate() {
                        let row = &mut bits[bit_row(shape, sets[n], i, j / 32)].0;
                        *row = (isa.words(*row) | m.keep_u(bit_j)).array();
                        bits_of_j[n] = bits_of_j[n] | m.keep_u(bit_i);
                    }
                }
                for (n, word) in bits_of_j.into_iter().enumerate() {
                    let row = &mut bits[bit_row(shape, sets[n], j, w)].0;
                    *row = (isa.words(*row) | word).array();
                }
            }
            for (row, figure) in figures[j].iter_mut().zip(of_j) {
                row.0 = figure.array();
            }
        }
        self.finish(isa, session);
    }

    /// The figures made from the sums: the mean strength to the others
    /// present, and the log of support of those present.
    #[inline(always)]
    fn finish<I: Isa>(&mut self, isa: I, session: &SessionLanes) {
        let (zero, one) = (isa.u(0), isa.u(1));
        let mut present = zero;
        for i in 0..self.places {
            let p = PlaceInSummary::at(isa, session, i);
            present = present + (p.arrived & p.present).keep_u(one);
        }
        for i in 0..self.places {
            let p = PlaceInSummary::at(isa, session, i);
            let others = present - (p.arrived & p.present).keep_u(one);
            let sum = self.float(isa, i, Figure::StrengthToPresent);
            let mean = (!others.eq(zero)).keep(sum / others.i32_to_f32());
            self.set(i, Figure::StrengthToPresent, mean);
            let support = self.float(isa, i, Figure::Support);
            let with_support = p.arrived & p.present & support.gt(isa.f(0.0));
            let log = with_support.keep(math::ln(support + 1.0));
            self.set(i, Figure::LogSupport, log);
        }
    }

    /// The summaries of `places` places without ties (control blocks', or
    /// a batch's before its sums): every figure 0.
    #[inline(always)]
    pub fn without_ties(&mut self, places: usize) {
        self.places = places;
        self.words = 2 * places.div_ceil(64).max(1);
        self.figures.clear();
        self.figures.resize(places, [Row::default(); FIGURES]);
        self.bits.clear();
        self.bits.resize(2 * places * self.words, Row::default());
        self.twice_triangles.clear();
        self.clustering_sums = None;
    }

    /// Each lane's sum of local clustering over the places whose members
    /// have joined (arrived, with a joined step), from twice the triangles
    /// through each place (the partners their partners share, counted for
    /// both ends of each tie): [`crate::bonds::TieSummary::clustering_sum`]'s
    /// terms in its order, for [`SummaryLanes::copy_out`] to give the
    /// groups. Call after [`SummaryLanes::make`].
    #[inline(always)]
    pub fn clustering<I: Isa>(&mut self, isa: I, lanes: &BatchLanes, session: &SessionLanes) {
        let (n, words) = (self.places, self.words);
        self.twice_triangles.clear();
        self.twice_triangles.resize(n, Row::default());
        // Words past the places hold no bits: one word for up to 32
        // places, where the count of a pair's shared partners is one.
        let used = n.div_ceil(32);
        let (ties, twice) = (&self.bits[..n * words], &mut self.twice_triangles[..]);
        if used == 1 {
            add_twice_triangles(isa, (ties, words, 1), twice);
        } else {
            add_twice_triangles(isa, (ties, words, used), twice);
        }
        let mut sums = [-0.0; LANES];
        for (i, twice) in self.twice_triangles.iter().enumerate() {
            let joined =
                session.flag(isa, i, Session::Arrived) & lanes.is_set(isa, i, field::JOINED_STEP);
            let joined = joined.words().array();
            let ties = self.count_of(isa, i, Figure::Ties).array();
            add_local_clustering(&mut sums, joined, ties, twice.0);
        }
        self.clustering_sums = Some(sums);
    }

    /// Count figure `f` of place `i` in every lane.
    #[inline(always)]
    pub fn count_of<I: Isa>(&self, isa: I, i: usize, f: Figure) -> U32s<I> {
        let (row, shift) = f.row_and_shift();
        debug_assert!(row < COUNT_ROWS, "a sum is not a count");
        let counts = isa.words(self.figures[i][row].0);
        if shift == 0 {
            counts & 0xFFFF
        } else {
            counts.shr::<16>()
        }
    }

    /// Figure `f` (a sum) of place `i` in every lane.
    #[inline(always)]
    pub fn float<I: Isa>(&self, isa: I, i: usize, f: Figure) -> F32s<I> {
        isa.words(self.figures[i][f.sum_row()].0).float_bits()
    }

    #[inline(always)]
    fn set<I: Isa>(&mut self, i: usize, f: Figure, v: F32s<I>) {
        self.figures[i][f.sum_row()].0 = v.bits().array();
    }

    /// Word `w` (of 32 places) of place `i`'s bitset `b` in every lane.
    #[inline(always)]
    pub fn bit_word<I: Isa>(&self, isa: I, b: Bits, i: usize, w: usize) -> U32s<I> {
        isa.words(self.bits[self.bit_row(b, i, w)].0)
    }

    /// The row of word `w` of place `i`'s bitset `b`.
    #[inline(always)]
    fn bit_row(&self, b: Bits, i: usize, w: usize) -> usize {
        bit_row((self.places, self.words), b, i, w)
    }

    /// Gives each of the batch's groups (those copied into the lanes, in
    /// order) its summary, holding `held`, with the sum of local
    /// clustering over the members who joined where
    /// [`SummaryLanes::clustering`] was made
    /// ([`crate::bonds::TieSummary::clustering_sum`]'s terms, in its order).
    /// A place's figures are [`MemberTies`]'s
    /// six words in lanes; they and the bitsets go to the groups eight
    /// words at a time by the transposition, or, for a carry, the carry's
    /// words made here from them (`SummaryLanes::carry_rows`) and, where
    /// held, the network ties' bitsets.
    #[inline(always)]
    pub fn copy_out<I: Isa>(&mut self, isa: I, groups: &mut [GroupState], held: Held) {
        let n = groups.len();
        assert!(n <= LANES);
        let carry = held != Held::Whole;
        let mut members: [&mut [u32]; LANES] = Default::default();
        let mut tie_bits: [&mut [u32]; LANES] = Default::default();
        let mut casual_bits: [&mut [u32]; LANES] = Default::default();
        for (l, g) in groups.iter_mut().enumerate() {
            let summary = &mut g.tie_summary;
            summary.reset(self.places);
            let (figures, ties, casual) = summary.parts_mut(held);
            members[l] = MemberTies::words_mut(figures);
            (tie_bits[l], casual_bits[l]) = (bit_words_mut(ties), bit_words_mut(casual));
        }
        let half = self.bits.len() / 2;
        if carry {
            let rows = self.carry_rows(isa);
            rows_out(isa, rows, rows.len(), &mut members[..n]);
        } else {
            let figures = self.figures.as_flattened();
            rows_out(isa, figures, figures.len(), &mut members[..n]);
            rows_out(isa, &self.bits[half..], half, &mut casual_bits[..n]);
        }
        // A summary's u64 word is the two u32 rows of the lanes' word
        // pair, low half first, in the same order.
        if held != (Held::Carry { tie_bits: false }) {
            rows_out(isa, &self.bits[..half], half, &mut tie_bits[..n]);
        }
        if let Some(sums) = self.clustering_sums {
            for (g, sum) in groups.iter_mut().zip(sums) {
                g.tie_summary.joined_clustering_sum = Some(sum);
            }
        }
    }

    /// Gives each group (one a lane, in order) its network ties' bitsets
    /// alone, as [`SummaryLanes::copy_out`] gives them, for the network
    /// figures of a batch that stays in its lanes: the rest of its tie
    /// summary is left as it was
    /// ([`crate::bonds::TieSummary::network_ties_mut`]).
    #[inline(always)]
    pub fn tie_bits_out<I: Isa>(&self, isa: I, groups: &mut [GroupState]) {
        let n = groups.len();
        assert!(n <= LANES);
        let mut tie_bits: [&mut [u32]; LANES] = Default::default();
        for (l, g) in groups.iter_mut().enumerate() {
            assert_eq!(g.tie_summary.places(), self.places, "the lanes' places");
            tie_bits[l] = bit_words_mut(g.tie_summary.network_ties_mut());
        }
        let half = self.bits.len() / 2;
        rows_out(isa, &self.bits[..half], half, &mut tie_bits[..n]);
    }

    /// Each lane's sum of local clustering over the places whose members
    /// joined, where [`SummaryLanes::clustering`] was made this session.
    pub fn clustering_sums(&self) -> Option<[f64; LANES]> {
        self.clustering_sums
    }

    /// Each place's carry in lanes ([`crate::bonds::carry_words`] rows a
    /// place), from its figures and casual ties: the tie and close-tie
    /// counts in one word, the log of support, the casual ties' words of
    /// 32 places.
    #[inline(always)]
    pub fn carry_rows<I: Isa>(&mut self, isa: I) -> &[Row] {
        let (places, words) = (self.places, self.words);
        let stride = carry_words(places);
        let casual_words = stride - 2;
        if self.carry.len() != places * stride {
            self.carry.resize(places * stride, Row::default());
        }
        let log_support = Figure::LogSupport.sum_row();
        // Place i's casual words are the first of its bitset's rows,
        // which follow every place's tie bits.
        let casual = &self.bits[places * words..][..places * words];
        if casual_words == 1 {
            // Up to 32 places: a carry of three rows.
            let carries = self.carry.as_chunks_mut::<3>().0;
            for (i, (carry, figures)) in carries.iter_mut().zip(&self.figures).enumerate() {
                *carry = [
                    counts_row(isa, figures),
                    figures[log_support],
                    casual[i * words],
                ];
            }
            return &self.carry;
        }
        let each = self.carry.chunks_exact_mut(stride);
        for ((carry, figures), bits) in each.zip(&self.figures).zip(casual.chunks_exact(words)) {
            carry[0] = counts_row(isa, figures);
            carry[1] = figures[log_support];
            carry[2..].copy_from_slice(&bits[..casual_words]);
        }
        &self.carry
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bonds::MemberTies;
    use crate::context::SessionContext;
    use crate::kernel::lanes::Portable;
    use crate::population::{Status, build_community_with};
    use crate::rules::loneliness::LONELY_CUTOFF;
    use crate::scenario::Scenario;

    fn present(g: &GroupState, i: usize) -> bool {
        g.members[i].status == Status::Active
    }

    fn lonely(g: &GroupState, i: usize) -> bool {
        f64::from(g.members[i].loneliness) >= LONELY_CUTOFF
    }

    /// The summaries in lanes of a batch of `groups` groups (after a year,
    /// strengths spread over every level) against `TieSummary::compute`'s:
    /// the same figures, bitsets and sum of local clustering, the log of
    /// support within the kernel's logarithm's error.
    fn same_as_compute(places: u32, groups: usize) {
        let s = Scenario::builder()
            .set("community.groups", groups as u32)
            .set("community.group_size", places)
            .set("format.sessions", 52)
            .build()
            .unwrap();
        let ctx = SessionContext::new(&s, 1);
        let mut community = build_community_with(&ctx);
        for step in 1..=52 {
            crate::engine::step_all(&mut community, &ctx, step);
        }
        let mut meeting: Vec<GroupState> = community.into_iter().filter(|g| g.meets).collect();
        // A year leaves no close ties: stronger ones, for every level.
        for g in &mut meeting {
            let strengths = g.bonds.columns_mut().strength;
            for (k, s) in strengths.iter_mut().enumerate().filter(|(_, s)| **s > 0.0) {
                *s = ctx.levels.close * 1.3 * (k % 13) as f32 / 12.0;
            }
        }
        let isa = Portable;
        let mut lanes = BatchLanes::default();
        lanes.copy_in(isa, &meeting);
        let mut session = SessionLanes::default();
        session.reset(groups, lanes.places());
        for (l, g) in meeting.iter().enumerate() {
            let arrived = (0..g.places()).map(|i| i < g.arrived);
            session.set_flags(Session::Arrived, l, arrived);
            let present = (0..g.places()).map(|i| i < g.arrived && present(g, i));
            session.set_flags(Session::Present, l, present);
            let lonely = (0..g.places()).map(|i| i < g.arrived && lonely(g, i));
            session.set_flags(Session::Lonely, l, lonely);
        }
        session.fill_missing_lanes();
        let mut summary = SummaryLanes::default();
        summary.make(isa, &ctx.levels, &lanes, &session);
        summary.clustering(isa, &lanes, &session);
        let mut from_lanes = meeting.clone();
        summary.copy_out(isa, &mut from_lanes, Held::Whole);
        // A carry, with and without the network ties, is the carry the
        // whole summary keeps, word for word.
        for tie_bits in [false, true] {
            let mut carried = meeting.clone();
            let held = Held::Carry { tie_bits };
            summary.copy_out(isa, &mut carried, held);
            for (whole, carried) in from_lanes.iter().zip(&carried) {
                let (mut made, carried) = (whole.tie_summary.clone(), &carried.tie_summary);
                made.keep_carry_alone();
                assert_eq!(carried.held(), held);
                assert_eq!(carried.carry(), made.carry());
                if tie_bits {
                    assert_eq!(carried.tie_bits(), whole.tie_summary.tie_bits());
                }
            }
        }
        let (mut ties_seen, mut close_seen) = (0, 0);
        for (g, lanes_g) in meeting.iter().zip(&from_lanes) {
            let arrived = g.arrived;
            let present: Vec<bool> = (0..g.places())
                .map(|i| i < arrived && present(g, i))
                .collect();
            let lonely: Vec<bool> = (0..g.places())
                .map(|i| i < arrived && lonely(g, i))
                .collect();
            let mut reference = g.tie_summary.clone();
            reference.compute(&g.bonds, arrived, &present, &lonely, &ctx.levels);
            assert_eq!(reference.tie_bits(), lanes_g.tie_summary.tie_bits());
            let joined = |i: usize| g.members[i].joined_step != crate::population::NEVER;
            let sum = reference.clustering_sum(arrived, joined);
            let from_lanes = lanes_g.tie_summary.joined_clustering_sum;
            assert_eq!(from_lanes.map(f64::to_bits), Some(sum.to_bits()));
            assert!(sum > 0.0);
            assert_eq!(reference.casual_bits(), lanes_g.tie_summary.casual_bits());
            let (want, got) = (reference.members(), lanes_g.tie_summary.members());
            for (want, got) in want.iter().zip(got) {
                let log = (want.log_support - got.log_support).abs();
                assert!(log <= 2e-7 * want.log_support.max(1.0), "{want:?} {got:?}");
                let got = MemberTies {
                    log_support: want.log_support,
                    ..*got
                };
                assert_eq!(*want, got);
                ties_seen += u32::from(want.ties);
                close_seen += u32::from(want.close);
            }
        }
        assert!(
            ties_seen > 20 && close_seen > 0,
            "{ties_seen} ties, {close_seen} close"
        );
    }

    #[test]
    fn summaries_in_lanes_are_the_groups_summaries() {
        same_as_compute(12, 8);
        same_as_compute(12, 3);
        same_as_compute(70, 2);
    }
}
