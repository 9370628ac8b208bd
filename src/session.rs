//! One session of one group: the process order of `docs/MODEL.md`.
//!
//! [`step_group`] takes a group's state, the step number and the scenario, and
//! applies the rules of [`crate::rules`] in a fixed order: membership,
//! attendance, floor time and disclosure, replies, session mood, universality,
//! hope, ties (decay, contact beyond meetings, session growth), stigma,
//! loneliness (and optional contagion), recovery and graduation, dropout,
//! cohesion. Every random draw comes from the group's own stream for that
//! step and purpose, in member (or pair) order, so the result does not depend
//! on which thread runs the group. It returns the group's [`Tally`] for the
//! step; it touches nothing outside the group.

use crate::bonds::pair_index;
pub use crate::context::SessionContext;
use crate::metrics::Tally;
use crate::outside::Outside;
use crate::population::{GroupState, NEVER, Status};
use crate::rng::{self, Purpose, StreamKey};
use crate::rules::loneliness::{Contagion, LONELINESS_MIN, LONELY_CUTOFF};
use crate::rules::{
    affect, altruism, attendance, beyond_meetings, bonding, cohesion, dropout, hope, loneliness,
    membership, recovery, sharing, stigma, universality,
};

/// Where a contagion-driven recovery leaves a member's score: just below the
/// lonely cut-off.
const CONTAGION_RECOVERED_SCORE: f64 = LONELY_CUTOFF - 0.5;

/// Per-thread working space, reused from group to group.
#[derive(Debug, Default)]
pub struct Scratch {
    present: Vec<bool>,
    lonely: Vec<bool>,
    attended: Vec<bool>,
    attendees: Vec<usize>,
    talk_order: Vec<usize>,
    minutes: Vec<f64>,
    depth: Vec<f64>,
    replies: Vec<f64>,
    no_reply: Vec<bool>,
    /// Exemplars of hope heard this session.
    exemplars: Vec<u32>,
    given: Vec<f64>,
    moods: Vec<f64>,
    mood_deltas: Vec<f64>,
    relief: Vec<f64>,
}

impl Scratch {
    fn reset(&mut self, n: usize) {
        for v in [
            &mut self.present,
            &mut self.lonely,
            &mut self.attended,
            &mut self.no_reply,
        ] {
            v.clear();
            v.resize(n, false);
        }
        for v in [
            &mut self.minutes,
            &mut self.depth,
            &mut self.replies,
            &mut self.given,
            &mut self.relief,
        ] {
            v.clear();
            v.resize(n, 0.0);
        }
        self.exemplars.clear();
        self.exemplars.resize(n, 0);
        self.attendees.clear();
        self.talk_order.clear();
        self.moods.clear();
    }
}

/// Runs session `step` (1-based) for one group or control block and
/// returns its tally.
pub fn step_group(
    g: &mut GroupState,
    ctx: &SessionContext,
    step: u32,
    scratch: &mut Scratch,
    outside: &[Outside],
) -> Tally {
    let mut tally = if g.meets {
        step_support_group(g, ctx, step, scratch, outside)
    } else {
        step_control(g, ctx, step, scratch, outside)
    };
    if g.meets
        && ctx
            .scenario
            .network
            .measures(step, ctx.scenario.format.sessions)
    {
        tally.network = crate::network::NetStats::of_group(g);
    }
    tally.set_clustering(g);
    tally
}

