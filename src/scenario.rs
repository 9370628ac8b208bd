//! Scenario files: parsing, defaults and validation.
//!
//! A scenario is a TOML file. It is read into [`RawScenario`] (every key has a
//! default, unknown keys are refused), then checked by [`Scenario::try_from_raw`],
//! which turns the first out-of-range value into an [`Error::ScenarioValue`]
//! naming the file, the key, the line, what was given and what is allowed. The
//! engine only ever sees a validated [`Scenario`].
//!
//! Each mechanism of `docs/MODEL.md` has its own table under `[mechanisms]`
//! with an `enabled` switch; the defaults here are the model's defaults and are
//! documented there and in the README's scenario reference.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Origin, Result};

/// The default scenario, built into the binary: `bonfire run` with no file runs it.
pub const DEFAULT_SCENARIO: &str = include_str!("../scenarios/default.toml");

/// Most places (members and people waiting) one group can have: its bond
/// matrix holds every pair of them.
pub const MAX_PLACES: u32 = 5_000;

/// UCLA-3 loneliness score at or above which a member counts as lonely.
pub const LONELY_CUTOFF: f64 = 6.0;
/// Lowest UCLA-3 score.
pub const LONELINESS_MIN: f64 = 3.0;
/// Highest UCLA-3 score.
pub const LONELINESS_MAX: f64 = 9.0;

// ---------------------------------------------------------------- sections

/// The whole scenario file as written, with every missing key defaulted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawScenario {
    /// Short name; names the default output folder `output/<name>/`.
    pub name: String,
    /// The question the scenario asks, in a sentence or two.
    pub description: String,
    /// Base seed of every random stream.
    pub seed: u64,
    /// Independent replicates, each with its own population and streams.
    pub replicates: u32,
    pub community: Community,
    pub format: Format,
    pub open: OpenGroups,
    pub population: Population,
    pub cohesion: CohesionMeasure,
    pub mechanisms: Mechanisms,
    pub community_network: CommunityNetwork,
    pub network: NetworkOptions,
    pub output: OutputOptions,
    /// Swept keys (see `crate::experiment`); read here so that the base is
    /// checked with line numbers, expanded there.
    #[serde(skip_serializing)]
    pub sweep: Option<toml::Table>,
    /// Named arms (see `crate::experiment`).
    #[serde(skip_serializing)]
    pub arm: Vec<toml::Table>,
}

impl Default for RawScenario {
    fn default() -> Self {
        Self {
            name: "scenario".into(),
            description: String::new(),
            seed: 1,
            replicates: 1,
            community: Community::default(),
            format: Format::default(),
            open: OpenGroups::default(),
            population: Population::default(),
            cohesion: CohesionMeasure::default(),
            mechanisms: Mechanisms::default(),
            community_network: CommunityNetwork::default(),
            network: NetworkOptions::default(),
            output: OutputOptions::default(),
            sweep: None,
            arm: Vec::new(),
        }
    }
}

/// How many groups, how big, and the optional control arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Community {
    /// Number of support groups.
    pub groups: u32,
    /// Roster of a closed cohort; size cap of an open group.
    pub group_size: u32,
    /// People in the control arm, who never attend (0 = no control arm).
    pub control_members: u32,
}

