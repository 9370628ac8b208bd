//! Isolation and cohesion figures: per-group tallies and their ordered fold
//! into one time-series row per arm; how the rows of `timeseries.csv`,
//! `members.csv` and `groups.csv` are filled from the model (the row types
//! themselves are the files' and live in [`crate::output::rows`]).
//!
//! A [`Tally`] holds sums and counts for one group at one step; the engine
//! adds the tallies of all groups in group order (never in thread order), so
//! the figures are identical at any thread count. Network figures (density,
//! clustering) are computed inside each group from its bitsets: ties within
//! groups never cross groups, so a member's local clustering in its group is
//! its local clustering in the whole bond network. [`crate::network`] builds
//! the same network as a petgraph graph; a test checks both give the same
//! figures.

use std::borrow::Cow;

use crate::baseline::Cohort;
use crate::bonds::TieLevels;
use crate::community::NetworkKind;
use crate::network::NetStats;
use crate::output::{GroupRow, METRICS, MemberRow, MemberStatus, Metric, TimeseriesRow};
use crate::population::{GroupState, NEVER, Status};
use crate::rules::forum;
use crate::rules::group_differences::GroupCharacter;
use crate::rules::loneliness::LONELY_CUTOFF;
use crate::scenario::{Delivery, Membership, Scenario};
use crate::stats::{GroupedMoments, Moments};

/// Sums and counts over the members of one or more groups at one step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// People who have come to the programme (joined or on the waiting list).
    pub arrived: u64,
    pub active: u64,
    pub waiting: u64,
    pub dropped_out: u64,
    pub graduated: u64,
    /// Members whose closed group ended because too few were left.
    pub group_ended: u64,
    /// Groups that met this session (someone was a member at its start).
    pub groups_met: u64,
    /// Active members when the session met (after admissions, before exits).
    pub at_session: u64,
    pub attended: u64,
    pub lonely: u64,
    /// Members with no tie at the casual, friend and close level.
    pub no_casual: u64,
    pub no_friend: u64,
    pub no_close: u64,
    /// Current members, and those of them with no tie at the casual, friend
    /// and close level to another current member of their group.
    pub current: u64,
    pub no_casual_in_group: u64,
    pub no_friend_in_group: u64,
    pub no_close_in_group: u64,
    pub improved: u64,
    /// Members who are hopeful (hope's adoption state).
    pub hopeful: u64,
    pub loneliness_sum: f64,
    pub hope_sum: f64,
    pub stigma_sum: f64,
    pub cohesion_sum: f64,
    /// Members who have ever joined a group (nodes of the bond network).
    pub joined: u64,
    pub clustering_sum: f64,
    pub density_sum: f64,
    /// Groups with at least two members who have joined.
    pub density_groups: u64,
    /// Ties (edges) at or above the network threshold.
    pub ties: u64,
    /// Ties that reach beyond the meetings.
    pub beyond_ties: u64,
    /// Loneliness change since arrival of those who joined a meeting group,
    /// by group: the share of its variance between groups.
    pub loneliness_change: GroupedMoments,
    /// One group's network figures, filled only at steps where the network
    /// is measured. Not added by [`Tally::add`]: the step's figures are
    /// summed over the meeting groups alone (the engine's step totals).
    pub network: NetStats,
    /// Community ties to lonely people (with a community network): filled
    /// in an arm's total after the session, never in one group's tally.
    pub lonely_ties: Option<LonelyTies>,
    /// A forum's posting so far (forums only).
    pub forum: Option<ForumTally>,
}

/// Who has posted in a forum so far, over the members who joined.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForumTally {
    /// `members_with[k]`: members who have written k posts.
    pub members_with: Vec<u64>,
    /// First posts that were answered in their period, and how many of
    /// their authors posted again in a later period.
    pub first_answered: u64,
    pub answered_returned: u64,
    /// The same for first posts nobody answered.
    pub first_unanswered: u64,
    pub unanswered_returned: u64,
}

impl ForumTally {
    fn of_group(g: &GroupState) -> Option<ForumTally> {
        if g.forum.is_empty() {
            return None;
        }
        let mut t = ForumTally::default();
        for i in (0..g.arrived).filter(|&i| g.members[i].joined_step != NEVER) {
            let f = &g.forum[i];
            let posts = f.posts as usize;
            if t.members_with.len() <= posts {
                t.members_with.resize(posts + 1, 0);
            }
            t.members_with[posts] += 1;
            if f.first_post_step == NEVER {
                continue;
            }
            let again = u64::from(f.posted_again);
            if f.first_answered {
                t.first_answered += 1;
                t.answered_returned += again;
            } else {
                t.first_unanswered += 1;
                t.unanswered_returned += again;
            }
        }
        Some(t)
    }

