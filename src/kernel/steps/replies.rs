//! Step 4 in lanes: replies (a room's), and what a discloser remembers
//! of them (a room's or a forum's).

use crate::context::SessionContext;
use crate::kernel::batch::{BatchLanes, Column, field};
use crate::kernel::draws::{Address, Key};
use crate::kernel::lanes::{F32s, Isa, Mask, U32s};
use crate::kernel::math;
use crate::kernel::scratch::{Figure, SessionLanes};
use crate::rng::Purpose;
use crate::rules::logit;

/// Step 4's rules in f32 (`rules::replies`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplyRule {
    pub enabled: bool,
    /// The log-odds of a reply but for the group's norm: the base
    /// probability's and the facilitator's.
    base_logit: f32,
    openness_effect: f32,
    tie_effect: f32,
    /// 1 / the friend level in hours.
    per_friend: f32,
    memory_weight: f32,
}

impl ReplyRule {
    pub fn new(ctx: &SessionContext) -> ReplyRule {
        let p = &ctx.scenario.mechanisms.replies;
        let facilitated = if ctx.facilitated {
            p.facilitated_effect
        } else {
            0.0
        };
        ReplyRule {
            enabled: p.enabled,
            base_logit: (logit(p.reply_probability) + facilitated) as f32,
            openness_effect: p.openness_effect as f32,
            tie_effect: p.tie_effect as f32,
            per_friend: 1.0 / ctx.levels.friend,
            memory_weight: p.memory_weight as f32,
        }
    }

    /// The log-odds of a reply in a group whose reply norm is `norm`.
    #[inline(always)]
    pub fn group_logit<I: Isa>(&self, norm: F32s<I>) -> F32s<I> {
        norm + self.base_logit
    }

    /// A listener's factor of the odds against a reply, e^(−openness
    /// effect · (openness − ½)).
    #[inline(always)]
    pub fn listener_odds<I: Isa>(&self, openness: F32s<I>) -> F32s<I> {
        math::exp((openness - 0.5) * -self.openness_effect)
    }

    /// A pair's factor of the odds against a reply, e^(−tie effect ·
    /// min(strength / friend level, 1)).
    #[inline(always)]
    pub fn tie_odds<I: Isa>(&self, strength: F32s<I>, exp: &math::Exp<I>) -> F32s<I> {
        let one = strength.isa().f(1.0);
        exp.of((strength * self.per_friend).min(one) * -self.tie_effect)
    }

    /// The odds against a reply: e^(−group log-odds) (per lane) times the
    /// pair's and the listener's factors, the product [`replies`] makes
    /// (the first two once for both of a pair's replies). The chance of a
    /// reply is 1 / (1 + these odds), the logistic of the log-odds.
    #[cfg(test)]
    fn odds_against<I: Isa>(
        &self,
        group_logit: F32s<I>,
        openness: F32s<I>,
        strength: F32s<I>,
    ) -> F32s<I> {
        let exp = math::Exp::new(strength.isa());
        math::exp(-group_logit) * self.tie_odds(strength, &exp) * self.listener_odds(openness)
    }
}

/// Pairs whose reply numbers one Philox call gives: a word each, its
/// lower half for the lower place's reply to the higher's disclosure,
/// its upper half for the other way.
const PAIRS_A_CALL: usize = 4;

/// Step 4, replies: where replies are on and someone else came, each
/// attendee answers each other attendee's disclosure with the logistic
/// chance of the group's log-odds (`group_logit`, each lane's), their
/// openness and their friendship with the discloser. Pairs are taken in
/// pair order (`k = high · (high − 1) / 2 + low`); the pair's two
/// replies are decided by the halves of word `k mod 4` of the
/// `Purpose::Replies` numbers at position `⌊k / 4⌋` (the lower half for
/// `low` answering `high`), as `unit_half` numbers. The chance is
/// worked out as odds against, the product of a lane's, a pair's
/// ([`ReplyRule::tie_odds`]) and a listener's
/// ([`ReplyRule::listener_odds`]) factor. Writes replies
/// received and given to `session`; then [`remember_replies`].
#[inline(always)]
pub fn replies<I: Isa>(
    isa: I,
    p: &ReplyRule,
    key: Key,
    (step, group_ids): (u32, U32s<I>),
    group_logit: F32s<I>,
    lanes: &mut BatchLanes,
    session: &mut SessionLanes,
) {
    let listened_to = listened_to(isa, p, session);
    if listened_to.any() {
        let odds_of_group = math::exp(-group_logit);
        for i in 0..lanes.places() {
            let openness = lanes.float(isa, i, field::OPENNESS);
            session.put_float(i, Figure::ReplyOdds, p.listener_odds(openness));
        }
        exchange_replies(
            isa,
            p,
            key,
            (step, group_ids),
            odds_of_group,
            listened_to,
            lanes,
            session,
        );
    }
    remember_replies(isa, p, listened_to, lanes, session);
}

