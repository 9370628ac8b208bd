//! What each group's tally sums over its members ([`MemberSums`]), in
//! lanes at the end of a session, eight groups at once: the counts by
//! status and level of ties in vector lanes, the loneliness, hope, stigma,
//! cohesion and loneliness-change sums in f64, one per lane, in place order
//! (code shaped so the compiler vectorises it), how many attended and were
//! present at the start, then the current members without a tie at each
//! level to another current member, from the casual bitsets and the
//! strengths, and where the network is measured the sum of the strengths
//! of the ties among those who joined. A member who has not arrived, or is not
//! counted in a sum, adds +0, which leaves a sum started at +0 as it is:
//! the sums have the bits of [`MemberSums::of_group`]'s over the group
//! itself, and the tests hold them to it.
//!
//! The helpers are functions inlined into their callers, not closures,
//! which would not be compiled with the lanes' instructions.

use super::batch::{BatchLanes, Column, Row, field};
use super::lanes::{F32s, Isa, LANES, Mask, U32s};
use super::scratch::{Figure as Session, SessionLanes};
use super::summary::{Bits, Figure, SummaryLanes};
use crate::bonds::{TieLevels, pair_index};
use crate::metrics::MemberSums;
use crate::network::FromTally;
use crate::population::Status;
use crate::rules::loneliness::LONELY_CUTOFF;

// The cutoff compared in f32 is the f64 cutoff: loneliness is an f32.
const _: () = assert!(LONELY_CUTOFF as f32 as f64 == LONELY_CUTOFF);

/// The sums over each lane's members at a session's end; one per thread,
/// reused from batch to batch.
#[derive(Debug, Default)]
pub struct TallyLanes {
    /// Word `w` of the current members' bitset: bit `i mod 32` of row
    /// `w = i / 32` for place `i`.
    current: Vec<Row>,
    /// Places any lane's group has filled.
    filled: usize,
    /// Whether place `i`'s member has joined: all ones where so.
    joined: Vec<Row>,
    sums: [MemberSums; LANES],
    /// Members who attended, and those active at the session's start.
    attendance: [(u64, u64); LANES],
    /// Where made ([`TallyLanes::make`]), what the network figures of each
    /// lane's group take: the places whose members have joined, and the
    /// sum of the strengths of the ties among them.
    network: Option<[FromTally; LANES]>,
}

/// Counts in lanes, one a lane, in the order [`Counts::arrays`] gives them.
#[derive(Clone, Copy)]
struct Counts<I: Isa>([U32s<I>; COUNTS]);

/// What [`Counts`] holds.
#[derive(Clone, Copy)]
enum Count {
    Arrived,
    Active,
    Waiting,
    DroppedOut,
    Graduated,
    GroupEnded,
    Lonely,
    Improved,
    Hopeful,
    NoCasual,
    NoFriend,
    NoClose,
    Joined,
    Ties,
    BeyondTies,
    Attended,
    Present,
    NoCasualInGroup,
    NoFriendInGroup,
    NoCloseInGroup,
}

const COUNTS: usize = Count::NoCloseInGroup as usize + 1;

impl<I: Isa> Counts<I> {
    /// Adds `v` to count `c`.
    #[inline(always)]
    fn add(&mut self, c: Count, v: U32s<I>) {
        self.0[c as usize] = self.0[c as usize] + v;
    }

    /// Adds one to count `c` where `m` holds.
    #[inline(always)]
    fn count(&mut self, c: Count, m: Mask<I>) {
        let isa = m.isa();
        self.add(c, m.keep_u(isa.u(1)));
    }

    /// The counts as words, lane by lane (a loop: a function handed to
    /// `map` may be compiled out of line, without the entry's AVX2).
    #[inline(always)]
    fn arrays(&self) -> [[u32; LANES]; COUNTS] {
        let mut words = [[0; LANES]; COUNTS];
        for (words, count) in words.iter_mut().zip(self.0) {
            *words = count.array();
        }
        words
    }
}

/// f64 sums, one a lane.
#[derive(Clone, Copy, Default)]
struct Sums {
    loneliness: [f64; LANES],
    hope: [f64; LANES],
    stigma: [f64; LANES],
    cohesion: [f64; LANES],
    change: [f64; LANES],
    change_squared: [f64; LANES],
}

