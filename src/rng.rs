//! Random numbers and the few distributions the model draws from.
//!
//! The numbers of everything but a session's steps 2 to 13 (which take
//! Philox's, [`crate::kernel::draws`]): initialization, an open group's
//! arrivals, the community network and its turnover, a sensitivity design
//! and a calibration's particles. Each is addressed by a key, `(seed,
//! replicate, step, group, purpose)` ([`StreamKey`], [`Purpose`], whose
//! list the kernel's addresses share), mixed with SplitMix64 into one
//! word; the numbers of a key are those of the SplitMix64 generator seeded
//! with that word, the n-th being `mix(word + (n + 1)γ)` ([`Draws`]), any
//! one computable on its own (items that need several take them in rounds,
//! round `r` of item `k` among `n` items at position `r·n + k`,
//! [`Rounds`]); most read their key's numbers in order ([`Stream`]). The
//! same key gives the same numbers on every machine, and adding a draw to
//! one rule (one [`Purpose`]) cannot shift the numbers another rule sees.
//!
//! The samplers below (normal, gamma, beta, Poisson, log-normal) are written
//! here on top of `libm`, a pure-Rust port of musl's maths library, rather than
//! taken from `rand_distr`, whose samplers call the platform's maths library:
//! `exp` and `ln` are not guaranteed to round the same way on every system,
//! and byte-identical output on every machine is a promise of this crate.

use rand::TryRng;
use std::convert::Infallible;

/// SplitMix64's increment: the fractional part of the golden ratio, in 64
/// bits.
pub(crate) const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's two multipliers (Stafford's "Mix13").
pub(crate) const MIX: (u64, u64) = (0xBF58_476D_1CE4_E5B9, 0x94D0_49BB_1331_11EB);

/// A uniform number in [0, 1) from 64 random bits: their upper 53 bits as
/// a fraction, as `rand` converts them (a test holds the two equal).
#[inline(always)]
fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The numbers of one key: SplitMix64 (Steele, Lea & Flood 2014; the
/// generator of Java's `SplittableRandom`) seeded with the key, each
/// addressed by its position. SplitMix64 is a counter passed through a
/// bijective mixing function, so the number at a position costs one
/// multiply more than the next one in sequence; it passes the BigCrush
/// battery, and it is the generator `rand_xoshiro::SplitMix64` implements
/// (a test holds the two equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Draws {
    key: u64,
}

impl Draws {
    /// The 64 random bits at `position`.
    #[inline(always)]
    pub fn bits_at(self, position: u64) -> u64 {
        splitmix64(self.key.wrapping_add(position.wrapping_mul(GAMMA)))
    }

    /// The uniform number in [0, 1) at `position`.
    #[inline(always)]
    pub fn uniform_at(self, position: u64) -> f64 {
        unit(self.bits_at(position))
    }

    /// The numbers of item `item` among `items` (a member among the
    /// group's places, a pair among its pairs), round by round: round `r`
    /// at position `r·items + item`. Round 0 is `uniform_at(item)`.
    #[inline(always)]
    pub fn rounds(self, item: usize, items: usize) -> Rounds {
        debug_assert!(item < items, "item {item} of {items}");
        Rounds {
            draws: self,
            position: item as u64,
            stride: items as u64,
        }
    }

    /// The key's numbers in order, from position 0.
    pub fn stream(self) -> Stream {
        Stream { state: self.key }
    }
}

/// One item's numbers, round by round ([`Draws::rounds`]).
#[derive(Debug, Clone)]
pub struct Rounds {
    draws: Draws,
    position: u64,
    stride: u64,
}

/// A key's numbers read in order: SplitMix64 itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stream {
    /// The key plus γ times the numbers read so far.
    state: u64,
}

impl Stream {
    #[inline]
    fn next(&mut self) -> u64 {
        let bits = splitmix64(self.state);
        self.state = self.state.wrapping_add(GAMMA);
        bits
    }
}