/// The replies of [`replies`], pair by pair, where disclosures were
/// `listened_to`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn exchange_replies<I: Isa>(
    isa: I,
    p: &ReplyRule,
    key: Key,
    (step, group_ids): (u32, U32s<I>),
    odds_of_group: F32s<I>,
    listened_to: Mask<I>,
    lanes: &BatchLanes,
    session: &mut SessionLanes,
) {
    let (zero, one) = (isa.f(0.0), isa.f(1.0));
    let exp = math::Exp::kept(isa);
    let mut words = [isa.u(0); PAIRS_A_CALL];
    let mut drawn = usize::MAX;
    // Only places whose members have arrived came, and only theirs have
    // pairs in the lanes.
    for high in 1..lanes.filled_places() {
        let high_came = listened_to & session.flag(isa, high, Figure::Attended);
        let high_disclosed = session.float(isa, high, Figure::Depth).gt(zero);
        let high_odds_factor = session.float(isa, high, Figure::ReplyOdds);
        // What `high` receives and gives along its row, in registers: no
        // other place's pair in the row adds to them, so they are the
        // same sums in the same order.
        let mut high_received = session.float(isa, high, Figure::Replies);
        let mut high_given = session.float(isa, high, Figure::Given);
        let row = high * (high - 1) / 2;
        for (low, strength) in lanes.column_row(Column::Strength, high).iter().enumerate() {
            let pair = row + low;
            let both = high_came & session.flag(isa, low, Figure::Attended);
            let low_disclosed = session.float(isa, low, Figure::Depth).gt(zero);
            let (low_answers, high_answers) = (both & high_disclosed, both & low_disclosed);
            if !(low_answers | high_answers).any() {
                continue;
            }
            let block = pair / PAIRS_A_CALL;
            if drawn != block {
                let at = Address {
                    step,
                    purpose: Purpose::Replies,
                    block: 0,
                    position: block as u32,
                };
                words = key.words(group_ids, at);
                drawn = block;
            }
            let word = words[pair % PAIRS_A_CALL];
            let strength = isa.words(strength.0).float_bits();
            let odds_of_pair = odds_of_group * p.tie_odds(strength, &exp);
            let low_odds = odds_of_pair * session.float(isa, low, Figure::ReplyOdds);
            let high_odds = odds_of_pair * high_odds_factor;
            // A reply where the number is below the logistic chance,
            // 1 / (1 + odds against).
            let low_replied = low_answers & (unit_half(word) * (1.0 + low_odds)).lt(one);
            let high_replied =
                high_answers & (unit_half(word.shr::<16>()) * (1.0 + high_odds)).lt(one);
            let (low_reply, high_reply) = (low_replied.keep(one), high_replied.keep(one));
            high_received = high_received + low_reply;
            add(session, low, Figure::Given, low_reply);
            add(session, low, Figure::Replies, high_reply);
            high_given = high_given + high_reply;
        }
        session.put_float(high, Figure::Replies, high_received);
        session.put_float(high, Figure::Given, high_given);
    }
}

/// Adds `v` to figure `f` of place `i`.
#[inline(always)]
fn add<I: Isa>(session: &mut SessionLanes, i: usize, f: Figure, v: F32s<I>) {
    let sum = session.float(v.isa(), i, f) + v;
    session.put_float(i, f, sum);
}

/// Uniform numbers in (0, 1) from the lower 16 bits of words: (h + ½) /
/// 2^16 for the half h, so never 0 or 1 (a chance of 0 never replies, of
/// 1 always). A reply's chance is thus decided to within 2^-17.
#[inline(always)]
pub fn unit_half<I: Isa>(words: U32s<I>) -> F32s<I> {
    let isa = words.isa();
    let half = words & isa.u(0xffff);
    (half.i32_to_f32() + 0.5) * (1.0 / 65_536.0)
}

/// Whether each lane's disclosures were listened to: replies are on and
/// someone besides the discloser came.
#[inline(always)]
pub fn listened_to<I: Isa>(isa: I, p: &ReplyRule, session: &SessionLanes) -> Mask<I> {
    let attendees = session.count(isa, Figure::Attended);
    attendees.gt(isa.f(1.0)) & isa.mask_of_bits(if p.enabled { !0 } else { 0 })
}