    fn add(&mut self, o: &ForumTally) {
        if self.members_with.len() < o.members_with.len() {
            self.members_with.resize(o.members_with.len(), 0);
        }
        for (a, b) in self.members_with.iter_mut().zip(&o.members_with) {
            *a += b;
        }
        self.first_answered += o.first_answered;
        self.answered_returned += o.answered_returned;
        self.first_unanswered += o.first_unanswered;
        self.unanswered_returned += o.unanswered_returned;
    }

    /// Share of the members who joined who have posted.
    fn posted_share(&self) -> Option<f64> {
        let members: u64 = self.members_with.iter().sum();
        let silent = self.members_with.first().copied().unwrap_or(0);
        ratio((members - silent) as f64, members)
    }
}

/// The community ties of members who came, by whether the member is lonely,
/// and how many of them lead to a lonely person: loneliness clusters when
/// lonely members' ties lead to lonely people more often than others' do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LonelyTies {
    pub of_lonely: u64,
    pub of_lonely_to_lonely: u64,
    pub of_others: u64,
    pub of_others_to_lonely: u64,
}

impl LonelyTies {
    pub fn add(&mut self, o: &LonelyTies) {
        self.of_lonely += o.of_lonely;
        self.of_lonely_to_lonely += o.of_lonely_to_lonely;
        self.of_others += o.of_others;
        self.of_others_to_lonely += o.of_others_to_lonely;
    }
}

/// What a group's tally sums over the members who have arrived (joined or
/// waiting; in a control block, its members): [`MemberSums::of_group`]
/// from the group itself, or in the kernel's lanes after a session
/// (`crate::kernel::tally`), eight groups at once, with the same bits: the
/// floats summed in place order, a member left out adding +0.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MemberSums {
    pub arrived: u64,
    pub active: u64,
    pub waiting: u64,
    pub dropped_out: u64,
    pub graduated: u64,
    pub group_ended: u64,
    pub loneliness_sum: f64,
    pub lonely: u64,
    pub hope_sum: f64,
    pub stigma_sum: f64,
    pub improved: u64,
    pub hopeful: u64,
    /// Cohesion summed over the active members.
    pub cohesion_sum: f64,
    /// Members with no tie at the casual, friend and close level.
    pub no_casual: u64,
    pub no_friend: u64,
    pub no_close: u64,
    /// Of a meeting group: members who have joined, their ties at the
    /// network threshold and beyond the meetings (each tie counted from
    /// both ends), and their loneliness change since arrival.
    pub joined: u64,
    pub ties: u64,
    pub beyond_ties: u64,
    pub change: Moments,
    /// Of a meeting group: its current (active) members with no tie at
    /// the casual, friend and close level to another current member.
    pub no_casual_in_group: u64,
    pub no_friend_in_group: u64,
    pub no_close_in_group: u64,
}

impl MemberSums {
    /// The sums over group `g`'s members, from the group and its tie
    /// summary (the tie levels in `levels`).
    pub fn of_group(g: &GroupState, levels: &TieLevels) -> MemberSums {
        let mut s = MemberSums::default();
        // Members by status, counted by indexing rather than by a jump on
        // each member's status (which changes from member to member).
        let mut by_status = [0u64; Status::COUNT];
        for (m, ties) in g.members[..g.arrived].iter().zip(g.tie_summary.members()) {
            s.arrived += 1;
            by_status[m.status as usize] += 1;
            let l = f64::from(m.loneliness);
            s.loneliness_sum += l;
            s.lonely += u64::from(l >= LONELY_CUTOFF);
            s.hope_sum += f64::from(m.hope);
            s.stigma_sum += f64::from(m.stigma);
            s.improved += u64::from(m.improved_after != NEVER);
            s.hopeful += u64::from(m.hopeful_since != NEVER);
            // Cohesion times 0 or 1, without a branch on the status: +0
            // for the others (cohesion is finite and non-negative), which
            // leaves a sum of non-negative terms as it is.
            let active = f64::from(u8::from(m.status == Status::Active));
            s.cohesion_sum += f64::from(m.cohesion) * active;
            s.no_casual += u64::from(ties.casual == 0);
            s.no_friend += u64::from(ties.friends == 0);
            s.no_close += u64::from(ties.close == 0);
            if g.meets && m.joined_step != NEVER {
                s.joined += 1;
                s.ties += u64::from(ties.ties);
                s.beyond_ties += u64::from(ties.beyond);
                s.change.push(f64::from(m.loneliness - m.loneliness_start));
            }
        }
        s.active = by_status[Status::Active as usize];
        s.waiting = by_status[Status::Waiting as usize];
        s.dropped_out = by_status[Status::DroppedOut as usize];
        s.graduated = by_status[Status::Graduated as usize];
        s.group_ended = by_status[Status::GroupEnded as usize];
        if g.meets {
            s.count_ties_in_group(g, levels);
        }
        s
    }

