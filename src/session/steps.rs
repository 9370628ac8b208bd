//! The list of a session's numbered steps ([`support_group_to_summary`]
//! and [`support_group_from_summary`], and the control arm's
//! [`control_block`]), then every step but the ties (step 8,
//! in `ties.rs`), in the order of `docs/MODEL.md` §3.2. Each step applies
//! the rules of one mechanism to the group and checks that mechanism's
//! switch; a new mechanism's step is written and listed here.
//!
//! The steps are `#[inline]`: [`super::step_groups`] may be compiled in
//! another codegen unit, and inlined into the two halves of the list they
//! cost no more than the long functions they replace. Those the control arm shares (session flags,
//! hope, loneliness) have two callers, which the inliner would otherwise
//! refuse: `#[inline(always)]` gives each arm its own copy.

use super::forum::{forum_replies, posting, reading};
use super::ties::ties;
use super::{Scratch, Session, remember_replies};
use crate::bonds::pair_index;
use crate::metrics::Tally;
use crate::population::{GroupState, Member, NEVER, Status};
use crate::rng::{self, Purpose};
use crate::rules::hope::Hope;
use crate::rules::loneliness::{LONELINESS_MIN, LONELY_CUTOFF};
use crate::rules::{
    affect, altruism, attendance, chance, cohesion, dropout, hope, loneliness, membership,
    recovery, replies, sharing, stigma, universality,
};

/// The numbered steps of a support group's session (`docs/MODEL.md` §3.2),
/// in two halves: to the pairs' update of step 8, then from the tie summary
/// TS(k) that ends step 8 on. Between them the summaries of a batch of
/// groups are made at once ([`super::tie_summaries`]); each group's steps
/// keep their order. A step that only reads the group or the scratch takes
/// it shared.
pub(super) fn support_group_to_summary(s: &Session, g: &mut GroupState, sc: &mut Scratch) {
    support_group_to_ties(s, g, sc);
    timed!(Ties, ties(s, g, sc)); // 8, the pairs (then the tie summary TS(k))
}

/// Steps 1 to 7 of [`support_group_to_summary`].
fn support_group_to_ties(s: &Session, g: &mut GroupState, sc: &mut Scratch) {
    support_group_opening(s, g, sc);
    timed!(Attendance, attendance(s, g, sc)); // 2
    support_group_after_attendance(s, g, sc);
}

/// Step 1 and the session's flags.
pub(super) fn support_group_opening(s: &Session, g: &mut GroupState, sc: &mut Scratch) {
    timed!(Membership, membership(s, g)); // 1
    timed!(SessionFlags, session_flags(g, sc)); // present, lonely, at the session
}

/// Steps 3 to 7 of [`support_group_to_summary`].
fn support_group_after_attendance(s: &Session, g: &mut GroupState, sc: &mut Scratch) {
    if s.ctx.forum {
        timed!(Posting, posting(s, g, sc)); // 3, a forum's
        timed!(ForumReplies, forum_replies(s, g, sc)); // 4, a forum's
        timed!(Mood, mood(s, g, sc)); // 5
        timed!(Reading, reading(s, g, sc)); // 6, a forum's
    } else {
        timed!(FloorAndDisclosure, floor_time_and_disclosure(s, g, sc)); // 3
        timed!(Replies, replies(s, g, sc)); // 4
        timed!(Mood, mood(s, g, sc)); // 5
        timed!(Universality, universality(s, g, sc)); // 6
    }
    timed!(Hope, hope(s, g, sc)); // 7
}

/// The second half of [`support_group_to_summary`]: steps 9 to 13, after
/// the tie summary TS(k), and the group's tally.
pub(super) fn support_group_from_summary(
    s: &Session,
    g: &mut GroupState,
    sc: &mut Scratch,
) -> Tally {
    timed!(Stigma, stigma(s, g, sc)); // 9
    timed!(Loneliness, loneliness(s, g, sc)); // 10
    timed!(Recovery, recovery(s, g, sc)); // 11, and graduation
    timed!(Dropout, dropout(s, g, sc)); // 12
    timed!(GroupEnd, group_end(s, g)); // 12b, closed groups with too few left
    timed!(Cohesion, cohesion(s, g, sc)); // 13
    tally(s, g, sc)
}

