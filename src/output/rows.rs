//! The rows of every CSV file bonfire writes: one type per file, used by
//! the code that writes the file and by every code that reads it back.
//!
//! | file | row | columns |
//! |---|---|---|
//! | `timeseries.csv` | [`TimeseriesRow`] | fixed |
//! | `members.csv` | [`MemberRow`] | fixed |
//! | `network.csv` | [`NetworkRow`] | fixed |
//! | `groups.csv` | [`GroupRow`] | fixed |
//! | `panel.csv` | [`PanelRow`] | fixed |
//! | `parts/run-N.end.csv` | [`EndRecord`] | fixed |
//! | `runs.csv` | [`RunRow`] | fixed, then one per swept key |
//! | `summary.csv` | [`SummaryRow`] | `point`, `arm`, one per swept key, then fixed |
//!
//! Rows of fixed columns derive `Serialize` and `Deserialize`: column order
//! is field order, and readers find columns by name. The two files with a
//! column per swept key have a `header` function, a `record` per row and a
//! `read` that finds the fixed columns by name and takes the others, in
//! order, as the swept keys. How rows are filled from a running model is
//! the business of [`crate::metrics`] and [`crate::network`]; this module
//! imports nothing of the model, so that any layer may read and write the
//! files.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use csv::StringRecord;
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::display_float::{display_cell, display_text};
use crate::error::{Error, Result};

/// One row of `timeseries.csv`: one arm of one run after one step.
/// Empty cells mean "does not apply".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimeseriesRow {
    /// Run id (see runs.csv).
    pub run: u64,
    pub arm: String,
    pub replicate: u32,
    /// 0 = before the first session; k = after session k.
    pub step: u32,
    /// Weeks since the first session: step × interval / 7 (the row describes
    /// the group one interval after session `step`, just before the next).
    pub week: f64,
    pub members_active: u64,
    /// Share of active members who attended this session.
    pub attendance_rate: Option<f64>,
    /// Mean UCLA-3 loneliness (3–9) of everyone who arrived (intention to
    /// treat). This figure and the shares and means of everyone who arrived
    /// below are empty where nobody has arrived (an open arm before its
    /// first newcomer).
    pub loneliness_mean: Option<f64>,
    /// Share with UCLA-3 >= 6.
    pub lonely_share: Option<f64>,
    /// Share with no tie at the casual-friend level (`casual_hours`) or above.
    pub no_casual_tie_share: Option<f64>,
    /// Share with no tie at the friend level (`friend_hours`) or above.
    pub no_friend_tie_share: Option<f64>,
    /// Share with no tie at the close-friend level (`close_hours`).
    pub no_close_tie_share: Option<f64>,
    /// Of the current members, the share with no tie at the casual, friend
    /// and close level to another current member of their group; empty for
    /// arms that do not meet or when nobody is a member.
    pub no_casual_tie_in_group_share: Option<f64>,
    pub no_friend_tie_in_group_share: Option<f64>,
    pub no_close_tie_in_group_share: Option<f64>,
    pub hope_mean: Option<f64>,
    /// Share of everyone who arrived who is hopeful (hope's adoption state).
    pub hopeful_share: Option<f64>,
    pub stigma_mean: Option<f64>,
    /// Mean perceived cohesion (0–10) of active members.
    pub cohesion_mean: Option<f64>,
    /// Mean over groups of the density of each group's tie network.
    pub bond_density: Option<f64>,
    /// Average local clustering of the tie network (NetworkX's average_clustering).
    pub clustering: Option<f64>,
    /// Share of those who joined who have not dropped out (graduates count
    /// as retained).
    pub retention: Option<f64>,
    /// Share of those who joined who are still active members (graduates
    /// count as having left).
    pub still_attending: Option<f64>,
    pub dropped_out: u64,
    pub graduated: u64,
    /// Members whose closed group ended because too few were left
    /// (cumulative); empty for arms that do not meet.
    pub group_ended: Option<u64>,
    pub arrived: u64,
    pub waiting: u64,
    /// Open groups only: the share of everyone who arrived who is on the
    /// waiting list (has come but never had a seat); empty in closed
    /// groups, which have none, and for arms that do not meet.
    pub waiting_share: Option<f64>,
    /// Active members when the session met, per group.
    pub group_size_mean: Option<f64>,
    /// Share who have improved (dose reached).
    pub improved_share: Option<f64>,
    /// Share of ties that reach beyond the meetings.
    pub beyond_share: Option<f64>,
    /// Share of the variance in members' loneliness change (now minus
    /// arrival) that lies between groups: the intraclass correlation ICC(1)
    /// over those who joined a group; near 0 when groups differ only by chance.
    pub between_group_share: Option<f64>,
    /// Of the community ties of lonely members (UCLA-3 ≥ 6), the share that
    /// lead to a lonely person; empty without a community network.
    pub lonely_near_lonely: Option<f64>,
    /// The same share for the ties of members who are not lonely: loneliness
    /// clusters when `lonely_near_lonely` is the higher.
    pub lonely_near_others: Option<f64>,
    /// Forums only: share of the members who joined who have posted.
    pub posted_share: Option<f64>,
    /// Forums only: of the members who have posted, the share who posted
    /// again in a later period than their first post's.
    pub posted_again_share: Option<f64>,
    /// Forums only: share of all posts so far written by the 1% and the 10%
    /// of members who joined who posted most.
    pub top1_post_share: Option<f64>,
    pub top10_post_share: Option<f64>,
    /// Forums only: of the members whose first post was answered in its
    /// period, the share who posted again in a later period.
    pub answered_return_share: Option<f64>,
    /// The same for members whose first post nobody answered.
    pub unanswered_return_share: Option<f64>,
}

/// A figure of `timeseries.csv` reported at the last session, over
/// replicates. [`METRICS`] lists them; summary.csv, the terminal summary and
/// the report's key results are all drawn from that one list.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Its column in timeseries.csv, and its `metric` in summary.csv.
    pub name: &'static str,
    /// How the report names it, and its unit or range.
    pub label: &'static str,
    pub unit: &'static str,
    /// Decimal places shown to people.
    pub digits: usize,
    /// Its value in a row; `None` where it does not apply.
    pub value: fn(&TimeseriesRow) -> Option<f64>,
    /// Whether the terminal summary prints it (headed by its name).
    pub terminal: bool,
    /// Which table of the terminal summary prints it.
    pub table: Table,
    /// Whether the report's table of key results shows it.
    pub report: bool,
    /// Which way is better for the people in the groups, where one is:
    /// standardised effects are signed so that positive is better.
    pub better: Better,
}

