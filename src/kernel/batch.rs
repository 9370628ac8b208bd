//! A batch of up to eight groups of one size in lanes: the session's
//! working copy. [`BatchLanes::copy_in`] takes each place's member (24
//! words) and each pair's numbers and flags of the batch's groups into
//! lanes, place `i` (or pair `k`) of the eight groups side by side, eight
//! words at a time by a transposition; [`BatchLanes::copy_out`] gives back
//! what a session changes (of a member, its first 16 words: the last 8 are
//! fixed at arrival). The groups' own state stays where the outputs,
//! the network figures and the community ties read it; measured, the copy
//! costs 4% of the 10,000-member year's session and nothing at 100,000 or
//! a million members, where it is the groups' first touch that the steps
//! would otherwise pay piecemeal (docs/performance.md, "Where the time
//! goes").
//!
//! A batch of fewer than eight groups fills the missing lanes with its
//! first group's data, which are never copied back ([`BatchLanes::groups`]
//! says which lanes hold a group). Where nothing reads a batch's groups
//! between two of its sessions, the batch may stay in its lanes from the
//! one to the other instead of being copied out and in again
//! (`crate::session::LanesKept`).

use super::lanes::{F32s, Isa, LANES, Mask, U32s, each_lane};
use crate::bonds::pair_count;
use crate::population::{GroupState, Member, Status};

/// Words in a member.
pub const WORDS: usize = std::mem::size_of::<Member>() / 4;

/// Blocks of eight words in a member.
const BLOCKS: usize = WORDS / LANES;
const _: () = assert!(WORDS.is_multiple_of(LANES));

/// The words of a member a session may change: the first two blocks of
/// eight ([`BatchLanes::copy_out_members`] gives back these alone). The
/// last eight are fixed at arrival: [`BatchLanes::set_word`], through
/// which every member word is written, refuses them, and a unit-test check
/// holds them unchanged on the way back.
pub const CHANGED_WORDS: usize = 2 * LANES;

/// Where a member field lies among a member's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word(usize);

/// The word of a member field.
macro_rules! word {
    ($field:ident) => {
        Word(std::mem::offset_of!(Member, $field) / 4)
    };
}

/// The member fields' words.
pub mod field {
    use super::{Member, Word};

    /// The first word: status, problem type, caught and a spare byte,
    /// from the lowest byte up.
    pub const FLAGS: Word = word!(status);
    pub const JOINED_STEP: Word = word!(joined_step);
    pub const LEFT_STEP: Word = word!(left_step);
    pub const SESSIONS_ATTENDED: Word = word!(sessions_attended);
    pub const LONELINESS: Word = word!(loneliness);
    pub const LONELINESS_START: Word = word!(loneliness_start);
    pub const LONELINESS_AT_EXIT: Word = word!(loneliness_at_exit);
    pub const HOPEFUL_SINCE: Word = word!(hopeful_since);
    pub const HOPE: Word = word!(hope);
    pub const HOPE_START: Word = word!(hope_start);
    pub const STIGMA: Word = word!(stigma);
    pub const STIGMA_START: Word = word!(stigma_start);
    pub const OPENNESS: Word = word!(openness);
    pub const FRAILTY: Word = word!(frailty);
    pub const PROPENSITY: Word = word!(propensity);
    pub const SEVERITY: Word = word!(severity);
    pub const DOSE: Word = word!(dose);
    pub const DOSE_NEEDED: Word = word!(dose_needed);
    pub const IMPROVED_AFTER: Word = word!(improved_after);
    pub const COHESION: Word = word!(cohesion);
    pub const REPLY_MEMORY: Word = word!(reply_memory);
    pub const DISCLOSURES: Word = word!(disclosures);
    pub const REPLIES_RECEIVED: Word = word!(replies_received);
    pub const REPLIES_GIVEN: Word = word!(replies_given);

    // The one-byte fields share the first word, from its lowest byte up
    // on a little-endian machine (the status its lowest, the caught flag
    // its third).
    const _: () = assert!(std::mem::offset_of!(Member, status) == 0);
    const _: () = assert!(std::mem::offset_of!(Member, problem_type) == 1);
    const _: () = assert!(std::mem::offset_of!(Member, caught) == 2);
    const _: () = assert!(cfg!(target_endian = "little"), "the first word's bytes");
}

/// The status's bits in a member's first word, and the caught flag's.
const STATUS_BYTE: u32 = 0xFF;
const CAUGHT_SHIFT: u32 = 16;
const CAUGHT_BYTE: u32 = 0xFF << CAUGHT_SHIFT;

/// A pair column among the numbers a bond matrix keeps
/// ([`crate::bonds::PairColumns`], in its order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Strength,
    Hours,
    RecentContacts,
    Similarity,
    Kept,
    KeptLonely,
}

/// Pairs whose flags, a byte each, make a u64.
const PAIRS_A_WORD: usize = 8;

