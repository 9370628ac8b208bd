//! Step 10's relaxation in vector lanes (x86-64 AVX2), four members at a
//! time, with the bits of the one-member-at-a-time code in `steps.rs`.
//!
//! Each member's loneliness this session depends only on the member: the
//! noise deviate at their place, their tie support, their scores, whether
//! they have caught loneliness and universality's relief. The deviates
//! come from Marsaglia's polar method, couple by couple (members 2h and
//! 2h + 1 take couple h's two): four couples' points are drawn at once,
//! round after round, each lane keeping the first point inside the unit
//! disc, as [`crate::rng::standard_normal_pair`] keeps it; the rounds of
//! four consecutive couples are four consecutive positions of the noise
//! draws. The logarithm of the polar method and the exponential of the
//! set point are `libm`'s, in lanes ([`crate::lanes::exp_log`]); every
//! other operation is the scalar code's, in its order, in each lane.

use std::arch::x86_64::*;

use crate::lanes::{exp_log, lanes_of, select, uniforms_at};
use crate::population::GroupState;
use crate::rng::Draws;
use crate::rules::loneliness::{CAUGHT_MARGIN, LONELINESS_MAX, LONELINESS_MIN, LONELY_CUTOFF};

/// The most places a group may have for its relaxation to run here.
pub(super) const MOST_PLACES: usize = 64;

/// The parameters of one session's relaxation.
pub(super) struct Relaxation {
    /// The loneliness noise's numbers (`Purpose::LonelinessNoise`).
    pub noise: Draws,
    pub noise_sd: f64,
    pub tie_relief: f64,
    /// Share of the gap to the set point closed this session.
    pub rate: f64,
}

/// Relaxes every member who has arrived toward their set point with noise,
/// then applies universality's `relief` and holds caught members at or
/// above the cut-off: the second and third loops of step 10.
///
/// Only for a processor with AVX2 (the caller checks) and groups of at
/// most [`MOST_PLACES`] places.
#[target_feature(enable = "avx2")]
pub(super) fn relax(r: &Relaxation, g: &mut GroupState, relief: &[f64]) {
    debug_assert!(g.places() <= MOST_PLACES);
    let arrived = g.arrived;
    let mut deviates = [0.0; MOST_PLACES];
    noise_deviates(
        r.noise,
        g.places().div_ceil(2),
        arrived.div_ceil(2),
        &mut deviates,
    );
    let ties = &g.tie_summary.members[..arrived];
    let relief = &relief[..arrived];
    for (block, members) in g.members[..arrived].chunks_mut(4).enumerate() {
        let first = block * 4;
        // Lanes past the last member hold harmless values and are not
        // stored.
        let (mut start, mut score, mut support, mut caught, mut eased) = (
            [LONELINESS_MIN; 4],
            [LONELINESS_MIN; 4],
            [0.0; 4],
            [0.0; 4],
            [0.0; 4],
        );
        for (l, m) in members.iter().enumerate() {
            start[l] = f64::from(m.loneliness_start);
            score[l] = f64::from(m.loneliness);
            support[l] = f64::from(ties[first + l].support);
            caught[l] = f64::from_bits(if m.caught { u64::MAX } else { 0 });
            eased[l] = relief[first + l];
        }
        // SAFETY: each array is four readable f64.
        let load = |v: &[f64; 4]| unsafe { _mm256_loadu_pd(v.as_ptr()) };
        let z = load(deviates[first..first + 4].try_into().expect("four lanes"));
        let caught = load(&caught);
        let after = relaxed(r, z, (load(&start), load(&score), load(&support)), caught);
        let after = relieved(after, load(&eased), caught);
        // `as f32` rounds as the scalar step's last conversion does.
        for (m, value) in members.iter_mut().zip(lanes_of(after)) {
            m.loneliness = value as f32;
        }
    }
}

/// One lane's relaxation, as `loneliness::set_point`, `caught_set_point`
/// and `relax` compute it, rounded to the score's f32 and widened back.
#[inline]
#[target_feature(enable = "avx2")]
fn relaxed(
    r: &Relaxation,
    z: __m256d,
    (start, score, support): (__m256d, __m256d, __m256d),
    caught: __m256d,
) -> __m256d {
    let c = _mm256_set1_pd;
    let noise = _mm256_mul_pd(c(r.noise_sd), z);
    let kept = exp_log::exp(_mm256_xor_pd(support, c(-0.0)));
    let lowered = _mm256_mul_pd(c(r.tie_relief), _mm256_sub_pd(c(1.0), kept));
    let own = _mm256_max_pd(_mm256_sub_pd(start, lowered), c(LONELINESS_MIN));
    let held = _mm256_max_pd(own, c(LONELY_CUTOFF + CAUGHT_MARGIN));
    let set_point = select(caught, held, own);
    let moved = _mm256_add_pd(
        score,
        _mm256_mul_pd(c(r.rate), _mm256_sub_pd(set_point, score)),
    );
    let moved = _mm256_add_pd(moved, noise);
    let kept_on_scale = _mm256_min_pd(_mm256_max_pd(moved, c(LONELINESS_MIN)), c(LONELINESS_MAX));
    _mm256_cvtps_pd(_mm256_cvtpd_ps(kept_on_scale))
}