    /// Counts the current members without a tie at each level to another
    /// current member of the group (ties to those who left do not count).
    /// A casual-or-closer tie to a current member is a bit of the member's
    /// casual bitset among the current members'; only a member with a
    /// friend (or close friend) anywhere can have one in the group, and
    /// only those few have their casual ties in the group walked (a friend
    /// is a casual friend: the levels rise, `x-at-least`).
    fn count_ties_in_group(&mut self, g: &GroupState, levels: &TieLevels) {
        let ts = &g.tie_summary;
        let words = ts.words();
        let current = |i: usize| g.members[i].status == Status::Active;
        let (mut small, mut large) = ([0u64; 1], Vec::new());
        let mask: &mut [u64] = if words == 1 {
            &mut small
        } else {
            large.resize(words, 0);
            &mut large
        };
        for i in (0..g.arrived).filter(|&i| current(i)) {
            mask[i / 64] |= 1 << (i % 64);
        }
        let casual_bits = ts.casual_bits();
        for i in (0..g.arrived).filter(|&i| current(i)) {
            let own = &casual_bits[i * words..(i + 1) * words];
            let casual = own.iter().zip(&*mask).any(|(b, m)| b & m != 0);
            // The strongest casual-or-closer tie to a current member: a
            // friend's, if there is one.
            let mut strongest = 0.0f32;
            if casual && ts.members()[i].friends > 0 {
                for (w, (&b, &m)) in own.iter().zip(&*mask).enumerate() {
                    let mut in_group = b & m;
                    while in_group != 0 {
                        let j = w * 64 + in_group.trailing_zeros() as usize;
                        in_group &= in_group - 1;
                        strongest = strongest.max(g.bonds.strength(i, j));
                    }
                }
            }
            self.no_casual_in_group += u64::from(!casual);
            self.no_friend_in_group += u64::from(strongest < levels.friend);
            self.no_close_in_group += u64::from(strongest < levels.close);
        }
    }
}

impl Tally {
    /// The tally of one group after a step, with the sums over its
    /// members (`members`, [`MemberSums`]).
    pub fn of_group(g: &GroupState, attendance: (u64, u64), members: &MemberSums) -> Tally {
        let mut t = Tally::default();
        t.set_to_group(g, attendance, members);
        t
    }

    /// Makes this the tally of one group after a step, as
    /// [`Tally::of_group`] does, in place: a session writes its groups'
    /// tallies where the step's fold reads them, and a tally is several
    /// hundred bytes, which a tally made apart and moved there would copy
    /// twice. Every field is named, so none can keep an earlier group's
    /// value (the network figures and the community ties' counts are left
    /// empty, to be filled by the caller where made).
    pub fn set_to_group(
        &mut self,
        g: &GroupState,
        (attended, at_session): (u64, u64),
        members: &MemberSums,
    ) {
        let s = members;
        let joined = s.joined;
        let ties = s.ties / 2;
        let (density_sum, density_groups) = if joined >= 2 {
            let pairs = (joined * (joined - 1) / 2) as f64;
            (ties as f64 / pairs, 1)
        } else {
            (0.0, 0)
        };
        let Tally {
            arrived,
            active,
            waiting,
            dropped_out,
            graduated,
            group_ended,
            groups_met,
            at_session: at_session_out,
            attended: attended_out,
            lonely,
            no_casual,
            no_friend,
            no_close,
            current,
            no_casual_in_group,
            no_friend_in_group,
            no_close_in_group,
            improved,
            hopeful,
            loneliness_sum,
            hope_sum,
            stigma_sum,
            cohesion_sum,
            joined: joined_out,
            clustering_sum,
            density_sum: density_sum_out,
            density_groups: density_groups_out,
            ties: ties_out,
            beyond_ties,
            loneliness_change,
            network,
            lonely_ties,
            forum,
        } = self;
        *attended_out = attended;
        *at_session_out = at_session;
        *groups_met = u64::from(at_session > 0);
        *arrived = s.arrived;
        *active = s.active;
        *waiting = s.waiting;
        *dropped_out = s.dropped_out;
        *graduated = s.graduated;
        *group_ended = s.group_ended;
        *loneliness_sum = s.loneliness_sum;
        *lonely = s.lonely;
        *hope_sum = s.hope_sum;
        *stigma_sum = s.stigma_sum;
        *improved = s.improved;
        *hopeful = s.hopeful;
        *cohesion_sum = s.cohesion_sum;
        *no_casual = s.no_casual;
        *no_friend = s.no_friend;
        *no_close = s.no_close;
        *joined_out = joined;
        // Each tie was counted from both ends.
        *ties_out = ties;
        *beyond_ties = s.beyond_ties / 2;
        // A meeting group's current members are its active ones.
        *current = if g.meets { s.active } else { 0 };
        *no_casual_in_group = s.no_casual_in_group;
        *no_friend_in_group = s.no_friend_in_group;
        *no_close_in_group = s.no_close_in_group;
        *clustering_sum = 0.0;
        *density_sum_out = density_sum;
        *density_groups_out = density_groups;
        *loneliness_change = GroupedMoments::default();
        loneliness_change.add_group(&s.change);
        *network = NetStats::default();
        *lonely_ties = None;
        *forum = ForumTally::of_group(g);
    }

