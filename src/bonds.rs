//! The bonds between the members of one group.
//!
//! Everyone who ever belonged to a group has a place in its flat, triangular
//! bond matrix: a pair's tie strength (effective hours together, decaying),
//! its total hours together (never decaying), its recent contacts outside
//! the sessions and whether the tie reaches beyond the meetings. A tie that reaches beyond the meetings lives on in
//! the matrix after either member leaves the group, so it survives dropout.
//! Ties never cross groups, so the community's bond network is the disjoint
//! union of these matrices; [`crate::network`] builds the petgraph view of it.
//!
//! [`TieSummary`] condenses the matrix into per-member figures the rules need
//! (how many ties at each level, support from ties, strength to present
//! members) in one pass over the pairs. [`NetStats`] holds the network
//! figures of one group's ties (measured from the tie bitsets in
//! [`crate::network`]), and [`NetworkMemo`] a group's last ones with what
//! they were measured from, kept with the group so that ties that have not
//! changed are not measured again.

use crate::popcount::fast_popcount;

/// Tie levels by strength in hours (Hall 2019: about 50, 90 and 200 hours).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TieLevels {
    /// A tie exists in the network from this strength.
    pub tie: f32,
    pub casual: f32,
    pub friend: f32,
    pub close: f32,
}

/// Network figures of one group's tie network (ties never cross groups, so
/// the whole network's figures are sums, maxima and simple functions of
/// these). Computed from the group's tie bitsets, in parallel with the
/// other groups; the tests compute the same figures from the petgraph graph
/// of the whole network and hold the two equal.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct NetStats {
    pub nodes: u64,
    pub edges: u64,
    pub isolates: u64,
    pub components: u64,
    pub largest_component: u64,
    /// Sum over nodes of the triangles through each (3 × triangles).
    pub triangles_at_nodes: u64,
    /// Connected triples: sum over nodes of k(k − 1)/2.
    pub triples: u64,
    pub clustering_sum: f64,
    pub strength_sum: f64,
    pub max_core: u32,
    /// Sum over groups of the squared number of edges inside them.
    pub edges_squared: f64,
}

/// A group's network figures at their last measurement, with what every
/// figure but the strength sum is a function of: who of those who have
/// arrived have joined (the nodes), and the tie bitsets of those who have
/// arrived (groups of up to 64 places, one word each). Kept with the group
/// in runs that measure the network, so that a group whose ties have not
/// changed is not measured again
/// ([`NetStats::of_group_remembered`](crate::network::NetStats::of_group_remembered)).
#[derive(Debug, Clone, Default)]
pub struct NetworkMemo {
    pub joined: u64,
    pub bits: Vec<u64>,
    pub figures: NetStats,
}

/// Index of the unordered pair {i, j}, i != j, in a triangular matrix.
#[inline]
pub fn pair_index(i: usize, j: usize) -> usize {
    let (lo, hi) = if i < j { (i, j) } else { (j, i) };
    hi * (hi - 1) / 2 + lo
}

/// Number of unordered pairs among `n` people.
#[inline]
pub fn pair_count(n: usize) -> usize {
    n * n.saturating_sub(1) / 2
}

/// Twice the triangles through each node of a group of up to 64 places
/// (bit `j` of `bits[i]`: a tie between i and j), counting only the nodes
/// in `nodes`: each tie's shared partners are counted once, for both its
/// ends. Inlined, so that a caller compiled with POPCNT
/// ([`crate::popcount`]) counts with it.
#[inline(always)]
pub fn shared_partners(bits: &[u64], nodes: u64) -> [u32; 64] {
    shared_partners_each(bits, nodes, |_, _, _| ())
}

/// [`shared_partners`], handing each node to `whole` as soon as its count
/// is whole, in node order: its place, its ties among `nodes` (a bit word)
/// and twice the triangles through it. A node's count is whole once its
/// ties to the nodes after it are counted, those to the nodes before it
/// having come first.
#[inline(always)]
pub fn shared_partners_each(
    bits: &[u64],
    nodes: u64,
    mut whole: impl FnMut(usize, u64, u32),
) -> [u32; 64] {
    let mut twice = [0u32; 64];
    let mut each = nodes;
    while each != 0 {
        let i = each.trailing_zeros() as usize;
        each &= each - 1;
        let mine = bits[i] & nodes;
        let mut later = mine & each;
        while later != 0 {
            let j = later.trailing_zeros() as usize;
            later &= later - 1;
            let shared = (mine & bits[j]).count_ones();
            twice[i] += shared;
            twice[j] += shared;
        }
        whole(i, mine, twice[i]);
    }
    twice
}