/// A control block or a waitlist arm's group: no sessions, no ties;
/// loneliness keeps its own course.
fn step_control(
    g: &mut GroupState,
    ctx: &SessionContext,
    step: u32,
    sc: &mut Scratch,
    outside: &[Outside],
) -> Tally {
    let out = |i: usize| outside.get(i).copied().unwrap_or_default();
    let key = ctx.stream_key(step, g.id);
    let m = &ctx.scenario.mechanisms;
    sc.reset(g.places());
    for i in 0..g.arrived {
        sc.lonely[i] = f64::from(g.loneliness[i]) >= LONELY_CUTOFF;
    }
    if m.loneliness.enabled {
        let mut noise = key.stream(Purpose::LonelinessNoise);
        for i in 0..g.arrived {
            let e = rng::normal(&mut noise, 0.0, m.loneliness.noise_sd);
            let set_point = f64::from(g.loneliness_start[i]);
            g.loneliness[i] =
                loneliness::relax(f64::from(g.loneliness[i]), set_point, ctx.relaxation, e) as f32;
        }
    }
    if m.hope.enabled {
        // Hope spreads from improved community ties (threshold contagion).
        for i in 0..g.arrived {
            g.hope[i] = hope::update(
                f64::from(g.hope[i]),
                f64::from(g.hope_start[i]),
                u32::from(out(i).improved),
                m.hope.threshold,
                m.hope.gain,
                m.hope.fade,
            ) as f32;
        }
    }
    if m.contagion.enabled {
        // Onset and recovery as in the groups; transmission only along
        // community ties (no group ties here).
        apply_contagion(g, key, &m.contagion, &sc.lonely, |i| {
            u32::from(out(i).lonely)
        });
    }
    Tally::of_group(g, 0, 0)
}

/// Optional SISa contagion on the lonely state: `was_lonely` is the state at
/// the start of the step (the update is synchronous), `partners(i)` the
/// number of i's tie partners who were lonely.
fn apply_contagion(
    g: &mut GroupState,
    key: StreamKey,
    c: &Contagion,
    was_lonely: &[bool],
    partners: impl Fn(usize) -> u32,
) {
    let mut draws = key.stream(Purpose::Contagion);
    for (i, &lonely) in was_lonely[..g.arrived].iter().enumerate() {
        let p =
            loneliness::sisa_probability(lonely, partners(i), c.onset, c.transmission, c.recovery);
        if rng::bernoulli(&mut draws, p) {
            let score = f64::from(g.loneliness[i]);
            g.loneliness[i] = if lonely {
                score.min(CONTAGION_RECOVERED_SCORE)
            } else {
                score.max(LONELY_CUTOFF)
            } as f32;
        }
    }
}