/// Which way a metric is better, for the sign of its standardised effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Lower,
    Higher,
    /// Neither way is better in itself (how dense a network is, who posts).
    Neither,
}

impl Metric {
    /// Whether the metric is a share (0–1) of something, shown in a
    /// sentence as percentage points.
    pub fn is_share(&self) -> bool {
        self.unit.starts_with("share")
    }

    /// The values the metric can take, from its unit: a share lies from 0
    /// to 1 (but for a share of variance, which an intraclass correlation
    /// can put slightly below 0), a score in its range.
    pub fn range(&self) -> Option<(f64, f64)> {
        match self.unit {
            "share of variance" => None,
            "0–1" => Some((0.0, 1.0)),
            "0–10" => Some((0.0, 10.0)),
            "3–9" => Some((3.0, 9.0)),
            _ if self.is_share() => Some((0.0, 1.0)),
            _ => None,
        }
    }

    /// An interval's ends cut at the ends of the metric's range, where it
    /// has one: a t interval of a share near 1 can pass 1, which no share
    /// can.
    pub fn within_range(&self, lo: f64, hi: f64) -> (f64, f64) {
        match self.range() {
            Some((floor, top)) => (lo.clamp(floor, top), hi.clamp(floor, top)),
            None => (lo, hi),
        }
    }

    /// The metric called `name`.
    pub fn named(name: &str) -> Option<&'static Metric> {
        METRICS.iter().find(|m| m.name == name)
    }
}

/// The tables of the terminal summary. A table is printed when one of its
/// metrics has a value, with a column for each metric that has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// Loneliness, cohesion and retention: every run.
    Outcomes,
    /// What spreads between people and how loneliness sits in the community.
    Spread,
    /// Who posts in a forum, and who comes back.
    Forum,
}

impl Table {
    pub const ALL: [Table; 3] = [Table::Outcomes, Table::Spread, Table::Forum];
}

/// The metrics that are means of a score every member who came has at the
/// end (loneliness, hope, self-stigma): each has a standardised effect, from
/// the members' scores ([`EndRecord`]).
pub const MEMBER_SCORES: [&str; 3] = ["loneliness_mean", "hope_mean", "stigma_mean"];

/// Every reported metric, in summary.csv's order.
pub const METRICS: [Metric; 28] = [
    Metric {
        name: "loneliness_mean",
        label: "Loneliness (UCLA-3)",
        unit: "3–9",
        digits: 2,
        value: |r| r.loneliness_mean,
        terminal: true,
        table: Table::Outcomes,
        report: true,
        better: Better::Lower,
    },
    Metric {
        name: "lonely_share",
        label: "Lonely (UCLA-3 ≥ 6)",
        unit: "share",
        digits: 3,
        value: |r| r.lonely_share,
        terminal: true,
        table: Table::Outcomes,
        report: true,
        better: Better::Lower,
    },
    Metric {
        name: "no_casual_tie_share",
        label: "No casual-friend tie (50 h)",
        unit: "share",
        digits: 3,
        value: |r| r.no_casual_tie_share,
        terminal: true,
        table: Table::Outcomes,
        report: true,
        better: Better::Lower,
    },
    Metric {
        name: "no_friend_tie_share",
        label: "No friend-level tie (90 h)",
        unit: "share",
        digits: 3,
        value: |r| r.no_friend_tie_share,
        terminal: true,
        table: Table::Outcomes,
        report: true,
        better: Better::Lower,
    },
    Metric {
        name: "no_close_tie_share",
        label: "No close-friend tie (200 h)",
        unit: "share",
        digits: 3,
        value: |r| r.no_close_tie_share,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Lower,
    },
    Metric {
        name: "no_casual_tie_in_group_share",
        label: "No casual-friend tie to a current group mate (50 h)",
        unit: "share of current members",
        digits: 3,
        value: |r| r.no_casual_tie_in_group_share,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Lower,
    },
    Metric {
        name: "no_friend_tie_in_group_share",
        label: "No friend-level tie to a current group mate (90 h)",
        unit: "share of current members",
        digits: 3,
        value: |r| r.no_friend_tie_in_group_share,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Lower,
    },
    Metric {
        name: "no_close_tie_in_group_share",
        label: "No close-friend tie to a current group mate (200 h)",
        unit: "share of current members",
        digits: 3,
        value: |r| r.no_close_tie_in_group_share,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Lower,
    },
    Metric {
        name: "hope_mean",
        label: "Hope",
        unit: "0–1",
        digits: 3,
        value: |r| r.hope_mean,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Higher,
    },
    Metric {
        name: "hopeful_share",
        label: "Hopeful (hope at or above hopeful_at, or improved)",
        unit: "share",
        digits: 3,
        value: |r| r.hopeful_share,
        terminal: true,
        table: Table::Spread,
        report: true,
        better: Better::Higher,
    },
    Metric {
        name: "stigma_mean",
        label: "Self-stigma",
        unit: "0–1",
        digits: 3,
        value: |r| r.stigma_mean,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Lower,
    },
    Metric {
        name: "cohesion_mean",
        label: "Perceived cohesion",
        unit: "0–10",
        digits: 2,
        value: |r| r.cohesion_mean,
        terminal: true,
        table: Table::Outcomes,
        report: true,
        better: Better::Higher,
    },
    Metric {
        name: "attendance_rate",
        label: "Attendance",
        unit: "share",
        digits: 3,
        value: |r| r.attendance_rate,
        terminal: false,
        table: Table::Outcomes,
        // The attendance chart shows it.
        report: false,
        better: Better::Higher,
    },
    Metric {
        name: "bond_density",
        label: "Bond density",
        unit: "0–1",
        digits: 3,
        value: |r| r.bond_density,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "clustering",
        label: "Clustering",
        unit: "0–1",
        digits: 3,
        value: |r| r.clustering,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "retention",
        label: "Retention (not dropped out: graduates and members of ended groups count as retained)",
        unit: "share",
        digits: 3,
        value: |r| r.retention,
        terminal: true,
        table: Table::Outcomes,
        report: true,
        better: Better::Higher,
    },
    Metric {
        name: "still_attending",
        label: "Still attending (graduates and members of ended groups count as gone)",
        unit: "share",
        digits: 3,
        value: |r| r.still_attending,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "waiting_share",
        label: "Still on an open group's waiting list (never seated)",
        unit: "share of those who arrived",
        digits: 3,
        value: |r| r.waiting_share,
        terminal: true,
        table: Table::Outcomes,
        report: true,
        better: Better::Lower,
    },
    Metric {
        name: "improved_share",
        label: "Improved",
        unit: "share",
        digits: 3,
        value: |r| r.improved_share,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Higher,
    },
    Metric {
        name: "between_group_share",
        label: "Loneliness change between groups (ICC)",
        unit: "share of variance",
        digits: 3,
        value: |r| r.between_group_share,
        terminal: false,
        table: Table::Outcomes,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "lonely_near_lonely",
        label: "Lonely members' community ties that lead to a lonely person",
        unit: "share of ties",
        digits: 3,
        value: |r| r.lonely_near_lonely,
        terminal: true,
        table: Table::Spread,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "lonely_near_others",
        label: "Other members' community ties that lead to a lonely person",
        unit: "share of ties",
        digits: 3,
        value: |r| r.lonely_near_others,
        terminal: true,
        table: Table::Spread,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "posted_share",
        label: "Members who have posted (forums)",
        unit: "share of members who joined",
        digits: 3,
        value: |r| r.posted_share,
        terminal: true,
        table: Table::Forum,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "posted_again_share",
        label: "Posters who posted again in a later period (forums)",
        unit: "share of posters",
        digits: 3,
        value: |r| r.posted_again_share,
        terminal: true,
        table: Table::Forum,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "top1_post_share",
        label: "Posts written by the top 1% of posters (forums)",
        unit: "share of posts",
        digits: 3,
        value: |r| r.top1_post_share,
        terminal: true,
        table: Table::Forum,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "top10_post_share",
        label: "Posts written by the top 10% of posters (forums)",
        unit: "share of posts",
        digits: 3,
        value: |r| r.top10_post_share,
        terminal: true,
        table: Table::Forum,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "answered_return_share",
        label: "First posters answered who posted again (forums)",
        unit: "share",
        digits: 3,
        value: |r| r.answered_return_share,
        terminal: true,
        table: Table::Forum,
        report: true,
        better: Better::Neither,
    },
    Metric {
        name: "unanswered_return_share",
        label: "First posters not answered who posted again (forums)",
        unit: "share",
        digits: 3,
        value: |r| r.unanswered_return_share,
        terminal: true,
        table: Table::Forum,
        report: true,
        better: Better::Neither,
    },
];