/// Universality's relief (where there is any) and caught loneliness held
/// at or above the cut-off, as the third loop of step 10 applies them.
#[inline]
#[target_feature(enable = "avx2")]
fn relieved(score: __m256d, relief: __m256d, caught: __m256d) -> __m256d {
    let c = _mm256_set1_pd;
    let some = _mm256_cmp_pd::<_CMP_GT_OQ>(relief, c(0.0));
    let eased = _mm256_max_pd(_mm256_sub_pd(score, relief), c(LONELINESS_MIN));
    let score = select(some, eased, score);
    select(caught, _mm256_max_pd(score, c(LONELY_CUTOFF)), score)
}

/// Writes the standard normal deviates of the first `needed` couples among
/// `couples` (the group's places halved, rounded up) into `deviates`, in
/// member order: couple h's two at 2h and 2h + 1.
#[inline]
#[target_feature(enable = "avx2")]
fn noise_deviates(noise: Draws, couples: usize, needed: usize, deviates: &mut [f64; MOST_PLACES]) {
    for first in (0..needed).step_by(4) {
        let (u, v) = polar_points(noise, couples, first, needed - first);
        let s = _mm256_add_pd(_mm256_mul_pd(u, u), _mm256_mul_pd(v, v));
        let logs = _mm256_mul_pd(_mm256_set1_pd(-2.0), exp_log::log(s));
        let factor = _mm256_sqrt_pd(_mm256_div_pd(logs, s));
        let (a, b) = (_mm256_mul_pd(u, factor), _mm256_mul_pd(v, factor));
        let (low, high) = (_mm256_unpacklo_pd(a, b), _mm256_unpackhi_pd(a, b));
        let out = &mut deviates[2 * first..2 * first + 8];
        // SAFETY: `out` is eight writable f64 (`needed` couples fill at
        // most `MOST_PLACES` places).
        unsafe {
            _mm256_storeu_pd(out.as_mut_ptr(), _mm256_permute2f128_pd::<0x20>(low, high));
            _mm256_storeu_pd(
                out.as_mut_ptr().add(4),
                _mm256_permute2f128_pd::<0x31>(low, high),
            );
        }
    }
}

/// The accepted points (u, v) of couples `first` to `first + 3` (of which
/// the first `wanted` are wanted; the other lanes hold (0.5, 0.5)): round
/// `r` of couple h draws u at position 2r·couples + h and v at
/// (2r + 1)·couples + h; a point is accepted when 0 < u² + v² < 1.
#[inline]
#[target_feature(enable = "avx2")]
fn polar_points(noise: Draws, couples: usize, first: usize, wanted: usize) -> (__m256d, __m256d) {
    let c = _mm256_set1_pd;
    let lane = _mm256_setr_pd(0.0, 1.0, 2.0, 3.0);
    let mut pending = _mm256_cmp_pd::<_CMP_LT_OQ>(lane, c(wanted as f64));
    let (mut u_kept, mut v_kept) = (c(0.5), c(0.5));
    let stride = couples as u64;
    let mut at = first as u64;
    while _mm256_movemask_pd(pending) != 0 {
        let u = _mm256_sub_pd(_mm256_mul_pd(c(2.0), uniforms_at(noise, at)), c(1.0));
        let v = _mm256_sub_pd(
            _mm256_mul_pd(c(2.0), uniforms_at(noise, at + stride)),
            c(1.0),
        );
        let s = _mm256_add_pd(_mm256_mul_pd(u, u), _mm256_mul_pd(v, v));
        let inside = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_GT_OQ>(s, c(0.0)),
            _mm256_cmp_pd::<_CMP_LT_OQ>(s, c(1.0)),
        );
        let accepted = _mm256_and_pd(inside, pending);
        u_kept = select(accepted, u, u_kept);
        v_kept = select(accepted, v, v_kept);
        pending = _mm256_andnot_pd(accepted, pending);
        at += 2 * stride;
    }
    (u_kept, v_kept)
}