/// Eight pairs' flags of every lane (lane `l`'s in `eights[l]`), a byte
/// a pair with bit `l` lane `l`'s: lane `l`'s eight flags, one byte each
/// (0 or 1) of a u64, shifted left by `l`, which moves each to bit `l` of
/// its byte.
#[inline(always)]
fn packed_flags(eights: [&[bool; PAIRS_A_WORD]; LANES]) -> [u8; PAIRS_A_WORD] {
    let mut word = 0u64;
    for (l, eight) in eights.iter().enumerate() {
        word |= u64::from_le_bytes(eight.map(u8::from)) << l;
    }
    word.to_le_bytes()
}

/// Lane `l`'s flags of eight pairs packed by [`packed_flags`]: bit `l` of
/// each byte, shifted down to the byte's first bit, which makes each byte
/// a flag's own (a comparison of each byte, which it replaces, was most of
/// the copy of the flags back to the groups).
#[inline(always)]
fn lane_flags(packed: &[u8; PAIRS_A_WORD], l: usize) -> [bool; PAIRS_A_WORD] {
    let bits = u64::from_le_bytes(*packed) >> l & 0x0101_0101_0101_0101;
    // SAFETY: every byte of `bits` is 0 or 1 (the mask), which are the
    // bytes of `false` and `true`.
    unsafe { std::mem::transmute::<[u8; PAIRS_A_WORD], [bool; PAIRS_A_WORD]>(bits.to_le_bytes()) }
}

/// Number columns, and those a session changes (the first three).
const COLUMNS: usize = 6;
const CHANGED_COLUMNS: usize = 3;

/// Eight words, one a lane, on their own 32 bytes.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(32))]
pub struct Row(pub [u32; LANES]);

/// One row of a batch's pairs ([`BatchLanes::pair_row`]): place `j`'s
/// pairs with places `i < j`, read and written by `i`.
pub struct PairRow<'a> {
    /// Column `c`'s pair with place `i`: `numbers[c][i]`.
    numbers: [&'a mut [Row]; COLUMNS],
    beyond: &'a mut [u8],
    /// The row's first pair, and the pairs of the groups' whole places.
    row: usize,
    group_pairs: usize,
    strengths_only: bool,
    touched: &'a mut Vec<u32>,
}

impl PairRow<'_> {
    /// Column `c`'s pair with place `i` in every lane.
    #[inline(always)]
    pub fn get<I: Isa>(&self, isa: I, c: Column, i: usize) -> F32s<I> {
        isa.words(self.numbers[c as usize][i].0).float_bits()
    }

    /// Sets column `c`'s pair with place `i` in every lane.
    #[inline(always)]
    pub fn set<I: Isa>(&mut self, c: Column, i: usize, v: F32s<I>) {
        self.numbers[c as usize][i].0 = v.bits().array();
    }

    /// Whether the pair with place `i` reaches beyond the meetings, in
    /// every lane.
    #[inline(always)]
    pub fn beyond<I: Isa>(&self, isa: I, i: usize) -> Mask<I> {
        isa.mask_of_bits(self.beyond[i])
    }

    /// Sets whether the pair with place `i` reaches beyond the meetings,
    /// in every lane.
    #[inline(always)]
    pub fn set_beyond<I: Isa>(&mut self, i: usize, m: Mask<I>) {
        self.beyond[i] = m.bits();
    }

    /// Whether the batch was copied in by
    /// [`BatchLanes::copy_in_strengths`]: a pair's numbers but its
    /// strength are to be taken ([`PairRow::take`]) before they are read.
    #[inline(always)]
    pub fn strengths_only(&self) -> bool {
        self.strengths_only
    }

    /// Takes in the numbers but the strength of the pair with place `i`
    /// from `groups` (after [`BatchLanes::copy_in_strengths`]), once.
    pub fn take(&mut self, i: usize, groups: &[GroupState]) {
        let k = self.row + i;
        debug_assert!(self.strengths_only && !self.touched.contains(&(k as u32)));
        let lane = |l: usize| &groups[if l < groups.len() { l } else { 0 }];
        for c in 1..COLUMNS {
            let from = c * self.group_pairs + k;
            let column = |l: usize| lane(l).bonds.storage().0[from].to_bits();
            self.numbers[c][i].0 = each_lane(column);
        }
        self.touched.push(k as u32);
    }
}

/// A batch's session state in lanes.
#[derive(Debug, Default)]
pub struct BatchLanes {
    /// Lanes that hold a group (the first `groups`).
    groups: usize,
    places: usize,
    pairs: usize,
    /// Word `w` of place `i`: row `w` of entry `i` (one bounds check
    /// for a place's words).
    members: Vec<[Row; WORDS]>,
    /// Column `c`'s pair `k`: row `c · pairs + k` (f32 bits).
    numbers: Vec<Row>,
    /// Whether pair `k` reaches beyond the meetings: bit `l` of byte `k`
    /// for lane `l` (the one pair flag a session changes).
    beyond: Vec<u8>,
    /// Copied by [`BatchLanes::copy_in_members`]: no pairs.
    members_only: bool,
    /// The places whose pairs are in the lanes ([`BatchLanes::filled_places`]),
    /// and the pairs of the groups' whole places.
    filled: usize,
    group_pairs: usize,
    /// Copied by [`BatchLanes::copy_in_strengths`]: of the pairs' numbers
    /// only the strengths, the others of the pairs `touched` alone.
    strengths_only: bool,
    /// The pairs whose numbers were all copied in by
    /// [`PairRow::take`], in the order taken.
    touched: Vec<u32>,
}