    /// Sets the clustering sum, from the network figures when they were taken
    /// this step (the same sum, computed once), else from the tie summary
    /// (made with it in the kernel's lanes).
    #[inline]
    pub fn set_clustering(&mut self, g: &GroupState) {
        self.clustering_sum = if self.network.nodes > 0 {
            self.network.clustering_sum
        } else if let Some(sum) = g.tie_summary.joined_clustering_sum
            && g.meets
        {
            sum
        } else {
            g.tie_summary
                .clustering_sum(g.arrived, |i| g.meets && g.members[i].joined_step != NEVER)
        };
    }

    /// Adds another tally (call in group order), but for its network
    /// figures (see [`Tally::network`]).
    pub fn add(&mut self, o: &Tally) {
        self.arrived += o.arrived;
        self.active += o.active;
        self.waiting += o.waiting;
        self.dropped_out += o.dropped_out;
        self.graduated += o.graduated;
        self.group_ended += o.group_ended;
        self.at_session += o.at_session;
        self.groups_met += o.groups_met;
        self.attended += o.attended;
        self.lonely += o.lonely;
        self.no_casual += o.no_casual;
        self.no_friend += o.no_friend;
        self.no_close += o.no_close;
        self.current += o.current;
        self.no_casual_in_group += o.no_casual_in_group;
        self.no_friend_in_group += o.no_friend_in_group;
        self.no_close_in_group += o.no_close_in_group;
        self.improved += o.improved;
        self.hopeful += o.hopeful;
        self.loneliness_sum += o.loneliness_sum;
        self.hope_sum += o.hope_sum;
        self.stigma_sum += o.stigma_sum;
        self.cohesion_sum += o.cohesion_sum;
        self.joined += o.joined;
        self.clustering_sum += o.clustering_sum;
        self.density_sum += o.density_sum;
        self.density_groups += o.density_groups;
        self.ties += o.ties;
        self.beyond_ties += o.beyond_ties;
        self.loneliness_change.add(&o.loneliness_change);
        if let Some(o) = &o.lonely_ties {
            self.lonely_ties.get_or_insert_default().add(o);
        }
        if let Some(o) = &o.forum {
            self.forum.get_or_insert_default().add(o);
        }
    }
}

/// Which run, arm and replicate a row belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct RowId {
    pub run: u64,
    pub arm: String,
    pub replicate: u32,
}

fn ratio(num: f64, den: u64) -> Option<f64> {
    (den > 0).then(|| num / den as f64)
}

impl TimeseriesRow {
    /// The row of one arm from the tally of its groups. `meets` is false for arms whose members never
    /// attend: the figures of sessions and ties are then left empty. `open`
    /// is true for an arm of open groups: only those have a waiting list,
    /// whose share is left empty in closed ones.
    pub fn new(
        id: RowId,
        meets: bool,
        open: bool,
        step: u32,
        interval_days: f64,
        groups: u64,
        t: &Tally,
    ) -> Self {
        // A mean or share of everyone who arrived; none before anyone has.
        let of_arrived = |sum: f64| ratio(sum, t.arrived);
        let only = |x: Option<f64>| if meets { x } else { None };
        // Members who never meet have no forum either.
        let posts = t.forum.as_ref().filter(|_| meets);
        let joined = t.arrived - t.waiting;
        let RowId {
            run,
            arm,
            replicate,
        } = id;
        TimeseriesRow {
            run,
            arm,
            replicate,
            step,
            week: f64::from(step) * interval_days / 7.0,
            members_active: t.active,
            attendance_rate: only(if step == 0 {
                None
            } else {
                ratio(t.attended as f64, t.at_session)
            }),
            loneliness_mean: of_arrived(t.loneliness_sum),
            lonely_share: of_arrived(t.lonely as f64),
            no_casual_tie_share: of_arrived(t.no_casual as f64),
            no_friend_tie_share: of_arrived(t.no_friend as f64),
            no_close_tie_share: of_arrived(t.no_close as f64),
            no_casual_tie_in_group_share: only(ratio(t.no_casual_in_group as f64, t.current)),
            no_friend_tie_in_group_share: only(ratio(t.no_friend_in_group as f64, t.current)),
            no_close_tie_in_group_share: only(ratio(t.no_close_in_group as f64, t.current)),
            hope_mean: of_arrived(t.hope_sum),
            hopeful_share: of_arrived(t.hopeful as f64),
            stigma_mean: of_arrived(t.stigma_sum),
            cohesion_mean: only(ratio(t.cohesion_sum, t.active)),
            bond_density: only(ratio(t.density_sum, t.density_groups)),
            clustering: only(ratio(t.clustering_sum, t.joined)),
            retention: only(ratio((joined - t.dropped_out) as f64, joined)),
            still_attending: only(ratio(t.active as f64, joined)),
            dropped_out: t.dropped_out,
            graduated: t.graduated,
            group_ended: meets.then_some(t.group_ended),
            arrived: t.arrived,
            waiting: t.waiting,
            waiting_share: only(ratio(t.waiting as f64, t.arrived).filter(|_| open)),
            group_size_mean: only(if step == 0 {
                ratio(t.active as f64, groups)
            } else {
                ratio(t.at_session as f64, t.groups_met)
            }),
            improved_share: only(ratio(t.improved as f64, joined)),
            beyond_share: only(ratio(t.beyond_ties as f64, t.ties)),
            between_group_share: only(t.loneliness_change.between_group_share()),
            lonely_near_lonely: t
                .lonely_ties
                .and_then(|c| ratio(c.of_lonely_to_lonely as f64, c.of_lonely)),
            lonely_near_others: t
                .lonely_ties
                .and_then(|c| ratio(c.of_others_to_lonely as f64, c.of_others)),
            posted_share: posts.and_then(ForumTally::posted_share),
            posted_again_share: posts.and_then(|f| {
                ratio(
                    (f.answered_returned + f.unanswered_returned) as f64,
                    f.first_answered + f.first_unanswered,
                )
            }),
            top1_post_share: posts.and_then(|f| forum::top_share(&f.members_with, 0.01)),
            top10_post_share: posts.and_then(|f| forum::top_share(&f.members_with, 0.10)),
            answered_return_share: posts
                .and_then(|f| ratio(f.answered_returned as f64, f.first_answered)),
            unanswered_return_share: posts
                .and_then(|f| ratio(f.unanswered_returned as f64, f.first_unanswered)),
        }
    }
}