/// After the replies of a room's session or a forum's period (replies
/// received and given in `session`): each member's disclosure (or posting)
/// and the replies they gave and received are counted, and each discloser
/// who was `listened_to` remembers whether anyone answered (who got no
/// reply is written to `session`).
#[inline(always)]
pub fn remember_replies<I: Isa>(
    isa: I,
    p: &ReplyRule,
    listened_to: Mask<I>,
    lanes: &mut BatchLanes,
    session: &mut SessionLanes,
) {
    let (zero, one) = (isa.f(0.0), isa.f(1.0));
    for j in 0..lanes.places() {
        let given = session.float(isa, j, Figure::Given).nearest_i32();
        let count = lanes.word(isa, j, field::REPLIES_GIVEN);
        lanes.set_word(j, field::REPLIES_GIVEN, count + given);
        let disclosed = session.float(isa, j, Figure::Depth).gt(zero);
        if !disclosed.any() {
            continue;
        }
        let count = lanes.word(isa, j, field::DISCLOSURES);
        let count = count + disclosed.keep_u(isa.u(1));
        lanes.set_word(j, field::DISCLOSURES, count);
        let heard = disclosed & listened_to;
        let received = session.float(isa, j, Figure::Replies);
        let answered = received.gt(zero);
        session.put_flag(j, Figure::NoReply, heard & !answered);
        let count = lanes.word(isa, j, field::REPLIES_RECEIVED);
        lanes.set_word(j, field::REPLIES_RECEIVED, count + received.nearest_i32());
        let memory = lanes.float(isa, j, field::REPLY_MEMORY);
        let felt = answered.select(one, isa.f(-1.0));
        let remembered = (1.0 - p.memory_weight) * memory + p.memory_weight * felt;
        lanes.set_float(j, field::REPLY_MEMORY, heard.select(remembered, memory));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::lanes::Portable;
    use crate::rules::replies::{ListenerInputs, Replies, reply_log_odds};

    /// The odds against a reply, as their three factors' product, against
    /// e^(−log-odds) of the f64 rule, within f32's precision, over the
    /// parameters' and inputs' ranges (log-odds within about ±22).
    #[test]
    fn odds_against_are_the_rules() {
        let mut checked = 0;
        for probability in [0.01, 0.2, 0.4, 0.9, 0.999] {
            for (openness_effect, tie_effect) in [(1.7, 1.0), (-3.0, 5.0), (0.0, 0.0), (12.0, -8.0)]
            {
                let p = Replies {
                    reply_probability: probability,
                    openness_effect,
                    tie_effect,
                    ..Replies::default()
                };
                let rule = ReplyRule {
                    enabled: true,
                    base_logit: logit(probability) as f32,
                    openness_effect: openness_effect as f32,
                    tie_effect: tie_effect as f32,
                    per_friend: 1.0 / 8.0,
                    memory_weight: 0.5,
                };
                for step in 0..400 {
                    let norm = (step % 7) as f32 * 0.3 - 0.9;
                    let openness = (step % 11) as f32 / 10.0;
                    let strength = (step % 13) as f32 * 0.9;
                    let group_logit = rule.group_logit(Portable.f(norm));
                    let got = rule
                        .odds_against(group_logit, Portable.f(openness), Portable.f(strength))
                        .array()[0];
                    let inputs = ListenerInputs {
                        openness: f64::from(openness),
                        friendship: f64::from(strength) / 8.0,
                    };
                    let log_odds = reply_log_odds(&p, logit(probability) + f64::from(norm), inputs);
                    let want = (-log_odds).exp();
                    let error = (f64::from(got) - want).abs() / want;
                    assert!(
                        error < 4e-6,
                        "{probability} {openness_effect} {tie_effect} {step}: {got} against {want}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 5 * 4 * 400);
    }

    /// A half's number is (h + ½) / 2^16 of its lower 16 bits alone: never
    /// 0 or 1, and each of the 2^16 halves its own number.
    #[test]
    fn half_numbers_are_the_lower_halves_centred() {
        let mut last = 0.0;
        for h in 0..=0xffffu32 {
            let got =
                unit_half(Portable.words([h, h | 0xabcd_0000, h << 16, u32::MAX, 0, 1, 2, 3]))
                    .array();
            assert_eq!(got[0], (h as f32 + 0.5) / 65_536.0);
            assert_eq!(got[1], got[0], "the upper bits are not read");
            assert_eq!(got[2], 0.5 / 65_536.0);
            assert!(got[0] > last && got[0] < 1.0);
            last = got[0];
        }
        assert_eq!(
            unit_half(Portable.u(u32::MAX)).array()[0],
            65_535.5 / 65_536.0
        );
    }
}