/// Adds `x` where `keep` holds, +0 elsewhere, to `sum` lane by lane in
/// f64.
#[inline(always)]
fn add_where<I: Isa>(sum: &mut [f64; LANES], keep: Mask<I>, x: F32s<I>) {
    keep.keep(x).add_wide_to(sum, false);
}

/// Whether the member has arrived and has `status`.
#[inline(always)]
fn with_status<I: Isa>(arrived: Mask<I>, status: U32s<I>, s: Status) -> Mask<I> {
    arrived & status.eq(status.isa().u(s as u32))
}

/// Places any lane's group has filled: members arrive in place order, so
/// past the last arrived in every lane no place holds anyone.
#[inline(always)]
fn filled<I: Isa>(isa: I, session: &SessionLanes, places: usize) -> usize {
    let mut filled = 0;
    while filled < places && session.flag(isa, filled, Session::Arrived).any() {
        filled += 1;
    }
    filled
}

impl TallyLanes {
    /// The sums over the members of each group in `lanes` at the end of
    /// its session, for the first `groups` lanes: the state after step
    /// 13, the places' arrived flags in `session`, the tie summaries TS(k)
    /// in `summaries` (all zero for control blocks); `meets`: the groups
    /// meet (their joined members' ties and loneliness change, and the
    /// ties among current members, are counted); with `tie_strengths`
    /// (for groups that meet, of up to 64 places), also the places whose
    /// members have joined and the sum of the strengths of the ties among
    /// them ([`TallyLanes::network_of_lane`]).
    #[inline(always)]
    pub fn make<I: Isa>(
        &mut self,
        isa: I,
        levels: &TieLevels,
        lanes: &BatchLanes,
        (session, summaries): (&SessionLanes, &SummaryLanes),
        (meets, groups, tie_strengths): (bool, usize, bool),
    ) {
        let mut c = Counts([isa.u(0); COUNTS]);
        let mut sums = Sums::default();
        let filled = filled(isa, session, lanes.places());
        self.filled = filled;
        self.current.clear();
        self.current.resize(filled.div_ceil(32), Row::default());
        let tie_strengths = meets && tie_strengths;
        assert!(
            !tie_strengths || filled <= 64,
            "joined places kept in a u64"
        );
        self.joined.clear();
        if tie_strengths {
            self.joined.resize(filled, Row::default());
        }
        // The joined places' bits: places 0 to 31, then 32 to 63.
        let mut joined_bits = [isa.u(0); 2];
        for i in 0..filled {
            let arrived = session.flag(isa, i, Session::Arrived);
            let active = add_place(isa, lanes, summaries, (i, arrived), &mut c, &mut sums);
            c.count(
                Count::Attended,
                arrived & session.flag(isa, i, Session::Attended),
            );
            c.count(
                Count::Present,
                arrived & session.flag(isa, i, Session::Present),
            );
            if meets {
                let joined = add_joined(isa, lanes, summaries, (i, arrived), &mut c, &mut sums);
                if tie_strengths {
                    self.joined[i].0 = joined.words().array();
                    let half = &mut joined_bits[usize::from(i >= 32)];
                    *half = *half | joined.keep_u(isa.u(1 << (i % 32)));
                }
                let bit = active.keep_u(isa.u(1 << (i % 32)));
                let word = &mut self.current[i / 32].0;
                *word = (isa.words(*word) | bit).array();
            }
        }
        if meets {
            for i in 0..filled {
                self.add_in_group(isa, levels, lanes, summaries, i, &mut c);
            }
        }
        self.network = if tie_strengths {
            let strengths = self.sum_tie_strengths(isa, levels, lanes);
            let [low, high] = joined_bits.map(|half| half.array());
            Some(std::array::from_fn(|l| FromTally {
                joined: u64::from(low[l]) | u64::from(high[l]) << 32,
                strength_sum: strengths[l],
            }))
        } else {
            None
        };
        let counts = c.arrays();
        for (l, into) in self.sums.iter_mut().enumerate() {
            *into = if l < groups {
                sums_of_lane(&counts, &sums, l)
            } else {
                MemberSums::default()
            };
        }
        let at = |c: Count, l: usize| u64::from(counts[c as usize][l]);
        for (l, into) in self.attendance.iter_mut().enumerate() {
            *into = (at(Count::Attended, l), at(Count::Present, l));
        }
    }

