//! Step 8, ties: every pair of members who have joined the group, in pair
//! order (`j = 1, 2, …`, then `i < j`), then the tie summary TS(k).

use super::{Scratch, Session};
use crate::bonds::{BondMatrix, TieSummary};
use crate::population::GroupState;
use crate::rng::{self, Purpose, Stream};
use crate::rules::beyond_meetings::{self, BeyondMeetings};
use crate::rules::bonding::{self, Bonding};

/// Step 8, ties: for every pair with strength, or in which both attended,
/// decay over the interval, contact beyond the meetings and growth in the
/// session (within capacity); then the tie summary TS(k) with this
/// session's present and lonely flags.
#[inline]
pub(super) fn ties(s: &Session, g: &mut GroupState, sc: &Scratch) {
    let m = &s.ctx.scenario.mechanisms;
    if m.bonding.enabled || m.beyond_meetings.enabled {
        let pairs = PairUpdate {
            bonding: &m.bonding,
            beyond: &m.beyond_meetings,
            hours_in_session: bonding::pair_hours(
                s.ctx.scenario.format.minutes,
                m.bonding.conversation_size,
                sc.attendees.len(),
            ),
            session_gain: g.character.session_gain(),
            levels: (f64::from(s.ctx.levels.tie), f64::from(s.ctx.levels.close)),
            online: s.ctx.online,
        };
        let mut contact = s.key.stream(Purpose::OutsideContact);
        let (bonds, ts) = (&mut g.bonds, &g.tie_summary);
        for j in 1..g.arrived {
            let row = j * (j - 1) / 2;
            for i in 0..j {
                pairs.update(bonds, ts, sc, &mut contact, (i, j, row + i));
            }
        }
    }
    g.tie_summary
        .compute(&g.bonds, g.arrived, &sc.present, &sc.lonely, &s.ctx.levels);
}

/// What every pair's update needs, fixed for the session.
struct PairUpdate<'a> {
    /// `[mechanisms.bonding]`: decay and growth, when enabled.
    bonding: &'a Bonding,
    /// `[mechanisms.beyond_meetings]`: contact between sessions, when enabled.
    beyond: &'a BeyondMeetings,
    /// Hours a pair who both attend spend in conversation.
    hours_in_session: f64,
    /// The group's meeting quality, as a factor on tie growth.
    session_gain: f64,
    /// The tie and close levels, in hours.
    levels: (f64, f64),
    online: bool,
}

impl PairUpdate<'_> {
    /// The tie of members `i < j` (pair index `k`) over one interval and
    /// session.
    #[inline]
    fn update(
        &self,
        bonds: &mut BondMatrix,
        ts: &TieSummary,
        sc: &Scratch,
        contact: &mut Stream,
        (i, j, k): (usize, usize, usize),
    ) {
        let mut strength = f64::from(bonds.strength[k]);
        let both_here = sc.attended[i] && sc.attended[j];
        if strength <= 0.0 && !both_here {
            return;
        }
        if self.bonding.enabled && strength > 0.0 {
            let lonely = sc.lonely[i] || sc.lonely[j];
            let kept = if lonely {
                bonds.kept_lonely[k]
            } else {
                bonds.kept[k]
            };
            strength *= f64::from(kept);
        }
        if self.beyond.enabled && strength > 0.0 {
            let p = beyond_meetings::contact_probability(self.beyond, strength, self.online);
            if rng::bernoulli(contact, p) {
                let hours = self.beyond.hours_per_contact as f32;
                strength += f64::from(hours);
                bonds.hours[k] += hours;
                bonds.beyond[k] = true;
            }
        }
        if self.bonding.enabled && both_here {
            let similarity = f64::from(bonds.similarity[k]);
            strength = self.grow(ts, sc, (i, j), similarity, strength);
            bonds.hours[k] += self.hours_in_session as f32;
        }
        bonds.strength[k] = strength as f32;
    }

    /// A pair's strength after a session both attended: their hours times
    /// the growth multiplier, within both members' capacity (from TS(k−1)).
    #[inline]
    fn grow(
        &self,
        ts: &TieSummary,
        sc: &Scratch,
        (i, j): (usize, usize),
        similarity: f64,
        strength: f64,
    ) -> f64 {
        let p = self.bonding;
        let inputs = bonding::PairInputs {
            depth_a: sc.depth[i],
            depth_b: sc.depth[j],
            similarity,
            both_lonely: sc.lonely[i] && sc.lonely[j],
            share_a_friend: ts.share_casual_friend(i, j),
            online: self.online,
        };
        let grow =
            self.hours_in_session * bonding::growth_multiplier(p, inputs) * self.session_gain;
        let (a, b) = (ts.members[i], ts.members[j]);
        bonding::within_capacity(
            strength,
            strength + grow,
            self.levels,
            (u32::from(a.ties), u32::from(b.ties)),
            (u32::from(a.close), u32::from(b.close)),
            (p.tie_capacity, p.close_capacity),
        )
    }
}
