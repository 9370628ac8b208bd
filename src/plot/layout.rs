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
//! tell apart what shares a panel, from a colour-blind-safe palette that
//! never repeats within a panel; conditions that never attend (the control
//! members, a waitlist arm) are always grey.

use super::data::{Condition, RunData};

/// Most conditions drawn in one panel.
pub const MAX_LINES: usize = 5;

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

/// The plan of a run's charts.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub facets: Vec<Facet>,
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

impl Plan {
    pub fn of(data: &RunData) -> Plan {
        let conditions = &data.conditions;
        let labels = distinct(conditions.iter().map(|c| c.label.clone()));
        let points = distinct(conditions.iter().map(|c| c.point));
        let all: Vec<usize> = (0..conditions.len()).collect();
        let in_order = |keep: &dyn Fn(usize) -> bool| -> Vec<usize> {
            all.iter().copied().filter(|&i| keep(i)).collect()
        };
        // The facets, and for each condition the name its colour stands for.
        let (facets, colour_names): (Vec<Facet>, Vec<String>) = if conditions.len() <= MAX_LINES {
            let facet = Facet {
                title: String::new(),
                conditions: all.clone(),
            };
            (
                vec![facet],
                conditions.iter().map(|c| c.name.clone()).collect(),
            )
        } else if points.len() == 1 {
            // Many arms at one point: each arm that attends in a panel of
            // its own, beside its own control members and the conditions
            // that never attend and belong to no other arm (a waitlist arm
            // and its control members). Every arm's own control members
            // share one grey: they never meet in a panel.
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
            let shared = in_order(&|i| {
                conditions[i].never_attends && own_control_of(&conditions[i]).is_none()
            });
            let facets = all
                .iter()
                .filter(|&&i| !conditions[i].never_attends)
                .map(|&i| {
                    let label = &conditions[i].label;
                    let own = in_order(&|j| own_control_of(&conditions[j]).as_ref() == Some(label));
                    Facet {
                        title: label.clone(),
                        conditions: [vec![i], own, shared.clone()].concat(),
                    }
                })
                .collect();
            let names = conditions.iter().map(|c| match own_control_of(c) {
                Some(_) => "control members of the panel's arm".to_string(),
                None => c.label.clone(),
            });
            (facets, names.collect())
        } else if labels.len() <= MAX_LINES {
            let facets = points
                .iter()
                .map(|&p| Facet {
                    title: data.point_title(p),
                    conditions: in_order(&|i| conditions[i].point == p),
                })
                .collect();
            (facets, conditions.iter().map(|c| c.label.clone()).collect())
        } else if points.len() <= MAX_LINES {
            let facets = labels
                .iter()
                .map(|l| Facet {
                    title: l.clone(),
                    conditions: in_order(&|i| &conditions[i].label == l),
                })
                .collect();
            let names = conditions.iter().map(|c| data.point_title(c.point));
            (facets, names.collect())
        } else {
            let facets = all
                .chunks(MAX_LINES)
                .map(|chunk| Facet {
                    title: format!("{} to {}", chunk[0] + 1, chunk[chunk.len() - 1] + 1),
                    conditions: chunk.to_vec(),
                })
                .collect();
            let names =
                (0..conditions.len()).map(|i| format!("{} of each panel", i % MAX_LINES + 1));
            (facets, names.collect())
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
        Plan {
            facets,
            colours,
            keys,
        }
    }
}
