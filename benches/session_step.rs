//! Benchmarks of the session step.
//!
//! - `year/100k`: the core's target: 100,000 members in groups of 10, every
//!   default mechanism on, 52 weekly sessions, the time-series metrics every
//!   step (population built outside the timing). Target: under 1 s on a
//!   2-core machine, i.e. at least 5 million member-sessions per second.
//! - `year/100k_network`: the same with the bond network's figures
//!   (network.csv, groups.csv) also taken every step.
//! - `session/{10k,100k,1M}`: one session for the whole community, on all
//!   cores and on one thread (the baseline that shows what the parallel
//!   engine buys).
//! - `run/{10k,100k,1M}/{bare,every_output}`: a whole `bonfire run` of a
//!   year into a folder, as the command line does it (parts, assembly,
//!   files), without charts: bare (the time series only) and with every
//!   output on (network figures every session, members.csv, groups.csv).
//!   The target is that every output costs at most 25% over bare. The 1M
//!   pair takes about ten minutes on 2 cores (ten samples of each).
//!
//! Run: `cargo bench --bench session_step`; one group with a filter,
//! e.g. `cargo bench --bench session_step -- run/1M`.

use std::hint::black_box;

use bonfire::Scenario;
use bonfire::engine;
use bonfire::error::Origin;
use bonfire::experiment::{Experiment, Overrides};
use bonfire::output::OutputFolder;
use bonfire::output::lock::FolderLock;
use bonfire::population::build_community;
use bonfire::runner;
use bonfire::session::SessionContext;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn community(members: u32, network_every: u32) -> Scenario {
    Scenario::builder()
        .set("network.metrics_every", i64::from(network_every))
        .set("community.groups", i64::from(members / 10))
        .set("community.group_size", 10)
        .set("community.control_members", 0)
        .set("format.sessions", 52)
        .set("replicates", 1)
        .set("output.members_csv", false)
        .build()
        .expect("a valid benchmark scenario")
}

fn year(c: &mut Criterion) {
    let mut g = c.benchmark_group("year");
    g.sample_size(10);
    g.throughput(Throughput::Elements(100_000 * 52));
    for (name, network_every) in [("100k", 0), ("100k_network", 1)] {
        let s = community(100_000, network_every);
        g.bench_function(name, |b| {
            b.iter_batched(
                || build_community(&s, 0),
                |mut groups| {
                    let ctx = SessionContext::new(&s, 0);
                    for step in 1..=52 {
                        black_box(engine::step_all(&mut groups, &ctx, step));
                    }
                    groups
                },
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

fn session(c: &mut Criterion) {
    let mut g = c.benchmark_group("session");
    g.sample_size(10);
    for (label, members) in [("10k", 10_000u32), ("100k", 100_000), ("1M", 1_000_000)] {
        let s = community(members, 0);
        let ctx = SessionContext::new(&s, 0);
        // A community a few sessions in, so ties exist.
        let mut groups = build_community(&s, 0);
        for step in 1..=4 {
            engine::step_all(&mut groups, &ctx, step);
        }
        g.throughput(Throughput::Elements(u64::from(members)));
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        for (mode, pool) in [("all_cores", None), ("one_thread", Some(&one_thread))] {
            g.bench_function(format!("{label}/{mode}"), |b| {
                b.iter_batched(
                    || groups.clone(),
                    |mut groups| {
                        match pool {
                            Some(pool) => {
                                pool.install(|| black_box(engine::step_all(&mut groups, &ctx, 5)))
                            }
                            None => black_box(engine::step_all(&mut groups, &ctx, 5)),
                        };
                        groups
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    g.finish();
}

/// A year of `members` in groups of 10 as a scenario file's text, with
/// every output on or only the time series.
fn year_text(members: u32, every_output: bool) -> String {
    format!(
        "name = \"bench\"\n[community]\ngroups = {}\ngroup_size = 10\ncontrol_members = 0\n\
         [format]\nsessions = 52\n[network]\nmetrics_every = {}\n\
         [output]\nmembers_csv = {every_output}\ngroups_csv = {every_output}\n",
        members / 10,
        u32::from(every_output),
    )
}

fn run(c: &mut Criterion) {
    let mut g = c.benchmark_group("run");
    g.sample_size(10);
    for (label, members) in [("10k", 10_000u32), ("100k", 100_000), ("1M", 1_000_000)] {
        g.throughput(Throughput::Elements(u64::from(members) * 52));
        for (outputs, every) in [("bare", false), ("every_output", true)] {
            let text = year_text(members, every);
            let experiment = Experiment::parse(&text, &Origin::Embedded, &Overrides::default())
                .expect("a valid benchmark scenario");
            g.bench_function(format!("{label}/{outputs}"), |b| {
                b.iter_batched(
                    || tempfile::tempdir().expect("a temporary folder"),
                    |dir| {
                        let out = dir.path().join("out");
                        let lock = FolderLock::acquire(&out, "bench").expect("the lock");
                        OutputFolder::prepare(&out, &lock, false).expect("a fresh folder");
                        runner::run_pending(&experiment, &out, None, &|| {}, &|_, _| {})
                            .expect("the runs");
                        black_box(
                            runner::assemble(&experiment, &out, |_, _, _| String::from("{}"))
                                .expect("the files"),
                        );
                        dir
                    },
                    BatchSize::PerIteration,
                )
            });
        }
    }
    g.finish();
}

criterion_group!(benches, year, session, run);
criterion_main!(benches);
