//! Scenarios: every key of a scenario file, and the validated [`Scenario`]
//! the engine consumes.
//!
//! Each key is declared once, as a field of a section struct that sits beside
//! the code that reads it: the mechanisms' sections in their rule files
//! (`crate::rules`), the trait distributions in `crate::traits`, the
//! community network in `crate::community`, and the design and measurement
//! sections below. A declaration carries the key's doc comment, its default
//! (`#[default(..)]`), its range, unit and relations to other keys
//! (`#[schemars(..)]`). From those declarations come the serde structs
//! (unknown keys refused), the defaults, the checks and their messages
//! ([`keys`]), `scenario.resolved.toml` ([`Scenario::resolved_toml`]), the
//! JSON Schema printed by `bonfire schema` ([`crate::file_schema`]) and the
//! README's key reference ([`keys::markdown_reference`]).
//!
//! A scenario's text becomes scenarios along one path, in
//! [`crate::experiment`]: text → one table with the line of every value
//! ([`source`]) → command-line settings, sweep values and arm patches applied
//! once → each table checked against the declarations ([`keys::check`]) →
//! typed [`Parameters`] → the relations between keys checked → a
//! [`Scenario`]. Tests and benchmarks build scenarios through the same path
//! (`Scenario::builder`, in `crate::experiment`); a `Scenario` cannot be
//! changed once built.

pub mod applies;
pub mod keys;
pub mod source;

use std::sync::Arc;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

use crate::baseline::Cohort;
use crate::community::{CommunityGraph, CommunityNetwork, NetworkKind};
use crate::rules::Mechanisms;
use crate::rules::cohesion::CohesionMeasure;
use crate::rules::membership::OpenGroups;
use crate::traits::Population;

/// The default scenario, built into the binary: `bonfire run` with no file runs it.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.toml");

/// Most places (members and people waiting) one group can have: its bond
/// matrix holds every pair of them.
pub const MAX_PLACES: u32 = 5_000;

/// The pattern of a scenario's and an arm's name (it names folders).
pub const NAME_PATTERN: &str = "^[A-Za-z0-9_-]{1,64}$";

// ---------------------------------------------------------------- sections

/// Every key of a scenario file but `[sweep]` and `[[arm]]`.
///
/// Keys marked `x-experiment-wide` apply to every run of an experiment
/// (which files are written, how runs are seeded): a `[sweep]` or an
/// `[[arm]]` may not change them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
#[schemars(title = "bonfire scenario")]
pub struct Parameters {
    /// Short name; names the default output folder `output/<name>/`.
    #[default("scenario".to_string())]
    #[schemars(regex(pattern = NAME_PATTERN), extend("x-experiment-wide" = true))]
    pub name: String,
    /// The question the scenario asks, in a sentence or two.
    #[default(String::new())]
    #[schemars(extend("x-experiment-wide" = true))]
    pub description: String,
    /// Base seed of every random stream.
    #[default(1)]
    #[schemars(range(min = 0, max = 9_223_372_036_854_775_807_u64), extend("x-experiment-wide" = true))]
    pub seed: u64,
    /// Independent replicates, each with its own population and streams.
    #[default(1)]
    #[schemars(range(min = 1, max = 10_000), extend("x-experiment-wide" = true))]
    pub replicates: u32,
    #[schemars(extend("x-experiment-wide" = true))]
    pub question: Question,
    pub community: Community,
    pub format: Format,
    #[schemars(extend("x-applies-when" = "format.membership = open"))]
    pub open: OpenGroups,
    #[schemars(extend("x-applies-when" = "format.delivery = forum"))]
    pub forum: crate::rules::forum::Forum,
    pub population: Population,
    pub cohesion: CohesionMeasure,
    pub mechanisms: Mechanisms,
    pub community_network: CommunityNetwork,
    #[schemars(extend("x-experiment-wide" = true))]
    pub network: NetworkOptions,
    #[schemars(extend("x-experiment-wide" = true))]
    pub output: OutputOptions,
}