impl Default for Community {
    fn default() -> Self {
        Self {
            groups: 100,
            group_size: 9,
            control_members: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Membership {
    /// A fixed roster that starts together.
    Closed,
    /// Rolling membership: newcomers join while there is room.
    Open,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frequency {
    Weekly,
    Biweekly,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leadership {
    /// Led by members themselves.
    Peer,
    /// Led by a trained facilitator.
    Facilitated,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    InPerson,
    Online,
}

/// The group format a program designer chooses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Format {
    pub membership: Membership,
    /// Number of sessions simulated (the run's steps).
    pub sessions: u32,
    pub frequency: Frequency,
    /// Length of a session in minutes.
    pub minutes: f64,
    pub leadership: Leadership,
    pub delivery: Delivery,
}

impl Default for Format {
    fn default() -> Self {
        Self {
            membership: Membership::Closed,
            sessions: 52,
            frequency: Frequency::Weekly,
            minutes: 90.0,
            leadership: Leadership::Peer,
            delivery: Delivery::InPerson,
        }
    }
}

/// Rolling membership (used when `format.membership = "open"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OpenGroups {
    /// Members present at the first session.
    pub initial_members: u32,
    /// Mean newcomers per session (Poisson).
    pub arrivals_per_session: f64,
    /// People per group who may join over the run after the first session.
    pub catchment: u32,
}

impl Default for OpenGroups {
    fn default() -> Self {
        Self {
            initial_members: 6,
            arrivals_per_session: 0.5,
            catchment: 30,
        }
    }
}

/// Distributions of the members' traits at arrival.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Population {
    /// Mean UCLA-3 loneliness at arrival (3–9).
    pub loneliness_mean: f64,
    /// Standard deviation of UCLA-3 loneliness at arrival.
    pub loneliness_sd: f64,
    /// Mean hope at arrival (0–1).
    pub hope_mean: f64,
    /// Mean self-stigma at arrival (0–1).
    pub stigma_mean: f64,
    /// Mean openness (0–1): willingness to talk and disclose.
    pub openness_mean: f64,
    /// Concentration a + b of the beta distributions of hope, stigma, openness.
    pub trait_concentration: f64,
    /// Number of problem types; members of the same type are more similar.
    pub problem_types: u32,
    /// Weight of the problem type (vs severity) in similarity.
    pub type_weight: f64,
    /// Variance of the gamma frailty that multiplies the dropout hazard (mean 1).
    pub frailty_variance: f64,
    /// Standard deviation of the attendance propensity on the logit scale.
    pub propensity_sd: f64,
}

impl Default for Population {
    fn default() -> Self {
        Self {
            loneliness_mean: 6.5,
            loneliness_sd: 1.3,
            hope_mean: 0.4,
            stigma_mean: 0.5,
            openness_mean: 0.5,
            trait_concentration: 8.0,
            problem_types: 3,
            type_weight: 0.6,
            frailty_variance: 0.5,
            propensity_sd: 0.8,
        }
    }
}

/// How perceived cohesion (belonging + morale, 0–10) is measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CohesionMeasure {
    /// Mean tie strength (hours) to fellow members at which belonging is 63% of full.
    pub belonging_hours: f64,
    /// Weight of the latest session in a member's running cohesion (0–1).
    pub update_weight: f64,
}

impl Default for CohesionMeasure {
    fn default() -> Self {
        Self {
            belonging_hours: 6.0,
            update_weight: 0.5,
        }
    }
}

/// One table per mechanism, each with an `enabled` switch.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Mechanisms {
    pub attendance: Attendance,
    pub sharing: Sharing,
    pub universality: Universality,
    pub hope: Hope,
    pub bonding: Bonding,
    pub beyond_meetings: BeyondMeetings,
    pub stigma: Stigma,
    pub loneliness: Loneliness,
    pub contagion: Contagion,
    pub altruism: Altruism,
    pub recovery: Recovery,
    pub dropout: Dropout,
    pub affect: Affect,
}

/// Mechanism 2: who comes to a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Attendance {
    pub enabled: bool,
    /// Attendance probability of an average member.
    pub base_probability: f64,
    /// Logit change per unit of perceived cohesion / 10 above one half.
    pub cohesion_effect: f64,
    /// Logit change per unit of ln(1 + tie support).
    pub tie_effect: f64,
    /// Logit change per unit of hope above one half.
    pub hope_effect: f64,
    /// Logit change for online delivery (online members attend more).
    pub online_effect: f64,
    /// Logit change per doubling of the interval beyond a week.
    pub interval_effect: f64,
}

impl Default for Attendance {
    fn default() -> Self {
        Self {
            enabled: true,
            base_probability: 0.75,
            cohesion_effect: 1.0,
            tie_effect: 0.4,
            hope_effect: 0.8,
            online_effect: 0.3,
            interval_effect: 0.2,
        }
    }
}

/// Mechanism 3: floor time and disclosure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sharing {
    pub enabled: bool,
    /// Share of the session taken by opening, closing and logistics.
    pub overhead: f64,
    /// Ratio of the geometric rank law of speaking shares (1 = equal).
    pub rank_ratio: f64,
    /// How far facilitation moves the ratio towards equal shares (0–1).
    pub facilitation_flattening: f64,
    /// Disclosure probability of an open, unstigmatised member in a safe group.
    pub disclosure_base: f64,
    /// Weight of psychological safety (cohesion / 10) in disclosure.
    pub safety_weight: f64,
    /// Added psychological safety when a facilitator leads.
    pub facilitated_safety: f64,
    /// Floor minutes at which a disclosure is fully heard.
    pub full_disclosure_minutes: f64,
}

impl Default for Sharing {
    fn default() -> Self {
        Self {
            enabled: true,
            overhead: 0.15,
            rank_ratio: 0.8,
            facilitation_flattening: 0.5,
            disclosure_base: 0.8,
            safety_weight: 0.5,
            facilitated_safety: 0.15,
            full_disclosure_minutes: 5.0,
        }
    }
}

/// Mechanism 4: hearing a similar member disclose lowers felt isolation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Universality {
    pub enabled: bool,
    /// Share of loneliness above the scale floor relieved by a fully similar disclosure.
    pub relief: f64,
}

impl Default for Universality {
    fn default() -> Self {
        Self {
            enabled: true,
            relief: 0.015,
        }
    }
}

/// Mechanism 5: seeing a peer further along raises hope.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Hope {
    pub enabled: bool,
    /// Share of the gap to full hope closed in a session with enough exemplars.
    pub gain: f64,
    /// Distinct exemplars needed in one session (complex contagion threshold k).
    pub threshold: u32,
    /// Share of the gap back to the arrival level lost per session without exemplars.
    pub fade: f64,
}

