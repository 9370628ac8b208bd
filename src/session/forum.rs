//! The steps a forum (`format.delivery = "forum"`, `docs/MODEL.md` §7.17)
//! runs in place of floor time and disclosure (3), replies (4) and
//! universality (6): posting at each member's own rate, replies drawn from
//! the period's visitors, and reading a few of the period's posts.

use super::{Scratch, Session, remember_replies};
use crate::bonds::pair_index;
use crate::population::{GroupState, NEVER};
use crate::rng::{self, Purpose};
use crate::rules::{forum, universality};

/// A post read or answered is a full disclosure: the poster wrote what
/// they chose to write.
const POST_DEPTH: f64 = 1.0;

/// Draws for a replier before a post goes without that reply (each draw
/// that lands on the post's author is drawn again).
const REPLIER_TRIES: u32 = 8;

/// Step 3 in a forum, posting: each visitor writes Poisson(posts_per_week
/// · τ/7 · propensity) posts; one who posts has disclosed.
#[inline]
pub(super) fn posting(s: &Session, g: &mut GroupState, sc: &mut Scratch) {
    if !s.ctx.scenario.mechanisms.sharing.enabled {
        return;
    }
    let p = &s.ctx.scenario.forum;
    let draws = s.key.draws(Purpose::Posting);
    let places = g.places();
    for &i in &sc.attendees {
        let propensity = f64::from(g.forum[i].propensity);
        let posts = rng::poisson(
            &mut draws.rounds(i, places),
            forum::mean_posts(p, propensity, s.ctx.interval_days),
        );
        if posts == 0 {
            continue;
        }
        sc.depth[i] = POST_DEPTH;
        sc.disclosers += 1;
        sc.post_authors
            .extend(std::iter::repeat_n(i, posts as usize));
        let f = &mut g.forum[i];
        f.posts += posts;
        if f.first_post_step == NEVER {
            f.first_post_step = s.step;
        } else if s.step > f.first_post_step {
            f.posted_again = true;
        }
    }
}

/// Step 4 in a forum, replies: each post receives Poisson(replies_per_post)
/// replies, each from a visitor other than its author drawn in proportion
/// to their posting propensity; a poster remembers whether anyone answered
/// them this period. With replies off posts are counted and nothing else
/// happens.
#[inline]
pub(super) fn forum_replies(s: &Session, g: &mut GroupState, sc: &mut Scratch) {
    if sc.disclosers == 0 {
        return;
    }
    let p = &s.ctx.scenario.mechanisms.replies;
    let answered = p.enabled && sc.attendees.len() > 1;
    if answered {
        draw_replies(s, g, sc);
    }
    for &j in &sc.attendees {
        if sc.depth[j] <= 0.0 {
            continue;
        }
        g.members[j].disclosures += 1;
        if !answered {
            continue;
        }
        let received = sc.replies[j] as u32;
        remember_replies(p, g, &mut sc.no_reply[j], j, received);
        if g.forum[j].first_post_step == s.step {
            g.forum[j].first_answered = received > 0;
        }
    }
}

/// Every post's replies, post by post in order: repliers by inverse
/// transform over the visitors' cumulative propensities.
fn draw_replies(s: &Session, g: &mut GroupState, sc: &mut Scratch) {
    let mean = s.ctx.scenario.forum.replies_per_post;
    let cumulative: Vec<f64> = sc
        .attendees
        .iter()
        .scan(0.0, |total, &i| {
            *total += f64::from(g.forum[i].propensity);
            Some(*total)
        })
        .collect();
    let total = cumulative.last().copied().unwrap_or(0.0);
    if total <= 0.0 {
        return;
    }
    let mut draws = s.key.stream(Purpose::ForumReplies);
    for &author in &sc.post_authors {
        let count = rng::poisson(&mut draws, mean);
        for _ in 0..count {
            let replier = (0..REPLIER_TRIES)
                .map(|_| {
                    let u = rng::uniform(&mut draws) * total;
                    let at = cumulative.partition_point(|&c| c <= u);
                    sc.attendees[at.min(sc.attendees.len() - 1)]
                })
                .find(|&i| i != author);
            let Some(i) = replier else {
                continue;
            };
            sc.replies[author] += 1.0;
            sc.given[i] += 1.0;
            g.members[i].replies_given += 1;
            sc.exchanges.push((pair_index(i, author), 1));
        }
    }
    // One entry per pair, in pair order (the order the ties step walks).
    sc.exchanges.sort_unstable_by_key(|&(k, _)| k);
    sc.exchanges.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 += later.1;
        }
        same
    });
}

/// Step 6 in a forum, reading: each visitor reads up to `posts_read` of
/// the period's posts (drawn at random, with replacement; their own are
/// passed over). Universality's relief comes from what they read, at
/// `reading_weight` for a visitor who did not post; the hopeful authors
/// they read (each once, a community tie who is also a group mate not
/// again) are their exemplars of hope.
#[inline]
pub(super) fn reading(s: &Session, g: &GroupState, sc: &mut Scratch) {
    let posts = sc.post_authors.len();
    if posts == 0 {
        return;
    }
    let p = &s.ctx.scenario.forum;
    let relief_on = s.ctx.scenario.mechanisms.universality.enabled;
    let relief_rate = s.ctx.scenario.mechanisms.universality.relief;
    let gain = g.character.session_gain();
    let mut draws = s.key.stream(Purpose::Reading);
    let mut authors = Vec::with_capacity(p.posts_read as usize);
    for &i in &sc.attendees {
        authors.clear();
        for _ in 0..p.posts_read {
            let at = ((rng::uniform(&mut draws) * posts as f64) as usize).min(posts - 1);
            let author = sc.post_authors[at];
            if author != i {
                authors.push(author);
            }
        }
        let mut miss = 1.0;
        for &j in &authors {
            let similarity = f64::from(g.bonds.similarities()[pair_index(i, j)]);
            miss = universality::miss_after(miss, similarity, POST_DEPTH);
        }
        let share = forum::reading_share(p, sc.depth[i] > 0.0);
        if relief_on {
            let relief =
                universality::relief(relief_rate, f64::from(g.members[i].loneliness), 1.0 - miss);
            sc.relief[i] = relief * gain * share;
        }
        authors.sort_unstable();
        authors.dedup();
        let mates = &s.outside.mates;
        sc.hopeful_read[i] = authors
            .iter()
            .filter(|&&j| g.members[j].hopeful_since != NEVER)
            .filter(|&&j| {
                let pair = (i.min(j) as u32, i.max(j) as u32);
                mates.binary_search(&pair).is_err()
            })
            .count() as u32;
    }
}