/// What the scenario asks, beyond its `description` (`[question]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Question {
    /// The outcomes that answer the question (`summary.csv` metrics): the terminal summary and the report open with a sentence on each comparison of them.
    #[default(vec!["loneliness_mean".to_string()])]
    pub outcomes: Vec<String>,
    /// The `[[arm]]` every other arm is compared with (each arm's control members then with this arm's); empty: a waitlist arm, else the control members, else the first arm.
    #[default(String::new())]
    pub reference: String,
}

/// How many groups, how big, and the optional control arm (`[community]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Community {
    /// Number of support groups.
    #[default(100)]
    #[schemars(range(min = 1, max = 10_000_000), extend("x-unit" = "groups"))]
    pub groups: u32,
    /// Roster of a closed cohort; size cap of an open group.
    #[default(9)]
    #[schemars(range(min = 2, max = 1_000), extend("x-unit" = "people"))]
    pub group_size: u32,
    /// A closed group whose current members fall below this many (or below group_size, if smaller) after a session ends; its remaining members' status becomes `group_ended` (1 = groups never end). Open groups refill and never end.
    #[default(3)]
    #[schemars(range(min = 1, max = 1_000), extend("x-unit" = "people"))]
    #[schemars(extend("x-applies-when" = "format.membership = closed"))]
    pub min_group_size: u32,
    /// People in the control arm, who never attend (0 = no control arm).
    #[default(0)]
    #[schemars(range(min = 0, max = 100_000_000), extend("x-unit" = "people"))]
    pub control_members: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// A fixed roster that starts together.
    Closed,
    /// Rolling membership: newcomers join while there is room.
    Open,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    /// Every 7 days.
    Weekly,
    /// Every 14 days.
    Biweekly,
    /// Every 28 days.
    Monthly,
}

impl Frequency {
    /// Days between sessions.
    pub fn interval_days(self) -> f64 {
        match self {
            Frequency::Weekly => 7.0,
            Frequency::Biweekly => 14.0,
            Frequency::Monthly => 28.0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Leadership {
    /// Led by members themselves.
    Peer,
    /// Led by a trained facilitator.
    Facilitated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Meeting in a room.
    InPerson,
    /// Meeting by video.
    Online,
    /// An asynchronous online forum: sessions are periods, members post at
    /// their own rate (`[forum]`).
    Forum,
}

/// The group format a program designer chooses (`[format]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct Format {
    /// Closed cohort (fixed roster) or open rolling membership.
    #[default(Membership::Closed)]
    pub membership: Membership,
    /// Number of sessions simulated (the run's steps).
    #[default(52)]
    #[schemars(range(min = 1, max = 10_000), extend("x-unit" = "sessions"))]
    pub sessions: u32,
    /// How often the group meets (7, 14 or 28 days apart).
    #[default(Frequency::Weekly)]
    pub frequency: Frequency,
    /// Length of a session.
    #[default(90.0)]
    #[schemars(range(min = 10.0, max = 480.0), extend("x-unit" = "minutes"))]
    #[schemars(extend("x-applies-when" = "format.delivery = in_person | online"))]
    pub minutes: f64,
    /// Led by members or by a trained facilitator.
    #[default(Leadership::Peer)]
    pub leadership: Leadership,
    /// Meeting in person, by video, or as an online forum (`[forum]`).
    #[default(Delivery::InPerson)]
    pub delivery: Delivery,
}

/// When the bond network is measured and exported (`[network]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkOptions {
    /// Network figures (`network.csv`, `groups.csv`) every this many
    /// sessions, and at the first and last; 0 = never.
    #[default(1)]
    #[schemars(range(min = 0, max = 10_000), extend("x-unit" = "sessions"))]
    pub metrics_every: u32,
    /// Sessions after which the bond network is exported as GraphML and an
    /// edge list into `OUT/network/` (0 = before the first session; at most
    /// the most sessions of any arm or sweep point: a run that ends sooner
    /// exports the steps it reaches, with a warning); `--export-network
    /// 0,26,52` sets it.
    #[default(Vec::new())]
    #[schemars(
        inner(range(min = 0, max = 10_000)),
        extend("x-unit" = "sessions", "x-also" = "at most the most `format.sessions` of any arm or sweep point")
    )]
    pub export_steps: Vec<u32>,
}