/// The group's tally after its session.
pub(super) fn tally(s: &Session, g: &GroupState, sc: &Scratch) -> Tally {
    let (attended, at_session) = (sc.attendees.len() as u64, sc.at_session);
    timed!(
        Tally,
        Tally::of_group(g, &s.ctx.levels, attended, at_session)
    )
}

/// A control block or a waitlist arm's group (`docs/MODEL.md` §3.3): nobody
/// attends and there are no ties, so of a session only hope (from community
/// exemplars) and loneliness (toward the arrival score, with contagion)
/// remain.
pub(super) fn control_block(s: &Session, g: &mut GroupState, sc: &mut Scratch) -> Tally {
    session_flags(g, sc);
    hope(s, g, sc);
    loneliness(s, g, sc);
    Tally::of_group(g, &s.ctx.levels, 0, 0)
}

/// Step 1, membership (open groups): newcomers join the waiting list,
/// and free seats are filled from it in order of arrival.
#[inline]
pub(super) fn membership(s: &Session, g: &mut GroupState) {
    if !s.ctx.open {
        return;
    }
    let scenario = s.ctx.scenario;
    let n = g.places();
    // Referral: people in the catchment with a community tie to a
    // current member add to the arrival rate.
    let referred = (g.arrived..n)
        .filter(|&i| s.outside.of(i).active > 0)
        .count() as f64;
    let rate = scenario.open.arrivals_per_session + scenario.community_network.referral * referred;
    let applicants = rng::poisson(&mut s.key.stream(Purpose::Arrivals), rate) as usize;
    g.arrived += applicants.min(n - g.arrived);
    let count = |status| {
        g.members[..g.arrived]
            .iter()
            .filter(|m| m.status == status)
            .count()
    };
    let (active, waiting) = (count(Status::Active), count(Status::Waiting));
    let mut seats = membership::admissions(waiting, active, s.ctx.size_cap);
    for i in 0..g.arrived {
        if seats == 0 {
            break;
        }
        if g.members[i].status == Status::Waiting {
            g.members[i].status = Status::Active;
            g.members[i].joined_step = s.step - 1;
            seats -= 1;
        }
    }
}

/// The session's flags: who is active and who is lonely at its start.
#[inline(always)]
pub(super) fn session_flags(g: &GroupState, sc: &mut Scratch) {
    for i in 0..g.arrived {
        sc.present[i] = g.members[i].status == Status::Active;
        sc.lonely[i] = f64::from(g.members[i].loneliness) >= LONELY_CUTOFF;
    }
    sc.at_session = sc.present.iter().filter(|&&p| p).count() as u64;
}

/// Step 2, attendance: who of the active members comes.
#[inline]
pub(super) fn attendance(s: &Session, g: &GroupState, sc: &mut Scratch) {
    let p = &s.ctx.scenario.mechanisms.attendance;
    let draws = s.key.draws(Purpose::Attendance);
    let people = g.arrived;
    let (members, ties) = (&g.members[..people], &g.tie_summary.members[..people]);
    let (present, attended) = (&sc.present[..people], &mut sc.attended[..people]);
    for (i, member) in members.iter().enumerate() {
        if !present[i] {
            continue;
        }
        attended[i] = if p.enabled {
            let inputs = attendance::AttendanceInputs {
                propensity: f64::from(member.propensity),
                cohesion: f64::from(member.cohesion),
                log_tie_support: f64::from(ties[i].log_support),
                hope: f64::from(member.hope),
                reply_memory: weighted_reply_memory(s, member),
            };
            let log_odds = attendance::log_odds(p, s.ctx.attendance_odds, inputs);
            chance::happens_with_log_odds(draws.uniform_at(i as u64), log_odds)
        } else {
            true
        };
        if attended[i] {
            sc.attendees.push(i);
        }
    }
}