/// A member's `status` in members.csv.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberStatus {
    /// On the waiting list of an open group.
    #[default]
    Waiting,
    /// A current member.
    Active,
    /// Left before being better.
    DroppedOut,
    /// Left because they were better ("good enough").
    Graduated,
    /// In the control arm: never attends.
    Control,
    /// Was a current member of a closed group that ended because too few
    /// were left.
    GroupEnded,
}

/// One row of `members.csv`: one member of one run at the end of the run.
/// Only people who came to the programme (or are in the control arm).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MemberRow {
    /// Run id (see runs.csv).
    pub run: u64,
    pub replicate: u32,
    /// Community-wide member id (stable across replicates and scenarios
    /// with the same layout).
    pub member: u64,
    pub group: u32,
    pub arm: String,
    pub status: MemberStatus,
    /// Step at which the member took a seat (0 = from the start); empty if never.
    pub joined_step: Option<u32>,
    /// Step at which the member left; empty if still there.
    pub left_step: Option<u32>,
    /// Sessions belonged to the group.
    pub tenure: u32,
    pub sessions_attended: u32,
    pub loneliness_start: f32,
    pub loneliness_end: f32,
    /// Loneliness when the member graduated, dropped out or saw their group
    /// end; empty if they did not leave.
    pub loneliness_at_exit: Option<f32>,
    pub hope_start: f32,
    pub hope_end: f32,
    pub stigma_start: f32,
    pub stigma_end: f32,
    /// Perceived cohesion (0–10) at the member's last session; empty for control.
    pub cohesion: Option<f32>,
    /// Sessions attended when the member improved; empty if not improved.
    pub improved_after: Option<u32>,
    /// Step at which the member became hopeful (0 = at arrival); empty if
    /// never.
    pub hopeful_step: Option<u32>,
    /// Sessions in which the member disclosed.
    pub disclosures: u32,
    /// Replies the member received to their disclosures.
    pub replies_received: u32,
    /// Replies the member gave to others' disclosures.
    pub replies_given: u32,
    /// Forums only: the member's posting propensity (mean 1).
    pub posting_propensity: Option<f32>,
    /// Forums only: posts written (a period with posts is one disclosure).
    pub posts: Option<u32>,
    /// Forums only: step of the first post; empty if none.
    pub first_post_step: Option<u32>,
    /// Forums only: whether the first post's period brought a reply; empty
    /// if the member never posted.
    pub first_post_answered: Option<bool>,
    /// Ties at or above the network threshold.
    pub ties: u32,
    /// Ties at the friend level or above.
    pub friends: u32,
    pub close_friends: u32,
    /// Ties that reach beyond the meetings (kept up at the end).
    pub beyond_ties: u32,
    /// Strength of the member's ties summed over partners, each in friend units capped at 1.
    pub tie_support: f32,
    /// Sum of the strengths (hours) of the member's ties in the network; empty
    /// for members who never joined.
    pub strength: Option<f32>,
    /// Core number in the bond network (NetworkX's `core_number`); empty
    /// for members who never joined.
    pub core_number: Option<u32>,
    /// Ties in the community network at the end; empty without one.
    pub community_ties: Option<u32>,
    /// The baseline cohort's data row (1 = the first after the header) the
    /// member's traits came from; empty without `population.file`.
    pub baseline_row: Option<u32>,
    /// That row's `id`; empty without an `id` column or cell.
    pub baseline_id: Option<String>,
}

/// One row of `network.csv`: the figures of one arm's bond network at one
/// step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NetworkRow {
    pub run: u64,
    pub arm: String,
    pub replicate: u32,
    pub step: u32,
    pub week: f64,
    pub nodes: u64,
    pub edges: u64,
    pub density: f64,
    /// The figures over the nodes; `None` (an empty cell) where there are
    /// none.
    pub mean_degree: Option<f64>,
    pub isolates_share: Option<f64>,
    pub components: u64,
    pub largest_component_share: Option<f64>,
    pub average_clustering: Option<f64>,
    pub transitivity: f64,
    /// Mean edge strength in hours; `None` where there are no ties.
    pub mean_strength: Option<f64>,
    /// Largest core number.
    pub max_core: u32,
    /// Modularity of the partition into groups (unweighted); `None` where
    /// there are no ties (NetworkX's is undefined: it divides by them).
    pub group_modularity: Option<f64>,
}