    /// Lane `l`'s group's members who attended, and those active at the
    /// session's start.
    pub fn attendance_of_lane(&self, l: usize) -> (u64, u64) {
        self.attendance[l]
    }

    /// Whether place `i`'s member is current, in every lane.
    #[inline(always)]
    fn is_current<I: Isa>(&self, isa: I, i: usize) -> Mask<I> {
        let word = isa.words(self.current[i / 32].0);
        !(word & isa.u(1 << (i % 32))).eq(isa.u(0))
    }

    /// The sum of the strengths of the ties (at the network threshold)
    /// among the members who have joined, in each lane: pair (i, j),
    /// i < j, by i then j, each in f64, as [`crate::network`] sums them
    /// over the group, the others adding +0.
    #[inline(always)]
    fn sum_tie_strengths<I: Isa>(
        &self,
        isa: I,
        levels: &TieLevels,
        lanes: &BatchLanes,
    ) -> [f64; LANES] {
        let mut sums = [0.0; LANES];
        let (zero, tie) = (isa.u(0), isa.f(levels.tie));
        let strengths = lanes.column(Column::Strength);
        for i in 0..self.filled {
            let joined = isa.words(self.joined[i].0);
            if joined.eq(zero).all() {
                continue;
            }
            // Pair (i, j) is j (j − 1) / 2 + i: j more for each j.
            let mut k = pair_index(i, i + 1);
            for (j, joined_j) in self.joined.iter().enumerate().skip(i + 1) {
                // The strength where both have joined (their rows are all
                // ones), else +0, which adds +0 whatever the tie level.
                let s = isa.words(strengths[k].0) & joined & isa.words(joined_j.0);
                let s = s.float_bits();
                add_where(&mut sums, s.ge(tie), s);
                k += j;
            }
        }
        sums
    }

    /// Lane `l`'s group's joined places and the sum of the strengths of
    /// the ties among them, where made.
    pub fn network_of_lane(&self, l: usize) -> Option<FromTally> {
        self.network.map(|lanes| lanes[l])
    }

    /// Lane `l`'s group's sums.
    pub fn of_lane(&self, l: usize) -> &MemberSums {
        &self.sums[l]
    }

    /// Counts place `i` among the current members, and where it has no
    /// tie at each level to another current member: a casual bit among
    /// the current members' bits, and the strongest tie to a current
    /// member (walked where a lane's member has a friend anywhere and a
    /// casual tie in the group).
    #[inline(always)]
    fn add_in_group<I: Isa>(
        &self,
        isa: I,
        levels: &TieLevels,
        lanes: &BatchLanes,
        summaries: &SummaryLanes,
        i: usize,
        c: &mut Counts<I>,
    ) {
        let zero = isa.u(0);
        let own = self.is_current(isa, i);
        if !own.any() {
            return;
        }
        let mut casual = zero;
        for w in 0..self.current.len() {
            let current = isa.words(self.current[w].0);
            casual = casual | (summaries.bit_word(isa, Bits::Casual, i, w) & current);
        }
        let casual = own & !casual.eq(zero);
        c.count(Count::NoCasualInGroup, own & !casual);
        let friends = summaries.count_of(isa, i, Figure::Friends);
        let walk = casual & !friends.eq(zero);
        let mut strongest = isa.f(0.0);
        if walk.any() {
            for j in (0..self.filled).filter(|&j| j != i) {
                let here = self.is_current(isa, j);
                let s = lanes.pair(isa, Column::Strength, pair_index(i, j));
                strongest = strongest.max((walk & here).keep(s));
            }
        }
        c.count(
            Count::NoFriendInGroup,
            own & strongest.lt(isa.f(levels.friend)),
        );
        c.count(
            Count::NoCloseInGroup,
            own & strongest.lt(isa.f(levels.close)),
        );
    }
}

