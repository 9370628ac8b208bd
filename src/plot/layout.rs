//! Which condition goes in which panel, in which colour: one plan per run,
//! used by every chart, so that a condition has the same place and colour
//! in all of them.
//!
//! Up to [`MAX_LINES`] conditions share one panel. Beyond that the charts
//! become small multiples: without a sweep, one panel per arm that attends,
//! beside what it is compared with (its control members, or those who
//! never attend); in a sweep, one panel per point (the arms inside it) when
//! a point has few enough arms, else one panel per arm (the points inside
//! it), else panels of [`MAX_LINES`] conditions in order. Colours
//! tell apart what shares a panel, from a colour-blind-safe palette of
//! [`PALETTE_COLOURS`] that no two keys of a legend share; conditions that
//! never attend (the control members, a waitlist arm) are always grey.

use super::data::{Condition, RunData};
use super::png_text::{TextSize, text_width};

/// Most conditions drawn in one panel.
pub const MAX_LINES: usize = 5;

/// The palette's colours (the charts' `PALETTE`): [`Colour::Palette`]
/// `k` and `k + PALETTE_COLOURS` look the same.
pub const PALETTE_COLOURS: usize = 6;

/// The greys (the charts' `GREYS`), which repeat likewise.
pub const GREY_COLOURS: usize = 4;

/// A condition's colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// The k-th palette colour.
    Palette(usize),
    /// The k-th grey (0: the control grey), for conditions that never attend.
    Grey(usize),
}

/// One panel's conditions.
#[derive(Debug, Clone, PartialEq)]
pub struct Facet {
    /// What the conditions share (a sweep point, an arm); empty for one
    /// facet holding every condition.
    pub title: String,
    /// Indices into [`RunData::conditions`].
    pub conditions: Vec<usize>,
}

/// A legend entry: what a colour stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub colour: Colour,
}

/// Most small multiples side by side: three, or four where there are
/// more than nine (a 4 × 4 sweep's sixteen points in four rows, not six).
pub const FACET_COLUMNS: usize = 3;
pub const MANY_FACET_COLUMNS: usize = 4;

/// The plan of a run's charts.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub facets: Vec<Facet>,
    /// Small multiples side by side: a crossed sweep's points a row for
    /// each value of the keys before the last, where the last has at most
    /// [`MANY_FACET_COLUMNS`] values; else [`FACET_COLUMNS`], or
    /// [`MANY_FACET_COLUMNS`] for more than nine.
    pub columns: usize,
    /// Each condition's colour, by index into [`RunData::conditions`].
    pub colours: Vec<Colour>,
    /// The legend: each colour once, with what it stands for.
    pub keys: Vec<Key>,
}

/// Distinct values in first-appearance order.
fn distinct<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Facets, and for each condition the name its colour stands for.
type Layout = (Vec<Facet>, Vec<String>);

/// The indices of the conditions that `keep`, in order.
fn which(data: &RunData, keep: impl Fn(&Condition) -> bool) -> Vec<usize> {
    (0..data.conditions.len())
        .filter(|&i| keep(&data.conditions[i]))
        .collect()
}

/// Few conditions: one panel, a colour each.
fn one_panel(data: &RunData) -> Layout {
    let facet = Facet {
        title: String::new(),
        conditions: which(data, |_| true),
    };
    let names = data.conditions.iter().map(|c| c.name.clone());
    (vec![facet], names.collect())
}