/// Step 3, floor time and disclosure: minutes by a geometric rank law
/// of openness; who discloses, and how deeply the others hear it.
#[inline]
pub(super) fn floor_time_and_disclosure(s: &Session, g: &GroupState, sc: &mut Scratch) {
    let p = &s.ctx.scenario.mechanisms.sharing;
    let speakers = sc.attendees.len();
    if !p.enabled || speakers == 0 {
        return;
    }
    // Most open first; the equally open in place order.
    sc.talk_order.extend(
        sc.attendees
            .iter()
            .map(|&i| sharing::talk_order_key(g.members[i].openness, i)),
    );
    sc.talk_order.sort_unstable();
    let shares = s.ctx.floor_law.shares(speakers);
    for (&key, share) in sc.talk_order.iter().zip(shares) {
        sc.minutes[sharing::place_in_talk_order(key)] = s.ctx.member_minutes * share;
    }
    let draws = s.key.draws(Purpose::Disclosure);
    for &i in &sc.attendees {
        let chance = sharing::disclosure_probability(
            p.disclosure_base,
            f64::from(g.members[i].openness),
            f64::from(g.members[i].stigma),
            safety(s, g, i),
            p.safety_weight,
        );
        if draws.uniform_at(i as u64) < chance {
            sc.depth[i] = sharing::disclosure_depth(sc.minutes[i], p.full_disclosure_minutes);
            sc.disclosers += 1;
            if sc.depth[i] > 0.0 {
                sc.disclosures.push((i, sc.depth[i]));
            }
        }
    }
}

/// Step 4, replies: each listener answers each disclosure or not (one
/// draw per listener, discloser by discloser in attendee order); each
/// discloser who had listeners remembers whether anyone answered. With
/// replies off disclosures are counted and nothing else happens: no reply,
/// no memory, no "unanswered".
#[inline]
pub(super) fn replies(s: &Session, g: &mut GroupState, sc: &mut Scratch) {
    let p = &s.ctx.scenario.mechanisms.replies;
    if sc.disclosers == 0 {
        return;
    }
    // A member who disclosed to nobody could not be answered.
    let listened_to = p.enabled && sc.attendees.len() > 1;
    let draws = s.key.draws(Purpose::Replies);
    let places = g.places();
    let friend_hours = f64::from(s.ctx.levels.friend);
    let group_logit = replies::group_logit(p, g.character.reply_norm(), s.ctx.facilitated);
    for &(j, _) in &sc.disclosures {
        g.members[j].disclosures += 1;
        if !listened_to {
            continue;
        }
        let mut received = 0;
        for &i in sc.attendees.iter().filter(|&&i| i != j) {
            let listener = replies::ListenerInputs {
                openness: f64::from(g.members[i].openness),
                friendship: f64::from(g.bonds.strength(i, j)) / friend_hours,
            };
            let log_odds = replies::reply_log_odds(p, group_logit, listener);
            // Listener i's draw for discloser j: one position per
            // (discloser, listener) of the group's places.
            let u = draws.uniform_at((j * places + i) as u64);
            if chance::happens_with_log_odds(u, log_odds) {
                received += 1;
                sc.given[i] += 1.0;
                g.members[i].replies_given += 1;
            }
        }
        sc.replies[j] = f64::from(received);
        remember_replies(p, g, &mut sc.no_reply[j], j, received);
    }
}

/// The reply memory of member `i` as attendance and dropout weigh it this
/// session: most in the member's first sessions.
fn weighted_reply_memory(s: &Session, member: &Member) -> f64 {
    f64::from(member.reply_memory) * s.ctx.newcomer_weight.at(tenure(s, member))
}

/// Sessions a member has belonged before this one.
fn tenure(s: &Session, member: &Member) -> u32 {
    (s.step - 1).saturating_sub(member.joined_step)
}

/// Member `i`'s psychological safety: their cohesion, the facilitator and
/// the group's own character.
fn safety(s: &Session, g: &GroupState, i: usize) -> f64 {
    let bonus = s.ctx.safety_bonus + g.character.safety();
    sharing::psychological_safety(f64::from(g.members[i].cohesion), bonus)
}

/// Step 5, session mood: each attendee's mood on arrival, then one
/// averaging round among those present; it is the morale of cohesion.
#[inline]
pub(super) fn mood(s: &Session, g: &GroupState, sc: &mut Scratch) {
    let p = &s.ctx.scenario.mechanisms.affect;
    for &i in &sc.attendees {
        let (hope, loneliness) = (
            f64::from(g.members[i].hope),
            f64::from(g.members[i].loneliness),
        );
        sc.moods
            .push(affect::baseline_mood(p.hope_weight, hope, loneliness));
    }
    // A forum's visitors are not in one room: no mood is shared.
    if p.enabled && !s.ctx.forum {
        affect::average_round(
            &mut sc.moods,
            &mut sc.mood_deltas,
            p.susceptibility,
            p.negative_weight,
        );
    }
}