/// What the rows of one side of an analysis can measure whatever the runs
/// do: whether its members meet, in open groups, in a forum, and among a
/// community network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowsKind {
    pub meets: bool,
    pub open: bool,
    pub forum: bool,
    pub community: bool,
}

impl RowsKind {
    /// Rows where every figure can be measured.
    pub const EVERY_FIGURE: RowsKind = RowsKind {
        meets: true,
        open: true,
        forum: true,
        community: true,
    };

    /// The rows written by `runs` (the runs of one arm, one for each point
    /// of a design or particle of a calibration), whose members meet where
    /// `meets`: open, a forum or among a community network where some run
    /// is (`Runs::Some`), or where every run is (`Runs::Every`).
    pub fn of(runs: &[&Scenario], meets: bool, which: Runs) -> RowsKind {
        let has = |test: &dyn Fn(&Scenario) -> bool| match which {
            Runs::Some => runs.iter().any(|s| test(s)),
            Runs::Every => runs.iter().all(|s| test(s)),
        };
        RowsKind {
            meets,
            open: has(&|s| s.format.membership == Membership::Open),
            forum: has(&|s| s.format.delivery == Delivery::Forum),
            community: has(&|s| s.community_network.kind != NetworkKind::None),
        }
    }
}

/// Which runs [`RowsKind::of`] asks about: some (what at least one can
/// measure) or every one (what all can).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runs {
    Some,
    Every,
}

/// Whether a metric's figure is left empty whatever the runs do in rows of
/// `kind` at `step` (members who never meet, closed groups, groups that
/// meet rather than post, no community network, step 0). Asked of
/// [`TimeseriesRow::new`] itself, on a tally where every figure has what
/// it needs, so that the constructor stays the one place that says what
/// each figure needs.
pub fn empty_by_design(
    value: fn(&TimeseriesRow) -> Option<f64>,
    kind: RowsKind,
    step: u32,
) -> bool {
    value(&probe(RowsKind::EVERY_FIGURE, 1)).is_some() && value(&probe(kind, step)).is_none()
}

/// Why rows leave a metric empty whatever the runs do
/// ([`left_empty`]), as the given value and what is allowed.
#[derive(Debug, Clone, PartialEq)]
pub enum LeftEmpty {
    /// A figure of meetings for members who never meet, of the waiting
    /// list for closed groups, of a forum for groups that meet, or of a
    /// community network where there is none: (given, allowed).
    Unmeasured(String, String),
    /// A figure not measured before the first session, asked at step 0:
    /// the given session, with why.
    BeforeFirst(String),
}