impl Default for Hope {
    fn default() -> Self {
        Self {
            enabled: true,
            gain: 0.06,
            threshold: 1,
            fade: 0.01,
        }
    }
}

/// Mechanism 6: ties grow with shared time and disclosure, and decay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Bonding {
    pub enabled: bool,
    /// People one conversation holds; a member talks with this many minus one.
    pub conversation_size: f64,
    /// Added growth per partner who disclosed (reciprocal disclosure doubles it).
    pub reciprocity: f64,
    /// How much dissimilarity slows growth (0 = not at all, 1 = fully).
    pub homophily: f64,
    /// Growth lost when both members are lonely.
    pub lonely_pair_penalty: f64,
    /// Added growth when the pair shares a casual friend (triadic closure).
    pub closure_bonus: f64,
    /// Exponential decay rate of tie strength per day.
    pub decay_per_day: f64,
    /// Extra decay for dissimilar pairs: rate times (1 + this * (1 - similarity)).
    pub dissimilar_decay: f64,
    /// Extra decay when either member is lonely: rate times (1 + this).
    pub lonely_decay: f64,
    /// Strength (hours) from which a tie counts in the network.
    pub tie_hours: f64,
    /// Strength (hours) of a casual friend (Hall 2019: about 50).
    pub casual_hours: f64,
    /// Strength (hours) of a friend (Hall 2019: about 90).
    pub friend_hours: f64,
    /// Strength (hours) of a close friend (Hall 2019: about 200).
    pub close_hours: f64,
    /// Most ties a member keeps (about 15).
    pub tie_capacity: u32,
    /// Most close ties a member keeps (about 5).
    pub close_capacity: u32,
    /// Growth multiplier when the group meets online.
    pub online_factor: f64,
}

impl Default for Bonding {
    fn default() -> Self {
        Self {
            enabled: true,
            conversation_size: 4.0,
            reciprocity: 0.5,
            homophily: 0.5,
            lonely_pair_penalty: 0.3,
            closure_bonus: 0.5,
            decay_per_day: 0.002,
            dissimilar_decay: 1.0,
            lonely_decay: 0.5,
            tie_hours: 2.0,
            casual_hours: 50.0,
            friend_hours: 90.0,
            close_hours: 200.0,
            tie_capacity: 15,
            close_capacity: 5,
            online_factor: 0.7,
        }
    }
}

/// Mechanism 7: contact outside the sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BeyondMeetings {
    pub enabled: bool,
    /// Highest chance per interval that a pair meets outside the group.
    pub max_probability: f64,
    /// Tie strength (hours) at which that chance is half its highest.
    pub half_hours: f64,
    /// Hours one outside contact adds (a coffee, a long call).
    pub hours_per_contact: f64,
    /// Multiplier of the contact chance when the group meets online.
    pub online_factor: f64,
}

impl Default for BeyondMeetings {
    fn default() -> Self {
        Self {
            enabled: true,
            max_probability: 0.7,
            half_hours: 25.0,
            hours_per_contact: 3.0,
            online_factor: 0.5,
        }
    }
}

/// Mechanism 8: acceptance lowers self-stigma.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Stigma {
    pub enabled: bool,
    /// Share of self-stigma lost when a disclosure meets full acceptance.
    pub acceptance_rate: f64,
    /// Share lost by hearing others disclose without disclosing oneself.
    pub listening_rate: f64,
    /// Multiplier of both rates online (face-to-face contact works better).
    pub online_factor: f64,
}

impl Default for Stigma {
    fn default() -> Self {
        Self {
            enabled: true,
            acceptance_rate: 0.06,
            listening_rate: 0.01,
            online_factor: 0.6,
        }
    }
}

/// Mechanism 9: loneliness relaxes toward a set point that ties lower.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Loneliness {
    pub enabled: bool,
    /// Share of the gap to the set point closed per week.
    pub relaxation_per_week: f64,
    /// UCLA-3 points the set point falls at full tie support.
    pub tie_relief: f64,
    /// Standard deviation of the per-session fluctuation (UCLA-3 points).
    pub noise_sd: f64,
}

impl Default for Loneliness {
    fn default() -> Self {
        Self {
            enabled: true,
            relaxation_per_week: 0.1,
            tie_relief: 0.8,
            noise_sd: 0.2,
        }
    }
}

/// Optional SISa loneliness contagion along ties (off by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Contagion {
    pub enabled: bool,
    /// Spontaneous onset probability per session (a).
    pub onset: f64,
    /// Onset probability per lonely tie partner (beta).
    pub transmission: f64,
    /// Recovery probability per session (g).
    pub recovery: f64,
}

impl Default for Contagion {
    fn default() -> Self {
        Self {
            enabled: false,
            onset: 0.01,
            transmission: 0.02,
            recovery: 0.1,
        }
    }
}

