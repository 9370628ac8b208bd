//! The rows of every CSV file bonfire writes: one type per file, used by
//! the code that writes the file and by every code that reads it back.
//!
//! | file | row |
//! |---|---|
//! | `timeseries.csv` | [`TimeseriesRow`] |
//! | `members.csv` | [`MemberRow`] |
//! | `network.csv` | [`NetworkRow`] |
//! | `groups.csv` | [`GroupRow`] |
//! | `parts/run-N.end.csv` | [`EndRecord`] |
//!
//! Rows derive `Serialize` and `Deserialize`: column order is field order,
//! and readers find columns by name. How rows are filled from a running
//! model is the business of [`crate::metrics`] and [`crate::network`]; this
//! module imports nothing of the model, so that any layer may read and
//! write the files.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

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
    /// Mean UCLA-3 loneliness (3–9) of everyone who arrived (intention to treat).
    pub loneliness_mean: f64,
    /// Share with UCLA-3 >= 6.
    pub lonely_share: f64,
    /// Share with no tie at the friend level or above.
    pub isolated_share: f64,
    pub hope_mean: f64,
    pub stigma_mean: f64,
    /// Mean perceived cohesion (0–10) of active members.
    pub cohesion_mean: Option<f64>,
    /// Mean over groups of the density of each group's tie network.
    pub bond_density: Option<f64>,
    /// Average local clustering of the tie network (NetworkX's average_clustering).
    pub clustering: Option<f64>,
    /// Share of those who joined who have not dropped out.
    pub retention: Option<f64>,
    pub dropped_out: u64,
    pub graduated: u64,
    pub arrived: u64,
    pub waiting: u64,
    /// Active members when the session met, per group.
    pub group_size_mean: Option<f64>,
    /// Share who have improved (dose reached).
    pub improved_share: Option<f64>,
    /// Share of ties that reach beyond the meetings.
    pub beyond_share: Option<f64>,
}

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
    pub hope_start: f32,
    pub hope_end: f32,
    pub stigma_start: f32,
    pub stigma_end: f32,
    /// Perceived cohesion (0–10) at the member's last session; empty for control.
    pub cohesion: Option<f32>,
    /// Sessions attended when the member improved; empty if not improved.
    pub improved_after: Option<u32>,
    /// Ties at or above the network threshold.
    pub ties: u32,
    /// Ties at the friend level or above.
    pub friends: u32,
    pub close_friends: u32,
    /// Ties that reached beyond the meetings.
    pub beyond_ties: u32,
    /// Strength of the member's ties summed over partners, each in friend units capped at 1.
    pub tie_support: f32,
    /// Sum of the strengths (hours) of the member's ties in the network; empty
    /// for members who never joined.
    pub strength: Option<f32>,
    /// Core number in the bond network (NetworkX's `core_number`); empty
    /// for members who never joined.
    pub core_number: Option<u32>,
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
    pub mean_degree: f64,
    pub isolates_share: f64,
    pub components: u64,
    pub largest_component_share: f64,
    pub average_clustering: f64,
    pub transitivity: f64,
    /// Mean edge strength in hours.
    pub mean_strength: f64,
    /// Largest core number.
    pub max_core: u32,
    /// Modularity of the partition into groups (unweighted).
    pub group_modularity: f64,
}

/// One row of `groups.csv`: one group at one step.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    pub run: u64,
    pub arm: String,
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
}

/// End-of-run loneliness moments of one arm of one run (a part file only:
/// summary.csv's effect sizes are computed from them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndRecord {
    pub run: u64,
    pub arm: String,
    /// Members counted.
    pub n: u64,
    /// Sum of their loneliness, and of its square.
    pub sum: f64,
    pub sum_sq: f64,
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

/// Rows as CSV without a header line (a run's part of a file).
pub fn headerless<T: Serialize>(rows: &[T]) -> Result<Vec<u8>> {
    let memory = || PathBuf::from("(memory)");
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|source| Error::Csv {
            path: memory(),
            source,
        })?;
    }
    w.into_inner().map_err(|e| Error::Io {
        action: "write",
        path: memory(),
        source: e.into_error(),
    })
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

/// Reads a part written by [`headerless`] back, with the row type's header.
pub fn read_part<T: DeserializeOwned + Serialize + Default>(path: &Path) -> Result<Vec<T>> {
    let mut text = header::<T>();
    let body = std::fs::read(path).map_err(|source| Error::Io {
        action: "read",
        path: path.to_path_buf(),
        source,
    })?;
    text.extend_from_slice(&body);
    csv::Reader::from_reader(text.as_slice())
        .deserialize()
        .collect::<std::result::Result<Vec<T>, _>>()
        .map_err(|source| Error::ReadCsv {
            path: path.to_path_buf(),
            source,
        })
}