/// Why the rows of `who` (`control members`, `arm NAME`) leave `metric`
/// empty at `session` whatever the runs do, if they do: a figure of
/// meetings where they never meet, the waiting list where their groups
/// are closed, a forum's where they meet in groups, community ties where
/// there is no community network, or a figure not measured before the
/// first session.
pub fn left_empty(metric: &Metric, who: &str, kind: RowsKind, session: u32) -> Option<LeftEmpty> {
    let every = RowsKind::EVERY_FIGURE;
    // What the rows may lack: whether they do, the rows without it, whose
    // they then are, and what is allowed there (given the figures the lack
    // leaves empty and those it keeps).
    type Allowed = fn(&str, &str) -> String;
    let lacks: [(bool, RowsKind, &str, Allowed); 4] = [
        (
            !kind.meets,
            RowsKind {
                meets: false,
                ..every
            },
            "who never meet",
            |_, kept| format!("for members who never meet, a figure not tied to meetings: {kept}"),
        ),
        (
            !kind.open,
            RowsKind {
                open: false,
                ..every
            },
            "whose groups are closed (format.membership)",
            |empty, _| {
                format!(
                    "for closed groups, a figure other than {empty}, which only open groups have"
                )
            },
        ),
        (
            !kind.forum,
            RowsKind {
                forum: false,
                ..every
            },
            "whose groups meet rather than post in a forum (format.delivery)",
            |empty, _| {
                format!(
                    "for groups that meet, a figure other than a forum's ({empty}), which only format.delivery = \"forum\" has"
                )
            },
        ),
        (
            !kind.community,
            RowsKind {
                community: false,
                ..every
            },
            "with no community network (community_network.kind = \"none\")",
            |empty, _| {
                format!(
                    "without a community network, a figure other than its ties' ({empty}), which need one"
                )
            },
        ),
    ];
    let name = metric.name;
    for (lacking, without, whose, allowed) in lacks {
        if lacking && empty_by_design(metric.value, without, 1) {
            let (empty, kept): (Vec<&Metric>, Vec<&Metric>) = METRICS
                .iter()
                .partition(|m| empty_by_design(m.value, without, 1));
            let names = |ms: Vec<&Metric>| ms.iter().map(|m| m.name).collect::<Vec<_>>().join(", ");
            return Some(LeftEmpty::Unmeasured(
                format!("{name} for {who}, {whose}, so their rows leave it empty"),
                allowed(&names(empty), &names(kept)),
            ));
        }
    }
    empty_by_design(metric.value, kind, session).then(|| {
        LeftEmpty::BeforeFirst(format!(
            "{session}, before the first session, where {name} is not measured"
        ))
    })
}

/// The moments of these groups' values, a group at a time.
fn grouped_moments(groups: &[&[f64]]) -> GroupedMoments {
    let mut grouped = GroupedMoments::default();
    for values in groups {
        let mut group = Moments::default();
        values.iter().for_each(|&x| group.push(x));
        grouped.add_group(&group);
    }
    grouped
}

/// The row of a tally where every figure has what it needs (every count it
/// divides by positive, two groups that differ), with a forum and
/// community ties where `kind` has them, for rows of `kind` at `step`.
fn probe(kind: RowsKind, step: u32) -> TimeseriesRow {
    let loneliness_change = grouped_moments(&[&[1.0, 2.0], &[4.0, 6.0]]);
    let tally = Tally {
        arrived: 4,
        active: 2,
        waiting: 1,
        dropped_out: 1,
        groups_met: 1,
        at_session: 2,
        attended: 1,
        current: 2,
        joined: 3,
        density_groups: 1,
        ties: 1,
        loneliness_change,
        lonely_ties: kind.community.then_some(LonelyTies {
            of_lonely: 1,
            of_lonely_to_lonely: 1,
            of_others: 1,
            of_others_to_lonely: 1,
        }),
        forum: kind.forum.then(|| ForumTally {
            members_with: vec![1, 1, 1],
            first_answered: 1,
            answered_returned: 1,
            first_unanswered: 1,
            unanswered_returned: 1,
        }),
        ..Tally::default()
    };
    let id = RowId {
        run: 0,
        arm: String::new(),
        replicate: 0,
    };
    TimeseriesRow::new(id, kind.meets, kind.open, step, 7.0, 1, &tally)
}

impl MemberRow {
    /// The rows of every member of a group who came to the programme, one
    /// for each of `out` (as many as have arrived), written over what they
    /// held: the arm's name into the text a row had, which spares a copy
    /// made for every member where rows are reused. `cohort` is the
    /// scenario's baseline cohort, if any.
    pub fn of_group(
        g: &GroupState,
        id: &RowId,
        last_step: u32,
        cohort: Option<&Cohort>,
        out: &mut [MemberRow],
    ) {
        debug_assert_eq!(out.len(), g.arrived, "a row for each who arrived");
        let figures = g.tie_summary.members();
        let some = |step: u32| (step != NEVER).then_some(step);
        for (i, row) in out.iter_mut().enumerate() {
            let (m, ties) = (&g.members[i], figures[i]);
            // A forum's members (none outside forums).
            let forum = g.forum.get(i);
            let baseline_row = g.baseline_row.get(i).copied();
            let mut arm = std::mem::take(&mut row.arm);
            arm.clone_from(&id.arm);
            *row = MemberRow {
                run: id.run,
                replicate: id.replicate,
                member: g.first_member + i as u64,
                group: g.id,
                arm,
                status: m.status.into(),
                joined_step: some(m.joined_step),
                left_step: some(m.left_step),
                tenure: g.tenure(i, last_step),
                sessions_attended: m.sessions_attended,
                loneliness_start: m.loneliness_start,
                loneliness_end: m.loneliness,
                loneliness_at_exit: Some(m.loneliness_at_exit).filter(|l| !l.is_nan()),
                hope_start: m.hope_start,
                hope_end: m.hope,
                stigma_start: m.stigma_start,
                stigma_end: m.stigma,
                cohesion: (g.meets && m.sessions_attended > 0).then_some(m.cohesion),
                improved_after: some(m.improved_after),
                hopeful_step: some(m.hopeful_since),
                disclosures: m.disclosures,
                replies_received: m.replies_received,
                replies_given: m.replies_given,
                posting_propensity: forum.map(|f| f.propensity),
                posts: forum.map(|f| f.posts),
                first_post_step: forum.and_then(|f| some(f.first_post_step)),
                first_post_answered: forum
                    .filter(|f| f.first_post_step != NEVER)
                    .map(|f| f.first_answered),
                ties: u32::from(ties.ties),
                friends: u32::from(ties.friends),
                close_friends: u32::from(ties.close),
                beyond_ties: u32::from(ties.beyond),
                tie_support: ties.support,
                strength: None,
                core_number: None,
                community_ties: None,
                baseline_row,
                baseline_id: cohort
                    .zip(baseline_row)
                    .and_then(|(c, row)| c.row(row).id.clone()),
            };
        }
    }
}