/// Mechanism 10: giving support protects the giver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Altruism {
    pub enabled: bool,
    /// Chance that a listener replies to a disclosure, scaled by openness.
    pub reply_probability: f64,
    /// Log-hazard reduction of dropout per unit of ln(1 + support given).
    pub dropout_protection: f64,
    /// Recovery dose added per unit of support given.
    pub dose_bonus: f64,
}

impl Default for Altruism {
    fn default() -> Self {
        Self {
            enabled: true,
            reply_probability: 0.4,
            dropout_protection: 0.3,
            dose_bonus: 0.1,
        }
    }
}

/// Mechanism 11: dose–response improvement and graduation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Recovery {
    pub enabled: bool,
    /// Median effective sessions a member needs to improve (Howard 1986: 8).
    pub median_dose: f64,
    /// Standard deviation of the log of the sessions needed.
    pub dose_log_sd: f64,
    /// How much engagement (hope, cohesion) changes a session's dose.
    pub engagement_weight: f64,
    /// Chance per session that an improved member leaves, better.
    pub graduation_probability: f64,
    /// Sessions attended before an improved member may graduate.
    pub graduation_min_sessions: u32,
}

impl Default for Recovery {
    fn default() -> Self {
        Self {
            enabled: true,
            median_dose: 8.0,
            dose_log_sd: 1.75,
            engagement_weight: 0.5,
            graduation_probability: 0.03,
            graduation_min_sessions: 12,
        }
    }
}

/// Mechanism 12: leaving before one is better.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Dropout {
    pub enabled: bool,
    /// Hazard per session of an average member past the early sessions.
    pub base_hazard: f64,
    /// Extra hazard at the first session, fading with tenure: times (1 + this * e^(-t/early)).
    pub early_excess: f64,
    /// Sessions over which the early excess fades (e-folding).
    pub early_sessions: f64,
    /// Log-hazard reduction per unit of ln(1 + tie support).
    pub tie_protection: f64,
    /// Log-hazard reduction per reply received.
    pub support_protection: f64,
    /// Log-hazard reduction per unit of cohesion / 10 above one half.
    pub cohesion_protection: f64,
    /// Hazard multiplier after a disclosure that got no reply.
    pub no_reply_factor: f64,
    /// Hazard multiplier for a member in an isolated position: no tie at the
    /// network threshold (`tie_hours`) to anyone in the group.
    pub isolated_factor: f64,
}

impl Default for Dropout {
    fn default() -> Self {
        Self {
            enabled: true,
            base_hazard: 0.013,
            early_excess: 2.0,
            early_sessions: 3.0,
            tie_protection: 0.5,
            support_protection: 0.3,
            cohesion_protection: 0.5,
            no_reply_factor: 1.5,
            isolated_factor: 1.3,
        }
    }
}

/// Session mood averaging (Friedkin–Johnsen), which feeds morale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Affect {
    pub enabled: bool,
    /// Weight alpha of the others' mood in one averaging round.
    pub susceptibility: f64,
    /// How much more readily a worse mood spreads than a better one.
    pub negative_weight: f64,
}

impl Default for Affect {
    fn default() -> Self {
        Self {
            enabled: true,
            susceptibility: 0.2,
            negative_weight: 2.0,
        }
    }
}

/// Kinds of community network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkKind {
    /// No community network: members have ties only in their group.
    None,
    ErdosRenyi,
    WattsStrogatz,
    BarabasiAlbert,
    RingLattice,
    /// An edge list read from `file`.
    File,
}

/// The social network members live in outside the groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommunityNetwork {
    pub kind: NetworkKind,
    /// Mean number of community ties per person (generated networks).
    pub mean_degree: f64,
    /// Watts–Strogatz rewiring probability.
    pub rewiring: f64,
    /// Edge-list CSV (`source,target` member ids) for `kind = "file"`,
    /// relative to the scenario file.
    pub file: Option<String>,
    /// UCLA-3 points lower at arrival per community tie above the mean degree.
    pub loneliness_per_tie: f64,
    /// Added newcomers per session per catchment person with a community tie
    /// to a current member (open groups).
    pub referral: f64,
}

impl Default for CommunityNetwork {
    fn default() -> Self {
        Self {
            kind: NetworkKind::None,
            mean_degree: 6.0,
            rewiring: 0.1,
            file: None,
            loneliness_per_tie: 0.1,
            referral: 0.05,
        }
    }
}

/// When the bond network is measured and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkOptions {
    /// Network figures (network.csv, groups.csv) every this many sessions,
    /// and at the first and last; 0 = never.
    pub metrics_every: u32,
    /// Sessions after which the network is exported as GraphML and an edge
    /// list (0 = before the first session).
    pub export_steps: Vec<u32>,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        Self {
            metrics_every: 1,
            export_steps: Vec::new(),
        }
    }
}

impl NetworkOptions {
    /// Whether network figures are taken after `step` of `last`.
    pub fn measures(&self, step: u32, last: u32) -> bool {
        self.metrics_every > 0 && (step % self.metrics_every == 0 || step == last)
    }
}