impl NetworkOptions {
    /// Whether network figures are taken after `step` of `last`.
    pub fn measures(&self, step: u32, last: u32) -> bool {
        self.metrics_every > 0 && (step.is_multiple_of(self.metrics_every) || step == last)
    }
}

/// Which optional files a run writes (`[output]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct OutputOptions {
    /// Write members.csv (one row per member per replicate).
    #[default(true)]
    pub members_csv: bool,
    /// Write groups.csv (one row per group per measured step).
    #[default(true)]
    pub groups_csv: bool,
    /// Write panel.csv (one row per member per session they could attend).
    #[default(false)]
    pub panel_csv: bool,
}

// ---------------------------------------------------------------- relations

/// The checks that tie one key's allowed values to another's beyond the
/// declared `x-at-least` / `x-at-most` ([`keys::check_relations`]): each
/// names the key to change. Runs on values that passed [`keys::check`].
pub(crate) fn check_special_relations(p: &Parameters) -> std::result::Result<(), keys::Problem> {
    use keys::Problem;
    if p.format.membership == Membership::Open {
        let o = &p.open;
        if o.initial_members > p.community.group_size {
            return Err(Problem::new(
                "open.initial_members",
                o.initial_members,
                format!(
                    "a whole number from 0 to community.group_size ({})",
                    p.community.group_size
                ),
            ));
        }
        // A group's places share one pair matrix: keep it within reason.
        if o.catchment > MAX_PLACES - o.initial_members {
            return Err(Problem::new(
                "open.catchment",
                o.catchment,
                format!(
                    "a whole number from 0 to {} ({MAX_PLACES} places per group less open.initial_members)",
                    MAX_PLACES - o.initial_members
                ),
            ));
        }
        if o.initial_members + o.catchment < 2 {
            return Err(Problem::new(
                "open.catchment",
                o.catchment,
                "with open.initial_members, at least 2 people per group",
            ));
        }
    }
    let cn = &p.community_network;
    let spatial = matches!(
        cn.kind,
        NetworkKind::RingLattice | NetworkKind::WattsStrogatz
    );
    if cn.homophily > 0.0 && !(spatial && cn.layout == crate::community::Layout::Shuffled) {
        return Err(Problem::new(
            "community_network.homophily",
            cn.homophily,
            "0 unless community_network.kind is \"ring_lattice\" or \"watts_strogatz\" with layout = \"shuffled\" (homophily orders people around the ring)",
        ));
    }
    if cn.kind == NetworkKind::File && cn.file.as_deref().is_none_or(str::is_empty) {
        return Err(Problem::new(
            crate::community::FILE_KEY,
            if cn.file.is_some() { "\"\"" } else { "missing" },
            "the path of an edge-list CSV when community_network.kind = \"file\"",
        ));
    }
    // Averaging must not overshoot: alpha * N/(N-1) * weight <= 1 for the
    // largest group (N >= 2, so N/(N-1) <= 2).
    let affect = &p.mechanisms.affect;
    let worst = affect.susceptibility * 2.0 * affect.negative_weight.max(1.0);
    if affect.enabled && worst > 1.0 {
        return Err(Problem::new(
            "mechanisms.affect.susceptibility",
            affect.susceptibility,
            format!(
                "at most {} with negative_weight {} (the averaging would overshoot)",
                0.5 / affect.negative_weight.max(1.0),
                affect.negative_weight
            ),
        ));
    }
    Ok(())
}

impl Parameters {
    /// The baseline cohort's file, where `population.file` names one (an
    /// empty path names none).
    pub fn cohort_file(&self) -> Option<&str> {
        self.population.file.as_deref().filter(|f| !f.is_empty())
    }