/// Many arms at one point: each arm that attends in a panel of its own,
/// beside its own control members and the conditions that never attend and
/// belong to no other arm (a waitlist arm and its control members). The
/// panel's title names its arm, and every arm is drawn in one colour, as
/// every arm's own control members are in one grey: they never meet in a
/// panel, and a colour each would repeat beyond the palette's six.
fn panel_per_arm(data: &RunData) -> Layout {
    let conditions = &data.conditions;
    let attending = |label: &str| {
        conditions
            .iter()
            .any(|c| c.label == label && !c.never_attends)
    };
    let own_control_of = |c: &Condition| {
        c.label
            .strip_prefix("control (")
            .and_then(|rest| rest.strip_suffix(')'))
            .filter(|arm| attending(arm))
            .map(str::to_string)
    };
    let shared = which(data, |c| c.never_attends && own_control_of(c).is_none());
    let facets = which(data, |c| !c.never_attends)
        .into_iter()
        .map(|i| {
            let label = &conditions[i].label;
            let own = which(data, |c| own_control_of(c).as_ref() == Some(label));
            Facet {
                title: label.clone(),
                conditions: [vec![i], own, shared.clone()].concat(),
            }
        })
        .collect();
    let names = conditions.iter().map(|c| match own_control_of(c) {
        Some(_) => "control members of the panel's arm".to_string(),
        None if !c.never_attends => "the panel's arm".to_string(),
        None => c.label.clone(),
    });
    (facets, names.collect())
}

/// A sweep with few arms: a panel per point, a colour per arm.
fn panel_per_point(data: &RunData, points: &[usize]) -> Layout {
    let facets = points
        .iter()
        .map(|&p| Facet {
            title: data.point_title(p),
            conditions: which(data, |c| c.point == p),
        })
        .collect();
    let names = data.conditions.iter().map(|c| c.label.clone());
    (facets, names.collect())
}

/// A sweep of few points and many arms: a panel per arm, a colour per point.
fn panel_per_label(data: &RunData, labels: &[String]) -> Layout {
    let facets = labels
        .iter()
        .map(|l| Facet {
            title: l.clone(),
            conditions: which(data, |c| &c.label == l),
        })
        .collect();
    let names = data.conditions.iter().map(|c| data.point_title(c.point));
    (facets, names.collect())
}

/// Many points and many arms: panels of [`MAX_LINES`] conditions in order,
/// a colour per place in a panel.
fn panels_in_order(data: &RunData) -> Layout {
    let all = which(data, |_| true);
    let facets = all
        .chunks(MAX_LINES)
        .map(|chunk| Facet {
            title: format!("{} to {}", chunk[0] + 1, chunk[chunk.len() - 1] + 1),
            conditions: chunk.to_vec(),
        })
        .collect();
    let names = all
        .iter()
        .map(|i| format!("{} of each panel", i % MAX_LINES + 1));
    (facets, names.collect())
}

impl Plan {
    pub fn of(data: &RunData) -> Plan {
        let conditions = &data.conditions;
        let labels = distinct(conditions.iter().map(|c| c.label.clone()));
        let points = distinct(conditions.iter().map(|c| c.point));
        // A panel per point of a crossed sweep: the last key's values.
        let mut crossed = None;
        let (facets, colour_names) = if conditions.len() <= MAX_LINES {
            one_panel(data)
        } else if points.len() == 1 {
            panel_per_arm(data)
        } else if labels.len() <= MAX_LINES {
            crossed = data.last_key_values();
            panel_per_point(data, &points)
        } else if points.len() <= MAX_LINES {
            panel_per_label(data, &labels)
        } else {
            panels_in_order(data)
        };
        // One colour per name, greys for those that never attend.
        let mut keys: Vec<Key> = Vec::new();
        let mut colours = Vec::new();
        for (c, name) in conditions.iter().zip(&colour_names) {
            let colour = match keys.iter().find(|k| &k.name == name) {
                Some(k) => k.colour,
                None => {
                    let greys = keys.iter().filter(|k| matches!(k.colour, Colour::Grey(_)));
                    let colour = if c.never_attends {
                        Colour::Grey(greys.count())
                    } else {
                        Colour::Palette(keys.len() - greys.count())
                    };
                    keys.push(Key {
                        name: name.clone(),
                        colour,
                    });
                    colour
                }
            };
            colours.push(colour);
        }
        let in_a_row = crossed.filter(|c| (2..=MANY_FACET_COLUMNS).contains(c));
        let columns = in_a_row.unwrap_or(match facets.len() {
            n if n > FACET_COLUMNS * FACET_COLUMNS => MANY_FACET_COLUMNS,
            n => n.clamp(1, FACET_COLUMNS),
        });
        Plan {
            facets,
            columns,
            colours,
            keys,
        }
    }
}