fn step_support_group(
    g: &mut GroupState,
    ctx: &SessionContext,
    step: u32,
    sc: &mut Scratch,
    outside: &[Outside],
) -> Tally {
    let out = |i: usize| outside.get(i).copied().unwrap_or_default();
    let key = ctx.stream_key(step, g.id);
    let s = ctx.scenario;
    let m = &s.mechanisms;
    let n = g.places();
    sc.reset(n);

    // 1. Membership: newcomers join the waiting list; free seats are filled.
    if ctx.open {
        let mut arrivals = key.stream(Purpose::Arrivals);
        // Referral: people in the catchment with a community tie to a
        // current member add to the arrival rate.
        let referred = (g.arrived..n).filter(|&i| out(i).active > 0).count() as f64;
        let rate = s.open.arrivals_per_session + s.community_network.referral * referred;
        let applicants = rng::poisson(&mut arrivals, rate) as usize;
        g.arrived += applicants.min(n - g.arrived);
        let active = g.status[..g.arrived]
            .iter()
            .filter(|&&st| st == Status::Active)
            .count();
        let waiting = g.status[..g.arrived]
            .iter()
            .filter(|&&st| st == Status::Waiting)
            .count();
        let mut seats = membership::admissions(waiting, active, ctx.size_cap);
        for i in 0..g.arrived {
            if seats == 0 {
                break;
            }
            if g.status[i] == Status::Waiting {
                g.status[i] = Status::Active;
                g.joined_step[i] = step - 1;
                seats -= 1;
            }
        }
    }
    let arrived = g.arrived;
    for i in 0..arrived {
        sc.present[i] = g.status[i] == Status::Active;
        sc.lonely[i] = f64::from(g.loneliness[i]) >= LONELY_CUTOFF;
    }
    let at_session = sc.present.iter().filter(|&&p| p).count() as u64;

    // 2. Attendance.
    let mut draws = key.stream(Purpose::Attendance);
    for i in 0..arrived {
        if !sc.present[i] {
            continue;
        }
        sc.attended[i] = if m.attendance.enabled {
            let inputs = attendance::AttendanceInputs {
                propensity: f64::from(g.propensity[i]),
                cohesion: f64::from(g.cohesion[i]),
                log_tie_support: f64::from(g.tie_summary.members[i].log_support),
                hope: f64::from(g.hope[i]),
            };
            let p = attendance::probability(&m.attendance, ctx.attendance_shift, inputs);
            rng::bernoulli(&mut draws, p)
        } else {
            true
        };
        if sc.attended[i] {
            sc.attendees.push(i);
        }
    }
    let n_att = sc.attendees.len();

    // 3. Floor time by a geometric rank law of talkativeness; disclosure.
    let mut disclosers = 0usize;
    if m.sharing.enabled && n_att > 0 {
        sc.talk_order.extend_from_slice(&sc.attendees);
        // Most open first; ties keep place order (the sort is stable).
        sc.talk_order
            .sort_by(|&a, &b| g.openness[b].total_cmp(&g.openness[a]));
        let shares = sharing::floor_shares(n_att, ctx.rank_ratio);
        for (&i, share) in sc.talk_order.iter().zip(shares) {
            sc.minutes[i] = ctx.member_minutes * share;
        }
        let mut draws = key.stream(Purpose::Disclosure);
        for &i in &sc.attendees {
            let safety = (f64::from(g.cohesion[i]) / 10.0 + ctx.safety_bonus).min(1.0);
            let p = sharing::disclosure_probability(
                m.sharing.disclosure_base,
                f64::from(g.openness[i]),
                f64::from(g.stigma[i]),
                safety,
                m.sharing.safety_weight,
            );
            if rng::bernoulli(&mut draws, p) {
                sc.depth[i] =
                    sharing::disclosure_depth(sc.minutes[i], m.sharing.full_disclosure_minutes);
                disclosers += 1;
            }
        }
    }

    // 4. Replies: support received by disclosers, given by listeners.
    if m.altruism.enabled && disclosers > 0 {
        let mut draws = key.stream(Purpose::Replies);
        for &j in &sc.attendees {
            if sc.depth[j] <= 0.0 {
                continue;
            }
            let mut expected = 0.0;
            let mut miss = 1.0;
            for &i in &sc.attendees {
                if i == j {
                    continue;
                }
                let r = altruism::reply_probability(
                    m.altruism.reply_probability,
                    f64::from(g.openness[i]),
                );
                expected += r;
                miss *= 1.0 - r;
                sc.given[i] += r;
            }
            sc.replies[j] = expected;
            sc.no_reply[j] = !rng::bernoulli(&mut draws, 1.0 - miss);
        }
    }

    // 5. Session mood, averaged among those present; it is the morale of cohesion.
    for &i in &sc.attendees {
        sc.moods.push(affect::baseline_mood(
            f64::from(g.hope[i]),
            f64::from(g.loneliness[i]),
        ));
    }
    if m.affect.enabled {
        affect::average_round(
            &mut sc.moods,
            &mut sc.mood_deltas,
            m.affect.susceptibility,
            m.affect.negative_weight,
        );
    }

    // 6. Universality and 7. hope, from the disclosures each attendee heard.
    if disclosers > 0 {
        for &i in &sc.attendees {
            let mut miss = 1.0;
            let mut exemplars = 0u32;
            for &j in &sc.attendees {
                if j == i || sc.depth[j] <= 0.0 {
                    continue;
                }
                let sim = g.bonds.similarity[pair_index(i, j)];
                miss = universality::miss_after(miss, f64::from(sim), sc.depth[j]);
                exemplars += u32::from(g.improved_after[j] != NEVER);
            }
            sc.exemplars[i] = exemplars;
            if m.universality.enabled {
                sc.relief[i] = universality::relief(
                    m.universality.relief,
                    f64::from(g.loneliness[i]),
                    1.0 - miss,
                );
            }
        }
    }
    if m.hope.enabled {
        // Exemplars heard in the session plus improved community ties.
        for i in 0..arrived {
            g.hope[i] = hope::update(
                f64::from(g.hope[i]),
                f64::from(g.hope_start[i]),
                sc.exemplars[i] + u32::from(out(i).improved),
                m.hope.threshold,
                m.hope.gain,
                m.hope.fade,
            ) as f32;
        }
    }

    // 8. Ties: decay over the interval, contact beyond the meetings, growth in session.
    update_ties(g, ctx, key, sc, n_att);
    refresh_tie_summary_with(g, ctx, sc);

    // 9. Stigma.
    if m.stigma.enabled {
        for &i in &sc.attendees {
            let disclosed = sc.depth[i] > 0.0;
            let heard = disclosers > usize::from(disclosed);
            let acceptance = stigma::acceptance(f64::from(g.cohesion[i]), !sc.no_reply[i]);
            g.stigma[i] = stigma::update(
                &m.stigma,
                f64::from(g.stigma[i]),
                disclosed,
                acceptance,
                heard,
                ctx.online,
            ) as f32;
        }
    }

    // 10. Loneliness: relaxation toward the tie-lowered set point, noise,
    // universality's relief, optional contagion.
    if m.loneliness.enabled {
        let mut noise = key.stream(Purpose::LonelinessNoise);
        for i in 0..arrived {
            let e = rng::normal(&mut noise, 0.0, m.loneliness.noise_sd);
            let set_point = loneliness::set_point(
                f64::from(g.loneliness_start[i]),
                f64::from(g.tie_summary.members[i].support),
                m.loneliness.tie_relief,
            );
            g.loneliness[i] =
                loneliness::relax(f64::from(g.loneliness[i]), set_point, ctx.relaxation, e) as f32;
        }
    }
    for i in 0..arrived {
        if sc.relief[i] > 0.0 {
            g.loneliness[i] =
                (f64::from(g.loneliness[i]) - sc.relief[i]).max(LONELINESS_MIN) as f32;
        }
    }
    if m.contagion.enabled {
        let summary = &g.tie_summary.members;
        let partners: Vec<u32> = summary
            .iter()
            .enumerate()
            .map(|(i, t)| u32::from(t.lonely_partners) + u32::from(out(i).lonely))
            .collect();
        apply_contagion(g, key, &m.contagion, &sc.lonely, |i| partners[i]);
    }

    // 11. Recovery (dose) and graduation.
    for &i in &sc.attendees {
        g.sessions_attended[i] += 1;
        if m.recovery.enabled {
            let bonus = if m.altruism.enabled {
                m.altruism.dose_bonus * sc.given[i]
            } else {
                0.0
            };
            let dose = recovery::engagement(
                m.recovery.engagement_weight,
                f64::from(g.hope[i]),
                f64::from(g.cohesion[i]),
            ) + bonus;
            g.dose[i] += dose as f32;
            if g.improved_after[i] == NEVER && g.dose[i] >= g.dose_needed[i] {
                g.improved_after[i] = g.sessions_attended[i];
            }
        }
    }
    if m.recovery.enabled {
        let mut draws = key.stream(Purpose::Graduation);
        for i in 0..arrived {
            if g.status[i] == Status::Active
                && g.improved_after[i] != NEVER
                && g.sessions_attended[i] >= m.recovery.graduation_min_sessions
                && rng::bernoulli(&mut draws, m.recovery.graduation_probability)
            {
                g.status[i] = Status::Graduated;
                g.left_step[i] = step;
            }
        }
    }

    // 12. Dropout.
    if m.dropout.enabled {
        let mut draws = key.stream(Purpose::Dropout);
        for i in 0..arrived {
            if g.status[i] != Status::Active {
                continue;
            }
            let inputs = dropout::DropoutInputs {
                frailty: f64::from(g.frailty[i]),
                tenure: (step - 1).saturating_sub(g.joined_step[i]),
                log_tie_support: f64::from(g.tie_summary.members[i].log_support),
                replies_received: sc.replies[i],
                cohesion: f64::from(g.cohesion[i]),
                disclosed_without_reply: sc.depth[i] > 0.0 && sc.no_reply[i],
                isolated: g.tie_summary.members[i].ties == 0,
                altruism: if m.altruism.enabled {
                    altruism::dropout_protection(m.altruism.dropout_protection, sc.given[i])
                } else {
                    0.0
                },
            };
            if rng::bernoulli(&mut draws, dropout::hazard(&m.dropout, inputs)) {
                g.status[i] = Status::DroppedOut;
                g.left_step[i] = step;
            }
        }
    }

    // 13. Perceived cohesion of those who came.
    for (k, &i) in sc.attendees.iter().enumerate() {
        let this_session = cohesion::perceived(
            f64::from(g.tie_summary.members[i].strength_to_present),
            s.cohesion.belonging_hours,
            sc.moods[k],
        );
        g.cohesion[i] = cohesion::update(
            f64::from(g.cohesion[i]),
            this_session,
            s.cohesion.update_weight,
        ) as f32;
    }

    Tally::of_group(g, n_att as u64, at_session)
}