/// Which optional files a run writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputOptions {
    /// Write members.csv (one row per member per replicate).
    pub members_csv: bool,
    /// Write groups.csv (one row per group per measured step).
    pub groups_csv: bool,
}

impl Default for OutputOptions {
    fn default() -> Self {
        Self {
            members_csv: true,
            groups_csv: true,
        }
    }
}

// ---------------------------------------------------------------- validated

/// A validated scenario: every value is inside its documented range.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub seed: u64,
    pub replicates: u32,
    pub community: Community,
    pub format: Format,
    pub open: OpenGroups,
    pub population: Population,
    pub cohesion: CohesionMeasure,
    pub mechanisms: Mechanisms,
    pub community_network: CommunityNetwork,
    pub network: NetworkOptions,
    pub output: OutputOptions,
    /// An imported community network (`kind = "file"`), read once when the
    /// scenario is loaded.
    pub imported_network: Option<std::sync::Arc<crate::community::CommunityGraph>>,
    /// Name of the arm this scenario runs (set by an experiment's `[[arm]]`;
    /// "group" otherwise). Not a key of the file's base.
    pub arm_name: String,
    /// False for a waitlist control arm: its members never attend.
    pub attends: bool,
}

impl Scenario {
    /// The built-in default scenario.
    pub fn embedded_default() -> Scenario {
        let raw = RawScenario::parse(DEFAULT_SCENARIO, &Origin::Embedded)
            .expect("the built-in default scenario parses (tested)");
        Scenario::try_from_raw(raw, DEFAULT_SCENARIO, &Origin::Embedded)
            .expect("the built-in default scenario is valid (tested)")
    }

    /// Validates a raw scenario. `text` and `origin` only serve error messages.
    pub fn try_from_raw(raw: RawScenario, text: &str, origin: &Origin) -> Result<Scenario> {
        validate(&raw).map_err(|bad| Error::ScenarioValue {
            origin: origin.clone(),
            line: line_of_key(text, &bad.key),
            key: bad.key,
            given: bad.given,
            allowed: bad.allowed,
        })?;
        let RawScenario {
            name,
            description,
            seed,
            replicates,
            community,
            format,
            open,
            population,
            cohesion,
            mechanisms,
            community_network,
            network,
            output,
            sweep: _,
            arm: _,
        } = raw;
        Ok(Scenario {
            name,
            description,
            seed,
            replicates,
            community,
            format,
            open,
            population,
            cohesion,
            mechanisms,
            community_network,
            network,
            output,
            imported_network: None,
            arm_name: crate::experiment::DEFAULT_ARM.to_string(),
            attends: true,
        })
    }

    /// The scenario as a raw value again (for writing it out resolved).
    pub fn to_raw(&self) -> RawScenario {
        RawScenario {
            name: self.name.clone(),
            description: self.description.clone(),
            seed: self.seed,
            replicates: self.replicates,
            community: self.community.clone(),
            format: self.format.clone(),
            open: self.open.clone(),
            population: self.population.clone(),
            cohesion: self.cohesion.clone(),
            mechanisms: self.mechanisms.clone(),
            community_network: self.community_network.clone(),
            network: self.network.clone(),
            output: self.output.clone(),
            sweep: None,
            arm: Vec::new(),
        }
    }

    /// The scenario with every default filled in, as TOML. Running it again
    /// reproduces the run.
    pub fn resolved_toml(&self) -> String {
        let body = toml::to_string(&self.to_raw()).expect("a scenario always serialises");
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

    /// Total members of one replicate, both arms.
    pub fn total_members(&self) -> u64 {
        u64::from(self.community.groups) * u64::from(self.pool_size())
            + u64::from(self.community.control_members)
    }
}

impl RawScenario {
    /// Parses TOML text; a syntax error or unknown key names the line.
    pub fn parse(text: &str, origin: &Origin) -> Result<RawScenario> {
        toml::from_str(text).map_err(|e: toml::de::Error| {
            let line = e.span().map(|span| line_of_offset(text, span.start));
            let mut message = plain_type_names(e.message().trim());
            if let Some(source) = line.and_then(|l| text.lines().nth(l - 1)) {
                message = format!("`{}`: {message}", source.trim());
            }
            Error::ScenarioSyntax {
                origin: origin.clone(),
                line,
                message,
            }
        })
    }
}

// ---------------------------------------------------------------- checks

/// The first value found out of range.
#[derive(Debug)]
struct BadValue {
    key: String,
    given: String,
    allowed: String,
}

type Check = std::result::Result<(), BadValue>;

fn bad(key: &str, given: impl std::fmt::Display, allowed: impl Into<String>) -> BadValue {
    BadValue {
        key: key.to_string(),
        given: given.to_string(),
        allowed: allowed.into(),
    }
}

/// A real number in [lo, hi].
fn real(key: &str, value: f64, lo: f64, hi: f64) -> Check {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(())
    } else {
        Err(bad(key, value, format!("a number from {lo} to {hi}")))
    }
}