    /// The community network's edge list, where the network is read from
    /// a file (`community_network.kind = "file"`).
    pub fn edge_list_file(&self) -> Option<&str> {
        (self.community_network.kind == NetworkKind::File)
            .then(|| self.community_network.file.as_deref().unwrap_or_default())
    }
}

// ---------------------------------------------------------------- validated

/// A validated scenario: every value is inside its declared range and
/// agrees with the others. Built only through [`crate::experiment`]
/// (`Scenario::builder` and `Scenario::embedded_default`, defined there,
/// take the same path); read its keys through `Deref` to [`Parameters`].
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    parameters: Parameters,
    /// Name of the arm this scenario runs: an `[[arm]]`'s name, or
    /// [`crate::experiment::DEFAULT_ARM`].
    arm_name: String,
    /// False for a waitlist control arm: its members never attend.
    attends: bool,
    /// What the scenario reads from files, read once per file when the
    /// experiment is built.
    imported: Imported,
}

/// What a scenario reads from files: read once per file when the experiment
/// is built, checked against the scenario, and shared by every run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Imported {
    /// The community network, for `community_network.kind = "file"`.
    pub network: Option<Arc<CommunityGraph>>,
    /// The baseline cohort, for `population.file`.
    pub cohort: Option<Arc<Cohort>>,
}

impl std::ops::Deref for Scenario {
    type Target = Parameters;

    fn deref(&self) -> &Parameters {
        &self.parameters
    }
}

impl Scenario {
    /// A scenario from checked parameters (the experiment layer's job).
    pub(crate) fn new(
        parameters: Parameters,
        arm_name: String,
        attends: bool,
        imported: Imported,
    ) -> Scenario {
        Scenario {
            parameters,
            arm_name,
            attends,
            imported,
        }
    }

    /// The parameters (every key of the file but `[sweep]` and `[[arm]]`).
    pub fn parameters(&self) -> &Parameters {
        &self.parameters
    }

    /// The arm's name.
    pub fn arm_name(&self) -> &str {
        &self.arm_name
    }

    /// False for a waitlist control arm, whose members never attend.
    pub fn attends(&self) -> bool {
        self.attends
    }

    /// The imported community network, for `community_network.kind = "file"`.
    pub fn imported_network(&self) -> Option<&Arc<CommunityGraph>> {
        self.imported.network.as_ref()
    }

    /// The baseline cohort, for `population.file`.
    pub fn cohort(&self) -> Option<&Cohort> {
        self.imported.cohort.as_deref()
    }

    /// The scenario with every default filled in, as TOML. Running it again
    /// reproduces the run.
    pub fn resolved_toml(&self) -> String {
        let body = toml::to_string(&self.parameters).expect("a scenario always serialises");
        format!(
            "# Resolved by bonfire {}: every key with its value, defaults filled in.\n\
             # `bonfire run` on this file reproduces the run it came from.\n\n{body}",
            env!("CARGO_PKG_VERSION")
        )
    }

    /// Days between sessions.
    pub fn interval_days(&self) -> f64 {
        self.format.frequency.interval_days()
    }

    /// People a group of the treatment arm draws on over the run.
    pub fn pool_size(&self) -> u32 {
        match self.format.membership {
            Membership::Closed => self.community.group_size,
            Membership::Open => self.open.initial_members + self.open.catchment,
        }
    }

    /// Members who start at the first session in each group.
    pub fn initial_members(&self) -> u32 {
        match self.format.membership {
            Membership::Closed => self.community.group_size,
            Membership::Open => self.open.initial_members,
        }
    }

    /// Control-arm members are held in blocks of this many, so the control
    /// arm is stepped in parallel like the groups.
    pub fn control_block_size(&self) -> u32 {
        self.community.group_size
    }

    /// The ties of the community network, `None` without one: an
    /// imported network's, or those a generated one of `mean_degree` has
    /// (about; the estimates of memory and disk use it).
    pub fn community_ties(&self) -> Option<u64> {
        match self.imported_network() {
            Some(graph) => Some(graph.edges() as u64),
            None if self.community_network.kind == crate::community::NetworkKind::None => None,
            None => {
                let ends = self.total_members() as f64 * self.community_network.mean_degree;
                Some((ends / 2.0).ceil() as u64)
            }
        }
    }

