//! Step 7 in lanes: hope (a room's or a forum's).

use crate::kernel::batch::{BatchLanes, field};
use crate::kernel::lanes::{Isa, Mask};
use crate::kernel::scratch::{Figure, SessionLanes};
use crate::population::NEVER;
use crate::scenario::Scenario;

/// Step 7's rules in f32 (`rules::hope`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HopeRule {
    pub enabled: bool,
    /// Exemplars needed for a gain.
    threshold: f32,
    gain: f32,
    fade: f32,
    hopeful_at: f32,
    /// A forum: a visitor's exemplars are the hopeful authors they read,
    /// and what a visitor who did not post read carries the reading
    /// weight (`reader_gain`).
    forum: bool,
    reader_gain: f32,
}

impl HopeRule {
    pub fn new(scenario: &Scenario) -> HopeRule {
        let p = &scenario.mechanisms.hope;
        HopeRule {
            enabled: p.enabled,
            threshold: p.threshold as f32,
            gain: p.gain as f32,
            fade: p.fade as f32,
            hopeful_at: p.hopeful_at as f32,
            forum: scenario.format.delivery == crate::scenario::Delivery::Forum,
            reader_gain: (p.gain * scenario.forum.reading_weight) as f32,
        }
    }
}

/// Whether each lane's member at place `i` is a hopeful exemplar this
/// session: hopeful at its start, and disclosed.
#[inline(always)]
pub fn exemplar<I: Isa>(isa: I, lanes: &BatchLanes, session: &SessionLanes, i: usize) -> Mask<I> {
    let hopeful = lanes.is_set(isa, i, field::HOPEFUL_SINCE);
    hopeful & session.float(isa, i, Figure::Depth).gt(isa.f(0.0))
}

/// Step 7, hope of the members who have arrived: a gain with enough
/// exemplars (hopeful attendees who disclosed, heard by the others who
/// came, a community tie among them counted once; in a forum the hopeful
/// authors a visitor read, a visitor who did not post gaining at the
/// reading weight; and hopeful community ties outside), else a fade toward the arrival level for those not yet
/// hopeful; who reaches `hopeful_at` becomes hopeful at `step`. Every
/// member's state is read before any changes (the update is synchronous).
#[inline(always)]
pub fn hope<I: Isa>(
    isa: I,
    p: &HopeRule,
    step: u32,
    lanes: &mut BatchLanes,
    session: &SessionLanes,
) {
    let (zero, one) = (isa.f(0.0), isa.f(1.0));
    if !p.enabled {
        return;
    }
    let n = lanes.places();
    // Counted first: whether each member is an exemplar reads the hopeful
    // flags before this step changes them (a place's own is read before
    // its update below).
    let mut exemplars = zero;
    for i in 0..n {
        let counted = exemplar(isa, lanes, session, i) & session.flag(isa, i, Figure::Attended);
        exemplars = exemplars + counted.keep(one);
    }
    for i in 0..n {
        let mine = exemplar(isa, lanes, session, i);
        let arrived = session.flag(isa, i, Figure::Arrived);
        if !arrived.any() {
            continue;
        }
        let attended = session.flag(isa, i, Figure::Attended);
        let (heard, gain) = if p.forum {
            let read = session.words(isa, i, Figure::HopefulRead).i32_to_f32();
            let read_only = attended & !session.float(isa, i, Figure::Depth).gt(zero);
            let gain = read_only.select(isa.f(p.reader_gain), isa.f(p.gain));
            (attended.keep(read), gain)
        } else {
            let twice = session.words(isa, i, Figure::HeardTwice).i32_to_f32();
            let heard = exemplars - mine.keep(one) - twice;
            (attended.keep(heard), isa.f(p.gain))
        };
        let outside = session.words(isa, i, Figure::OutsideHopeful).i32_to_f32();
        let since = lanes.word(isa, i, field::HOPEFUL_SINCE);
        let hopeful = !since.eq(isa.u(NEVER));
        let hope = lanes.float(isa, i, field::HOPE);
        let start = lanes.float(isa, i, field::HOPE_START);
        let gained = (heard + outside).ge(isa.f(p.threshold));
        let faded = hope - p.fade * (hope - start);
        let kept = hopeful.select(hope, faded);
        let after = gained.select(hope + gain * (1.0 - hope), kept);
        lanes.set_float(i, field::HOPE, arrived.select(after, hope));
        let becomes = arrived & !hopeful & after.ge(isa.f(p.hopeful_at));
        lanes.set_word(
            i,
            field::HOPEFUL_SINCE,
            becomes.select_u(isa.u(step), since),
        );
    }
}
