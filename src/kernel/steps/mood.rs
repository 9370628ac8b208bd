//! Steps 5 and 6 in lanes: the session's mood, and universality's relief
//! (a room's).

use crate::kernel::batch::{BatchLanes, Column, field};
use crate::kernel::lanes::{F32s, Isa};
use crate::kernel::scratch::{Figure, SessionLanes, figure, set_figure};
use crate::rules::loneliness::{LONELINESS_MAX, LONELINESS_MIN};
use crate::scenario::Scenario;

/// Step 5's and 6's rules in f32 (`rules::affect`, `rules::universality`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoodRule {
    /// Moods are averaged (`mechanisms.affect`, not in a forum).
    pub shared: bool,
    hope_weight: f32,
    susceptibility: f32,
    negative_weight: f32,
    /// Universality is on.
    pub universality: bool,
    relief: f32,
}

impl MoodRule {
    pub fn new(scenario: &Scenario) -> MoodRule {
        let (a, u) = (
            &scenario.mechanisms.affect,
            &scenario.mechanisms.universality,
        );
        // A forum's visitors are not in one room: no mood is shared.
        let forum = scenario.format.delivery == crate::scenario::Delivery::Forum;
        MoodRule {
            shared: a.enabled && !forum,
            hope_weight: a.hope_weight as f32,
            susceptibility: a.susceptibility as f32,
            negative_weight: a.negative_weight as f32,
            universality: u.enabled,
            relief: u.relief as f32,
        }
    }
}

/// Step 5, mood: each attendee's mood on arrival from their hope and
/// loneliness, then (when moods are shared) one synchronous averaging
/// round among the attendees, a lower mood pulling with the negative
/// weight (`rules::affect`). Writes each place's mood (0 if absent) to
/// `session` (the arrival moods too, read by the averaging round).
#[inline(always)]
pub fn mood<I: Isa>(isa: I, p: &MoodRule, lanes: &BatchLanes, session: &mut SessionLanes) {
    let (zero, one) = (isa.f(0.0), isa.f(1.0));
    let n = lanes.places();
    let span = (LONELINESS_MAX - LONELINESS_MIN) as f32;
    for i in 0..n {
        let hope = lanes.float(isa, i, field::HOPE);
        let loneliness = lanes.float(isa, i, field::LONELINESS);
        let not_lonely = 1.0 - (loneliness - LONELINESS_MIN as f32) / span;
        let mood = p.hope_weight * hope + (1.0 - p.hope_weight) * not_lonely;
        let here = session.flag(isa, i, Figure::Attended);
        session.put_float(i, Figure::ArrivalMood, here.keep(mood));
    }
    let attendees = session.count(isa, Figure::Attended);
    let averaged = attendees.ge(isa.f(2.0)) & isa.mask_of_bits(if p.shared { !0 } else { 0 });
    let scale = p.susceptibility / (attendees - 1.0);
    for i in 0..n {
        let here = session.flag(isa, i, Figure::Attended);
        let mine = session.float(isa, i, Figure::ArrivalMood);
        let mut pull = zero;
        if (averaged & here).any() {
            for j in 0..n {
                let other = session.float(isa, j, Figure::ArrivalMood);
                let weight = other.lt(mine).select(isa.f(p.negative_weight), one);
                let there = session.flag(isa, j, Figure::Attended);
                pull = pull + there.keep(weight * (other - mine));
            }
        }
        let after = (mine + scale * pull).max(zero).min(one);
        session.put_float(i, Figure::Mood, (averaged & here).select(after, mine));
    }
}

/// Step 6, universality: each attendee's relief from the similar
/// disclosures they heard (everyone's but their own, places in order),
/// scaled by each lane's group's `session_gain` (`rules::universality`);
/// written to `session`, applied in step 10.
#[inline(always)]
pub fn universality<I: Isa>(
    isa: I,
    p: &MoodRule,
    session_gain: F32s<I>,
    lanes: &BatchLanes,
    session: &mut SessionLanes,
) {
    let (zero, one) = (isa.f(0.0), isa.f(1.0));
    if !p.universality {
        return;
    }
    let n = lanes.places();
    // Each place's product of what the others' disclosures leave unmet
    // (`Relief`, until the relief itself is written).
    for i in 0..n {
        session.put_float(i, Figure::Relief, one);
    }
    // Only places whose members have arrived hear or disclose, and only
    // theirs have pairs in the lanes.
    for j in 1..lanes.filled_places() {
        let depth_j = session.float(isa, j, Figure::Depth);
        let heard_j = depth_j.gt(zero);
        let mut miss_j = one;
        let similarities = lanes.column_row(Column::Similarity, j);
        for (place, similarity) in session.places_before(j).iter_mut().zip(similarities) {
            let depth_i = figure(isa, place, Figure::Depth);
            let heard_i = depth_i.gt(zero);
            if !(heard_i | heard_j).any() {
                continue;
            }
            let similarity = isa.words(similarity.0).float_bits();
            // j's factors come in place order along its row; i's from the
            // rows after its own, in order: each product as the places
            // come.
            miss_j = heard_i.select(miss_j * (1.0 - similarity * depth_i), miss_j);
            let miss_i = figure(isa, place, Figure::Relief);
            let miss_i = heard_j.select(miss_i * (1.0 - similarity * depth_j), miss_i);
            set_figure(place, Figure::Relief, miss_i);
        }
        session.put_float(j, Figure::Relief, miss_j);
    }
    for i in 0..n {
        let here = session.flag(isa, i, Figure::Attended);
        if !here.any() {
            session.put_float(i, Figure::Relief, zero);
            continue;
        }
        let miss = session.float(isa, i, Figure::Relief);
        let loneliness = lanes.float(isa, i, field::LONELINESS);
        let relief = p.relief * (loneliness - LONELINESS_MIN as f32) * (1.0 - miss);
        session.put_float(i, Figure::Relief, here.keep(relief * session_gain));
    }
}