/// Adds place `i` (arrived in the lanes of `arrived`) to the counts and
/// sums over every member who has arrived; gives where the place's member
/// is active (current).
#[inline(always)]
fn add_place<I: Isa>(
    isa: I,
    lanes: &BatchLanes,
    summaries: &SummaryLanes,
    (i, arrived): (usize, Mask<I>),
    c: &mut Counts<I>,
    sums: &mut Sums,
) -> Mask<I> {
    let status = lanes.status(isa, i);
    let active = with_status(arrived, status, Status::Active);
    c.count(Count::Arrived, arrived);
    c.count(Count::Active, active);
    c.count(
        Count::Waiting,
        with_status(arrived, status, Status::Waiting),
    );
    c.count(
        Count::DroppedOut,
        with_status(arrived, status, Status::DroppedOut),
    );
    c.count(
        Count::Graduated,
        with_status(arrived, status, Status::Graduated),
    );
    c.count(
        Count::GroupEnded,
        with_status(arrived, status, Status::GroupEnded),
    );
    let loneliness = lanes.float(isa, i, field::LONELINESS);
    let lonely = loneliness.ge(isa.f(LONELY_CUTOFF as f32));
    c.count(Count::Lonely, arrived & lonely);
    let improved = lanes.is_set(isa, i, field::IMPROVED_AFTER);
    c.count(Count::Improved, arrived & improved);
    let hopeful = lanes.is_set(isa, i, field::HOPEFUL_SINCE);
    c.count(Count::Hopeful, arrived & hopeful);
    let casual = summaries.count_of(isa, i, Figure::Casual);
    c.count(Count::NoCasual, arrived & casual.eq(isa.u(0)));
    let friends = summaries.count_of(isa, i, Figure::Friends);
    c.count(Count::NoFriend, arrived & friends.eq(isa.u(0)));
    let close = summaries.count_of(isa, i, Figure::Close);
    c.count(Count::NoClose, arrived & close.eq(isa.u(0)));
    add_where(&mut sums.loneliness, arrived, loneliness);
    add_where(&mut sums.hope, arrived, lanes.float(isa, i, field::HOPE));
    add_where(
        &mut sums.stigma,
        arrived,
        lanes.float(isa, i, field::STIGMA),
    );
    add_where(
        &mut sums.cohesion,
        active,
        lanes.float(isa, i, field::COHESION),
    );
    active
}

/// Adds place `i` to the counts and sums over the members who have
/// joined a meeting group: their ties, those beyond the meetings, their
/// loneliness change since arrival; gives where the place's member has
/// joined.
#[inline(always)]
fn add_joined<I: Isa>(
    isa: I,
    lanes: &BatchLanes,
    summaries: &SummaryLanes,
    (i, arrived): (usize, Mask<I>),
    c: &mut Counts<I>,
    sums: &mut Sums,
) -> Mask<I> {
    let joined = arrived & lanes.is_set(isa, i, field::JOINED_STEP);
    c.count(Count::Joined, joined);
    let ties = summaries.count_of(isa, i, Figure::Ties);
    c.add(Count::Ties, joined.keep_u(ties));
    let beyond = summaries.count_of(isa, i, Figure::Beyond);
    c.add(Count::BeyondTies, joined.keep_u(beyond));
    let loneliness = lanes.float(isa, i, field::LONELINESS);
    let start = lanes.float(isa, i, field::LONELINESS_START);
    let change = joined.keep(loneliness - start);
    change.add_wide_to(&mut sums.change, false);
    change.add_wide_to(&mut sums.change_squared, true);
    joined
}

/// Lane `l`'s counts ([`Counts::arrays`]) and sums as a group's.
#[inline(always)]
fn sums_of_lane(counts: &[[u32; LANES]; COUNTS], sums: &Sums, l: usize) -> MemberSums {
    let at = |c: Count| u64::from(counts[c as usize][l]);
    let joined = at(Count::Joined);
    let mut s = MemberSums {
        arrived: at(Count::Arrived),
        active: at(Count::Active),
        waiting: at(Count::Waiting),
        dropped_out: at(Count::DroppedOut),
        graduated: at(Count::Graduated),
        group_ended: at(Count::GroupEnded),
        loneliness_sum: sums.loneliness[l],
        lonely: at(Count::Lonely),
        hope_sum: sums.hope[l],
        stigma_sum: sums.stigma[l],
        improved: at(Count::Improved),
        hopeful: at(Count::Hopeful),
        cohesion_sum: sums.cohesion[l],
        no_casual: at(Count::NoCasual),
        no_friend: at(Count::NoFriend),
        no_close: at(Count::NoClose),
        joined,
        ties: at(Count::Ties),
        beyond_ties: at(Count::BeyondTies),
        no_casual_in_group: at(Count::NoCasualInGroup),
        no_friend_in_group: at(Count::NoFriendInGroup),
        no_close_in_group: at(Count::NoCloseInGroup),
        ..MemberSums::default()
    };
    s.change.n = joined;
    s.change.sum = sums.change[l];
    s.change.sum_sq = sums.change_squared[l];
    s
}