/// Step 6, universality: the relief each attendee draws from the similar
/// disclosures they heard (applied in the loneliness step).
#[inline]
pub(super) fn universality(s: &Session, g: &GroupState, sc: &mut Scratch) {
    let p = &s.ctx.scenario.mechanisms.universality;
    if !p.enabled || sc.disclosers == 0 {
        return;
    }
    let gain = g.character.session_gain();
    let similarities = g.bonds.similarities();
    for &i in &sc.attendees {
        let mut miss = 1.0;
        // The disclosures the listener heard: everyone's but their own.
        for &(j, depth) in sc.disclosures.iter().filter(|&&(j, _)| j != i) {
            let similarity = f64::from(similarities[pair_index(i, j)]);
            miss = universality::miss_after(miss, similarity, depth);
        }
        let relief = universality::relief(p.relief, f64::from(g.members[i].loneliness), 1.0 - miss);
        sc.relief[i] = relief * gain;
    }
}

/// Step 7, hope: a gain with enough exemplars (hopeful fellow attendees
/// who disclosed, and hopeful community ties; their state at the session
/// start), otherwise a fade toward the arrival level for the not yet
/// hopeful; members whose hope reaches `hopeful_at` become hopeful.
#[inline(always)]
pub(super) fn hope(s: &Session, g: &mut GroupState, sc: &Scratch) {
    let p = &s.ctx.scenario.mechanisms.hope;
    if !p.enabled {
        return;
    }
    let exemplar =
        |i: usize, members: &[Member]| sc.depth[i] > 0.0 && members[i].hopeful_since != NEVER;
    let exemplars = sc
        .attendees
        .iter()
        .filter(|&&j| exemplar(j, &g.members))
        .count() as u32;
    // A community tie who is also a group mate and was heard disclosing
    // counts once.
    let mut heard_twice = vec![
        0u32;
        if s.outside.mates.is_empty() {
            0
        } else {
            g.places()
        }
    ];
    for &(a, b) in &s.outside.mates {
        let (a, b) = (a as usize, b as usize);
        if sc.attended[a] && exemplar(b, &g.members) {
            heard_twice[a] += 1;
        }
        if sc.attended[b] && exemplar(a, &g.members) {
            heard_twice[b] += 1;
        }
    }
    // In a forum, what a visitor who did not post read carries less.
    let reader = s.ctx.forum.then(|| Hope {
        gain: p.gain * s.ctx.scenario.forum.reading_weight,
        ..p.clone()
    });
    for i in 0..g.arrived {
        // Hopeful members who disclosed, heard by attendees (each member's
        // own state is read before it changes: the update is synchronous);
        // in a forum, the hopeful authors a visitor read.
        let heard = match (sc.attended[i], s.ctx.forum) {
            (false, _) => 0,
            (true, false) => {
                exemplars
                    - u32::from(exemplar(i, &g.members))
                    - heard_twice.get(i).copied().unwrap_or(0)
            }
            (true, true) => sc.hopeful_read[i],
        };
        let hopeful = g.members[i].hopeful_since != NEVER;
        let read_only = sc.attended[i] && sc.depth[i] <= 0.0;
        let rule = reader.as_ref().filter(|_| read_only).unwrap_or(p);
        let hope = hope::update(
            f64::from(g.members[i].hope),
            f64::from(g.members[i].hope_start),
            hopeful,
            heard + u32::from(s.outside.of(i).hopeful),
            rule,
        );
        g.members[i].hope = hope as f32;
        if !hopeful && hope >= p.hopeful_at {
            g.members[i].hopeful_since = s.step;
        }
    }
}

/// Step 9, stigma of attendees: acceptance of a disclosure, listening.
#[inline]
pub(super) fn stigma(s: &Session, g: &mut GroupState, sc: &Scratch) {
    let p = &s.ctx.scenario.mechanisms.stigma;
    if !p.enabled {
        return;
    }
    for &i in &sc.attendees {
        let disclosed = sc.depth[i] > 0.0;
        let heard = sc.disclosers > usize::from(disclosed);
        let acceptance = stigma::acceptance(p, safety(s, g, i), !sc.no_reply[i]);
        let before = f64::from(g.members[i].stigma);
        g.members[i].stigma =
            stigma::update(p, before, disclosed, acceptance, heard, s.ctx.online) as f32;
    }
}