/// Where a sampler takes its uniform numbers from: a stream read in order,
/// or one item's rounds.
pub trait Uniforms {
    /// The next uniform number in [0, 1).
    fn next_uniform(&mut self) -> f64;
}

impl Uniforms for Stream {
    #[inline]
    fn next_uniform(&mut self) -> f64 {
        unit(self.next())
    }
}

impl Uniforms for Rounds {
    #[inline(always)]
    fn next_uniform(&mut self) -> f64 {
        let u = self.draws.uniform_at(self.position);
        self.position = self.position.wrapping_add(self.stride);
        u
    }
}

/// `rand`'s generator interface, so that its conversions and helpers
/// apply to a stream.
impl TryRng for Stream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.next() >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.next())
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

/// What a stream is used for. Each rule draws from its own purpose so that
/// the streams of different rules never overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Drawing the members' traits at the start of a replicate.
    Population = 1,
    /// Newcomers arriving in an open group.
    Arrivals = 2,
    /// Who attends a session.
    Attendance = 3,
    /// Who discloses during a session.
    Disclosure = 4,
    /// Whether a disclosure receives a reply.
    Replies = 5,
    /// Contact outside the sessions.
    OutsideContact = 6,
    /// Day-to-day fluctuation of loneliness.
    LonelinessNoise = 7,
    /// Optional SISa loneliness contagion.
    Contagion = 8,
    /// Leaving because one is better.
    Graduation = 9,
    /// Leaving before one is better.
    Dropout = 10,
    /// Generating the community network outside the groups.
    CommunityNetwork = 11,
    /// Which row of a baseline cohort file each member takes
    /// (`population.sampling = "resample"`).
    BaselineRow = 12,
    /// Each group's character (`mechanisms.group_differences`).
    GroupCharacter = 13,
    /// The random order over which a generated community network is laid.
    CommunityLayout = 14,
    /// Community ties that dissolve and form between sessions.
    CommunityTurnover = 15,
    /// Forum members' posting propensities, drawn at the start.
    PostingPropensity = 16,
    /// How many posts a forum visitor writes in a period.
    Posting = 17,
    /// Who replies to a forum post.
    ForumReplies = 18,
    /// Which posts a forum visitor reads.
    Reading = 19,
    /// The random parts of a sensitivity design (Morris trajectories).
    SensitivityDesign = 20,
    /// Bootstrap resamples of a sensitivity analysis.
    SensitivityBootstrap = 21,
    /// A calibration generation's particles (keyed by the generation as
    /// its step).
    CalibrationProposal = 22,
}

/// SplitMix64's step and output function: `z + γ` through a bijective,
/// well-mixing map of a 64-bit word.
#[inline(always)]
pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(MIX.0);
    z = (z ^ (z >> 27)).wrapping_mul(MIX.1);
    z ^ (z >> 31)
}

/// The key of one group at one step of one replicate; each purpose's stream
/// derives from it ([`StreamKey::stream`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamKey(u64);

impl StreamKey {
    pub fn new(seed: u64, replicate: u32, step: u32, group: u32) -> Self {
        let mut key = splitmix64(seed);
        key = splitmix64(key ^ u64::from(replicate));
        key = splitmix64(key ^ u64::from(step));
        key = splitmix64(key ^ u64::from(group));
        StreamKey(key)
    }

    /// The numbers of one purpose, by position.
    #[inline]
    pub fn draws(self, purpose: Purpose) -> Draws {
        Draws {
            key: splitmix64(self.0 ^ purpose as u64),
        }
    }

    /// The numbers of one purpose, in order.
    pub fn stream(self, purpose: Purpose) -> Stream {
        self.draws(purpose).stream()
    }
}

/// The stream for one purpose of one group at one step of one replicate.
pub fn stream_for(seed: u64, replicate: u32, step: u32, group: u32, purpose: Purpose) -> Stream {
    StreamKey::new(seed, replicate, step, group).stream(purpose)
}