/// How a sweep chart's named points are named below its axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// Each name's lines lying centred below its point, a line per key.
    Lying,
    /// Each name on one line (its keys' values joined by commas) standing
    /// below its point, read upward, ending at the axis: where names lying
    /// side by side would run into each other.
    Standing,
}

/// The width, in pixels, that the names of points may take along a sweep
/// chart's axis (its panels' width, less the y axis), about how wide a
/// character of a label is, the room a standing name takes across the
/// axis (a line's height), and the longest, in pixels, a standing name
/// may be.
const NAMES_WIDTH: usize = 880;
const LABEL_CHARACTER: usize = 8;
pub(crate) const LINE_HEIGHT: usize = 18;
const LONGEST_STANDING: usize = 320;

/// How points named by `categories` (a line per key each) are named along
/// a sweep chart's axis: lying where each name's longest line fits within
/// its point's share of the width (at most 110 points of one digit, 10 of
/// eleven letters); else standing where a line's height each fits (at
/// most 48 points) and the longest name, joined, is at most 40
/// pixels (about 40 characters); else `None`: they cannot be named along one axis.
pub fn naming(categories: &[Vec<String>]) -> Option<Naming> {
    let longest = categories.iter().flatten().map(|l| l.chars().count()).max();
    if longest.is_none_or(|chars| categories.len() * (chars * LABEL_CHARACTER) <= NAMES_WIDTH) {
        return Some(Naming::Lying);
    }
    let fits = longest_standing(categories) <= LONGEST_STANDING as f32;
    (fits && categories.len() * LINE_HEIGHT <= NAMES_WIDTH).then_some(Naming::Standing)
}

/// The length, in pixels, of the longest of the names standing.
pub(crate) fn longest_standing(categories: &[Vec<String>]) -> f32 {
    let size = TextSize::Label as u32 as f32;
    let lengths = categories
        .iter()
        .map(|l| text_width(&standing_name(l), size));
    lengths.fold(0.0, f32::max)
}