/// Step 10, loneliness: optional SISa contagion first (everyone who
/// arrived; from the lonely flags of the session start), then relaxation
/// toward the tie-lowered set point with noise (everyone who arrived),
/// universality's relief (attendees), and caught loneliness held at or
/// above the cut-off.
#[inline(always)]
pub(super) fn loneliness(s: &Session, g: &mut GroupState, sc: &Scratch) {
    let m = &s.ctx.scenario.mechanisms;
    if m.contagion.enabled {
        let draws = s.key.draws(Purpose::Contagion);
        for i in 0..g.arrived {
            let partners = u32::from(g.tie_summary.members[i].lonely_partners)
                + u32::from(s.outside.of(i).lonely);
            let member = &mut g.members[i];
            let was = member.caught;
            member.caught = loneliness::caught_after(
                was,
                sc.lonely[i],
                partners,
                &m.contagion,
                draws.uniform_at(i as u64),
            );
            if was && !member.caught {
                let recovered = LONELY_CUTOFF - loneliness::CAUGHT_MARGIN;
                member.loneliness = (f64::from(member.loneliness)).min(recovered) as f32;
            }
        }
    }
    if m.loneliness.enabled && relax_in_lanes(s, g, sc) {
        return;
    }
    if m.loneliness.enabled {
        let noise = s.key.draws(Purpose::LonelinessNoise);
        // Members 2h and 2h + 1 take the two deviates of couple h's point.
        let couples = g.places().div_ceil(2);
        let mut deviates = (0.0, 0.0);
        let ties = &g.tie_summary.members[..g.arrived];
        for (i, (member, ties)) in g.members[..g.arrived].iter_mut().zip(ties).enumerate() {
            let z = if i % 2 == 0 {
                deviates = rng::standard_normal_pair(&mut noise.rounds(i / 2, couples));
                deviates.0
            } else {
                deviates.1
            };
            let e = m.loneliness.noise_sd * z;
            let support = f64::from(ties.support);
            let own = loneliness::set_point(
                f64::from(member.loneliness_start),
                support,
                m.loneliness.tie_relief,
            );
            let set_point = if member.caught {
                loneliness::caught_set_point(own)
            } else {
                own
            };
            let score = f64::from(member.loneliness);
            member.loneliness = loneliness::relax(score, set_point, s.ctx.relaxation, e) as f32;
        }
    }
    for (member, &relief) in g.members[..g.arrived].iter_mut().zip(&sc.relief) {
        let mut score = f64::from(member.loneliness);
        if relief > 0.0 {
            score = (score - relief).max(LONELINESS_MIN);
        }
        if member.caught {
            score = score.max(LONELY_CUTOFF);
        }
        member.loneliness = score as f32;
    }
}

/// Step 10's relaxation, relief and caught hold in vector lanes
/// (`loneliness_lanes.rs`, the same bits) where the processor has them and
/// the group has at most 64 places; false where the scalar loops run.
#[inline]
fn relax_in_lanes(s: &Session, g: &mut GroupState, sc: &Scratch) -> bool {
    #[cfg(target_arch = "x86_64")]
    if s.ctx.lanes() && g.places() <= super::loneliness_lanes::MOST_PLACES {
        let m = &s.ctx.scenario.mechanisms.loneliness;
        let rule = super::loneliness_lanes::Relaxation {
            noise: s.key.draws(Purpose::LonelinessNoise),
            noise_sd: m.noise_sd,
            tie_relief: m.tie_relief,
            rate: s.ctx.relaxation,
        };
        // SAFETY: `lanes()` found AVX2 on the running processor.
        unsafe { super::loneliness_lanes::relax(&rule, g, &sc.relief) };
        return true;
    }
    let _ = (s, g, sc);
    false
}