#[cfg(test)]
mod tests {
    use crate::context::SessionContext;
    use crate::engine::{step_all, step_all_panel};
    use crate::metrics::{MemberSums, RowId, Tally};
    use crate::network::NetStats;
    use crate::population::build_community_with;
    use crate::scenario::Scenario;

    /// Every group's tally from a year of sessions (its member sums made
    /// in lanes) against the tally with the sums made over the group
    /// itself, step by step, in AVX2's lanes or the portable ones, and
    /// where the network is measured, the network figures made from the
    /// joined places and strength sum given by the lanes against those
    /// measured afresh; gives how many members were counted waiting,
    /// dropped out, graduated and in ended groups, and how many groups'
    /// network figures with ties were compared, summed over the year.
    /// With `panel`, the sessions also give panel rows, and each meeting
    /// group's count of those present at the start and of those who
    /// attended (made in lanes) is held to its rows'.
    fn tallies_match_over_a_year(s: &Scenario, (portable, panel): (bool, bool)) -> [u64; 5] {
        let mut ctx = SessionContext::new(s, 1);
        ctx.portable_lanes = portable;
        let mut groups = build_community_with(&ctx);
        let mut seen = [0u64; 5];
        let id = RowId {
            run: 0,
            arm: "group".into(),
            replicate: 1,
        };
        for step in 1..=s.format.sessions {
            let measured = s.network.measures(step, s.format.sessions);
            let mut rows = Vec::new();
            let tallies = if panel {
                step_all_panel(&mut groups, &ctx, step, None, &id, &mut rows)
            } else {
                step_all(&mut groups, &ctx, step)
            };
            for (g, t) in groups.iter().zip(&tallies) {
                if panel && g.meets {
                    let own: Vec<_> = rows.iter().filter(|r| r.group == g.id).collect();
                    let attended = own.iter().filter(|r| r.attended).count();
                    assert_eq!(
                        (t.at_session, t.attended),
                        (own.len() as u64, attended as u64)
                    );
                }
                let sums = MemberSums::of_group(g, &ctx.levels);
                let mut over_group = Tally::of_group(g, (t.attended, t.at_session), &sums);
                over_group.network = t.network;
                over_group.clustering_sum = t.clustering_sum;
                // The Debug text tells -0 from +0.
                assert_eq!(
                    format!("{t:?}"),
                    format!("{over_group:?}"),
                    "step {step}, group {}",
                    g.id
                );
                let statuses = [t.waiting, t.dropped_out, t.graduated, t.group_ended];
                for (seen, n) in seen.iter_mut().zip(statuses) {
                    *seen += n;
                }
                if measured && g.meets {
                    // Every figure, from the joined places and the
                    // strength sum that the lanes gave.
                    let own = NetStats::of_group(g);
                    assert_eq!(format!("{:?}", t.network), format!("{own:?}"));
                    seen[4] += u64::from(own.strength_sum > 0.0);
                }
            }
        }
        seen
    }

    #[test]
    fn the_sums_in_lanes_are_the_sums_over_each_group() {
        let room = Scenario::builder()
            .set("community.groups", 40)
            .set("community.control_members", 60)
            .set("mechanisms.contagion.enabled", true)
            .build()
            .unwrap();
        let open = Scenario::builder()
            .set("community.groups", 20)
            .set("format.membership", "open")
            .build()
            .unwrap();
        let forum = Scenario::builder()
            .set("community.groups", 9)
            .set("community.group_size", 70)
            .set("format.delivery", "forum")
            .build()
            .unwrap();
        // Places past 32: the joined places' second word.
        let large = Scenario::builder()
            .set("community.groups", 8)
            .set("community.group_size", 40)
            .build()
            .unwrap();
        let mut seen = [0u64; 5];
        for s in [room, open, forum, large] {
            for lanes in [(false, false), (true, false), (false, true)] {
                let counted = tallies_match_over_a_year(&s, lanes);
                for (all, n) in seen.iter_mut().zip(counted) {
                    *all += n;
                }
            }
        }
        // Members were counted waiting, dropped out, graduated and in
        // ended groups: each status's count was held to the group's; and
        // network figures of groups with ties were compared.
        assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
    }
}