/// A member array's words.
fn member_words(members: &[Member]) -> &[u32] {
    // SAFETY: a member is 24 initialised four-byte words with no padding
    // (`#[repr(C)]`, its size asserted), so its bytes read as u32.
    unsafe { std::slice::from_raw_parts(members.as_ptr().cast(), members.len() * WORDS) }
}

/// A member array's words, to write.
fn member_words_mut(members: &mut [Member]) -> &mut [u32] {
    // SAFETY: as in `member_words`; what is written back is what
    // `copy_in` read, with the first word changed only by the typed
    // setters (`set_status` writes a `Status`, `set_caught` 0 or 1;
    // `set_word` refuses it), so every status and flag is valid.
    unsafe { std::slice::from_raw_parts_mut(members.as_mut_ptr().cast(), members.len() * WORDS) }
}

/// f32s as their bits.
fn float_words(x: &[f32]) -> &[u32] {
    // SAFETY: f32 and u32 have one size and alignment, and any f32's bits
    // are a u32.
    unsafe { std::slice::from_raw_parts(x.as_ptr().cast(), x.len()) }
}

/// f32s as their bits, to write.
fn float_words_mut(x: &mut [f32]) -> &mut [u32] {
    // SAFETY: as in `float_words`; any u32 is an f32's bits.
    unsafe { std::slice::from_raw_parts_mut(x.as_mut_ptr().cast(), x.len()) }
}

// The copies read a u64's two halves as one u32 word each, the first (the
// low half) in the low bits (a little-endian target, asserted with
// `MemberTies`' words).

/// Bitset words as u32 halves, the low half first.
pub(super) fn bit_words(bits: &[u64]) -> &[u32] {
    // SAFETY: a u64 is two initialised u32s, and its alignment covers
    // theirs; on a little-endian target (asserted) the low half is first.
    unsafe { std::slice::from_raw_parts(bits.as_ptr().cast(), bits.len() * 2) }
}

/// Bitset words as u32 halves, to write.
pub(super) fn bit_words_mut(bits: &mut [u64]) -> &mut [u32] {
    // SAFETY: as in `bit_words`; any two u32s are a u64.
    unsafe { std::slice::from_raw_parts_mut(bits.as_mut_ptr().cast(), bits.len() * 2) }
}

/// Words `0..count` of eight sources as lanes rows: row `w`, lane `l` is
/// word `w` of source `l`; eight rows at a time by a transposition, and
/// the rows past the last eight-row block by a transposition of the last
/// eight words (one by one when there are fewer than eight).
#[inline(always)]
pub(super) fn rows_in<I: Isa>(isa: I, sources: &[&[u32]; LANES], count: usize, out: &mut [Row]) {
    let whole = count / LANES * LANES;
    // Each source's first `whole` words as blocks of eight, so that one
    // check of each length serves every block.
    let blocks = each_lane(|l| sources[l][..whole].as_chunks::<LANES>().0);
    let out_blocks = out[..whole].as_chunks_mut::<LANES>().0;
    for (at, rows_out) in out_blocks.iter_mut().enumerate() {
        let rows = isa.transpose(each_lane(|l| isa.load_u(blocks[l][at])));
        for (row, v) in rows_out.iter_mut().zip(rows) {
            row.0 = isa.store_u(v);
        }
    }
    if whole == count {
        return;
    }
    if whole > 0 {
        // The last words by one more transposition, of the last eight:
        // the rows before them are written again with what they hold.
        let last = count - LANES;
        let words = each_lane(|l| &sources[l][last..count]);
        let rows = isa.transpose(each_lane(|l| isa.load_u(words[l].try_into().unwrap())));
        for (row, v) in out[last..count].iter_mut().zip(rows) {
            row.0 = isa.store_u(v);
        }
        return;
    }
    for (w, row) in out.iter_mut().enumerate().take(count) {
        row.0 = each_lane(|l| sources[l][w]);
    }
}