/// One row of `groups.csv`: one group at one step. A run makes one for
/// every group at every measured step, so the arm's name is borrowed from
/// the run's row id rather than copied into each ([`GroupRow::owned`]
/// keeps one); rows read back from a file own theirs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupRow<'a> {
    pub run: u64,
    pub arm: Cow<'a, str>,
    pub replicate: u32,
    pub group: u32,
    pub step: u32,
    pub week: f64,
    /// Current members after the session.
    pub members_active: u64,
    /// Share of the members at the session who attended.
    pub attendance_rate: Option<f64>,
    /// Mean perceived cohesion (0–10) of current members.
    pub cohesion_mean: Option<f64>,
    /// Density of the group's tie network among those who have joined.
    pub density: Option<f64>,
    /// Average local clustering among those who have joined.
    pub clustering: Option<f64>,
    /// Members who have taken a seat in the group so far.
    pub members_joined: u64,
    /// Mean loneliness change (now minus arrival) of those who joined.
    pub loneliness_change_mean: Option<f64>,
    /// Share of those who joined who have not dropped out.
    pub retention: Option<f64>,
    /// The group's character (`mechanisms.group_differences`): its reply
    /// norm (logit), its shift of psychological safety, and its meeting
    /// quality (the log of the factor on what a session gives).
    pub reply_norm: f64,
    pub safety_shift: f64,
    pub meeting_quality: f64,
}

impl GroupRow<'_> {
    /// The same row, owning its arm's name.
    pub fn owned(&self) -> GroupRow<'static> {
        GroupRow {
            arm: Cow::Owned(self.arm.to_string()),
            run: self.run,
            replicate: self.replicate,
            group: self.group,
            step: self.step,
            week: self.week,
            members_active: self.members_active,
            attendance_rate: self.attendance_rate,
            cohesion_mean: self.cohesion_mean,
            density: self.density,
            clustering: self.clustering,
            members_joined: self.members_joined,
            loneliness_change_mean: self.loneliness_change_mean,
            retention: self.retention,
            reply_norm: self.reply_norm,
            safety_shift: self.safety_shift,
            meeting_quality: self.meeting_quality,
        }
    }
}

/// One row of `panel.csv`: one member of a meeting group at one session
/// they could attend (active at its start, after admissions); the scores
/// are taken after the session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PanelRow {
    pub run: u64,
    pub replicate: u32,
    pub arm: String,
    pub group: u32,
    /// Community-wide member id, as in members.csv.
    pub member: u64,
    /// The session, from 1.
    pub step: u32,
    pub week: f64,
    pub attended: bool,
    /// Whether the member disclosed at this session.
    pub disclosed: bool,
    /// Replies the member received at this session.
    pub replies_received: u32,
    pub loneliness: f32,
    pub hope: f32,
    pub stigma: f32,
    /// Perceived cohesion (0–10) after the session.
    pub cohesion: f32,
}

/// End-of-run moments of one member-level score of one arm of one run (a
/// part file only: summary.csv's standardised effects are computed from
/// them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndRecord {
    pub run: u64,
    pub arm: String,
    /// The [`METRICS`] name of the score's mean ([`MEMBER_SCORES`]).
    pub metric: String,
    /// Members counted.
    pub n: u64,
    /// Sum of their scores, and of the squares.
    pub sum: f64,
    pub sum_sq: f64,
}

/// One row of `runs.csv`: which point, replicate and arm a run is. The
/// fixed columns ([`RunRow::FIXED`]) come first, then the point's value of
/// every swept key.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct RunRow {
    pub run: u64,
    pub point: usize,
    pub replicate: u32,
    pub arm: String,
    /// False for a waitlist arm, whose members never attend.
    pub attends: bool,
    /// The seed the run ran on: the scenario's, for every arm and point.
    pub seed: u64,
    /// The point's value of every swept key, in `[sweep]` order.
    #[serde(skip)]
    pub swept: Vec<String>,
}

impl RunRow {
    /// The fixed columns, in order.
    pub const FIXED: [&str; 6] = ["run", "point", "replicate", "arm", "attends", "seed"];

    /// The header line: the fixed columns, then the swept keys.
    pub fn header(keys: &[String]) -> Vec<String> {
        let fixed = Self::FIXED.iter().map(|c| c.to_string());
        fixed.chain(keys.iter().cloned()).collect()
    }

    /// The row's cells, in header order.
    pub fn record(&self) -> Vec<String> {
        let fixed = [
            self.run.to_string(),
            self.point.to_string(),
            self.replicate.to_string(),
            self.arm.clone(),
            self.attends.to_string(),
            self.seed.to_string(),
        ];
        fixed
            .into_iter()
            .chain(self.swept.iter().cloned())
            .collect()
    }

    /// Reads runs.csv.
    pub fn read(path: &Path) -> Result<Swept<RunRow>> {
        read_swept(path, &Self::FIXED, |row: &mut RunRow, values| {
            row.swept = values
        })
    }
}

/// One row of `summary.csv`: one metric of one condition (sweep point and
/// arm) at the last session, over replicates. Columns: `point`, `arm`, the
/// point's value of every swept key, then the rest in field order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SummaryRow {
    pub point: usize,
    pub arm: String,
    /// The point's value of every swept key, in `[sweep]` order.
    #[serde(skip)]
    /// One list shared by the point's rows (a sensitivity design's point
    /// has a value for each of its factors).
    pub swept: Arc<[String]>,
    /// A [`METRICS`] name.
    pub metric: String,
    /// Replicates with a value.
    pub replicates: u64,
    /// The last session of the condition's runs, and its week: the figures
    /// are measured there (arms that meet at different intervals end at
    /// different sessions).
    pub step: u32,
    pub week: f64,
    pub mean: f64,
    pub sd: Option<f64>,
    /// t-based 95% confidence interval of the mean.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The condition this one is compared with: an arm's label, and its
    /// sweep point (the same point, except in a sweep without arms to
    /// compare, where every point is compared with point 0); `None` (empty
    /// cells) for a reference itself.
    pub reference_arm: Option<String>,
    pub reference_point: Option<usize>,
    /// This condition minus the reference, paired by replicate, with its
    /// 95% CI.
    pub difference: Option<f64>,
    pub difference_ci_low: Option<f64>,
    pub difference_ci_high: Option<f64>,
    /// For the [`MEMBER_SCORES`]: the difference over the pooled standard
    /// deviation of members' scores (Cohen's d), signed so that positive is
    /// better ([`Better`]: less lonely, more hope, less self-stigma), with
    /// its 95% CI.
    pub effect_size: Option<f64>,
    pub effect_size_ci_low: Option<f64>,
    pub effect_size_ci_high: Option<f64>,
}