/// Recomputes the tie summary after the session's tie changes, with the
/// present and lonely flags of this session.
fn refresh_tie_summary_with(g: &mut GroupState, ctx: &SessionContext, sc: &Scratch) {
    g.tie_summary
        .compute(&g.bonds, g.arrived, &sc.present, &sc.lonely, &ctx.levels);
}

/// Step 8: every pair of members who have joined the group.
fn update_ties(
    g: &mut GroupState,
    ctx: &SessionContext,
    key: StreamKey,
    sc: &Scratch,
    n_att: usize,
) {
    let m = &ctx.scenario.mechanisms;
    let b = &m.bonding;
    let bonding_on = b.enabled;
    let beyond_on = m.beyond_meetings.enabled;
    if !bonding_on && !beyond_on {
        return;
    }
    let hours_in_session =
        bonding::pair_hours(ctx.scenario.format.minutes, b.conversation_size, n_att);
    let levels = (f64::from(ctx.levels.tie), f64::from(ctx.levels.close));
    let capacity = (b.tie_capacity, b.close_capacity);
    let contact_hours = m.beyond_meetings.hours_per_contact as f32;
    let mut contact = key.stream(Purpose::OutsideContact);
    let ts = &g.tie_summary;
    let arrived = g.arrived;
    for j in 1..arrived {
        let row = j * (j - 1) / 2;
        for i in 0..j {
            let k = row + i;
            let mut strength = f64::from(g.bonds.strength[k]);
            let both_here = sc.attended[i] && sc.attended[j];
            if strength <= 0.0 && !both_here {
                continue;
            }
            if bonding_on && strength > 0.0 {
                let lonely = sc.lonely[i] || sc.lonely[j];
                let kept = if lonely {
                    g.bonds.kept_lonely[k]
                } else {
                    g.bonds.kept[k]
                };
                strength *= f64::from(kept);
            }
            if beyond_on && strength > 0.0 {
                let p =
                    beyond_meetings::contact_probability(&m.beyond_meetings, strength, ctx.online);
                if rng::bernoulli(&mut contact, p) {
                    strength += f64::from(contact_hours);
                    g.bonds.hours[k] += contact_hours;
                    g.bonds.beyond[k] = true;
                }
            }
            if bonding_on && both_here {
                let grow = hours_in_session
                    * bonding::growth_multiplier(
                        b,
                        bonding::PairInputs {
                            depth_a: sc.depth[i],
                            depth_b: sc.depth[j],
                            similarity: f64::from(g.bonds.similarity[k]),
                            both_lonely: sc.lonely[i] && sc.lonely[j],
                            share_a_friend: ts.share_casual_friend(i, j),
                            online: ctx.online,
                        },
                    );
                let (a, b) = (ts.members[i], ts.members[j]);
                let ties = (u32::from(a.ties), u32::from(b.ties));
                let close = (u32::from(a.close), u32::from(b.close));
                strength = bonding::within_capacity(
                    strength,
                    strength + grow,
                    levels,
                    ties,
                    close,
                    capacity,
                );
                g.bonds.hours[k] += hours_in_session as f32;
            }
            g.bonds.strength[k] = strength as f32;
        }
    }
}