/// The inverse of [`rows_in`], into the first `targets.len()` sources.
#[inline(always)]
pub(super) fn rows_out<I: Isa>(isa: I, rows: &[Row], count: usize, targets: &mut [&mut [u32]]) {
    let whole = count / LANES * LANES;
    // The rows and each target's first `whole` words as blocks of eight,
    // so that one check of each length serves every block.
    let n = targets.len();
    let mut blocks: [&mut [[u32; LANES]]; LANES] = Default::default();
    for (to, target) in blocks.iter_mut().zip(targets.iter_mut()) {
        *to = target[..whole].as_chunks_mut::<LANES>().0;
    }
    let blocks = &mut blocks[..n];
    for (at, block) in rows[..whole].as_chunks::<LANES>().0.iter().enumerate() {
        let words = isa.transpose(each_lane(|w| isa.load_u(block[w].0)));
        for (to, v) in blocks.iter_mut().zip(words) {
            to[at] = isa.store_u(v);
        }
    }
    if whole == count {
        return;
    }
    if whole > 0 {
        // The last words by one more transposition, of the last eight
        // rows: the words before them are written again with what they
        // hold.
        let last = count - LANES;
        let words = isa.transpose(each_lane(|w| isa.load_u(rows[last + w].0)));
        for (target, v) in targets.iter_mut().zip(words) {
            target[last..count].copy_from_slice(&isa.store_u(v));
        }
        return;
    }
    for (w, row) in rows.iter().enumerate().take(count) {
        for (target, word) in targets.iter_mut().zip(row.0) {
            target[w] = word;
        }
    }
}

impl BatchLanes {
    /// Copies `groups` (one to eight meeting groups of one size) into
    /// lanes: the members, and the pairs among the places any of them has
    /// filled (an open group's later places wait empty, their pairs
    /// untouched); the lanes past the last group get the first group's
    /// data. (Inlined, as everything generic over the lanes: a caller
    /// compiled with AVX2 takes every operation as its instruction.)
    #[inline(always)]
    pub fn copy_in<I: Isa>(&mut self, isa: I, groups: &[GroupState]) {
        self.copy_in_columns(isa, groups, COLUMNS);
        self.strengths_only = false;
    }

    /// [`BatchLanes::copy_in`] of the members, the pairs' strengths and
    /// whether they reach beyond the meetings, for a session that reads
    /// a pair's other numbers only where [`PairRow::take`] has
    /// taken them in (a forum's: of its many pairs few meet); only the
    /// pairs taken are copied back.
    #[inline(always)]
    pub fn copy_in_strengths<I: Isa>(&mut self, isa: I, groups: &[GroupState]) {
        self.copy_in_columns(isa, groups, 1);
        self.strengths_only = true;
        self.touched.clear();
    }

    /// The members, the first `columns` number columns of the pairs among
    /// the places filled, and the pairs' flags.
    #[inline(always)]
    fn copy_in_columns<I: Isa>(&mut self, isa: I, groups: &[GroupState], columns: usize) {
        self.copy_in_members(isa, groups);
        self.members_only = false;
        self.filled = groups.iter().map(|g| g.arrived).max().unwrap_or(0);
        let pairs = pair_count(self.filled);
        (self.pairs, self.group_pairs) = (pairs, groups[0].bonds.pair_count());
        self.numbers.resize(COLUMNS * pairs, Row::default());
        self.beyond.resize(pairs, 0);
        let lane = |l: usize| &groups[if l < groups.len() { l } else { 0 }];
        let numbers = |l: usize| float_words(lane(l).bonds.storage().0);
        if pairs == self.group_pairs {
            // Every place filled: the columns one run of words.
            let sources: [&[u32]; LANES] = each_lane(numbers);
            rows_in(isa, &sources, columns * pairs, &mut self.numbers);
        } else {
            for c in 0..columns {
                let from = c * self.group_pairs;
                let sources: [&[u32]; LANES] = each_lane(|l| &numbers(l)[from..from + pairs]);
                rows_in(isa, &sources, pairs, &mut self.numbers[c * pairs..]);
            }
        }
        self.copy_in_beyond(groups);
    }

    /// The places whose pairs are in the lanes: those any group of the
    /// batch has filled (its members have arrived).
    #[inline(always)]
    pub fn filled_places(&self) -> usize {
        self.filled
    }

    /// Column `c`'s pairs in every lane, pair `k` at row `k`.
    #[inline(always)]
    pub fn column(&self, c: Column) -> &[Row] {
        &self.numbers[c as usize * self.pairs..][..self.pairs]
    }

    /// Column `c` of place `j`'s pairs with the places before it
    /// ([`BatchLanes::pair_row`]; `1 ≤ j <` [`BatchLanes::filled_places`]),
    /// in every lane: row `i` the pair with place `i`.
    #[inline(always)]
    pub fn column_row(&self, c: Column, j: usize) -> &[Row] {
        let row = j * (j - 1) / 2;
        &self.numbers[c as usize * self.pairs..][row..row + j]
    }

    /// Whether place `j`'s pairs with the places before it reach beyond
    /// the meetings ([`BatchLanes::pair_row`]): bit `l` of byte `i` for
    /// lane `l`'s pair with place `i`.
    #[inline(always)]
    pub fn beyond_row(&self, j: usize) -> &[u8] {
        let row = j * (j - 1) / 2;
        &self.beyond[row..row + j]
    }