fast_popcount!(
    /// [`shared_partners`], with POPCNT where the processor has it.
    pub fn twice_triangles(bits: &[u64], nodes: u64) -> [u32; 64] = shared_partners
);

/// Pairwise state of one group, over everyone who ever belonged to it: one
/// column per figure of a pair's tie, each in pair order ([`pair_index`]),
/// so that a pass over the pairs can load and store a figure of several
/// consecutive pairs at once. The six number columns share one
/// allocation, the two flag columns another.
#[derive(Debug, Clone, Default)]
pub struct BondMatrix {
    /// Strength, hours, recent contacts, similarity, kept and kept when
    /// lonely ([`PairColumns`]), one column after the other.
    numbers: Vec<f32>,
    /// Beyond the meetings, then joined the community network.
    flags: Vec<bool>,
}

/// A bond matrix's columns, one value per pair in pair order.
pub struct PairColumns<'a> {
    /// Effective hours together, decaying between contacts.
    pub strength: &'a mut [f32],
    /// Total hours together, in and out of sessions (never decays).
    pub hours: &'a mut [f32],
    /// Recent contacts outside the sessions, each weighted by its age.
    pub recent_contacts: &'a mut [f32],
    /// Similarity of the pair's problem profiles (fixed: traits do not change).
    pub similarity: &'a mut [f32],
    /// Share of strength kept over one interval, neither member lonely (fixed).
    pub kept: &'a mut [f32],
    /// Share of strength kept over one interval when a member is lonely (fixed).
    pub kept_lonely: &'a mut [f32],
    /// The pair keeps in regular touch outside the sessions: its recent
    /// contacts reach `mechanisms.beyond_meetings.repeated_contacts`.
    pub beyond: &'a mut [bool],
    /// The pair's tie has joined the community network (once it first
    /// reached beyond the meetings; `community_network.group_ties_join`).
    pub joined: &'a mut [bool],
}

/// The number columns in their order in [`BondMatrix`]'s allocation, with
/// the value of a pair without a tie (nothing lost over an interval until
/// the pair constants are fixed).
const NUMBER_COLUMNS: [f32; 6] = [0.0, 0.0, 0.0, 0.0, 1.0, 1.0];

impl BondMatrix {
    pub fn new(people: usize) -> Self {
        let pairs = pair_count(people);
        // Allocated at its size: a matrix is made for every group.
        let mut numbers = Vec::with_capacity(NUMBER_COLUMNS.len() * pairs);
        for value in NUMBER_COLUMNS {
            numbers.resize(numbers.len() + pairs, value);
        }
        Self {
            numbers,
            flags: vec![false; 2 * pairs],
        }
    }

    /// Every number column, one after the other in [`PairColumns`]'
    /// order, and the two flag columns: the session kernel's copy.
    pub fn storage(&self) -> (&[f32], &[bool]) {
        (&self.numbers, &self.flags)
    }

    /// [`BondMatrix::storage`], to write.
    pub fn storage_mut(&mut self) -> (&mut [f32], &mut [bool]) {
        (&mut self.numbers, &mut self.flags)
    }

    /// Pairs in the matrix.
    #[inline]
    pub fn pair_count(&self) -> usize {
        self.flags.len() / 2
    }

    /// Number column `c` (in [`NUMBER_COLUMNS`] order).
    #[inline]
    fn number_column(&self, c: usize) -> &[f32] {
        let pairs = self.pair_count();
        &self.numbers[c * pairs..(c + 1) * pairs]
    }

    /// Every pair's tie strength, in pair order.
    #[inline]
    pub fn strengths(&self) -> &[f32] {
        self.number_column(0)
    }

    /// Every pair's total hours together, in pair order.
    #[inline]
    pub fn hours(&self) -> &[f32] {
        self.number_column(1)
    }

    /// Every pair's recent contacts outside the sessions, in pair order.
    #[inline]
    pub fn recent_contacts(&self) -> &[f32] {
        self.number_column(2)
    }

    /// Every pair's similarity, in pair order.
    #[inline]
    pub fn similarities(&self) -> &[f32] {
        self.number_column(3)
    }

    /// Whether each pair's tie reaches beyond the meetings, in pair order.
    #[inline]
    pub fn beyond(&self) -> &[bool] {
        &self.flags[..self.pair_count()]
    }