impl<'a> GroupRow<'a> {
    /// The row of one group from its tally.
    pub fn new(id: &'a RowId, g: &GroupState, step: u32, week: f64, t: &Tally) -> GroupRow<'a> {
        let group = (g.id, &g.character);
        GroupRow::of_figures(id, group, step, week, &GroupFigures::of(step, t))
    }

    /// The row of one group (its id and character) from its figures at
    /// `step`.
    pub fn of_figures(
        id: &'a RowId,
        (group, character): (u32, &GroupCharacter),
        step: u32,
        week: f64,
        figures: &GroupFigures,
    ) -> GroupRow<'a> {
        let value = |figure: GroupFigure| figures.value(figure);
        GroupRow {
            run: id.run,
            arm: Cow::Borrowed(&id.arm),
            replicate: id.replicate,
            group,
            step,
            week,
            members_active: figures.members_active.into(),
            attendance_rate: value(GroupFigure::AttendanceRate),
            cohesion_mean: value(GroupFigure::CohesionMean),
            density: value(GroupFigure::Density),
            clustering: value(GroupFigure::Clustering),
            members_joined: figures.members_joined.into(),
            loneliness_change_mean: value(GroupFigure::LonelinessChangeMean),
            retention: value(GroupFigure::Retention),
            reply_norm: character.reply_norm(),
            safety_shift: character.safety(),
            meeting_quality: character.quality(),
        }
    }
}

/// The figures of a group's row ([`GroupRow`]) that its tally makes at a
/// session, in 64 bytes where the row takes about 170: what a run holds
/// of each group's rows at the sessions it runs before writing them (the
/// engine's segments), the rest of a row (the run's, the session's and
/// the group's fields) being known when they are written.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupFigures {
    members_active: u32,
    members_joined: u32,
    /// Each [`GroupFigure`]'s value where its bit of `present` is set.
    values: [f64; GroupFigure::COUNT],
    present: u8,
}

/// The figures of [`GroupFigures`] that a group may lack (a share or a
/// mean over nobody), by their place in its values.
#[derive(Debug, Clone, Copy)]
enum GroupFigure {
    AttendanceRate,
    CohesionMean,
    Density,
    Clustering,
    LonelinessChangeMean,
    Retention,
}

impl GroupFigure {
    const COUNT: usize = 6;
}

impl GroupFigures {
    /// A group's figures from its tally at `step` (no attendance before
    /// the first session).
    pub fn of(step: u32, t: &Tally) -> GroupFigures {
        let joined = t.arrived - t.waiting;
        let change = &t.loneliness_change.all;
        let mut figures = GroupFigures {
            members_active: u32::try_from(t.active).expect("a group's members fit 32 bits"),
            members_joined: u32::try_from(joined).expect("a group's members fit 32 bits"),
            values: [0.0; GroupFigure::COUNT],
            present: 0,
        };
        let attendance = if step == 0 {
            None
        } else {
            ratio(t.attended as f64, t.at_session)
        };
        figures.set(GroupFigure::AttendanceRate, attendance);
        figures.set(GroupFigure::CohesionMean, ratio(t.cohesion_sum, t.active));
        let density = (t.density_groups > 0).then_some(t.density_sum);
        figures.set(GroupFigure::Density, density);
        figures.set(GroupFigure::Clustering, ratio(t.clustering_sum, t.joined));
        let change = ratio(change.sum, change.n);
        figures.set(GroupFigure::LonelinessChangeMean, change);
        let retention = ratio((joined - t.dropped_out) as f64, joined);
        figures.set(GroupFigure::Retention, retention);
        figures
    }

    fn set(&mut self, figure: GroupFigure, value: Option<f64>) {
        if let Some(value) = value {
            self.values[figure as usize] = value;
            self.present |= 1 << figure as usize;
        }
    }