/// A uniform number in [0, 1).
#[inline(always)]
pub fn uniform(rng: &mut impl Uniforms) -> f64 {
    rng.next_uniform()
}

/// A uniformly random permutation of `0..n` (Fisher–Yates, from the end).
pub fn permutation(n: usize, rng: &mut Stream) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    for i in (1..n).rev() {
        let j = ((uniform(rng) * (i + 1) as f64) as usize).min(i);
        order.swap(i, j);
    }
    order
}

/// True with probability `p` (clamped to [0, 1]).
#[inline]
pub fn bernoulli(rng: &mut impl Uniforms, p: f64) -> bool {
    uniform(rng) < p
}

/// Two independent standard normal deviates (Marsaglia's polar method, on
/// `libm`): a point drawn in the unit disc gives both.
pub fn standard_normal_pair(rng: &mut impl Uniforms) -> (f64, f64) {
    loop {
        let u = 2.0 * uniform(rng) - 1.0;
        let v = 2.0 * uniform(rng) - 1.0;
        let s = u * u + v * v;
        if s > 0.0 && s < 1.0 {
            let factor = libm::sqrt(-2.0 * libm::log(s) / s);
            return (u * factor, v * factor);
        }
    }
}

/// A standard normal deviate: the first of a pair (for draws taken once,
/// when a population or a design is set up).
pub fn standard_normal(rng: &mut impl Uniforms) -> f64 {
    standard_normal_pair(rng).0
}

/// A normal deviate with the given mean and standard deviation.
pub fn normal(rng: &mut impl Uniforms, mean: f64, sd: f64) -> f64 {
    mean + sd * standard_normal(rng)
}