    /// Every column at once, for the passes that change pairs.
    pub fn columns_mut(&mut self) -> PairColumns<'_> {
        let pairs = self.pair_count();
        let (strength, rest) = self.numbers.split_at_mut(pairs);
        let (hours, rest) = rest.split_at_mut(pairs);
        let (recent_contacts, rest) = rest.split_at_mut(pairs);
        let (similarity, rest) = rest.split_at_mut(pairs);
        let (kept, kept_lonely) = rest.split_at_mut(pairs);
        let (beyond, joined) = self.flags.split_at_mut(pairs);
        PairColumns {
            strength,
            hours,
            recent_contacts,
            similarity,
            kept,
            kept_lonely,
            beyond,
            joined,
        }
    }

    /// Fills the per-pair constants: `similarity(i, j)`, and `kept(similarity,
    /// lonely)`, the share of strength a pair keeps over one interval.
    pub fn fix_pair_constants(
        &mut self,
        similarity: impl Fn(usize, usize) -> f32,
        kept: impl Fn(f64, bool) -> f64,
    ) {
        let people = self.people();
        let columns = self.columns_mut();
        for j in 1..people {
            for i in 0..j {
                let k = pair_index(i, j);
                let sim = similarity(i, j);
                columns.similarity[k] = sim;
                columns.kept[k] = kept(f64::from(sim), false) as f32;
                columns.kept_lonely[k] = kept(f64::from(sim), true) as f32;
            }
        }
    }

    /// The people the matrix has places for, from its pair count (not
    /// stored: a matrix is made for every group). A matrix without pairs
    /// says 0, also for one person: either way there is no pair to walk.
    pub fn people(&self) -> usize {
        let pairs = self.pair_count();
        if pairs == 0 {
            return 0;
        }
        // n(n − 1)/2 = pairs, so √(1 + 8·pairs) = 2n − 1 exactly, and n is
        // half of one more.
        (1 + 8 * pairs).isqrt().div_ceil(2)
    }

    #[inline]
    pub fn strength(&self, i: usize, j: usize) -> f32 {
        self.strengths()[pair_index(i, j)]
    }
}

/// One member's tie figures. Laid out in this order (`#[repr(C)]`): six
/// words, the counts two to a word and then the three numbers, which the
/// kernel copies to and from its lanes by transposition
/// ([`crate::kernel::summary`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[repr(C)]
pub struct MemberTies {
    /// Ties at or above the network threshold.
    pub ties: u16,
    /// Ties at or above the casual-friend level.
    pub casual: u16,
    /// Ties at or above the friend level.
    pub friends: u16,
    /// Ties at or above the close-friend level.
    pub close: u16,
    /// Ties (at or above the network threshold) that reach beyond the
    /// meetings now: the pair keeps in regular touch outside.
    pub beyond: u16,
    /// Tie partners (network threshold) who are lonely.
    pub lonely_partners: u16,
    /// Tie support: sum over partners of strength / friend level, each capped at 1.
    pub support: f32,
    /// ln(1 + support): how the attendance and dropout rules weigh support;
    /// 0 for members not active at the session (whose support no rule reads).
    pub log_support: f32,
    /// Mean strength to the other members now active in the group.
    pub strength_to_present: f32,
}

impl MemberTies {
    /// Words a member's figures take.
    pub const WORDS: usize = 6;

    /// Members' figures as words (the counts two to a word, the low half
    /// first, then the numbers' bits), as the kernel's copies read them.
    pub fn words(members: &[MemberTies]) -> &[u32] {
        // SAFETY: `MemberTies` is six initialised four-byte words with no
        // padding (`#[repr(C)]`: six u16 and three f32, its size asserted)
        // and four-byte aligned, so its bytes read as u32.
        unsafe { std::slice::from_raw_parts(members.as_ptr().cast(), members.len() * Self::WORDS) }
    }

    /// Members' figures as words, to write.
    pub fn words_mut(members: &mut [MemberTies]) -> &mut [u32] {
        // SAFETY: as in `words`; any bits are a valid u16 or f32.
        unsafe {
            std::slice::from_raw_parts_mut(members.as_mut_ptr().cast(), members.len() * Self::WORDS)
        }
    }
}

const _: () = assert!(
    std::mem::size_of::<MemberTies>() == MemberTies::WORDS * 4,
    "six four-byte words"
);

// The words read two u16 counts, and a u64's two halves, as one u32 word
// each, the first (the low half) in the low bits.
const _: () = assert!(cfg!(target_endian = "little"), "a little-endian target");