    fn value(&self, figure: GroupFigure) -> Option<f64> {
        let at = figure as usize;
        (self.present >> at & 1 == 1).then_some(self.values[at])
    }
}

const _: () = assert!(
    std::mem::size_of::<GroupFigures>() == 64,
    "a group's figures in 64 bytes"
);

impl From<Status> for MemberStatus {
    fn from(s: Status) -> MemberStatus {
        match s {
            Status::Waiting => MemberStatus::Waiting,
            Status::Active => MemberStatus::Active,
            Status::DroppedOut => MemberStatus::DroppedOut,
            Status::Graduated => MemberStatus::Graduated,
            Status::Control => MemberStatus::Control,
            Status::GroupEnded => MemberStatus::GroupEnded,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::METRICS;

    #[test]
    fn a_group_rows_figures_are_its_tallys_shares_and_means_or_none() {
        let id = RowId {
            run: 3,
            arm: "group".to_string(),
            replicate: 1,
        };
        let character = GroupCharacter::new(0.25, -0.5, 0.125);
        let row = |step: u32, t: &Tally| {
            let figures = GroupFigures::of(step, t);
            GroupRow::of_figures(&id, (7, &character), step, 1.5, &figures)
        };
        let expected = |members_active, members_joined| GroupRow {
            run: 3,
            arm: Cow::Borrowed("group"),
            replicate: 1,
            group: 7,
            step: 3,
            week: 1.5,
            members_active,
            members_joined,
            reply_norm: 0.25,
            safety_shift: -0.5,
            meeting_quality: 0.125,
            ..GroupRow::default()
        };
        let loneliness_change = grouped_moments(&[&[1.0, -2.0, 0.5]]);
        let t = Tally {
            arrived: 12,
            waiting: 2,
            active: 8,
            dropped_out: 3,
            at_session: 9,
            attended: 6,
            cohesion_sum: 40.5,
            density_groups: 1,
            density_sum: 0.4,
            clustering_sum: 2.5,
            joined: 10,
            loneliness_change,
            ..Tally::default()
        };
        let whole = GroupRow {
            attendance_rate: Some(6.0 / 9.0),
            cohesion_mean: Some(40.5 / 8.0),
            density: Some(0.4),
            clustering: Some(2.5 / 10.0),
            loneliness_change_mean: Some((1.0 - 2.0 + 0.5) / 3.0),
            retention: Some((10.0 - 3.0) / 10.0),
            ..expected(8, 10)
        };
        assert_eq!(row(3, &t), whole);
        // Before the first session there is no attendance.
        let before = GroupRow {
            step: 0,
            attendance_rate: None,
            ..whole.clone()
        };
        assert_eq!(row(0, &t), before);
        // Over nobody, every share and mean is missing.
        assert_eq!(row(3, &Tally::default()), expected(0, 0));
    }

    #[test]
    fn only_open_groups_have_a_waiting_share() {
        let tally = Tally {
            arrived: 10,
            waiting: 4,
            ..Tally::default()
        };
        let id = || RowId {
            run: 0,
            arm: "group".into(),
            replicate: 0,
        };
        let share =
            |meets, open| TimeseriesRow::new(id(), meets, open, 3, 7.0, 1, &tally).waiting_share;
        assert_eq!(share(true, true), Some(0.4));
        assert_eq!(share(true, false), None);
        // Members who never meet wait for no seat.
        assert_eq!(share(false, true), None);
    }

    #[test]
    fn the_probe_defines_every_metric_where_members_meet() {
        // A metric the probe left empty even there would never count as
        // empty by design, and its targets would pass the check unchecked.
        let every = RowsKind::EVERY_FIGURE;
        for metric in METRICS {
            assert!(
                (metric.value)(&probe(every, 1)).is_some(),
                "{}",
                metric.name
            );
        }
        let empty = |kind: RowsKind, step: u32| -> Vec<&str> {
            METRICS
                .iter()
                .filter(|m| empty_by_design(m.value, kind, step))
                .map(|m| m.name)
                .collect()
        };
        assert_eq!(empty(every, 0), ["attendance_rate"]);
        assert!(
            empty(
                RowsKind {
                    meets: false,
                    ..every
                },
                1
            )
            .contains(&"posted_share")
        );
        // Only open groups have a waiting list.
        assert_eq!(
            empty(
                RowsKind {
                    open: false,
                    ..every
                },
                1
            ),
            ["waiting_share"]
        );
        assert_eq!(
            empty(
                RowsKind {
                    forum: false,
                    ..every
                },
                1
            ),
            [
                "posted_share",
                "posted_again_share",
                "top1_post_share",
                "top10_post_share",
                "answered_return_share",
                "unanswered_return_share"
            ]
        );
        assert_eq!(
            empty(
                RowsKind {
                    community: false,
                    ..every
                },
                1
            ),
            ["lonely_near_lonely", "lonely_near_others"]
        );
    }
}