impl SummaryRow {
    /// The columns before the swept keys.
    const LEADING: [&str; 2] = ["point", "arm"];
    /// The columns after the swept keys.
    const TRAILING: [&str; 16] = [
        "metric",
        "replicates",
        "step",
        "week",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "reference_arm",
        "reference_point",
        "difference",
        "difference_ci_low",
        "difference_ci_high",
        "effect_size",
        "effect_size_ci_low",
        "effect_size_ci_high",
    ];

    /// The header line: `point`, `arm`, the swept keys, then the figures.
    pub fn header(keys: &[String]) -> Vec<String> {
        let leading = Self::LEADING.iter().map(|c| c.to_string());
        let trailing = Self::TRAILING.iter().map(|c| c.to_string());
        leading
            .chain(keys.iter().cloned())
            .chain(trailing)
            .collect()
    }

    /// The row's cells, in header order; numbers as Rust's `Display` prints
    /// them ([`display_text`]: shortest exact form, never an exponent:
    /// serde's would write `1.0` and `1e-7` where the file has `1` and
    /// `0.0000001`), empty for `None`.
    pub fn record(&self) -> Vec<String> {
        let mut cells = vec![self.point.to_string(), self.arm.clone()];
        cells.extend(self.swept.iter().cloned());
        cells.extend([
            self.metric.clone(),
            self.replicates.to_string(),
            self.step.to_string(),
            display_text(self.week),
            display_text(self.mean),
            display_cell(self.sd),
            display_cell(self.ci_low),
            display_cell(self.ci_high),
            self.reference_arm.clone().unwrap_or_default(),
            self.reference_point
                .map_or(String::new(), |p| p.to_string()),
            display_cell(self.difference),
            display_cell(self.difference_ci_low),
            display_cell(self.difference_ci_high),
            display_cell(self.effect_size),
            display_cell(self.effect_size_ci_low),
            display_cell(self.effect_size_ci_high),
        ]);
        cells
    }

    /// Reads summary.csv; rows that follow one another with the same
    /// swept values (a point's) share one list of them.
    pub fn read(path: &Path) -> Result<Swept<SummaryRow>> {
        let fixed: Vec<&str> = Self::LEADING.into_iter().chain(Self::TRAILING).collect();
        let mut last: Arc<[String]> = Arc::default();
        read_swept(path, &fixed, |row: &mut SummaryRow, values| {
            if *last != *values {
                last = values.into();
            }
            row.swept = last.clone();
        })
    }
}

/// A file with a column per swept key, read back: the keys and the rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Swept<T> {
    pub keys: Vec<String>,
    pub rows: Vec<T>,
}

/// Reads a file whose `fixed` columns are found by name and whose other
/// columns, in order, are swept keys; `set` puts a row's swept values into
/// it. A swept key may bear a fixed column's name (`seed` can be swept):
/// the fixed column is the first of that name.
fn read_swept<T: DeserializeOwned>(
    path: &Path,
    fixed: &[&str],
    mut set: impl FnMut(&mut T, Vec<String>),
) -> Result<Swept<T>> {
    let read_error = |source| Error::ReadCsv {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = csv::Reader::from_path(path).map_err(read_error)?;
    let header = reader.headers().map_err(read_error)?.clone();
    let fixed_at = fixed
        .iter()
        .map(|&name| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| Error::MissingColumn {
                    path: path.to_path_buf(),
                    column: name.to_string(),
                })
        })
        .collect::<Result<Vec<usize>>>()?;
    let swept_at: Vec<usize> = (0..header.len())
        .filter(|i| !fixed_at.contains(i))
        .collect();
    let fixed_header = StringRecord::from(fixed.to_vec());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(read_error)?;
        let mut cells: StringRecord = fixed_at.iter().map(|&i| &record[i]).collect();
        cells.set_position(record.position().cloned());
        let mut row: T = cells.deserialize(Some(&fixed_header)).map_err(read_error)?;
        set(
            &mut row,
            swept_at.iter().map(|&i| record[i].to_string()).collect(),
        );
        rows.push(row);
    }
    Ok(Swept {
        keys: swept_at.iter().map(|&i| header[i].to_string()).collect(),
        rows,
    })
}

/// Writes a CSV file of a header and records (files with swept-key columns).
pub fn write_records(
    to: impl Write,
    path: &Path,
    header: &[String],
    records: impl IntoIterator<Item = Vec<String>>,
) -> Result<()> {
    let csv_error = |source| Error::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut w = csv::Writer::from_writer(to);
    w.write_record(header).map_err(csv_error)?;
    for record in records {
        w.write_record(&record).map_err(csv_error)?;
    }
    w.flush().map_err(|source| Error::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}

/// The header line of a row type, as the file has it.
pub fn header<T: Serialize + Default>() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(T::default()).expect("a default row serialises");
    let bytes = w.into_inner().expect("writing to memory cannot fail");
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| i + 1);
    bytes[..end].to_vec()
}

/// Rows as CSV without a header line (a run's part of a file), the bytes
/// the `csv` crate writes for them ([`super::csv_line`]).
pub fn headerless<T: Serialize>(rows: &[T]) -> Result<Vec<u8>> {
    lines_of(rows, super::csv_line::append)
}

/// The lines of `rows`, each appended by `line` (with the floats written
/// lately on this thread,
/// [`super::csv_line::RecentFloats::on_this_thread`]), the buffer grown
/// once after the first line for the rest at that line's length and a
/// quarter more, instead of a dozen times.
pub(super) fn lines_of<'r, T>(
    rows: &'r [T],
    mut line: impl FnMut(
        &'r T,
        &mut super::csv_line::RecentFloats,
        &mut Vec<u8>,
    ) -> std::result::Result<(), super::csv_line::Unsupported>,
) -> Result<Vec<u8>> {
    super::csv_line::RecentFloats::on_this_thread(|recent| {
        let mut out = Vec::new();
        for (n, row) in rows.iter().enumerate() {
            line(row, recent, &mut out).map_err(line_error)?;
            if n == 0 {
                out.reserve(out.len() * (rows.len() - 1) * 5 / 4);
            }
        }
        Ok(out)
    })
}