    /// Total members of one replicate, both arms.
    pub fn total_members(&self) -> u64 {
        u64::from(self.community.groups) * u64::from(self.pool_size())
            + u64::from(self.community.control_members)
    }

    /// The estimated bytes of the members' and groups' state of one run,
    /// what every session reads: the main part of the memory estimate
    /// ([`crate::memory::run_bytes`]), what decides whether sessions
    /// ask for memory ahead ([`crate::context::ASK_AHEAD_ABOVE_BYTES`]),
    /// and a quarter of it the most a run holds of its group rows'
    /// figures between its segments' ends (`engine::segment_end`).
    pub fn state_bytes(&self) -> u64 {
        let group_members = u64::from(self.community.groups) * u64::from(self.pool_size());
        let ties = TIES_PER_MEMBER_PER_PLACE * u64::from(self.pool_size());
        self.total_members()
            .saturating_mul(STATE_PER_MEMBER)
            .saturating_add(group_members.saturating_mul(ties))
    }

    /// The estimated bytes of one meeting group's state: its places'
    /// share of [`Scenario::state_bytes`], ties included.
    pub fn group_state_bytes(&self) -> u64 {
        let places = u64::from(self.pool_size());
        places.saturating_mul(STATE_PER_MEMBER + TIES_PER_MEMBER_PER_PLACE * places)
    }
}

/// Bytes per member of a run's state (traits, scores, counters, tie
/// figures, its share of its group's fixed part and of a step's tallies),
/// without its ties; measured about 170 (`crate::memory`).
const STATE_PER_MEMBER: u64 = 200;
/// Bytes per group member per place of their group's roster (the tie
/// matrix: one 28-byte pair per two places, about 14; control members
/// have none).
const TIES_PER_MEMBER_PER_PLACE: u64 = 15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_default_is_valid() {
        let s = Scenario::embedded_default();
        assert_eq!(s.name, "default");
        assert!(s.community.control_members > 0);
    }

    #[test]
    fn resolved_toml_round_trips() {
        let s = Scenario::embedded_default();
        let again = Scenario::builder()
            .text(&s.resolved_toml())
            .build()
            .unwrap();
        assert_eq!(s, again);
    }

    #[test]
    fn an_empty_file_takes_every_default() {
        let s = Scenario::builder().text("").build().unwrap();
        assert_eq!(s.parameters(), &Parameters::default());
    }

    #[test]
    fn out_of_range_values_name_key_line_and_range() {
        let text = "name = \"x\"\n[mechanisms.dropout]\nbase_hazard = 1.5\n";
        let msg = Scenario::builder()
            .text(text)
            .build()
            .unwrap_err()
            .to_string();
        assert!(msg.contains("mechanisms.dropout.base_hazard"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("1.5"), "{msg}");
        assert!(msg.contains("from 0 to 1"), "{msg}");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let text = "name = \"x\"\n\n[format]\nsesions = 3\n";
        let err = Scenario::builder()
            .text(text)
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("sesions"), "{err}");
        assert!(err.contains("did you mean `sessions`"), "{err}");
    }

    #[test]
    fn a_set_key_is_checked_like_a_written_one() {
        let err = Scenario::builder()
            .set("mechanisms.dropout.base_hazard", 2.0)
            .build()
            .unwrap_err()
            .to_string();
        assert!(err.contains("mechanisms.dropout.base_hazard"), "{err}");
        assert!(err.contains("set in code"), "{err}");
    }

    #[test]
    fn all_mechanisms_off_reaches_every_switch() {
        let s = Scenario::builder().all_mechanisms_off().build().unwrap();
        let table = toml::Table::try_from(&s.mechanisms).unwrap();
        for (name, section) in &table {
            assert_eq!(
                section.get("enabled"),
                Some(&toml::Value::Boolean(false)),
                "mechanisms.{name}"
            );
        }
        assert_eq!(keys::switches().len(), table.len());
    }
}
