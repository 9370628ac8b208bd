//! Step 4 in lanes: replies (a room's), and what a discloser remembers
//! of them (a room's or a forum's).

use crate::context::SessionContext;
use crate::kernel::batch::{BatchLanes, Column, field};
use crate::kernel::draws::{Address, Key};
use crate::kernel::lanes::{F32s, Isa, Mask, U32s};
use crate::kernel::math;
use crate::kernel::philox::unit_f32;
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
}

/// Listeners whose numbers one Philox call gives (its four words).
const LISTENERS_A_CALL: usize = 4;

/// Step 4, replies: each disclosure (places in order) is counted; where
/// replies are on and someone else came, each other attendee answers it
/// with the logistic chance of the group's log-odds (`group_logit`, each
/// lane's), their openness and their friendship with the discloser,
/// decided by word `i mod 4` of the `Purpose::Replies` numbers at
/// position `j · ⌈places / 4⌉ + ⌊i / 4⌋` for listener `i` and discloser
/// `j`. Writes replies received and given to `session`; then
/// [`remember_replies`].
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
    let (zero, one) = (isa.f(0.0), isa.f(1.0));
    let n = lanes.places();
    let listened_to = listened_to(isa, p, session);
    let blocks = n.div_ceil(LISTENERS_A_CALL);
    for j in 0..n {
        let disclosed = session.float(isa, j, Figure::Depth).gt(zero);
        if !disclosed.any() {
            continue;
        }
        let heard = disclosed & listened_to;
        if !heard.any() {
            continue;
        }
        let mut received = zero;
        for block in 0..blocks {
            let at = Address {
                step,
                purpose: Purpose::Replies,
                block: 0,
                position: (j * blocks + block) as u32,
            };
            let words = key.words(group_ids, at);
            let listeners = (block * LISTENERS_A_CALL..n.min((block + 1) * LISTENERS_A_CALL))
                .filter(|&i| i != j);
            for i in listeners {
                let listener = heard & session.flag(isa, i, Figure::Attended);
                if !listener.any() {
                    continue;
                }
                let (low, high) = if i < j { (i, j) } else { (j, i) };
                let strength = lanes.pair(isa, Column::Strength, high * (high - 1) / 2 + low);
                let openness = lanes.float(isa, i, field::OPENNESS);
                let log_odds = group_logit
                    + p.openness_effect * (openness - 0.5)
                    + p.tie_effect * (strength * p.per_friend).min(one);
                let u = unit_f32(words[i % LISTENERS_A_CALL]);
                // u below the logistic of the log-odds.
                let replied = listener & (u * (1.0 + math::exp(-log_odds))).lt(one);
                let reply = replied.select(one, zero);
                received = received + reply;
                let given = session.float(isa, i, Figure::Given) + reply;
                session.put_float(i, Figure::Given, given);
            }
        }
        session.put_float(j, Figure::Replies, heard.select(received, zero));
    }
    remember_replies(isa, p, listened_to, lanes, session);
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
        let count = count + disclosed.select_u(isa.u(1), isa.u(0));
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