/// Rows as CSV without a header line, in blocks written in parallel and
/// returned in order: joined, the bytes of [`headerless`], however the rows
/// are split. A session's `groups.csv` rows come a fold block (1,024
/// groups) at a time; split into a few blocks per thread (of at least
/// 64 rows), every core writes them, where one block of 1,024 rows kept
/// one core writing while the others waited. Each block's lines are
/// written by `lines` (the bytes of [`headerless`] for them:
/// [`super::group_lines`] and [`super::member_lines`] write them faster).
pub fn in_blocks<T: Sync>(
    rows: &[T],
    lines: impl Fn(&[T]) -> Result<Vec<u8>> + Sync + Send,
) -> Result<Vec<Vec<u8>>> {
    rows.par_chunks(block_rows(rows.len())).map(lines).collect()
}

/// [`in_blocks`], each block through [`headerless`].
#[cfg(test)]
pub fn headerless_blocks<T: Serialize + Sync>(rows: &[T]) -> Result<Vec<Vec<u8>>> {
    in_blocks(rows, headerless)
}

/// The rows in each of [`in_blocks`]'s blocks.
fn block_rows(rows: usize) -> usize {
    const FEWEST: usize = 64;
    rows.div_ceil(4 * rayon::current_num_threads()).max(FEWEST)
}

/// A row the CSV line writer refused, as the error of a file in memory.
pub(super) fn line_error(e: super::csv_line::Unsupported) -> Error {
    Error::Csv {
        path: PathBuf::from("(memory)"),
        source: csv::Error::from(std::io::Error::other(e)),
    }
}

/// Reads a whole file of rows; columns are found by name.
pub fn read<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let mut rows = Vec::new();
    for_each(path, |row| rows.push(row))?;
    Ok(rows)
}