/// A probability or share in [0, 1].
fn share(key: &str, value: f64) -> Check {
    real(key, value, 0.0, 1.0)
}

/// A whole number in [lo, hi].
fn whole(key: &str, value: u32, lo: u32, hi: u32) -> Check {
    if (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(bad(key, value, format!("a whole number from {lo} to {hi}")))
    }
}

fn validate(s: &RawScenario) -> Check {
    if s.name.trim().is_empty()
        || !s
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(bad(
            "name",
            format!("{:?}", s.name),
            "a non-empty name of letters, digits, '-' and '_' (it names the output folder)",
        ));
    }
    if s.seed > i64::MAX as u64 {
        return Err(bad(
            "seed",
            s.seed,
            format!("a whole number from 0 to {}", i64::MAX),
        ));
    }
    whole("replicates", s.replicates, 1, 10_000)?;

    let c = &s.community;
    whole("community.groups", c.groups, 1, 10_000_000)?;
    whole("community.group_size", c.group_size, 2, 1_000)?;
    whole(
        "community.control_members",
        c.control_members,
        0,
        100_000_000,
    )?;

    let f = &s.format;
    whole("format.sessions", f.sessions, 1, 10_000)?;
    real("format.minutes", f.minutes, 10.0, 480.0)?;

    let o = &s.open;
    if f.membership == Membership::Open {
        whole("open.initial_members", o.initial_members, 0, c.group_size)?;
        // A group's places share one pair matrix: keep it within reason.
        whole(
            "open.catchment",
            o.catchment,
            0,
            MAX_PLACES - o.initial_members,
        )?;
        if o.initial_members + o.catchment < 2 {
            return Err(bad(
                "open.catchment",
                o.catchment,
                "with open.initial_members, at least 2 people per group",
            ));
        }
    }
    real(
        "open.arrivals_per_session",
        o.arrivals_per_session,
        0.0,
        1_000.0,
    )?;

    let p = &s.population;
    real("population.loneliness_mean", p.loneliness_mean, 3.0, 9.0)?;
    real("population.loneliness_sd", p.loneliness_sd, 0.0, 6.0)?;
    real("population.hope_mean", p.hope_mean, 0.01, 0.99)?;
    real("population.stigma_mean", p.stigma_mean, 0.01, 0.99)?;
    real("population.openness_mean", p.openness_mean, 0.01, 0.99)?;
    real(
        "population.trait_concentration",
        p.trait_concentration,
        0.5,
        1_000.0,
    )?;
    whole("population.problem_types", p.problem_types, 1, 255)?;
    share("population.type_weight", p.type_weight)?;
    real("population.frailty_variance", p.frailty_variance, 0.0, 10.0)?;
    real("population.propensity_sd", p.propensity_sd, 0.0, 5.0)?;

    real(
        "cohesion.belonging_hours",
        s.cohesion.belonging_hours,
        0.01,
        1_000.0,
    )?;
    real(
        "cohesion.update_weight",
        s.cohesion.update_weight,
        0.01,
        1.0,
    )?;

    let m = &s.mechanisms;
    let a = &m.attendance;
    real(
        "mechanisms.attendance.base_probability",
        a.base_probability,
        0.01,
        1.0,
    )?;
    real(
        "mechanisms.attendance.cohesion_effect",
        a.cohesion_effect,
        -10.0,
        10.0,
    )?;
    real(
        "mechanisms.attendance.tie_effect",
        a.tie_effect,
        -10.0,
        10.0,
    )?;
    real(
        "mechanisms.attendance.hope_effect",
        a.hope_effect,
        -10.0,
        10.0,
    )?;
    real(
        "mechanisms.attendance.online_effect",
        a.online_effect,
        -10.0,
        10.0,
    )?;
    real(
        "mechanisms.attendance.interval_effect",
        a.interval_effect,
        -10.0,
        10.0,
    )?;

    let sh = &m.sharing;
    real("mechanisms.sharing.overhead", sh.overhead, 0.0, 0.9)?;
    real("mechanisms.sharing.rank_ratio", sh.rank_ratio, 0.05, 1.0)?;
    share(
        "mechanisms.sharing.facilitation_flattening",
        sh.facilitation_flattening,
    )?;
    share("mechanisms.sharing.disclosure_base", sh.disclosure_base)?;
    share("mechanisms.sharing.safety_weight", sh.safety_weight)?;
    share(
        "mechanisms.sharing.facilitated_safety",
        sh.facilitated_safety,
    )?;
    real(
        "mechanisms.sharing.full_disclosure_minutes",
        sh.full_disclosure_minutes,
        0.1,
        480.0,
    )?;

    share("mechanisms.universality.relief", m.universality.relief)?;

    share("mechanisms.hope.gain", m.hope.gain)?;
    whole("mechanisms.hope.threshold", m.hope.threshold, 1, 100)?;
    share("mechanisms.hope.fade", m.hope.fade)?;

    let b = &m.bonding;
    real(
        "mechanisms.bonding.conversation_size",
        b.conversation_size,
        2.0,
        1_000.0,
    )?;
    real("mechanisms.bonding.reciprocity", b.reciprocity, 0.0, 10.0)?;
    share("mechanisms.bonding.homophily", b.homophily)?;
    share(
        "mechanisms.bonding.lonely_pair_penalty",
        b.lonely_pair_penalty,
    )?;
    real(
        "mechanisms.bonding.closure_bonus",
        b.closure_bonus,
        0.0,
        10.0,
    )?;
    real(
        "mechanisms.bonding.decay_per_day",
        b.decay_per_day,
        0.0,
        1.0,
    )?;
    real(
        "mechanisms.bonding.dissimilar_decay",
        b.dissimilar_decay,
        0.0,
        100.0,
    )?;
    real(
        "mechanisms.bonding.lonely_decay",
        b.lonely_decay,
        0.0,
        100.0,
    )?;
    real("mechanisms.bonding.tie_hours", b.tie_hours, 0.01, 10_000.0)?;
    real(
        "mechanisms.bonding.casual_hours",
        b.casual_hours,
        b.tie_hours,
        10_000.0,
    )?;
    real(
        "mechanisms.bonding.friend_hours",
        b.friend_hours,
        b.casual_hours,
        10_000.0,
    )?;
    real(
        "mechanisms.bonding.close_hours",
        b.close_hours,
        b.friend_hours,
        10_000.0,
    )?;
    whole(
        "mechanisms.bonding.tie_capacity",
        b.tie_capacity,
        1,
        MAX_PLACES,
    )?;
    whole(
        "mechanisms.bonding.close_capacity",
        b.close_capacity,
        1,
        b.tie_capacity,
    )?;
    real(
        "mechanisms.bonding.online_factor",
        b.online_factor,
        0.0,
        10.0,
    )?;

    let o = &m.beyond_meetings;
    share(
        "mechanisms.beyond_meetings.max_probability",
        o.max_probability,
    )?;
    real(
        "mechanisms.beyond_meetings.half_hours",
        o.half_hours,
        0.01,
        10_000.0,
    )?;
    real(
        "mechanisms.beyond_meetings.hours_per_contact",
        o.hours_per_contact,
        0.0,
        100.0,
    )?;
    real(
        "mechanisms.beyond_meetings.online_factor",
        o.online_factor,
        0.0,
        1.0,
    )?;

    share(
        "mechanisms.stigma.acceptance_rate",
        m.stigma.acceptance_rate,
    )?;
    share("mechanisms.stigma.listening_rate", m.stigma.listening_rate)?;
    real(
        "mechanisms.stigma.online_factor",
        m.stigma.online_factor,
        0.0,
        1.0,
    )?;

    share(
        "mechanisms.loneliness.relaxation_per_week",
        m.loneliness.relaxation_per_week,
    )?;
    real(
        "mechanisms.loneliness.tie_relief",
        m.loneliness.tie_relief,
        0.0,
        6.0,
    )?;
    real(
        "mechanisms.loneliness.noise_sd",
        m.loneliness.noise_sd,
        0.0,
        3.0,
    )?;

    share("mechanisms.contagion.onset", m.contagion.onset)?;
    share(
        "mechanisms.contagion.transmission",
        m.contagion.transmission,
    )?;
    share("mechanisms.contagion.recovery", m.contagion.recovery)?;

    share(
        "mechanisms.altruism.reply_probability",
        m.altruism.reply_probability,
    )?;
    real(
        "mechanisms.altruism.dropout_protection",
        m.altruism.dropout_protection,
        0.0,
        10.0,
    )?;
    real(
        "mechanisms.altruism.dose_bonus",
        m.altruism.dose_bonus,
        0.0,
        10.0,
    )?;

    let r = &m.recovery;
    real(
        "mechanisms.recovery.median_dose",
        r.median_dose,
        0.1,
        10_000.0,
    )?;
    real("mechanisms.recovery.dose_log_sd", r.dose_log_sd, 0.0, 10.0)?;
    real(
        "mechanisms.recovery.engagement_weight",
        r.engagement_weight,
        0.0,
        2.0,
    )?;
    share(
        "mechanisms.recovery.graduation_probability",
        r.graduation_probability,
    )?;
    whole(
        "mechanisms.recovery.graduation_min_sessions",
        r.graduation_min_sessions,
        0,
        10_000,
    )?;

    let d = &m.dropout;
    share("mechanisms.dropout.base_hazard", d.base_hazard)?;
    real(
        "mechanisms.dropout.early_excess",
        d.early_excess,
        0.0,
        100.0,
    )?;
    real(
        "mechanisms.dropout.early_sessions",
        d.early_sessions,
        0.01,
        10_000.0,
    )?;
    real(
        "mechanisms.dropout.tie_protection",
        d.tie_protection,
        0.0,
        10.0,
    )?;
    real(
        "mechanisms.dropout.support_protection",
        d.support_protection,
        0.0,
        10.0,
    )?;
    real(
        "mechanisms.dropout.cohesion_protection",
        d.cohesion_protection,
        -10.0,
        10.0,
    )?;
    real(
        "mechanisms.dropout.no_reply_factor",
        d.no_reply_factor,
        0.0,
        100.0,
    )?;
    real(
        "mechanisms.dropout.isolated_factor",
        d.isolated_factor,
        0.0,
        100.0,
    )?;

    let cn = &s.community_network;
    real(
        "community_network.mean_degree",
        cn.mean_degree,
        0.0,
        10_000.0,
    )?;
    share("community_network.rewiring", cn.rewiring)?;
    real(
        "community_network.loneliness_per_tie",
        cn.loneliness_per_tie,
        -6.0,
        6.0,
    )?;
    real("community_network.referral", cn.referral, 0.0, 100.0)?;
    if cn.kind == NetworkKind::File && cn.file.as_deref().is_none_or(str::is_empty) {
        return Err(bad(
            "community_network.file",
            "missing",
            "the path of an edge-list CSV when kind = \"file\"",
        ));
    }
    whole("network.metrics_every", s.network.metrics_every, 0, 10_000)?;
    if let Some(&late) = s
        .network
        .export_steps
        .iter()
        .find(|&&st| st > s.format.sessions)
    {
        return Err(bad(
            "network.export_steps",
            late,
            format!("steps from 0 to format.sessions ({})", s.format.sessions),
        ));
    }
    share("mechanisms.affect.susceptibility", m.affect.susceptibility)?;
    real(
        "mechanisms.affect.negative_weight",
        m.affect.negative_weight,
        0.0,
        100.0,
    )?;
    // Averaging must not overshoot: alpha * N/(N-1) * weight <= 1 for the
    // largest group (N >= 2, so N/(N-1) <= 2).
    let worst = m.affect.susceptibility * 2.0 * m.affect.negative_weight.max(1.0);
    if m.affect.enabled && worst > 1.0 {
        return Err(bad(
            "mechanisms.affect.susceptibility",
            m.affect.susceptibility,
            format!(
                "at most {} with negative_weight {} (the averaging would overshoot)",
                0.5 / m.affect.negative_weight.max(1.0),
                m.affect.negative_weight
            ),
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- lines

/// Rust type names in parser messages, in words a scenario author knows.
fn plain_type_names(message: &str) -> String {
    message
        .replace("expected u32", "expected a whole number")
        .replace("expected u64", "expected a whole number")
        .replace("expected f64", "expected a number")
        .replace("expected a boolean", "expected true or false")
}

/// 1-based line of a byte offset.
fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// Best-effort line of a dotted key (`mechanisms.dropout.base_hazard`): finds
/// `base_hazard = ...` under `[mechanisms.dropout]`, or the dotted key written
/// out under a parent table. `None` when the key is not written (a default).
pub fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let mut table = String::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.split(']').next()) {
            table = header.trim().to_string();
            continue;
        }
        let Some((lhs, _)) = line.split_once('=') else {
            continue;
        };
        let lhs: String = lhs.split('.').map(str::trim).collect::<Vec<_>>().join(".");
        let full = if table.is_empty() {
            lhs
        } else {
            format!("{table}.{lhs}")
        };
        if full == key {
            return Some(index + 1);
        }
    }
    None
}

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
        let text = s.resolved_toml();
        let again = Scenario::try_from_raw(
            RawScenario::parse(&text, &Origin::Embedded).unwrap(),
            &text,
            &Origin::Embedded,
        )
        .unwrap();
        assert_eq!(s, again);
    }

    #[test]
    fn an_empty_file_takes_every_default() {
        let raw = RawScenario::parse("", &Origin::Embedded).unwrap();
        assert_eq!(raw, RawScenario::default());
        assert!(Scenario::try_from_raw(raw, "", &Origin::Embedded).is_ok());
    }

    #[test]
    fn out_of_range_values_name_key_line_and_range() {
        let text = "name = \"x\"\n[mechanisms.dropout]\nbase_hazard = 1.5\n";
        let raw = RawScenario::parse(text, &Origin::Embedded).unwrap();
        let err = Scenario::try_from_raw(raw, text, &Origin::Embedded).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("mechanisms.dropout.base_hazard"), "{msg}");
        assert!(msg.contains("line 3"), "{msg}");
        assert!(msg.contains("1.5"), "{msg}");
        assert!(msg.contains("from 0 to 1"), "{msg}");
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let text = "name = \"x\"\n\n[format]\nsesions = 3\n";
        let err = RawScenario::parse(text, &Origin::Embedded)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 4"), "{err}");
        assert!(err.contains("sesions"), "{err}");
    }

    #[test]
    fn dotted_keys_are_found() {
        let text = "[mechanisms]\ndropout.base_hazard = 2\n";
        assert_eq!(line_of_key(text, "mechanisms.dropout.base_hazard"), Some(2));
        assert_eq!(line_of_key(text, "mechanisms.dropout.early_excess"), None);
    }
}