/// Step 11, recovery: attendees count the session and receive a dose
/// (with altruism's bonus for support given); then graduation of
/// improved active members who are no longer lonely.
#[inline]
pub(super) fn recovery(s: &Session, g: &mut GroupState, sc: &Scratch) {
    let m = &s.ctx.scenario.mechanisms;
    let p = &m.recovery;
    let gain = g.character.session_gain();
    for &i in &sc.attendees {
        let member = &mut g.members[i];
        member.sessions_attended += 1;
        if !p.enabled {
            continue;
        }
        let bonus = if m.altruism.enabled {
            m.altruism.dose_bonus * sc.given[i]
        } else {
            0.0
        };
        let hope = f64::from(member.hope);
        let dose = recovery::engagement(p.engagement_weight, hope, f64::from(member.cohesion));
        member.dose += (dose * gain + bonus) as f32;
        if member.improved_after == NEVER && member.dose >= member.dose_needed {
            member.improved_after = member.sessions_attended;
            // Those who improved are exemplars of hope from now on.
            if m.hope.enabled && member.hopeful_since == NEVER {
                member.hopeful_since = s.step;
            }
        }
    }
    if !p.enabled {
        return;
    }
    let draws = s.key.draws(Purpose::Graduation);
    for (i, member) in g.members[..g.arrived].iter_mut().enumerate() {
        let standing = recovery::Standing {
            improved: member.improved_after != NEVER,
            sessions_attended: member.sessions_attended,
            loneliness: f64::from(member.loneliness),
            loneliness_start: f64::from(member.loneliness_start),
        };
        if member.status == Status::Active
            && recovery::may_graduate(p, standing)
            && draws.uniform_at(i as u64) < p.graduation_probability
        {
            member.leave(Status::Graduated, s.step);
        }
    }
}

/// Step 12, dropout of active members, attending or not.
#[inline]
pub(super) fn dropout(s: &Session, g: &mut GroupState, sc: &Scratch) {
    let m = &s.ctx.scenario.mechanisms;
    if !m.dropout.enabled {
        return;
    }
    let draws = s.key.draws(Purpose::Dropout);
    let people = g.arrived;
    let (members, ties) = (&mut g.members[..people], &g.tie_summary.members[..people]);
    let (replies, given) = (&sc.replies[..people], &sc.given[..people]);
    for (i, member) in members.iter_mut().enumerate() {
        if member.status != Status::Active {
            continue;
        }
        let inputs = dropout::DropoutInputs {
            frailty: f64::from(member.frailty),
            early: s.ctx.early_dropout.at(tenure(s, member)),
            log_tie_support: f64::from(ties[i].log_support),
            replies_received: replies[i],
            cohesion: f64::from(member.cohesion),
            reply_memory: weighted_reply_memory(s, member),
            isolated: ties[i].ties == 0,
            altruism: if m.altruism.enabled {
                altruism::dropout_protection(m.altruism.dropout_protection, given[i])
            } else {
                0.0
            },
        };
        let (scale, exponent) = dropout::hazard_factors(&m.dropout, inputs);
        if chance::happens_with_scaled_exp(draws.uniform_at(i as u64), scale, exponent) {
            member.leave(Status::DroppedOut, s.step);
        }
    }
}

/// Step 12b: a closed group whose current members have fallen below
/// `community.min_group_size` (or its roster, if smaller) ends; those still in it leave with status
/// `group_ended`. Their ties stay, as any member's do.
#[inline]
pub(super) fn group_end(s: &Session, g: &mut GroupState) {
    if s.ctx.open {
        return;
    }
    let active = g.members[..g.arrived]
        .iter()
        .filter(|m| m.status == Status::Active)
        .count();
    let community = &s.ctx.scenario.community;
    let floor = community.min_group_size.min(community.group_size) as usize;
    if active == 0 || active >= floor {
        return;
    }
    for member in &mut g.members[..g.arrived] {
        if member.status == Status::Active {
            member.leave(Status::GroupEnded, s.step);
        }
    }
}

/// Step 13, perceived cohesion of those who came: belonging from the
/// new tie summary, morale from the session's mood.
#[inline]
pub(super) fn cohesion(s: &Session, g: &mut GroupState, sc: &Scratch) {
    let p = &s.ctx.scenario.cohesion;
    for (&i, &mood) in sc.attendees.iter().zip(&sc.moods) {
        let strength = f64::from(g.tie_summary.members[i].strength_to_present);
        let this_session = cohesion::perceived(s.ctx.belonging.at(strength), mood);
        let member = &mut g.members[i];
        let running = f64::from(member.cohesion);
        member.cohesion = cohesion::update(running, this_session, p.update_weight) as f32;
    }
}