/// Reads a file row by row, handing each to `f` (for files too large to
/// hold twice); columns are found by name.
pub fn for_each<T: DeserializeOwned>(path: &Path, mut f: impl FnMut(T)) -> Result<()> {
    let read_error = |source| Error::ReadCsv {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = csv::Reader::from_path(path).map_err(read_error)?;
    for row in reader.deserialize() {
        f(row.map_err(read_error)?);
    }
    Ok(())
}

/// Reads a part written by [`headerless`] back, its columns those of the
/// row type's header (a line number in an error counts the header as the
/// file's first line, as in the final file).
pub fn read_part<T: DeserializeOwned + Serialize + Default>(path: &Path) -> Result<Vec<T>> {
    let body = std::fs::read(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    let header = header::<T>();
    let columns: csv::ByteRecord = header
        .strip_suffix(b"\n")
        .unwrap_or(&header)
        .split(|&b| b == b',')
        .collect();
    let after_header = header.len() as u64;
    PartReader::on_this_thread(|reader| reader.rows(body, &columns, after_header)).map_err(
        |source| Error::ReadCsv {
            path: path.to_path_buf(),
            source,
        },
    )
}

/// A CSV reader kept on each thread for the parts it reads: making a
/// `csv` reader builds its parser's state table (some 250,000
/// instructions, more than reading a small part), and the end of a
/// sensitivity analysis or a calibration reads a few parts of each of
/// thousands of runs. The reader takes each part's bytes in turn and
/// starts over at their beginning; it is made without a header and
/// flexible, each row read against the columns given and its field
/// count checked here.
struct PartReader(csv::Reader<std::io::Cursor<Vec<u8>>>);

impl PartReader {
    fn new() -> PartReader {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(std::io::Cursor::new(Vec::new()));
        // The header a reader reads first (here, of nothing), so that no
        // part's first row is taken for one.
        let _ = reader.byte_headers();
        PartReader(reader)
    }

    /// Runs `read` with the reader kept on this thread (one of its own
    /// where a read is already under way on it).
    fn on_this_thread<R>(read: impl FnOnce(&mut PartReader) -> R) -> R {
        thread_local! {
            static KEPT: std::cell::RefCell<PartReader> = std::cell::RefCell::new(PartReader::new());
        }
        KEPT.with(|kept| match kept.try_borrow_mut() {
            Ok(mut kept) => read(&mut kept),
            Err(_) => read(&mut PartReader::new()),
        })
    }

    /// The rows of `body`, each field under its column of `columns`; their
    /// places (in an error) as in the file of the header, `after_header`
    /// bytes long, and the body.
    fn rows<T: DeserializeOwned>(
        &mut self,
        body: Vec<u8>,
        columns: &csv::ByteRecord,
        after_header: u64,
    ) -> csv::Result<Vec<T>> {
        let reader = &mut self.0;
        *reader.get_mut() = std::io::Cursor::new(body);
        // From the body's first byte, the parser's state reset; its place
        // that after the header the part goes under (line 1, record 0).
        let mut start = csv::Position::new();
        start.set_byte(after_header).set_line(2).set_record(1);
        reader.seek_raw(std::io::SeekFrom::Start(0), start)?;
        let mut record = csv::ByteRecord::new();
        let mut rows = Vec::new();
        while reader.read_byte_record(&mut record)? {
            if record.len() != columns.len() {
                let line = record.position().map_or(0, csv::Position::line);
                return Err(csv::Error::from(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!(
                        "line {line}: {} fields, where the header has {}",
                        record.len(),
                        columns.len()
                    ),
                )));
            }
            rows.push(record.deserialize(Some(columns))?);
        }
        *reader.get_mut() = std::io::Cursor::new(Vec::new());
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, header: &[String], records: Vec<Vec<String>>) -> PathBuf {
        let path = dir.join(name);
        let file = std::fs::File::create(&path).unwrap();
        write_records(file, &path, header, records).unwrap();
        path
    }

    #[test]
    fn run_rows_read_back_with_their_swept_keys() {
        let dir = tempfile::tempdir().unwrap();
        // A swept key may share a fixed column's name: the fixed one comes first.
        let keys = vec!["community.group_size".to_string(), "seed".to_string()];
        let rows: Vec<RunRow> = (0..4)
            .map(|run| RunRow {
                run,
                point: run as usize / 2,
                replicate: run as u32 % 2,
                arm: "waitlist".into(),
                attends: run == 0,
                seed: 7 + run,
                swept: vec![format!("{}", 6 + run), "3".into()],
            })
            .collect();
        let path = write(
            dir.path(),
            "runs.csv",
            &RunRow::header(&keys),
            rows.iter().map(RunRow::record).collect(),
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("run,point,replicate,arm,attends,seed,community.group_size,seed\n0,0,0,waitlist,true,7,6,3\n"));
        assert_eq!(RunRow::read(&path).unwrap(), Swept { keys, rows });
    }

    #[test]
    fn summary_rows_read_back_with_their_swept_keys() {
        let dir = tempfile::tempdir().unwrap();
        let keys = vec!["format.frequency".to_string()];
        let reference = SummaryRow {
            point: 1,
            arm: "control".into(),
            swept: vec!["weekly".into()].into(),
            metric: "loneliness_mean".into(),
            replicates: 1,
            step: 26,
            week: 26.0,
            mean: 6.5,
            ..SummaryRow::default()
        };
        let arm = SummaryRow {
            arm: "group".into(),
            replicates: 3,
            mean: 0.1 + 0.2,
            sd: Some(1e-7),
            ci_low: Some(-1.0),
            ci_high: Some(2.0),
            reference_arm: Some("control".into()),
            reference_point: Some(1),
            difference: Some(-0.25),
            difference_ci_low: Some(-0.5),
            difference_ci_high: Some(0.0),
            effect_size: Some(0.37),
            effect_size_ci_low: Some(0.3),
            effect_size_ci_high: Some(0.44),
            ..reference.clone()
        };
        let rows = vec![reference, arm];
        let path = write(
            dir.path(),
            "summary.csv",
            &SummaryRow::header(&keys),
            rows.iter().map(SummaryRow::record).collect(),
        );
        let text = std::fs::read_to_string(&path).unwrap();
        // Numbers as Rust prints them, not in exponent form.
        assert!(text.contains(
            ",group,weekly,loneliness_mean,3,26,26,0.30000000000000004,0.0000001,-1,2,control,1,"
        ));
        assert_eq!(SummaryRow::read(&path).unwrap(), Swept { keys, rows });
    }

    #[test]
    fn a_missing_fixed_column_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("runs.csv");
        std::fs::write(&path, "run,replicate,arm,attends,seed\n0,0,group,true,1\n").unwrap();
        match RunRow::read(&path) {
            Err(Error::MissingColumn { column, .. }) => assert_eq!(column, "point"),
            other => panic!("expected a missing column, got {other:?}"),
        }
    }

    #[test]
    fn parts_read_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let rows = vec![
            MemberRow {
                run: 3,
                arm: "group".into(),
                status: MemberStatus::DroppedOut,
                joined_step: Some(0),
                loneliness_end: 6.123_456_7,
                core_number: Some(2),
                ..MemberRow::default()
            },
            MemberRow {
                status: MemberStatus::Control,
                arm: "control".into(),
                ..MemberRow::default()
            },
        ];
        let path = dir.path().join("part.csv");
        std::fs::write(&path, headerless(&rows).unwrap()).unwrap();
        assert_eq!(read_part::<MemberRow>(&path).unwrap(), rows);
        let mut whole = header::<MemberRow>();
        whole.extend(headerless(&rows).unwrap());
        std::fs::write(&path, whole).unwrap();
        assert_eq!(read::<MemberRow>(&path).unwrap(), rows);
    }

    /// A part read by a reader made for it, as [`read_part`] read parts
    /// before it kept one on each thread.
    fn read_part_afresh<T: DeserializeOwned + Serialize + Default>(body: &[u8]) -> Vec<T> {
        let mut text = header::<T>();
        text.extend_from_slice(body);
        csv::Reader::from_reader(text.as_slice())
            .deserialize()
            .collect::<std::result::Result<Vec<T>, _>>()
            .unwrap()
    }

    #[test]
    fn parts_of_every_kind_read_one_after_another_are_read_as_afresh() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part.csv");
        let members: Vec<MemberRow> = (0..5u32)
            .map(|i| MemberRow {
                member: u64::from(i),
                arm: ["group", "a \"quoted\", arm", "control"][i as usize % 3].into(),
                left_step: (i % 2 == 0).then_some(i),
                loneliness_end: 6.5 - f32::from(u8::try_from(i).unwrap()) / 3.0,
                ..MemberRow::default()
            })
            .collect();
        let series: Vec<TimeseriesRow> = (0..4u32)
            .map(|step| TimeseriesRow {
                step,
                arm: "waitlist".into(),
                loneliness_mean: Some(6.0 + f64::from(step) / 7.0),
                retention: (step > 0).then_some(0.25),
                ..TimeseriesRow::default()
            })
            .collect();
        // Each kind twice, and an empty part, on this thread's one reader.
        for _ in 0..2 {
            let body = headerless(&members).unwrap();
            std::fs::write(&path, &body).unwrap();
            assert_eq!(read_part::<MemberRow>(&path).unwrap(), members);
            assert_eq!(read_part_afresh::<MemberRow>(&body), members);
            let body = headerless(&series).unwrap();
            std::fs::write(&path, &body).unwrap();
            assert_eq!(read_part::<TimeseriesRow>(&path).unwrap(), series);
            assert_eq!(read_part_afresh::<TimeseriesRow>(&body), series);
            std::fs::write(&path, b"").unwrap();
            assert!(read_part::<TimeseriesRow>(&path).unwrap().is_empty());
        }
        // A row with a field too few, and one whose number does not
        // parse: errors that name the line, the header counted as the
        // first; the next part reads whole.
        let mut body = headerless(&series).unwrap();
        let cut = body.iter().rposition(|&b| b == b',').unwrap();
        body.truncate(cut);
        body.push(b'\n');
        std::fs::write(&path, &body).unwrap();
        let short = read_part::<TimeseriesRow>(&path).unwrap_err().to_string();
        assert!(short.contains("line 5"), "{short}");
        let bad = String::from_utf8(headerless(&series).unwrap())
            .unwrap()
            .replacen("6.142857142857143", "six", 1);
        std::fs::write(&path, bad).unwrap();
        let unparsed = read_part::<TimeseriesRow>(&path).unwrap_err();
        let Error::ReadCsv { source, .. } = &unparsed else {
            panic!("{unparsed}")
        };
        let mut text = header::<TimeseriesRow>();
        text.extend(std::fs::read(&path).unwrap());
        let afresh = csv::Reader::from_reader(text.as_slice())
            .deserialize::<TimeseriesRow>()
            .find_map(std::result::Result::err)
            .unwrap();
        assert_eq!(source.to_string(), afresh.to_string());
        assert!(afresh.to_string().contains("line: 3"), "{afresh}");
        std::fs::write(&path, headerless(&members).unwrap()).unwrap();
        assert_eq!(read_part::<MemberRow>(&path).unwrap(), members);
    }

    #[test]
    fn every_metric_reads_the_column_it_names() {
        let row = TimeseriesRow {
            week: 0.5,
            attendance_rate: Some(0.07),
            loneliness_mean: Some(6.01),
            lonely_share: Some(0.02),
            no_casual_tie_share: Some(0.031),
            no_friend_tie_share: Some(0.03),
            no_close_tie_share: Some(0.032),
            no_casual_tie_in_group_share: Some(0.033),
            no_friend_tie_in_group_share: Some(0.034),
            no_close_tie_in_group_share: Some(0.035),
            hope_mean: Some(0.04),
            stigma_mean: Some(0.05),
            cohesion_mean: Some(6.06),
            bond_density: Some(0.08),
            clustering: Some(0.09),
            retention: Some(0.1),
            still_attending: Some(0.14),
            waiting_share: Some(0.24),
            group_size_mean: Some(8.5),
            improved_share: Some(0.11),
            beyond_share: Some(0.12),
            between_group_share: Some(0.13),
            hopeful_share: Some(0.15),
            lonely_near_lonely: Some(0.16),
            lonely_near_others: Some(0.17),
            posted_share: Some(0.18),
            posted_again_share: Some(0.19),
            top1_post_share: Some(0.2),
            top10_post_share: Some(0.21),
            answered_return_share: Some(0.22),
            unanswered_return_share: Some(0.23),
            ..TimeseriesRow::default()
        };
        let mut text = header::<TimeseriesRow>();
        text.extend(headerless(std::slice::from_ref(&row)).unwrap());
        let mut reader = csv::Reader::from_reader(text.as_slice());
        let names = reader.headers().unwrap().clone();
        let cells = reader.records().next().unwrap().unwrap();
        for m in &METRICS {
            let at = names.iter().position(|n| n == m.name);
            let cell = at.map(|i| cells[i].parse::<f64>().unwrap());
            assert_eq!(cell, (m.value)(&row), "{}", m.name);
        }
    }

    /// A row of type `T` with every field set to a value unlike its
    /// default: a fraction, a count, a text that needs quotes, `true`, or a
    /// member status, whichever the field takes.
    fn varied<T: Serialize + DeserializeOwned + Default>() -> T {
        let serde_json::Value::Object(mut fields) = serde_json::to_value(T::default()).unwrap()
        else {
            panic!("rows are structs")
        };
        let keys: Vec<String> = fields.keys().cloned().collect();
        for (i, key) in keys.iter().enumerate() {
            let candidates = [
                serde_json::json!(0.1 + i as f64 / 7.0),
                serde_json::json!(i * 3 + 1),
                serde_json::json!(format!("arm {i}, \"quoted\"")),
                serde_json::json!(true),
                serde_json::json!("dropped_out"),
            ];
            let original = fields[key].clone();
            let fits = candidates.into_iter().find(|value| {
                fields.insert(key.clone(), value.clone());
                serde_json::from_value::<T>(serde_json::Value::Object(fields.clone())).is_ok()
            });
            fields.insert(key.clone(), fits.unwrap_or(original));
        }
        serde_json::from_value(serde_json::Value::Object(fields)).unwrap()
    }

    fn same_bytes_as_csv<T: Serialize + DeserializeOwned + Default>() {
        let rows = [T::default(), varied::<T>()];
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        for row in &rows {
            w.serialize(row).unwrap();
        }
        let by_csv = w.into_inner().unwrap();
        assert_eq!(
            String::from_utf8(headerless(&rows).unwrap()).unwrap(),
            String::from_utf8(by_csv).unwrap(),
            "{}",
            std::any::type_name::<T>()
        );
    }

    #[test]
    fn rows_written_in_parallel_blocks_join_to_the_same_bytes() {
        let rows: Vec<GroupRow> = (0..5000)
            .map(|i| GroupRow {
                group: i,
                cohesion_mean: Some(f64::from(i) / 7.0),
                ..varied::<GroupRow>()
            })
            .collect();
        let blocks = headerless_blocks(&rows).unwrap();
        assert!(blocks.len() >= 4, "a few blocks per thread");
        assert_eq!(blocks.concat(), headerless(&rows).unwrap());
        assert_eq!(headerless_blocks(&rows[..10]).unwrap().len(), 1);
        assert!(headerless_blocks::<GroupRow>(&[]).unwrap().is_empty());
    }

    #[test]
    fn texts_kept_on_a_thread_from_earlier_rows_leave_later_rows_bytes_alone() {
        // Rows whose kept figures (shares, density, clustering) take many
        // values, so that every slot of this thread's texts is filled and
        // taken again by values of the same slot; written once more, each
        // text met is the one kept.
        let rows = |from: u32| -> Vec<GroupRow> {
            (from..from + 20_000)
                .map(|i| GroupRow {
                    group: i,
                    attendance_rate: Some(f64::from(i % 97) / 97.0),
                    density: Some(f64::from(i) / 3.0),
                    clustering: Some(1.0 / f64::from(i + 1)),
                    retention: Some(f64::from(i % 11) / 11.0),
                    ..varied::<GroupRow>()
                })
                .collect()
        };
        let by_csv = |rows: &[GroupRow]| {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::new());
            for row in rows {
                w.serialize(row).unwrap();
            }
            w.into_inner().unwrap()
        };
        let (earlier, later) = (rows(0), rows(7));
        assert!(headerless(&earlier).unwrap() == by_csv(&earlier));
        for time in 0..2 {
            let written = headerless(&later).unwrap();
            assert!(written == by_csv(&later), "the later rows, time {time}");
        }
    }

    #[test]
    fn every_part_row_is_written_as_the_csv_crate_writes_it() {
        same_bytes_as_csv::<TimeseriesRow>();
        same_bytes_as_csv::<MemberRow>();
        same_bytes_as_csv::<NetworkRow>();
        same_bytes_as_csv::<GroupRow>();
        same_bytes_as_csv::<PanelRow>();
        same_bytes_as_csv::<EndRecord>();
        let row = varied::<MemberRow>();
        assert!(row.arm.contains(','), "the varied row tests quoting");
        assert_eq!(row.status, MemberStatus::DroppedOut);
        assert!(row.joined_step.is_some() && row.loneliness_at_exit.is_some());
    }
}
