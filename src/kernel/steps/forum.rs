//! Steps 3, 4 and 6 of a forum's period in lanes (`docs/MODEL.md` §7.17):
//! posting, replies drawn from the period's visitors, and reading a few
//! of the period's posts. How many posts each visitor writes, and how many
//! replies each post gets, are drawn in lanes (eight groups at once);
//! who replies and what each visitor reads are each group's own lists,
//! walked one lane at a time with its words of the lanes' Philox calls.

use crate::context::SessionContext;
use crate::kernel::batch::{BatchLanes, field};
use crate::kernel::contacts;
use crate::kernel::draws::{Address, Key};
use crate::kernel::lanes::{Isa, LANES, Mask, U32s, each_lane};
use crate::kernel::math::Exp;
use crate::kernel::philox::unit;
use crate::kernel::scratch::{Figure, SessionLanes};
use crate::outside::GroupOutside;
use crate::population::{GroupState, NEVER};
use crate::rng::Purpose;
use crate::rules::forum;
use crate::rules::loneliness::LONELINESS_MIN;

/// A post read or answered is a full disclosure: the poster wrote what
/// they chose to write.
const POST_DEPTH: f32 = 1.0;

/// Draws for a replier before a post goes without that reply (each draw
/// that lands on the post's author is drawn again).
const REPLIER_TRIES: u32 = 8;

/// A forum's rules in f32 (`rules::forum`, with sharing, replies and
/// universality's switches and relief).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForumRule {
    sharing: bool,
    universality: bool,
    /// Posts a period at a propensity of 1.
    posts_per_period: f32,
    replies_per_post: f32,
    posts_read: u32,
    reading_weight: f32,
    relief: f32,
}

impl ForumRule {
    pub fn new(ctx: &SessionContext) -> ForumRule {
        let (p, m) = (&ctx.scenario.forum, &ctx.scenario.mechanisms);
        ForumRule {
            sharing: m.sharing.enabled,
            universality: m.universality.enabled,
            posts_per_period: forum::mean_posts(p, 1.0, ctx.interval_days) as f32,
            replies_per_post: p.replies_per_post as f32,
            posts_read: p.posts_read,
            reading_weight: forum::reading_share(p, false) as f32,
            relief: m.universality.relief as f32,
        }
    }
}

/// What a batch's forum period keeps between its steps; reused from batch
/// to batch.
#[derive(Debug, Default)]
pub struct ForumPeriod {
    /// Each lane's posts this period: their authors' places, in order.
    authors: [Vec<u32>; LANES],
    /// Each lane's visitors, in place order, and the running sums of their
    /// posting propensities (for drawing repliers).
    visitors: [Vec<u32>; LANES],
    cumulative: [Vec<f64>; LANES],
    /// The authors one visitor read.
    read: Vec<u32>,
}

/// The numbers at (step, group, `purpose`, `position`), block `block`.
fn at(step: u32, purpose: Purpose, block: u32, position: usize) -> Address {
    Address {
        step,
        purpose,
        block,
        position: position as u32,
    }
}

/// Step 3, posting: each visitor writes Poisson(posts a period · their
/// propensity) posts (the count's number word i mod 4 of the
/// `Purpose::Posting` call at position i / 4; a mean of 30 or more takes
/// position i's block 1); one who posts has disclosed, at full depth.
/// Writes each place's posts and depth to `session`, each group's posts
/// (its authors' places, in order) to `period`, and each member's posting
/// record to the groups; gives each lane's posters.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn posting<I: Isa>(
    isa: I,
    p: &ForumRule,
    key: Key,
    (step, ids): (u32, U32s<I>),
    lanes: &BatchLanes,
    session: &mut SessionLanes,
    groups: &mut [GroupState],
    period: &mut ForumPeriod,
) -> U32s<I> {
    let zero = isa.f(0.0);
    let mut posters = isa.u(0);
    for authors in &mut period.authors {
        authors.clear();
    }
    if !p.sharing {
        return posters;
    }
    let mut shared = (usize::MAX, [isa.u(0); 4]);
    for i in 0..lanes.places() {
        let here = session.flag(isa, i, Figure::Attended);
        if !here.any() {
            continue;
        }
        let propensity = session.float(isa, i, Figure::Propensity);
        let mean = here.keep(p.posts_per_period * propensity);
        if shared.0 != i / 4 {
            shared = (i / 4, key.words(ids, at(step, Purpose::Posting, 0, i / 4)));
        }
        let rest = at(step, Purpose::Posting, 1, i);
        let posts = contacts::count((key, &Exp::new(isa)), ids, shared.1[i % 4], rest, mean);
        let posted = posts.gt(zero);
        session.put_float(i, Figure::Depth, posted.keep(isa.f(POST_DEPTH)));
        session.put(i, Figure::Posts, posts.nearest_i32());
        posters = posters + posted.keep_u(isa.u(1));
    }
    for (l, g) in groups.iter_mut().enumerate() {
        for i in 0..lanes.places() {
            let posts = session.word_at(i, Figure::Posts, l);
            if posts == 0 {
                continue;
            }
            period.authors[l].extend(std::iter::repeat_n(i as u32, posts as usize));
            let f = &mut g.forum[i];
            f.posts += posts;
            if f.first_post_step == NEVER {
                f.first_post_step = step;
            } else if step > f.first_post_step {
                f.posted_again = true;
            }
        }
    }
    posters
}