    /// The pairs of place `j` with the places before it, pairs
    /// `j (j − 1) / 2 + i` for `i < j`, every column at once: a step that
    /// walks the triangle row by row checks its bounds once a row. For
    /// `1 ≤ j <` [`BatchLanes::filled_places`] (the places whose pairs
    /// are in the lanes).
    #[inline(always)]
    pub fn pair_row(&mut self, j: usize) -> PairRow<'_> {
        let (row, pairs) = (j * (j - 1) / 2, self.pairs);
        let mut columns = self.numbers.chunks_exact_mut(pairs);
        let mut next = || match columns.next() {
            Some(column) => &mut column[row..row + j],
            None => unreachable!("a batch with pairs holds every column"),
        };
        let numbers = [next(), next(), next(), next(), next(), next()];
        PairRow {
            numbers,
            beyond: &mut self.beyond[row..row + j],
            row,
            group_pairs: self.group_pairs,
            strengths_only: self.strengths_only,
            touched: &mut self.touched,
        }
    }

    /// Whether pair `k` reaches beyond the meetings, from each group:
    /// eight pairs at a time ([`packed_flags`]); the pairs past the last
    /// eight by the last eight pairs again (one by one when there are
    /// fewer than eight).
    #[inline(always)]
    fn copy_in_beyond(&mut self, groups: &[GroupState]) {
        let lane = |l: usize| &groups[if l < groups.len() { l } else { 0 }];
        let flags: [&[bool]; LANES] = each_lane(|l| &lane(l).bonds.storage().1[..self.pairs]);
        let pairs = self.pairs;
        for (at, packed) in self.beyond.as_chunks_mut().0.iter_mut().enumerate() {
            *packed = packed_flags(each_lane(|l| &flags[l].as_chunks().0[at]));
        }
        if pairs < PAIRS_A_WORD {
            for (k, packed) in self.beyond.iter_mut().enumerate() {
                *packed = (0..LANES).fold(0, |b, l| b | u8::from(flags[l][k]) << l);
            }
        } else if !pairs.is_multiple_of(PAIRS_A_WORD) {
            let last = pairs - PAIRS_A_WORD;
            let eights = each_lane(|l| &flags[l][last..].as_chunks().0[0]);
            self.beyond[last..].copy_from_slice(&packed_flags(eights));
        }
    }

    /// [`BatchLanes::copy_in`] of the members alone, for a session that
    /// reads no pair (a control block's); copied back by
    /// [`BatchLanes::copy_out_members`].
    #[inline(always)]
    pub fn copy_in_members<I: Isa>(&mut self, isa: I, groups: &[GroupState]) {
        assert!((1..=LANES).contains(&groups.len()), "one to eight groups");
        let places = groups[0].places();
        assert!(
            groups.iter().all(|g| g.places() == places),
            "groups of one size"
        );
        (self.groups, self.places, self.pairs, self.filled) = (groups.len(), places, 0, 0);
        (self.members_only, self.strengths_only) = (true, false);
        self.members.resize(places, [Row::default(); WORDS]);
        let lane = |l: usize| &groups[if l < groups.len() { l } else { 0 }];
        let members: [&[u32]; LANES] = each_lane(|l| member_words(&lane(l).members));
        rows_in(
            isa,
            &members,
            places * WORDS,
            self.members.as_flattened_mut(),
        );
    }

    /// Gives the groups copied in back what a session changes: each
    /// member's first [`CHANGED_WORDS`] words, the strength, hours and
    /// recent contacts of each pair (each pair taken, after
    /// [`BatchLanes::copy_in_strengths`]), and
    /// whether it reaches beyond the meetings (eight pairs at a time,
    /// `lane_flags`).
    #[inline(always)]
    pub fn copy_out<I: Isa>(&self, isa: I, groups: &mut [GroupState]) {
        assert!(!self.members_only, "a copy of the members alone");
        self.copy_out_members(isa, groups);
        let n = groups.len();
        if self.strengths_only {
            self.copy_out_taken(groups);
            return;
        }
        let mut numbers: [&mut [u32]; LANES] = Default::default();
        let mut flags: [&mut [bool]; LANES] = Default::default();
        for ((n, f), g) in numbers.iter_mut().zip(&mut flags).zip(groups) {
            let (group_numbers, group_flags) = g.bonds.storage_mut();
            (*n, *f) = (float_words_mut(group_numbers), group_flags);
        }
        if self.pairs == self.group_pairs {
            rows_out(
                isa,
                &self.numbers,
                CHANGED_COLUMNS * self.pairs,
                &mut numbers[..n],
            );
        } else {
            for c in 0..CHANGED_COLUMNS {
                let from = c * self.group_pairs;
                let mut column: [&mut [u32]; LANES] = Default::default();
                for (target, group) in column.iter_mut().zip(numbers[..n].iter_mut()) {
                    *target = &mut group[from..from + self.pairs];
                }
                let rows = &self.numbers[c * self.pairs..];
                rows_out(isa, rows, self.pairs, &mut column[..n]);
            }
        }
        for (l, target) in flags[..n].iter_mut().enumerate() {
            let target = &mut target[..self.pairs];
            let (eights, _) = target.as_chunks_mut::<PAIRS_A_WORD>();
            for (eight, packed) in eights.iter_mut().zip(self.beyond.as_chunks().0) {
                *eight = lane_flags(packed, l);
            }
            // The pairs past the last eight by the last eight again.
            let pairs = self.pairs;
            if pairs < PAIRS_A_WORD {
                for (flag, &packed) in target.iter_mut().zip(&self.beyond) {
                    *flag = packed >> l & 1 == 1;
                }
            } else if !pairs.is_multiple_of(PAIRS_A_WORD) {
                let last = pairs - PAIRS_A_WORD;
                let packed = &self.beyond[last..].as_chunks().0[0];
                target[last..].copy_from_slice(&lane_flags(packed, l));
            }
        }
    }

    /// Gives the groups copied in back each member's first
    /// [`CHANGED_WORDS`] words, the words a session may change.
    #[inline(always)]
    pub fn copy_out_members<I: Isa>(&self, isa: I, groups: &mut [GroupState]) {
        assert_eq!(groups.len(), self.groups, "the groups copied in");
        #[cfg(test)]
        self.assert_fixed_words_kept(groups);
        let n = groups.len();
        // Each group's members as blocks of eight words, three a member,
        // every length checked once.
        let mut blocks: [&mut [[u32; LANES]]; LANES] = Default::default();
        for (target, g) in blocks.iter_mut().zip(groups.iter_mut()) {
            let words = member_words_mut(&mut g.members);
            *target = &mut words.as_chunks_mut::<LANES>().0[..self.places * BLOCKS];
        }
        for (place, rows) in self.members.iter().enumerate() {
            let (rows, _) = rows.as_chunks::<LANES>();
            for (b, block) in rows[..CHANGED_WORDS / LANES].iter().enumerate() {
                let words = isa.transpose(each_lane(|w| isa.load_u(block[w].0)));
                for (target, v) in blocks[..n].iter_mut().zip(words) {
                    target[place * BLOCKS + b] = isa.store_u(v);
                }
            }
        }
    }

    /// That the words past [`CHANGED_WORDS`] of every member in the lanes
    /// are still the group's own (a session changed none of them).
    #[cfg(test)]
    fn assert_fixed_words_kept(&self, groups: &[GroupState]) {
        for (l, g) in groups.iter().enumerate() {
            let words = member_words(&g.members);
            for (place, rows) in self.members.iter().enumerate() {
                for w in CHANGED_WORDS..WORDS {
                    assert_eq!(
                        rows[w].0[l],
                        words[place * WORDS + w],
                        "word {w} of place {place}"
                    );
                }
            }
        }
    }

    /// [`BatchLanes::copy_out`]'s pairs after
    /// [`BatchLanes::copy_in_strengths`]: the pairs taken.
    fn copy_out_taken(&self, groups: &mut [GroupState]) {
        for (l, g) in groups.iter_mut().enumerate() {
            let (numbers, flags) = g.bonds.storage_mut();
            for &k in &self.touched {
                let k = k as usize;
                for c in 0..CHANGED_COLUMNS {
                    let row = self.numbers[c * self.pairs + k].0;
                    numbers[c * self.group_pairs + k] = f32::from_bits(row[l]);
                }
                flags[k] = self.beyond[k] >> l & 1 == 1;
            }
        }
    }

    /// Which lanes hold a group: bit `l` for lane `l`.
    pub fn groups(&self) -> u8 {
        ((1u16 << self.groups) - 1) as u8
    }

    pub fn places(&self) -> usize {
        self.places
    }

    pub fn pairs(&self) -> usize {
        self.pairs
    }

    /// Word `w` of place `i` in every lane.
    #[inline(always)]
    pub fn word<I: Isa>(&self, isa: I, i: usize, w: Word) -> U32s<I> {
        isa.words(self.members[i][w.0].0)
    }

    /// Whether step field `w` of place `i` is set (not
    /// [`NEVER`](crate::population::NEVER)), in every lane.
    #[inline(always)]
    pub fn is_set<I: Isa>(&self, isa: I, i: usize, w: Word) -> Mask<I> {
        !self.word(isa, i, w).eq(isa.u(crate::population::NEVER))
    }

    /// Word `w` of place `i` in lane `l`.
    pub fn word_at(&self, i: usize, w: Word, l: usize) -> u32 {
        self.members[i][w.0].0[l]
    }

    /// Word `w` of place `i` in every lane, as f32.
    #[inline(always)]
    pub fn float<I: Isa>(&self, isa: I, i: usize, w: Word) -> F32s<I> {
        self.word(isa, i, w).float_bits()
    }

    /// Sets word `w` of place `i` in every lane; not the first word, whose
    /// bytes are a status and a flag ([`BatchLanes::set_status`],
    /// [`BatchLanes::set_caught`]), nor one past [`CHANGED_WORDS`], which
    /// is not given back.
    #[inline(always)]
    pub fn set_word<I: Isa>(&mut self, i: usize, w: Word, v: U32s<I>) {
        assert_ne!(
            w,
            field::FLAGS,
            "the status and caught flag have setters of their own"
        );
        assert!(
            w.0 < CHANGED_WORDS,
            "a word fixed at arrival is not given back"
        );
        self.members[i][w.0].0 = v.array();
    }

    /// The status of place `i`'s member in every lane, as its number
    /// (`Status as u32`).
    #[inline(always)]
    pub fn status<I: Isa>(&self, isa: I, i: usize) -> U32s<I> {
        self.word(isa, i, field::FLAGS) & STATUS_BYTE
    }

    /// Sets the status of place `i`'s member to `status` in the lanes of
    /// `lanes`.
    #[inline(always)]
    pub fn set_status<I: Isa>(&mut self, i: usize, lanes: Mask<I>, status: Status) {
        let flags = self.word(lanes.isa(), i, field::FLAGS);
        let set = (flags & !STATUS_BYTE) | status as u32;
        self.members[i][field::FLAGS.0].0 = lanes.select_u(set, flags).array();
    }

    /// Whether place `i`'s member has caught loneliness, in every lane.
    #[inline(always)]
    pub fn caught<I: Isa>(&self, isa: I, i: usize) -> Mask<I> {
        !(self.word(isa, i, field::FLAGS) & CAUGHT_BYTE).eq(isa.u(0))
    }

    /// Sets whether place `i`'s member has caught loneliness, in every lane.
    #[inline(always)]
    pub fn set_caught<I: Isa>(&mut self, i: usize, caught: Mask<I>) {
        let flags = self.word(caught.isa(), i, field::FLAGS) & !CAUGHT_BYTE;
        let set = flags | 1 << CAUGHT_SHIFT;
        self.members[i][field::FLAGS.0].0 = caught.select_u(set, flags).array();
    }

    /// Sets word `w` of place `i` in every lane, as f32.
    #[inline(always)]
    pub fn set_float<I: Isa>(&mut self, i: usize, w: Word, v: F32s<I>) {
        self.set_word(i, w, v.bits());
    }

    /// Column `c`'s pair `k` in every lane.
    #[inline(always)]
    pub fn pair<I: Isa>(&self, isa: I, c: Column, k: usize) -> F32s<I> {
        isa.words(self.numbers[c as usize * self.pairs + k].0)
            .float_bits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;
    use crate::population::build_community;
    use crate::scenario::Scenario;

    /// A community's meeting groups, their members' scores and pairs made
    /// distinct from each other.
    fn groups(count: u32) -> Vec<GroupState> {
        groups_of(count, 10)
    }

    fn groups_of(count: u32, places: u32) -> Vec<GroupState> {
        let s = Scenario::builder()
            .set("community.groups", count)
            .set("community.group_size", places)
            .build()
            .unwrap();
        let mut groups: Vec<GroupState> = build_community(&s, 0)
            .into_iter()
            .filter(|g| g.meets)
            .collect();
        for (n, g) in groups.iter_mut().enumerate() {
            for (i, m) in g.members.iter_mut().enumerate() {
                m.cohesion = (n * 100 + i) as f32;
                m.replies_given = (n * 1000 + i) as u32;
            }
            let columns = g.bonds.columns_mut();
            for k in 0..columns.strength.len() {
                columns.strength[k] = (n * 10_000 + k) as f32;
                columns.kept_lonely[k] = (n * 20_000 + k) as f32;
                columns.beyond[k] = (n + k) % 3 == 0;
                columns.joined[k] = (n + k) % 5 == 0;
            }
        }
        groups
    }

    fn same(a: &GroupState, b: &GroupState) -> bool {
        member_words(&a.members) == member_words(&b.members)
            && float_words(a.bonds.storage().0) == float_words(b.bonds.storage().0)
            && a.bonds.storage().1 == b.bonds.storage().1
    }

    fn round_trip<I: Isa>(isa: I, count: usize) {
        let all = groups(count as u32);
        let mut lanes = BatchLanes::default();
        lanes.copy_in(isa, &all);
        assert_eq!(lanes.groups(), ((1u16 << count) - 1) as u8);
        // Lane l, place i: group l's member i (lanes past the last group:
        // the first group's).
        for i in 0..lanes.places() {
            let cohesion = lanes.float(isa, i, field::COHESION).array();
            let given = lanes.word(isa, i, field::REPLIES_GIVEN).array();
            for l in 0..LANES {
                let g = if l < count { l } else { 0 };
                assert_eq!(cohesion[l], (g * 100 + i) as f32);
                assert_eq!(given[l], (g * 1000 + i) as u32);
            }
        }
        for k in 0..lanes.pairs() {
            let strength = lanes.pair(isa, Column::Strength, k).array();
            let kept_lonely = lanes.pair(isa, Column::KeptLonely, k).array();
            for l in 0..count {
                assert_eq!(strength[l], (l * 10_000 + k) as f32);
                assert_eq!(kept_lonely[l], (l * 20_000 + k) as f32);
            }
        }
        // Back unchanged, and changes go to their own group's place.
        let mut back = groups(count as u32);
        for g in &mut back {
            g.members[0].cohesion = -1.0;
            g.bonds.columns_mut().hours[0] = -1.0;
            g.bonds.columns_mut().beyond[1] ^= true;
        }
        lanes.copy_out(isa, &mut back);
        assert!(all.iter().zip(&back).all(|(a, b)| same(a, b)));
        let mut values = lanes.float(isa, 3, field::HOPE).array();
        values[count - 1] = 0.25;
        lanes.set_float(3, field::HOPE, isa.floats(values));
        lanes.pair_row(2).set(Column::Hours, 1, isa.f(7.5));
        lanes.copy_out(isa, &mut back);
        assert_eq!(back[count - 1].members[3].hope, 0.25);
        assert!(back.iter().all(|g| g.bonds.hours()[2] == 7.5));
    }

    /// Rows in and out of every count up to three blocks, the last words
    /// by one place or by the overlapping block: each row holds its
    /// word of each source, and each target gets back its words and
    /// nothing past them.
    fn rows_there_and_back<I: Isa>(isa: I) {
        for count in 0..=24usize {
            let sources: Vec<Vec<u32>> = (0..LANES)
                .map(|l| (0..count + 3).map(|w| (l * 1_000 + w) as u32).collect())
                .collect();
            let sources: [&[u32]; LANES] = std::array::from_fn(|l| &sources[l][..]);
            let mut rows = vec![Row([7; LANES]); count + 2];
            rows_in(isa, &sources, count, &mut rows);
            for (w, row) in rows.iter().enumerate() {
                let want =
                    std::array::from_fn(|l| if w < count { (l * 1_000 + w) as u32 } else { 7 });
                assert_eq!(row.0, want, "count {count}, row {w}");
            }
            for groups in [1, 5, LANES] {
                let mut targets = vec![vec![u32::MAX; count + 3]; groups];
                let mut views: Vec<&mut [u32]> = targets.iter_mut().map(|t| &mut t[..]).collect();
                rows_out(isa, &rows, count, &mut views);
                for (l, target) in targets.iter().enumerate() {
                    assert_eq!(target[..count], sources[l][..count], "count {count}");
                    assert!(target[count..].iter().all(|&w| w == u32::MAX));
                }
            }
        }
    }

    #[test]
    fn rows_of_any_count_go_in_and_out() {
        rows_there_and_back(Portable);
        #[cfg(target_arch = "x86_64")]
        if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
            rows_there_and_back(avx2);
        }
    }

    /// The pairs' flags of groups of 3, 4, 5, 10 and 11 places (3, 6, 10,
    /// 45 and 55 pairs: fewer than eight, whole words and words with
    /// pairs past them) in batches of one, three and eight groups: each
    /// lane holds its group's, and what the lanes set goes back to each
    /// group's pairs.
    #[test]
    fn pair_flags_go_in_and_out_eight_at_a_time() {
        for places in [3, 4, 5, 10, 11] {
            for count in [1, 3, 8] {
                let mut all = groups_of(count, places);
                let mut lanes = BatchLanes::default();
                lanes.copy_in(Portable, &all);
                let lane = |l: usize| if l < count as usize { l } else { 0 };
                for k in 0..lanes.pairs() {
                    let bits = lanes.beyond[k];
                    for l in 0..LANES {
                        let flag = all[lane(l)].bonds.storage().1[k];
                        assert_eq!(bits >> l & 1 == 1, flag, "{places} places, pair {k}");
                    }
                }
                let set = |k: usize, l: usize| (k * 7 + l * 3).is_multiple_of(4);
                for j in 1..places as usize {
                    let mut row = lanes.pair_row(j);
                    for i in 0..j {
                        let k = j * (j - 1) / 2 + i;
                        let bits = (0..LANES).fold(0u8, |b, l| b | u8::from(set(k, l)) << l);
                        row.set_beyond(i, Portable.mask_of_bits(bits));
                    }
                }
                lanes.copy_out(Portable, &mut all);
                for (l, g) in all.iter().enumerate() {
                    let flags = &g.bonds.storage().1;
                    for (k, &flag) in flags.iter().enumerate().take(lanes.pairs()) {
                        assert_eq!(flag, set(k, l), "{places} places, pair {k}, lane {l}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_batch_comes_back_as_it_went_in() {
        for count in [1, 3, 8] {
            round_trip(Portable, count);
            #[cfg(target_arch = "x86_64")]
            if let Some(avx2) = crate::kernel::lanes::Avx2::detect() {
                round_trip(avx2, count);
            }
        }
    }
}
