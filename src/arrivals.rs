//! Who arrives in a group's places: each place's traits drawn from the
//! group's `Population` stream ([`crate::traits::draw`]) and, with a
//! baseline cohort ([`crate::baseline`]), the values of the row the place
//! takes put in their place. Which row is `population.sampling`: in member
//! order, or drawn from the group's `BaselineRow` stream.

use crate::baseline::Cohort;
use crate::rng::{self, Purpose, Stream, StreamKey};
use crate::traits::{self, DoseNeeded, Population, Sampling, Traits};

/// Picks the 0-based row of the cohort each place of one group takes, in
/// place order.
#[derive(Debug, Clone)]
enum RowPicker {
    /// Member id `next` takes row `next` (the cohort holds a row for every
    /// member: checked when the experiment is built).
    InOrder { next: u64 },
    /// A row drawn uniformly from the group's `BaselineRow` stream.
    Resample { stream: Stream, rows: usize },
}

impl RowPicker {
    fn next(&mut self) -> usize {
        match self {
            RowPicker::InOrder { next } => {
                let row = *next as usize;
                *next += 1;
                row
            }
            RowPicker::Resample { stream, rows } => {
                ((rng::uniform(stream) * *rows as f64) as usize).min(*rows - 1)
            }
        }
    }
}

/// The traits of one group's places at arrival, in place order: every trait
/// drawn from the group's `Population` stream exactly as without a cohort,
/// then, with a baseline cohort, the values of the place's row put in their
/// place.
#[derive(Debug, Clone)]
pub struct Arrivals<'a> {
    population: &'a Population,
    dose: DoseNeeded,
    stream: Stream,
    cohort: Option<(&'a Cohort, RowPicker)>,
}

impl<'a> Arrivals<'a> {
    /// The arrivals of the group whose streams `key` keys (step 0) and whose
    /// place 0 is member `first_member`.
    pub fn new(
        population: &'a Population,
        dose: DoseNeeded,
        cohort: Option<&'a Cohort>,
        key: StreamKey,
        first_member: u64,
    ) -> Self {
        let cohort = cohort.map(|c| {
            let picker = match population.sampling {
                Sampling::InOrder => RowPicker::InOrder { next: first_member },
                Sampling::Resample => RowPicker::Resample {
                    stream: key.stream(Purpose::BaselineRow),
                    rows: c.rows(),
                },
            };
            (c, picker)
        });
        Arrivals {
            population,
            dose,
            stream: key.stream(Purpose::Population),
            cohort,
        }
    }

    /// The next place's traits, and the number of the cohort's data row they
    /// came from (1 = the first), if any.
    pub fn next_member(&mut self) -> (Traits, Option<u32>) {
        let drawn = traits::draw(self.population, self.dose, &mut self.stream);
        match &mut self.cohort {
            None => (drawn, None),
            Some((cohort, picker)) => {
                let number = picker.next() as u32 + 1;
                (cohort.row(number).overlay(drawn), Some(number))
            }
        }
    }
}