/// Step 4, replies, where a lane's posts are `listened_to`: each post (the
/// `n`th of its group's period) receives Poisson(replies per post)
/// replies (the count from the `Purpose::ForumReplies` numbers at
/// position 2n), each from a visitor other than its author drawn in
/// proportion to their posting propensity (by inverse transform over the
/// running sums, the draws in turn from position 2n + 1; a draw that lands
/// on the author is drawn again, up to `REPLIER_TRIES` times). Writes
/// replies received and given, and each pair's exchanges, to `session`;
/// what the posters remember follows in
/// [`super::replies::remember_replies`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn replies<I: Isa>(
    isa: I,
    p: &ForumRule,
    key: Key,
    (step, ids): (u32, U32s<I>),
    listened_to: Mask<I>,
    session: &mut SessionLanes,
    groups: &[GroupState],
    period: &mut ForumPeriod,
) {
    let listened = listened_to.bits();
    for (l, g) in groups.iter().enumerate() {
        let (visitors, cumulative) = (&mut period.visitors[l], &mut period.cumulative[l]);
        visitors.clear();
        cumulative.clear();
        if listened >> l & 1 == 0 {
            continue;
        }
        let mut total = 0.0;
        for i in 0..g.places() {
            if session.word_at(i, Figure::Attended, l) != 0 {
                total += f64::from(g.forum[i].propensity);
                visitors.push(i as u32);
                cumulative.push(total);
            }
        }
    }
    let answered = |l: usize| {
        let total = period.cumulative[l].last().copied().unwrap_or(0.0);
        listened >> l & 1 == 1 && total > 0.0
    };
    let answered: [bool; LANES] = each_lane(|l| l < groups.len() && answered(l));
    let most = (0..groups.len())
        .filter(|&l| answered[l])
        .map(|l| period.authors[l].len())
        .max()
        .unwrap_or(0);
    for post in 0..most {
        let has = isa.flags(each_lane(|l| answered[l] && post < period.authors[l].len()));
        let mean = has.keep(isa.f(p.replies_per_post));
        let first = key.words(ids, at(step, Purpose::ForumReplies, 0, 2 * post))[0];
        let rest = at(step, Purpose::ForumReplies, 1, 2 * post);
        let counts = contacts::count((key, &Exp::new(isa)), ids, first, rest, mean)
            .nearest_i32()
            .array();
        if counts.iter().all(|&c| c == 0) {
            continue;
        }
        let mut repliers = Repliers {
            key,
            ids,
            at: at(step, Purpose::ForumReplies, 0, 2 * post + 1),
            block: None,
        };
        for l in (0..groups.len()).filter(|&l| counts[l] > 0) {
            let author = period.authors[l][post] as usize;
            let (visitors, cumulative) = (&period.visitors[l], &period.cumulative[l]);
            let total = cumulative[cumulative.len() - 1];
            let mut draw = 0u32;
            for _ in 0..counts[l] {
                let mut replier = None;
                for _ in 0..REPLIER_TRIES {
                    let u = f64::from(repliers.unit(l, draw)) * total;
                    draw += 1;
                    let at = cumulative.partition_point(|&c| c <= u);
                    let i = visitors[at.min(visitors.len() - 1)] as usize;
                    if i != author {
                        replier = Some(i);
                        break;
                    }
                }
                let Some(i) = replier else {
                    continue;
                };
                let received = session.float_at(author, Figure::Replies, l) + 1.0;
                session.set_word_at(author, Figure::Replies, l, received.to_bits());
                let given = session.float_at(i, Figure::Given, l) + 1.0;
                session.set_word_at(i, Figure::Given, l, given.to_bits());
                session.add_exchange(l, crate::bonds::pair_index(i, author));
            }
        }
    }
    session.sort_exchanges();
}