/// The pass over a group's pairs that sums each member's tie figures
/// ([`TieSummary::compute`]).
struct PairSums<'a> {
    bonds: &'a BondMatrix,
    /// The places that can have ties (those who arrived, within the matrix).
    people: usize,
    present: &'a [bool],
    lonely: &'a [bool],
    levels: &'a TieLevels,
}

impl PairSums<'_> {
    /// Adds every pair's tie to both its members' figures and bitsets;
    /// the bitsets have `words` words per member, which `WORDS` fixes at
    /// compile time when not 0 (1: up to 64 places).
    #[inline(always)]
    fn add<const WORDS: usize>(
        &self,
        members: &mut [MemberTies],
        (tie_bits, casual_bits): (&mut [u64], &mut [u64]),
        words: usize,
    ) {
        let (levels, per_friend) = (self.levels, 1.0 / self.levels.friend);
        let words = if WORDS == 0 { words } else { WORDS };
        // With one word a member, at most 64 places; cutting every slice to
        // the places walked lets the compiler drop the index checks.
        let people = if WORDS == 1 {
            self.people.min(64)
        } else {
            self.people
        };
        let members = &mut members[..people];
        let (present, lonely) = (&self.present[..people], &self.lonely[..people]);
        let tie_bits = &mut tie_bits[..people * words];
        let casual_bits = &mut casual_bits[..people * words];
        let (strengths, beyond) = (self.bonds.strengths(), self.bonds.beyond());
        for j in 1..people {
            let row = j * (j - 1) / 2;
            let row_pairs = strengths[row..row + j].iter().zip(&beyond[row..row + j]);
            for (i, (&s, &met_outside)) in row_pairs.enumerate() {
                if s <= 0.0 {
                    continue;
                }
                let support = (s * per_friend).min(1.0);
                let (low, high) = members.split_at_mut(j);
                let (a, b) = (&mut low[i], &mut high[0]);
                a.support += support;
                b.support += support;
                // s times 0 or 1: whether the other came is random from
                // pair to pair, a branch on it often guessed wrong. An
                // absent one adds +0 (s is finite and positive here), which
                // leaves a sum of positive terms as it is.
                a.strength_to_present += s * f32::from(u8::from(present[j]));
                b.strength_to_present += s * f32::from(u8::from(present[i]));
                if s >= levels.tie {
                    a.ties += 1;
                    b.ties += 1;
                    a.lonely_partners += u16::from(lonely[j]);
                    b.lonely_partners += u16::from(lonely[i]);
                    a.beyond += u16::from(met_outside);
                    b.beyond += u16::from(met_outside);
                    tie_bits[i * words + j / 64] |= 1 << (j % 64);
                    tie_bits[j * words + i / 64] |= 1 << (i % 64);
                    if s >= levels.casual {
                        a.casual += 1;
                        b.casual += 1;
                        casual_bits[i * words + j / 64] |= 1 << (j % 64);
                        casual_bits[j * words + i / 64] |= 1 << (i % 64);
                        if s >= levels.friend {
                            a.friends += 1;
                            b.friends += 1;
                            if s >= levels.close {
                                a.close += 1;
                                b.close += 1;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What a [`TieSummary`] holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Held {
    /// Every figure and both bitsets.
    #[default]
    Whole,
    /// What the next session reads of it alone, its carry
    /// ([`TieSummary::carry`]); with `tie_bits`, the network ties'
    /// bitsets too (for the network figures).
    Carry { tie_bits: bool },
}

/// Words of a place's carry in a summary of `places` places: its tie and
/// close-tie counts (the ties in the low sixteen bits), its log of
/// support's bits, then its casual ties, bit `j % 32` of word `j / 32`
/// for place `j`.
pub fn carry_words(places: usize) -> usize {
    2 + places.div_ceil(32)
}

/// Whether a summary of `places` places can hold its carry alone: the
/// carry is written over the members' figures, and takes no more words
/// than they do up to 128 places (larger groups, forums, are always
/// whole).
pub fn can_carry(places: usize) -> bool {
    carry_words(places) <= MemberTies::WORDS
}

/// Per-member figures condensed from the bond matrix, reused between sessions.
///
/// Between sessions it holds either every figure ([`Held::Whole`]) or only
/// what the next session reads of it ([`Held::Carry`]), which the kernel
/// writes and reads in fewer words; the figures of a carry are read
/// nowhere (their accessors refuse them).
#[derive(Debug, Clone, Default)]
pub struct TieSummary {
    /// One entry per place of the group; in a carry, its words from the
    /// first are the places' carries ([`carry_words`] each).
    members: Vec<MemberTies>,
    held: Held,
    /// Two bitsets of [`TieSummary::words`] words per member, one after the
    /// other: each member's network ties ([`TieSummary::tie_bits`], for clustering),
    /// then their casual-or-closer ties ([`TieSummary::casual_bits`], for
    /// triadic closure).
    bits: Vec<u64>,
    /// The sum of local clustering over the members who joined, where the
    /// summary was made at a session whose tally takes its clustering from
    /// the summary (the kernel's lanes make it at once,
    /// [`crate::kernel::summary`]); else `None`, and
    /// [`TieSummary::clustering_sum`] makes it.
    pub joined_clustering_sum: Option<f64>,
}

impl TieSummary {
    /// Hints that the summary's figures and bits be loaded
    /// ([`crate::prefetch`]).
    #[inline(always)]
    pub fn prefetch(&self) {
        crate::prefetch::slice(&self.members);
        crate::prefetch::slice(&self.bits);
    }

    /// Words per member of the tie bitsets: one per 64 places.
    #[inline]
    pub fn words(&self) -> usize {
        self.members.len().div_ceil(64).max(1)
    }

    /// The places the summary covers.
    #[inline]
    pub fn places(&self) -> usize {
        self.members.len()
    }

    /// What the summary holds.
    #[inline]
    pub fn held(&self) -> Held {
        self.held
    }

    /// Each place's figures (a whole summary's).
    #[inline]
    pub fn members(&self) -> &[MemberTies] {
        assert_eq!(self.held, Held::Whole, "the figures of a whole summary");
        &self.members
    }

    /// Bitset of each member's network ties: bit `j % 64` of word
    /// `i * words + j / 64` marks a tie between `i` and `j` (a whole
    /// summary's, or a carry's made with them).
    pub fn tie_bits(&self) -> &[u64] {
        assert_ne!(
            self.held,
            Held::Carry { tie_bits: false },
            "the network ties of a summary that holds them"
        );
        &self.bits[..self.bits.len() / 2]
    }

    /// Bitset of each member's casual-or-closer ties, laid out as
    /// [`TieSummary::tie_bits`] (a whole summary's).
    pub fn casual_bits(&self) -> &[u64] {
        assert_eq!(self.held, Held::Whole, "the casual ties of a whole summary");
        &self.bits[self.bits.len() / 2..]
    }

    /// The places' carries, [`carry_words`] each, where the summary holds
    /// its carry alone.
    pub fn carry(&self) -> Option<&[u32]> {
        let Held::Carry { .. } = self.held else {
            return None;
        };
        // Within the figures' words: a carry is held only where it fits
        // ([`can_carry`]).
        let places = self.places();
        Some(&self.figure_words()[..places * carry_words(places)])
    }

    /// The words of the members' figures as they are: the figures of a
    /// whole summary, a carry's carries from the first word
    /// ([`TieSummary::carry`]).
    #[inline(always)]
    pub fn figure_words(&self) -> &[u32] {
        MemberTies::words(&self.members)
    }

    /// Makes a whole summary of up to 128 places ([`can_carry`]) hold its
    /// carry alone, written over its figures: what the next session reads
    /// of it, the same values (a carry stays as it is). Place `i`'s carry
    /// takes words before place `i + 1`'s figures, and is written once
    /// place `i`'s figures are read, so no figure is overwritten before
    /// it is read.
    #[inline(always)]
    pub fn keep_carry_alone(&mut self) {
        if self.held == Held::Whole && can_carry(self.places()) {
            self.carry_over_figures();
        }
    }

    /// [`TieSummary::keep_carry_alone`]'s writing (a summary made whole:
    /// at a group's making, or by a caller that reads its figures).
    #[inline(never)]
    fn carry_over_figures(&mut self) {
        let places = self.places();
        let (stride, casual_words) = (carry_words(places), places.div_ceil(32));
        let words = self.words();
        let half = self.bits.len() / 2;
        let casual = &self.bits[half..];
        let figures = MemberTies::words_mut(&mut self.members);
        for i in 0..places {
            let from = i * MemberTies::WORDS;
            let counts = figures[from] & 0xFFFF | figures[from + 1] & 0xFFFF_0000;
            let log_support = figures[from + 4];
            let mut carry = [0u32; MemberTies::WORDS];
            carry[0] = counts;
            carry[1] = log_support;
            for (w, word) in carry[2..2 + casual_words].iter_mut().enumerate() {
                *word = (casual[i * words + w / 2] >> (32 * (w % 2))) as u32;
            }
            figures[i * stride..(i + 1) * stride].copy_from_slice(&carry[..stride]);
        }
        self.held = Held::Carry { tie_bits: true };
    }

    /// Recomputes every figure. `present[i]` marks members now active in the
    /// group, `lonely[i]` members whose loneliness is at or above the cut-off;
    /// only the first `arrived` places can have ties.
    pub fn compute(
        &mut self,
        bonds: &BondMatrix,
        arrived: usize,
        present: &[bool],
        lonely: &[bool],
        levels: &TieLevels,
    ) {
        // Control blocks have places but no bond matrix.
        let n = present.len();
        self.clear(n);
        let words = self.words();
        let (tie_bits, casual_bits) = self.bits.split_at_mut(n * words);
        let pairs = PairSums {
            bonds,
            people: arrived.min(bonds.people()),
            present,
            lonely,
            levels,
        };
        // Groups of up to 64 places (one word per member) have the word
        // index and bit of a tie fixed at compile time.
        if words == 1 {
            pairs.add::<1>(&mut self.members, (tie_bits, casual_bits), words);
        } else {
            pairs.add::<0>(&mut self.members, (tie_bits, casual_bits), words);
        }
        self.finish(arrived, present);
    }

    /// Room for `n` places' figures and bitsets, to be filled from outside
    /// (the kernel's summaries in lanes, which write every one): what is
    /// there is left, unless the size changes; no clustering sum.
    pub fn reset(&mut self, n: usize) {
        // The bitsets are sized with the figures, always together
        // ([`TieSummary::clear`]).
        if self.members.len() == n {
            self.joined_clustering_sum = None;
        } else {
            self.clear(n);
        }
    }

    /// The network ties' bitsets alone, to write, for a summary that
    /// holds its carry ([`TieSummary::keep_carry_alone`]): it then holds
    /// them with its carry. For a group whose state stays in the kernel's
    /// lanes between sessions, whose carry is then its state's at the
    /// lanes' start, read by no session until the lanes give the whole
    /// summary back; its network figures read these ties.
    pub fn network_ties_mut(&mut self) -> &mut [u64] {
        assert!(
            matches!(self.held, Held::Carry { .. }),
            "the network ties of a carry"
        );
        self.held = Held::Carry { tie_bits: true };
        let half = self.bits.len() / 2;
        &mut self.bits[..half]
    }

    /// The members' figures and the two bitsets ([`TieSummary::tie_bits`],
    /// [`TieSummary::casual_bits`]), to write, for a summary that will
    /// hold `held` (a carry is written in the figures' words, and its
    /// network ties' bitsets with them where it holds them).
    pub fn parts_mut(&mut self, held: Held) -> (&mut [MemberTies], &mut [u64], &mut [u64]) {
        assert!(
            held == Held::Whole || can_carry(self.places()),
            "a carry of up to 128 places"
        );
        self.held = held;
        let half = self.bits.len() / 2;
        let (ties, casual) = self.bits.split_at_mut(half);
        (&mut self.members, ties, casual)
    }

    /// Every figure of `n` places set to none, before the pairs are added.
    fn clear(&mut self, n: usize) {
        self.joined_clustering_sum = None;
        self.held = Held::Whole;
        self.members.clear();
        self.members.resize(n, MemberTies::default());
        let words = self.words();
        self.bits.clear();
        self.bits.resize(2 * n * words, 0);
    }

    /// The figures made from the sums over pairs: the mean strength to the
    /// others present, and the log of support of those present.
    fn finish(&mut self, arrived: usize, present: &[bool]) {
        let members = &mut self.members;
        let present_count = present[..arrived].iter().filter(|&&p| p).count();
        for (m, &here) in members[..arrived].iter_mut().zip(present) {
            let others = present_count - usize::from(here);
            m.strength_to_present = if others > 0 {
                m.strength_to_present / others as f32
            } else {
                0.0
            };
            // Only members active now can be active at the next session
            // (besides newcomers, who have no ties): the others' log is
            // never read.
            m.log_support = if here && m.support > 0.0 {
                libm::log1pf(m.support)
            } else {
                0.0
            };
        }
    }

    /// Whether members i and j share a casual-or-closer friend.
    #[inline]
    pub fn share_casual_friend(&self, i: usize, j: usize) -> bool {
        let words = self.words();
        let (a, b) = (i * words, j * words);
        let casual = self.casual_bits();
        (0..words).any(|w| casual[a + w] & casual[b + w] != 0)
    }

    /// Member `i`'s network ties, counted in their bitset: the figures'
    /// count ([`MemberTies::ties`]), which a summary that holds its carry
    /// and the network ties' bitsets alone does not keep.
    fn ties_of(&self, i: usize) -> usize {
        let words = self.words();
        let row = &self.tie_bits()[i * words..(i + 1) * words];
        row.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Local clustering coefficient of member i in the tie network
    /// (NetworkX's `clustering`, unweighted): closed triangles through i over
    /// the pairs of i's partners; 0 below two ties.
    pub fn local_clustering(&self, i: usize) -> f64 {
        let k = self.ties_of(i);
        if k < 2 {
            return 0.0;
        }
        let mut twice_triangles = 0u32;
        let bits = self.tie_bits();
        let words = self.words();
        if words == 1 {
            // Groups of up to 64 people: one word per member.
            let mine = bits[i];
            let mut partners = mine;
            while partners != 0 {
                let j = partners.trailing_zeros() as usize;
                partners &= partners - 1;
                twice_triangles += (mine & bits[j]).count_ones();
            }
            return f64::from(twice_triangles) / (k * (k - 1)) as f64;
        }
        let base = i * words;
        for w in 0..words {
            let mut partners = bits[base + w];
            while partners != 0 {
                let j = w * 64 + partners.trailing_zeros() as usize;
                partners &= partners - 1;
                let other = j * words;
                for v in 0..words {
                    twice_triangles += (bits[base + v] & bits[other + v]).count_ones();
                }
            }
        }
        f64::from(twice_triangles) / (k * (k - 1)) as f64
    }

    /// The sum of [`TieSummary::local_clustering`] over the places among
    /// the first `places` that `counted` picks, in place order: the same
    /// terms and the same sum. In groups of up to 64 places each pair's
    /// shared partners are counted once for both ends, half the counting
    /// of one member at a time.
    pub fn clustering_sum(&self, places: usize, counted: impl Fn(usize) -> bool) -> f64 {
        if self.words() != 1 || places > 64 {
            return (0..places)
                .filter(|&i| counted(i))
                .map(|i| self.local_clustering(i))
                .sum();
        }
        let everyone = if places == 64 {
            !0
        } else {
            (1u64 << places) - 1
        };
        let twice = twice_triangles(self.tie_bits(), everyone);
        (0..places)
            .filter(|&i| counted(i))
            .map(|i| {
                let k = self.ties_of(i);
                if k < 2 {
                    0.0
                } else {
                    f64::from(twice[i]) / (k * (k - 1)) as f64
                }
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A xorshift generator of test inputs from `state`.
    pub(super) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    #[test]
    fn a_matrix_knows_its_people_from_its_pairs() {
        for people in 2..=1_000 {
            assert_eq!(BondMatrix::new(people).people(), people);
        }
        for few in [0, 1] {
            assert_eq!(BondMatrix::new(few).people(), 0, "no pair among {few}");
        }
    }

    const LEVELS: TieLevels = TieLevels {
        tie: 1.0,
        casual: 5.0,
        friend: 10.0,
        close: 20.0,
    };

    #[test]
    fn pair_index_covers_the_triangle_once() {
        let n = 7;
        let mut seen = vec![false; pair_count(n)];
        for j in 1..n {
            for i in 0..j {
                let k = pair_index(i, j);
                assert_eq!(k, pair_index(j, i));
                assert!(!seen[k]);
                seen[k] = true;
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn clustering_of_a_triangle_with_a_tail() {
        // 0-1-2 triangle, 2-3 tail: c0 = c1 = 1, c2 = 1/3, c3 = 0.
        let mut b = BondMatrix::new(4);
        for (i, j) in [(0, 1), (1, 2), (0, 2), (2, 3)] {
            b.columns_mut().strength[pair_index(i, j)] = 2.0;
        }
        let mut t = TieSummary::default();
        t.compute(&b, 4, &[true; 4], &[false; 4], &LEVELS);
        let c: Vec<f64> = (0..4).map(|i| t.local_clustering(i)).collect();
        assert_eq!(c, vec![1.0, 1.0, 1.0 / 3.0, 0.0]);
        let ties: Vec<u16> = t.members().iter().map(|m| m.ties).collect();
        assert_eq!(ties, vec![2, 2, 3, 1]);
    }

    /// A whole summary made to keep its carry alone holds each place's
    /// counts, log of support and casual ties as the whole one had them,
    /// keeps its network ties, and refuses its figures from then on.
    #[test]
    fn a_carry_keeps_what_the_next_session_reads() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d);
        let levels = TieLevels {
            tie: 1.0,
            casual: 2.0,
            friend: 3.0,
            close: 4.0,
        };
        for places in [1, 2, 10, 32, 33, 64, 65, 100, 128] {
            let mut b = BondMatrix::new(places);
            let pairs = b.pair_count();
            for s in &mut b.columns_mut().strength[..pairs] {
                *s = (next() % 500) as f32 / 100.0;
            }
            let present: Vec<bool> = (0..places).map(|i| i % 4 != 1).collect();
            let lonely: Vec<bool> = (0..places).map(|i| i % 3 == 0).collect();
            let mut t = TieSummary::default();
            t.compute(&b, places, &present, &lonely, &levels);
            let whole = t.clone();
            assert_eq!(t.carry(), None, "a whole summary has no carry");
            t.keep_carry_alone();
            let carry = t.carry().expect("a carry of up to 128 places");
            let stride = carry_words(places);
            assert_eq!(carry.len(), places * stride);
            let words = whole.words();
            for (i, m) in whole.members().iter().enumerate() {
                let c = &carry[i * stride..(i + 1) * stride];
                assert_eq!(
                    c[0],
                    u32::from(m.ties) | u32::from(m.close) << 16,
                    "{places}: {i}"
                );
                assert_eq!(c[1], m.log_support.to_bits(), "{places}: {i}");
                for w in 0..places.div_ceil(32) {
                    let long = whole.casual_bits()[i * words + w / 2];
                    assert_eq!(
                        c[2 + w],
                        (long >> (32 * (w % 2))) as u32,
                        "{places}: {i} {w}"
                    );
                }
            }
            assert_eq!(t.tie_bits(), whole.tie_bits());
            assert_eq!(t.held(), Held::Carry { tie_bits: true });
            let sum = |t: &TieSummary| t.clustering_sum(places, |i| i % 2 == 0).to_bits();
            assert_eq!(
                sum(&t),
                sum(&whole),
                "{places}: clustering from the ties' bits"
            );
            let reads: [fn(&TieSummary) -> usize; 2] =
                [|t| t.members().len(), |t| t.casual_bits().len()];
            for read in reads {
                let refused = std::panic::catch_unwind(|| read(&t));
                assert!(refused.is_err(), "{places}: the figures of a carry");
            }
        }
        // Larger groups are always whole.
        assert!(can_carry(128) && !can_carry(129));
    }

    #[test]
    fn the_clustering_sum_is_the_sum_of_every_local_clustering() {
        // Random graphs of 1 to 64 places (one word) and 70 (two words).
        let mut next = xorshift(0x9e37_79b9_7f4a_7c15);
        let mut nonzero = 0;
        for places in (1..=64).chain([70]) {
            for density in [0.1, 0.3, 0.7] {
                let mut b = BondMatrix::new(places);
                let pairs = b.pair_count();
                for s in &mut b.columns_mut().strength[..pairs] {
                    if (next() % 1000) as f64 / 1000.0 < density {
                        *s = 2.0;
                    }
                }
                let mut t = TieSummary::default();
                let flags = vec![false; places];
                t.compute(&b, places, &flags, &flags, &LEVELS);
                let counted = |i: usize| i % 5 != 2;
                let by_member: f64 = (0..places)
                    .filter(|&i| counted(i))
                    .map(|i| t.local_clustering(i))
                    .sum();
                let sum = t.clustering_sum(places, counted);
                assert_eq!(sum.to_bits(), by_member.to_bits(), "{places} places");
                nonzero += usize::from(sum > 0.0);
            }
        }
        // Most graphs have triangles: the sums compared are not all zero.
        assert!(nonzero > 120, "{nonzero} of 195 graphs with triangles");
    }

    #[test]
    fn levels_support_and_closure() {
        let mut b = BondMatrix::new(70); // more than one bitset word
        let strength = b.columns_mut().strength;
        strength[pair_index(0, 65)] = 6.0; // casual
        strength[pair_index(1, 65)] = 25.0; // close
        strength[pair_index(0, 1)] = 0.5; // below the tie threshold
        let mut t = TieSummary::default();
        let present = vec![true; 70];
        t.compute(&b, 70, &present, &[false; 70], &LEVELS);
        assert_eq!(
            {
                let m = t.members[65];
                (m.ties, m.casual, m.friends, m.close)
            },
            (2, 2, 1, 1)
        );
        assert!((t.members[65].support - (0.6 + 1.0)).abs() < 1e-6);
        assert!(t.share_casual_friend(0, 1));
        assert!(!t.share_casual_friend(0, 65));
        assert!((t.members[0].strength_to_present - 6.5 / 69.0).abs() < 1e-6);
    }
}