/// A gamma deviate with the given shape and scale (Marsaglia & Tsang 2000).
pub fn gamma(rng: &mut impl Uniforms, shape: f64, scale: f64) -> f64 {
    if shape < 1.0 {
        // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
        let u = uniform(rng);
        return gamma(rng, shape + 1.0, scale) * libm::pow(u, 1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / libm::sqrt(9.0 * d);
    loop {
        let x = standard_normal(rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = uniform(rng);
        if u < 1.0 - 0.0331 * x * x * x * x
            || libm::log(u) < 0.5 * x * x + d * (1.0 - v + libm::log(v))
        {
            return d * v * scale;
        }
    }
}

/// A beta deviate with the given mean and "sample size" `kappa = a + b`.
pub fn beta_mean(rng: &mut impl Uniforms, mean: f64, kappa: f64) -> f64 {
    let a = mean * kappa;
    let b = (1.0 - mean) * kappa;
    let x = gamma(rng, a, 1.0);
    let y = gamma(rng, b, 1.0);
    if x + y > 0.0 { x / (x + y) } else { mean }
}

/// A Poisson deviate. Knuth's product method below mean 30, otherwise a
/// rounded normal approximation (arrival rates per session are small).
/// The first uniform of the product method is drawn here, inlined where a
/// pair's contacts are drawn, since most answers are 0 at once; the rest
/// is `poisson_past_the_first`.
#[inline(always)]
pub fn poisson(rng: &mut impl Uniforms, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean < 30.0 {
        let first = uniform(rng);
        // No event when the first uniform is at most e^−mean. Since
        // e^−mean ≥ 1 − mean, a uniform below 1 − mean (less a margin far
        // wider than the rounding of either side) is below it: the
        // answer is 0 without computing the exponential, as it would be
        // with it. Most pairs' contact counts are 0 this way.
        if first < (1.0 - mean) * (1.0 - 1e-12) {
            return 0;
        }
        poisson_past_the_first(rng, mean, first)
    } else {
        libm::round(normal(rng, mean, libm::sqrt(mean))).max(0.0) as u32
    }
}

/// Knuth's product method from its first uniform on.
#[inline(never)]
fn poisson_past_the_first(rng: &mut impl Uniforms, mean: f64, first: f64) -> u32 {
    let mut product = first;
    let mut limit = NegativeExp::of(mean);
    let mut count = 0;
    while limit.is_below(product) {
        count += 1;
        product *= uniform(rng);
    }
    count
}

/// e^−mean as Knuth's product method compares with it: for a mean up to 1,
/// first through bounds from its series, 1 − m + m²/2 − m³/6 < e^−m <
/// 1 − m + m²/2 − m³/6 + m⁴/24 (each widened by a margin far wider than
/// the rounding of either side), which decide a comparison unless the
/// product falls within m⁴/24 of it; the exponential itself is computed
/// only then (and at once for larger means). The answers are those of the
/// comparison with `libm::exp(-mean)`.
struct NegativeExp {
    mean: f64,
    /// Bounds on e^−mean; equal once it has been computed.
    low: f64,
    high: f64,
}

impl NegativeExp {
    #[inline]
    fn of(mean: f64) -> NegativeExp {
        if mean <= 1.0 {
            let squared = mean * mean;
            let below = 1.0 - mean + 0.5 * squared - squared * mean / 6.0;
            let above = below + squared * squared / 24.0;
            NegativeExp {
                mean,
                low: below * (1.0 - 1e-12),
                high: above * (1.0 + 1e-12),
            }
        } else {
            let limit = libm::exp(-mean);
            NegativeExp {
                mean,
                low: limit,
                high: limit,
            }
        }
    }

    /// Whether e^−mean < `x`.
    #[inline]
    fn is_below(&mut self, x: f64) -> bool {
        if x > self.high {
            return true;
        }
        if x <= self.low {
            return false;
        }
        // Between the bounds, so they differ: e^−mean is computed, once.
        let limit = libm::exp(-self.mean);
        (self.low, self.high) = (limit, limit);
        x > limit
    }
}

/// A log-normal deviate whose logarithm has the given mean and sd.
pub fn log_normal(rng: &mut impl Uniforms, log_mean: f64, log_sd: f64) -> f64 {
    libm::exp(normal(rng, log_mean, log_sd))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Knuth's product method as written in the textbook, with the
    /// exponential always computed.
    fn poisson_by_the_book(rng: &mut Stream, mean: f64) -> u32 {
        let limit = libm::exp(-mean);
        let mut product = uniform(rng);
        let mut count = 0;
        while product > limit {
            count += 1;
            product *= uniform(rng);
        }
        count
    }

    #[test]
    fn poisson_without_the_exponential_gives_the_same_counts_and_leaves_the_stream_alike() {
        let means = [1e-9, 1e-4, 0.01, 0.3, 0.5, 0.999, 1.0, 1.5, 4.0, 29.9];
        for (m, &mean) in means.iter().enumerate() {
            let mut a = StreamKey::new(5, 0, 1, m as u32).stream(Purpose::OutsideContact);
            let mut b = a.clone();
            for draw in 0..200_000 {
                assert_eq!(
                    poisson(&mut a, mean),
                    poisson_by_the_book(&mut b, mean),
                    "mean {mean}, draw {draw}"
                );
            }
            assert_eq!(uniform(&mut a), uniform(&mut b), "mean {mean}");
        }
        // Uniforms right at the edge of the shortcut: e^−m against 1 − m.
        for mean in [1e-8, 1e-6, 1e-3] {
            let limit = libm::exp(-mean);
            let edge = (1.0 - mean) * (1.0 - 1e-12);
            assert!(edge < limit, "the shortcut stays below e^-m at {mean}");
        }
    }

    #[test]
    fn the_bounds_on_the_negative_exponential_hold_it_and_decide_as_it_does() {
        for k in 1..=200_000u32 {
            let mean = f64::from(k) / 200_000.0;
            let limit = libm::exp(-mean);
            let bounds = NegativeExp::of(mean);
            assert!(bounds.low < limit && limit < bounds.high, "mean {mean}");
            // Products either side of e^-m, and at it: the comparison
            // through the bounds is the comparison with it.
            for x in [
                bounds.low,
                limit.next_down(),
                limit,
                limit.next_up(),
                bounds.high,
            ] {
                let mut fresh = NegativeExp::of(mean);
                assert_eq!(fresh.is_below(x), limit < x, "mean {mean}, product {x}");
            }
        }
    }

    fn moments(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn a_stream_gives_the_numbers_of_the_generator_crate() {
        use rand::{Rng, RngExt, SeedableRng};
        use rand_xoshiro::SplitMix64;
        let mut seeds = vec![0, 1, u64::MAX, GAMMA, 0x61C8_8646_80B5_83EB];
        let mut key = 12_345u64;
        for _ in 0..20_000 {
            key = splitmix64(key);
            seeds.push(key);
        }
        for seed in seeds {
            let (mut ours, mut theirs) = (
                Draws { key: seed }.stream(),
                SplitMix64::seed_from_u64(seed),
            );
            for _ in 0..40 {
                assert_eq!(ours.random::<u64>(), theirs.random::<u64>(), "seed {seed}");
            }
            assert_eq!(ours.random::<f64>(), theirs.random::<f64>(), "seed {seed}");
            // (The crate mixes its 32-bit numbers with another function; a
            // stream's are the upper halves of its 64-bit ones.)
            let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
            ours.fill_bytes(&mut a);
            theirs.fill_bytes(&mut b);
            assert_eq!(a, b, "seed {seed}");
        }
    }

    #[test]
    fn splitmix64_gives_its_published_numbers() {
        // The reference implementation's first outputs from seed 1234567
        // (Vigna's splitmix64.c, as its test suites quote them).
        let mut s = Draws { key: 1_234_567 }.stream();
        let published = [
            6_457_827_717_110_365_317u64,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
            4_593_380_528_125_082_431,
            16_408_922_859_458_223_821,
        ];
        for expected in published {
            assert_eq!(s.next(), expected);
        }
    }

    #[test]
    fn a_number_at_its_position_is_the_number_read_in_order() {
        use rand::RngExt;
        let draws = StreamKey::new(8, 2, 5, 3).draws(Purpose::Replies);
        let mut stream = draws.stream();
        for position in 0..1000u64 {
            let u: f64 = stream.clone().random();
            assert_eq!(draws.uniform_at(position), u, "position {position}");
            assert_eq!(
                draws.bits_at(position),
                stream.next(),
                "position {position}"
            );
        }
        // Round r of item k among n items is position r·n + k.
        let mut rounds = draws.rounds(3, 7);
        for round in 0..20u64 {
            assert_eq!(rounds.next_uniform(), draws.uniform_at(round * 7 + 3));
        }
        // With one item its rounds are the stream itself.
        let (mut one, mut stream) = (draws.rounds(0, 1), draws.stream());
        for _ in 0..20 {
            assert_eq!(one.next_uniform(), stream.next_uniform());
        }
    }

    #[test]
    fn a_permutation_holds_every_index_once() {
        let mut s = stream_for(3, 0, 0, 0, Purpose::CommunityLayout);
        let mut p = permutation(1000, &mut s);
        assert_ne!(p[..10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        p.sort_unstable();
        assert!(p.iter().enumerate().all(|(i, &v)| v as usize == i));
        assert!(permutation(0, &mut s).is_empty());
    }

    #[test]
    fn streams_differ_by_every_key_part_and_repeat_for_the_same_key() {
        let draw = |s: &mut Stream| uniform(s);
        let base = draw(&mut stream_for(1, 0, 0, 0, Purpose::Dropout));
        assert_eq!(base, draw(&mut stream_for(1, 0, 0, 0, Purpose::Dropout)));
        for other in [
            stream_for(2, 0, 0, 0, Purpose::Dropout),
            stream_for(1, 1, 0, 0, Purpose::Dropout),
            stream_for(1, 0, 1, 0, Purpose::Dropout),
            stream_for(1, 0, 0, 1, Purpose::Dropout),
            stream_for(1, 0, 0, 0, Purpose::Attendance),
        ] {
            let mut other = other;
            assert_ne!(base, draw(&mut other));
        }
    }

    #[test]
    fn the_generator_is_pinned() {
        // Guards against a dependency update silently changing every result.
        use rand::RngExt;
        let mut s = stream_for(42, 0, 0, 0, Purpose::Population);
        let first: u64 = s.random();
        let again: u64 = stream_for(42, 0, 0, 0, Purpose::Population).random();
        assert_eq!(first, again);
        assert_eq!(first, PINNED_FIRST_DRAW);
    }
    // Recorded from this implementation; a change here changes every published result.
    const PINNED_FIRST_DRAW: u64 = 12_128_472_154_353_665_356;

    #[test]
    fn samplers_match_their_moments() {
        let mut s = stream_for(7, 0, 0, 0, Purpose::Population);
        let n = 200_000;
        let root_n = (n as f64).sqrt();
        // Tolerances are five standard errors of the sample mean (sd/√n) and
        // of the sample variance (√((μ4 − σ⁴)/n), from each distribution's
        // fourth central moment μ4).
        let within = |got: f64, expected: f64, se: f64, what: &str| {
            assert!(
                (got - expected).abs() < 5.0 * se,
                "{what}: {got} vs {expected} ± {se}"
            );
        };
        let normals: Vec<f64> = (0..n).map(|_| normal(&mut s, 2.0, 3.0)).collect();
        let (m, v) = moments(&normals);
        within(m, 2.0, 3.0 / root_n, "normal mean");
        // Normal: μ4 = 3σ⁴.
        within(v, 9.0, 9.0 * 2f64.sqrt() / root_n, "normal variance");

        for shape in [0.5, 1.0, 4.0] {
            let scale = 2.0;
            let g: Vec<f64> = (0..n).map(|_| gamma(&mut s, shape, scale)).collect();
            let (m, v) = moments(&g);
            let var = shape * scale * scale;
            within(m, shape * scale, var.sqrt() / root_n, "gamma mean");
            // Gamma: μ4 = 3k(k + 2)θ⁴, so μ4 − σ⁴ = (2k² + 6k)θ⁴.
            let spread = ((2.0 * shape * shape + 6.0 * shape) * scale.powi(4)).sqrt();
            within(v, var, spread / root_n, "gamma variance");
        }

        for mean in [0.3, 4.0, 50.0] {
            let p: Vec<f64> = (0..n).map(|_| f64::from(poisson(&mut s, mean))).collect();
            let (m, v) = moments(&p);
            within(m, mean, mean.sqrt() / root_n, "poisson mean");
            // Poisson: μ4 = μ(1 + 3μ), so μ4 − σ⁴ = μ + 2μ².
            within(
                v,
                mean,
                (mean + 2.0 * mean * mean).sqrt() / root_n,
                "poisson variance",
            );
        }

        let (mean, kappa) = (0.3, 10.0);
        let b: Vec<f64> = (0..n).map(|_| beta_mean(&mut s, mean, kappa)).collect();
        let (m, v) = moments(&b);
        let (a, bb) = (mean * kappa, (1.0 - mean) * kappa);
        let var = mean * (1.0 - mean) / (kappa + 1.0);
        within(m, mean, var.sqrt() / root_n, "beta mean");
        // Beta: μ4 = σ⁴(3 + excess kurtosis).
        let excess = 6.0 * ((a - bb).powi(2) * (a + bb + 1.0) - a * bb * (a + bb + 2.0))
            / (a * bb * (a + bb + 2.0) * (a + bb + 3.0));
        within(
            v,
            var,
            var * (2.0 + excess).sqrt() / root_n,
            "beta variance",
        );
        assert!(b.iter().all(|x| (0.0..=1.0).contains(x)));
    }
}