/// After the replies: whether each first-time poster of a lane whose posts
/// were `listened_to` was answered in the period of their first post.
pub fn first_answers<I: Isa>(
    step: u32,
    listened_to: Mask<I>,
    session: &SessionLanes,
    groups: &mut [GroupState],
) {
    for (l, g) in groups.iter_mut().enumerate() {
        if listened_to.bits() >> l & 1 == 0 {
            continue;
        }
        for (i, f) in g.forum.iter_mut().enumerate() {
            if f.first_post_step == step {
                f.first_answered = session.float_at(i, Figure::Replies, l) > 0.0;
            }
        }
    }
}

/// The numbers that pick a post's repliers, in turn.
struct Repliers<I: Isa> {
    key: Key,
    ids: U32s<I>,
    /// Block 0 of the post's repliers' numbers.
    at: Address,
    /// The block last made, in every lane.
    block: Option<(u32, [[u32; LANES]; 4])>,
}

impl<I: Isa> Repliers<I> {
    /// Lane `l`'s `n`th number: word n mod 4 of block n / 4.
    #[inline(always)]
    fn unit(&mut self, l: usize, n: u32) -> f32 {
        let block = n / 4;
        let words = match self.block {
            Some((made, words)) if made == block => words,
            _ => {
                let at = Address { block, ..self.at };
                let words = self.key.words(self.ids, at).map(U32s::array);
                self.block = Some((block, words));
                words
            }
        };
        unit(words[n as usize % 4][l])
    }
}

/// Step 6, reading: each visitor reads `posts_read` of the period's posts,
/// drawn at random with replacement (word r mod 4 of block r / 4 of the
/// `Purpose::Reading` numbers at their place; their own posts are passed
/// over). Universality's relief comes from what they read, scaled by
/// their group's `session_gain` and, for a visitor who did not post, by
/// the reading weight; the hopeful authors they read (each once, a
/// community tie who is also a group mate not again) are their exemplars
/// of hope. Writes each place's relief and hopeful authors read to
/// `session`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub fn reading<I: Isa>(
    isa: I,
    p: &ForumRule,
    key: Key,
    (step, ids): (u32, U32s<I>),
    lanes: &BatchLanes,
    session: &mut SessionLanes,
    groups: &[GroupState],
    outsides: &[&GroupOutside],
    period: &mut ForumPeriod,
) {
    let posted = isa.flags(each_lane(|l| {
        l < groups.len() && !period.authors[l].is_empty()
    }));
    if !posted.any() {
        return;
    }
    let blocks = p.posts_read.div_ceil(4);
    let mut words = Vec::with_capacity(blocks as usize);
    for i in 0..lanes.places() {
        let readers = session.flag(isa, i, Figure::Attended) & posted;
        if !readers.any() {
            continue;
        }
        words.clear();
        for block in 0..blocks {
            let numbers = key.words(ids, at(step, Purpose::Reading, block, i));
            words.push(numbers.map(U32s::array));
        }
        for (l, g) in groups.iter().enumerate() {
            if readers.bits() >> l & 1 == 0 {
                continue;
            }
            let authors = &period.authors[l];
            let read = &mut period.read;
            read.clear();
            for r in 0..p.posts_read as usize {
                let u = unit(words[r / 4][r % 4][l]);
                let at = ((u * authors.len() as f32) as usize).min(authors.len() - 1);
                if authors[at] as usize != i {
                    read.push(authors[at]);
                }
            }
            let similarities = g.bonds.similarities();
            let mut miss = 1.0f32;
            for &j in read.iter() {
                let similarity = similarities[crate::bonds::pair_index(i, j as usize)];
                miss *= 1.0 - similarity * POST_DEPTH;
            }
            if p.universality {
                let share = if session.float_at(i, Figure::Depth, l) > 0.0 {
                    1.0
                } else {
                    p.reading_weight
                };
                let loneliness = f32::from_bits(lanes.word_at(i, field::LONELINESS, l));
                let relief = p.relief * (loneliness - LONELINESS_MIN as f32) * (1.0 - miss);
                let gain = g.character.session_gain() as f32;
                session.set_word_at(i, Figure::Relief, l, (relief * gain * share).to_bits());
            }
            read.sort_unstable();
            read.dedup();
            let hopeful = |j: u32| lanes.word_at(j as usize, field::HOPEFUL_SINCE, l) != NEVER;
            let mate = |j: u32| {
                let pair = ((i as u32).min(j), (i as u32).max(j));
                outsides[l].mates.binary_search(&pair).is_ok()
            };
            let exemplars = read.iter().filter(|&&j| hopeful(j) && !mate(j)).count();
            session.set_word_at(i, Figure::HopefulRead, l, exemplars as u32);
        }
    }
}