/// A point's name as it stands: its lines joined by commas.
pub(crate) fn standing_name(lines: &[String]) -> String {
    lines.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run of `points` sweep points, each with these arm labels (those
    /// in `never` never attend).
    fn run(points: usize, labels: &[&str], never: &[&str]) -> RunData {
        let mut conditions = Vec::new();
        for point in 0..points {
            for &label in labels {
                let name = if points > 1 {
                    format!("k={point}: {label}")
                } else {
                    label.to_string()
                };
                conditions.push(Condition {
                    name,
                    point,
                    label: label.to_string(),
                    never_attends: never.contains(&label) || label.starts_with("control"),
                });
            }
        }
        RunData {
            rows: Vec::new(),
            members: None,
            arms: conditions.iter().map(|c| c.name.clone()).collect(),
            conditions,
            sweep_keys: if points > 1 { vec!["k".into()] } else { vec![] },
            point_values: (0..points).map(|p| vec![p.to_string()]).collect(),
            together: false,
            base_arms: labels.iter().map(|l| l.to_string()).collect(),
        }
    }

    /// A crossed sweep's points lie a row for each value of the first keys,
    /// a column for each of the last, where it has at most four values;
    /// else three side by side, four for more than nine.
    #[test]
    fn small_multiples_of_a_crossed_sweep_lie_in_its_rows_and_columns() {
        let crossed = |rows: usize, columns: usize| {
            let mut data = run(rows * columns, &["group", "control"], &[]);
            data.sweep_keys = vec!["a".into(), "b".into()];
            data.point_values = (0..rows * columns)
                .map(|p| vec![(p / columns).to_string(), format!("0.{}", p % columns)])
                .collect();
            data
        };
        let columns = |data: &RunData| Plan::of(data).columns;
        assert_eq!(Plan::of(&crossed(4, 4)).facets.len(), 16);
        assert_eq!(columns(&crossed(4, 4)), 4);
        assert_eq!(columns(&crossed(3, 2)), 2);
        assert_eq!(columns(&crossed(2, 3)), 3);
        // The last key with more values than fit a row.
        assert_eq!(columns(&crossed(2, 5)), 4);
        assert_eq!(columns(&crossed(2, 4)), 4);
        // Lists walked together, and one key: three or four side by side.
        let mut together = crossed(3, 2);
        together.together = true;
        assert_eq!(columns(&together), 3);
        assert_eq!(columns(&run(12, &["group", "control"], &[])), 4);
        assert_eq!(columns(&run(9, &["group", "control"], &[])), 3);
        // Few conditions: one panel.
        assert_eq!(columns(&run(2, &["group", "control"], &[])), 1);
        // Points not in the order a crossed sweep makes them.
        let mut shuffled = crossed(2, 2);
        shuffled.point_values.swap(0, 1);
        assert_eq!(columns(&shuffled), 3);
    }

    #[test]
    fn every_condition_is_drawn_in_a_readable_panel_with_a_colour_of_its_own() {
        let shapes: [(usize, &[&str], &[&str]); 8] = [
            (1, &["group", "control"], &[]),
            (9, &["peer_led", "facilitated", "waitlist"], &["waitlist"]),
            (6, &["group"], &[]),
            (
                1,
                &["a", "b", "c", "control (a)", "control (b)", "control (c)"],
                &[],
            ),
            (
                1,
                &[
                    "waitlist",
                    "g",
                    "h",
                    "control (waitlist)",
                    "control (g)",
                    "control (h)",
                ],
                &["waitlist"],
            ),
            (3, &["a", "b", "c", "d", "e", "f"], &[]),
            (7, &["a", "b", "c", "d", "e", "f"], &[]),
            (
                1,
                &["a", "b", "c", "d", "e", "f", "g", "h", "waitlist"],
                &["waitlist"],
            ),
        ];
        for (points, labels, never) in shapes {
            let data = run(points, labels, never);
            let plan = Plan::of(&data);
            for i in 0..data.conditions.len() {
                assert!(
                    plan.facets.iter().any(|f| f.conditions.contains(&i)),
                    "{points} × {labels:?}: condition {i} in no panel"
                );
                let grey = matches!(plan.colours[i], Colour::Grey(_));
                assert_eq!(grey, data.conditions[i].never_attends, "{labels:?}: {i}");
            }
            // No two things a legend names look the same.
            let mut looks: Vec<String> = (plan.keys.iter())
                .map(|k| match k.colour {
                    Colour::Palette(k) => format!("palette {}", k % PALETTE_COLOURS),
                    Colour::Grey(k) => format!("grey {}", k % GREY_COLOURS),
                })
                .collect();
            looks.sort();
            looks.dedup();
            assert_eq!(looks.len(), plan.keys.len(), "{points} × {labels:?}");
            for f in &plan.facets {
                assert!(f.conditions.len() <= MAX_LINES, "{points} × {labels:?}");
                let colours: Vec<Colour> = f.conditions.iter().map(|&i| plan.colours[i]).collect();
                let mut unique = colours.clone();
                unique.sort_by_key(|c| format!("{c:?}"));
                unique.dedup();
                assert_eq!(
                    unique.len(),
                    colours.len(),
                    "{points} × {labels:?}: {colours:?}"
                );
            }
        }
    }

    #[test]
    fn a_sweep_with_few_arms_gets_a_panel_per_point_and_a_colour_per_arm() {
        let data = run(9, &["peer_led", "facilitated", "waitlist"], &["waitlist"]);
        let plan = Plan::of(&data);
        assert_eq!(plan.facets.len(), 9);
        assert_eq!(plan.facets[4].title, "k=4");
        assert_eq!(plan.colours[0], plan.colours[3]);
        assert_eq!(plan.colours[2], Colour::Grey(0));
        let names: Vec<&str> = plan.keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["peer_led", "facilitated", "waitlist"]);
    }
}
