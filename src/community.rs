//! The community social network outside the groups.
//!
//! Members live in a community: friends, family, neighbours who are not in
//! their group. [`CommunityGraph`] holds those ties for every person of a
//! replicate (members who join, people in the catchment who have not yet
//! arrived, the control arm), as sorted neighbour lists over community-wide
//! member ids. It is generated once per replicate from its own stream
//! (Erdős–Rényi, Watts–Strogatz, Barabási–Albert or a ring lattice) or read
//! from an edge-list CSV. It feeds the mechanisms that use outside ties
//! (`docs/MODEL.md` §7.15): loneliness at arrival, SISa loneliness
//! contagion, hope as threshold contagion, and referral into open groups.
//!
//! What each member's community ties are doing during a run is read by
//! [`crate::outside`].

use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::prefetch;
use crate::rng::{self, Purpose, Stream};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use smart_default::SmartDefault;

/// Kinds of community network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NetworkKind {
    /// No community network: members have ties only in their group.
    None,
    /// Erdős–Rényi G(n, p) with the given mean degree.
    ErdosRenyi,
    /// Watts–Strogatz small world: a ring lattice with rewired ties.
    WattsStrogatz,
    /// Barabási–Albert preferential attachment (`mean_degree / 2` ties per newcomer).
    BarabasiAlbert,
    /// A ring lattice linking `mean_degree / 2` neighbours on each side.
    RingLattice,
    /// An edge list read from `file`.
    File,
}

/// The social network members live in outside the groups (`[community_network]`):
/// friends, family, neighbours. Every person of a run, including the
/// catchment of open groups and the control arm, is a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema, SmartDefault)]
#[serde(deny_unknown_fields, default)]
pub struct CommunityNetwork {
    /// `"none"`, a generated network (seeded and deterministic), or `"file"`
    /// to import an edge list.
    #[default(NetworkKind::None)]
    pub kind: NetworkKind,
    /// Mean community ties per person (generated networks).
    #[default(6.0)]
    #[schemars(range(min = 0.0, max = 10_000.0), extend("x-unit" = "ties"))]
    #[schemars(extend("x-applies-when" = "community_network.kind = erdos_renyi | watts_strogatz | barabasi_albert | ring_lattice"))]
    pub mean_degree: f64,
    /// Watts–Strogatz rewiring probability.
    #[default(0.1)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "probability"))]
    #[schemars(extend("x-applies-when" = "community_network.kind = watts_strogatz"))]
    pub rewiring: f64,
    /// With `kind = "file"`: a CSV whose first line is the header `source,target`, then one tie per line, two member ids (0 to members − 1) and nothing else, each tie once (in either direction) and no member tied to itself; relative to the scenario file.
    #[default(None)]
    #[schemars(extend("x-also" = "required when `kind = \"file\"`"))]
    #[schemars(extend("x-applies-when" = "community_network.kind = file"))]
    pub file: Option<String>,
    /// UCLA-3 points lower at arrival for each community tie above the mean
    /// degree (higher for each below).
    #[default(0.1)]
    #[schemars(range(min = -6.0, max = 6.0), extend("x-unit" = "UCLA-3 points per tie"))]
    #[schemars(extend("x-applies-when" = "community_network.kind != none"))]
    pub loneliness_per_tie: f64,
    /// Added newcomers per session to an open group, per person in its
    /// catchment with a community tie to a current member.
    #[default(0.05)]
    #[schemars(range(min = 0.0, max = 100.0), extend("x-unit" = "people / session per referring tie"))]
    #[schemars(extend("x-applies-when" = "community_network.kind != none; format.membership = open"))]
    pub referral: f64,
    /// How a generated network is laid over the people: `"shuffled"` (a
    /// seeded random order, so group mates are neighbours no more often than
    /// chance) or `"in_order"` (member ids in order: a ring's neighbours are
    /// mostly group mates).
    #[default(Layout::Shuffled)]
    #[schemars(extend("x-applies-when" = "community_network.kind = erdos_renyi | watts_strogatz | barabasi_albert | ring_lattice"))]
    pub layout: Layout,
    /// Homophily on loneliness at arrival, 0–1: people are laid over a ring
    /// or small world in order of h·z(loneliness) + √(1 − h²)·noise, so lonely
    /// people more often neighbour lonely people (0: a random order).
    #[default(0.0)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "weight of loneliness in the layout order", "x-also" = "only with a shuffled ring_lattice or watts_strogatz network"))]
    pub homophily: f64,
    /// Share of community ties that dissolve in a year (0: the network never
    /// changes). A dissolved tie is replaced by triadic closure from its end
    /// that is not lonely.
    #[default(0.0)]
    #[schemars(range(min = 0.0, max = 1.0), extend("x-unit" = "share of ties dissolved per year"))]
    #[schemars(extend("x-applies-when" = "community_network.kind != none"))]
    pub tie_turnover_per_year: f64,
    /// How many times likelier a tie with a lonely end (UCLA-3 ≥ 6) is to
    /// dissolve.
    #[default(2.0)]
    #[schemars(range(min = 1.0, max = 100.0), extend("x-unit" = "multiplier of the dissolution probability"))]
    #[schemars(extend("x-applies-when" = "community_network.kind != none; community_network.tie_turnover_per_year != 0"))]
    pub lonely_turnover_factor: f64,
    /// Whether ties between group members that reach beyond the meetings
    /// (the pair keeps in regular touch outside) join the community
    /// network, each pair once, when its tie first does. Once joined they
    /// are community ties: they outlast the group and turn over like any
    /// other.
    #[default(true)]
    #[schemars(extend("x-applies-when" = "community_network.kind != none"))]
    pub group_ties_join: bool,
}

/// How a generated community network is laid over member ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// A seeded random order of people (its own stream).
    Shuffled,
    /// Member ids in order, groups first, then the control arm.
    InOrder,
}

/// The key of the edge-list path: it is read relative to the scenario file.
pub const FILE_KEY: &str = "community_network.file";

/// Undirected simple graph over member ids `0..n`: one sorted neighbour
/// list per person, so that ties can form and dissolve during a run
/// ([`crate::turnover`]). The lists live in one array, each in a slot with
/// room to grow, in id order: a pass over everyone's ties reads memory in
/// order, and a tie added or dissolved moves no allocation (a full slot
/// moves to the end of the array with twice the room).
#[derive(Debug, Clone, Default)]
pub struct CommunityGraph {
    slots: Vec<Slot>,
    arena: Vec<u32>,
    /// How many of each person's ties lead to a higher id, kept as ties
    /// form and dissolve: the turnover numbers the ties in id order by
    /// them ([`crate::turnover`]).
    higher: Vec<u32>,
    edges: usize,
}

/// Where one person's sorted ties lie in the arena.
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    start: usize,
    len: u32,
    room: u32,
}

/// How many ties ahead of the one being formed or replaced
/// [`CommunityGraph::ask_ahead`] asks for the ends' slots, and half as far
/// for their lists (a slot says where its person's list lies): a million
/// people's slots and lists do not stay in the caches. Its description
/// gives the number.
const TIES_AHEAD: usize = 16;

/// How many dissolved ties' ends ahead of the one being taken out
/// [`CommunityGraph::remove_ties`] asks for the person's list; for the
/// slot, twice as far.
const REMOVE_AHEAD: usize = 16;

/// Room for ties to form in each person's slot at the start.
const SLOT_SLACK: usize = 2;

impl PartialEq for CommunityGraph {
    /// The same people with the same ties (however the slots lie).
    fn eq(&self, other: &Self) -> bool {
        self.nodes() == other.nodes()
            && self.edges == other.edges
            && (0..self.nodes()).all(|v| self.neighbours(v) == other.neighbours(v))
    }
}

impl CommunityGraph {
    /// From an undirected edge list; self-loops and duplicates are dropped.
    pub fn from_edges(n: usize, edges: &[(u32, u32)]) -> CommunityGraph {
        let mut degree = vec![0usize; n];
        for &(a, b) in edges.iter().filter(|(a, b)| a != b) {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
        }
        let mut slots = Vec::with_capacity(n);
        let mut start = 0;
        for &d in &degree {
            let room = d + SLOT_SLACK;
            slots.push(Slot {
                start,
                len: 0,
                room: room as u32,
            });
            start += room;
        }
        let mut arena = vec![0u32; start];
        for &(a, b) in edges.iter().filter(|(a, b)| a != b) {
            for (v, u) in [(a, b), (b, a)] {
                let slot = &mut slots[v as usize];
                arena[slot.start + slot.len as usize] = u;
                slot.len += 1;
            }
        }
        let mut ends = 0;
        let mut higher = Vec::with_capacity(n);
        for (v, slot) in slots.iter_mut().enumerate() {
            let list = &mut arena[slot.start..slot.start + slot.len as usize];
            list.sort_unstable();
            let mut kept = 0;
            for k in 0..list.len() {
                if k == 0 || list[k] != list[kept - 1] {
                    list[kept] = list[k];
                    kept += 1;
                }
            }
            slot.len = kept as u32;
            ends += kept;
            let list = &list[..kept];
            higher.push((list.len() - list.partition_point(|&u| u as usize <= v)) as u32);
        }
        CommunityGraph {
            slots,
            arena,
            higher,
            edges: ends / 2,
        }
    }

    pub fn nodes(&self) -> usize {
        self.slots.len()
    }

    pub fn edges(&self) -> usize {
        self.edges
    }

    /// The ties of `v`, in id order.
    pub fn neighbours(&self, v: usize) -> &[u32] {
        let slot = self.slots[v];
        &self.arena[slot.start..slot.start + slot.len as usize]
    }

    pub fn degree(&self, v: usize) -> usize {
        self.slots[v].len as usize
    }

    /// How many of `v`'s ties lead to a higher id (the last of its list).
    pub fn higher_ties(&self, v: usize) -> usize {
        self.higher[v] as usize
    }

    pub fn mean_degree(&self) -> f64 {
        if self.nodes() == 0 {
            0.0
        } else {
            2.0 * self.edges as f64 / self.nodes() as f64
        }
    }

    /// Whether `a` and `b` are tied.
    pub fn has_tie(&self, a: u32, b: u32) -> bool {
        self.neighbours(a as usize).binary_search(&b).is_ok()
    }

    /// Ties `a` and `b` (distinct); false if they already were.
    pub fn add_tie(&mut self, a: u32, b: u32) -> bool {
        debug_assert_ne!(a, b);
        match self.neighbours(a as usize).binary_search(&b) {
            Ok(_) => false,
            Err(at) => {
                self.insert(a as usize, at, b);
                let back = self.neighbours(b as usize).binary_search(&a).unwrap_err();
                self.insert(b as usize, back, a);
                self.edges += 1;
                true
            }
        }
    }

    /// Dissolves the tie of `a` and `b`; false if there was none.
    pub fn remove_tie(&mut self, a: u32, b: u32) -> bool {
        match self.neighbours(a as usize).binary_search(&b) {
            Err(_) => false,
            Ok(at) => {
                self.delete(a as usize, at);
                let back = self
                    .neighbours(b as usize)
                    .binary_search(&a)
                    .expect("ties are symmetric");
                self.delete(b as usize, back);
                self.edges -= 1;
                true
            }
        }
    }

    /// Dissolves the ties `ties` (those listed twice, or not there, are
    /// dissolved once, or not at all): each person's dissolved ties taken
    /// out of their list in one pass, the people in id order, so that the
    /// slots and lists are read in the order they lie (but those moved to
    /// grow). The lists are those [`CommunityGraph::remove_tie`] one tie
    /// at a time leaves, in any order.
    pub fn remove_ties(&mut self, ties: &[(u32, u32)]) {
        let mut ends: Vec<(u32, u32)> = ties.iter().flat_map(|&(a, b)| [(a, b), (b, a)]).collect();
        ends.par_sort_unstable();
        let mut removed = 0;
        let mut first = 0;
        for person in ends.chunk_by(|x, y| x.0 == y.0) {
            // The slots and lists of the people some ends ahead asked for.
            if let Some(&(ahead, _)) = ends.get(first + 2 * REMOVE_AHEAD) {
                self.ask_for_slot(ahead);
            }
            if let Some(&(ahead, _)) = ends.get(first + REMOVE_AHEAD) {
                self.ask_for_list(ahead);
            }
            first += person.len();
            let v = person[0].0;
            let slot = &mut self.slots[v as usize];
            let list = &mut self.arena[slot.start..slot.start + slot.len as usize];
            let mut gone = person.iter().map(|&(_, u)| u).peekable();
            let (mut kept, mut higher_gone) = (0, 0);
            for k in 0..list.len() {
                let u = list[k];
                while gone.next_if(|&g| g < u).is_some() {}
                if gone.next_if_eq(&u).is_none() {
                    list[kept] = u;
                    kept += 1;
                } else {
                    higher_gone += u32::from(u > v);
                }
            }
            removed += list.len() - kept;
            slot.len = kept as u32;
            self.higher[v as usize] -= higher_gone;
        }
        self.edges -= removed / 2;
    }

    /// Forms the ties `ties` in order (those there already, or listed
    /// twice, once), asking ahead ([`CommunityGraph::ask_ahead`]).
    pub fn add_ties(&mut self, ties: &[(u32, u32)]) {
        for (i, &(a, b)) in ties.iter().enumerate() {
            self.ask_ahead(ties, i);
            self.add_tie(a, b);
        }
    }

    /// Asks the processor for what work on the ties after the `i`-th of
    /// `ties` will read first: the slots of both ends 16 ties ahead, and
    /// their lists half as far, when their slots have come.
    pub fn ask_ahead(&self, ties: &[(u32, u32)], i: usize) {
        if let Some(&(a, b)) = ties.get(i + TIES_AHEAD) {
            self.ask_for_slot(a);
            self.ask_for_slot(b);
        }
        if let Some(&(a, b)) = ties.get(i + TIES_AHEAD / 2) {
            self.ask_for_list(a);
            self.ask_for_list(b);
        }
    }

    /// Asks the processor for `v`'s slot, which says where `v`'s list lies.
    fn ask_for_slot(&self, v: u32) {
        prefetch::slice(std::slice::from_ref(&self.slots[v as usize]));
    }

    /// Asks the processor for `v`'s list (its slot read, so best asked for
    /// some work earlier: [`CommunityGraph::ask_for_slot`]).
    fn ask_for_list(&self, v: u32) {
        prefetch::slice(self.neighbours(v as usize));
    }

    /// Puts `u` at position `at` of `v`'s list, moving a full slot to the
    /// end of the arena with twice the room.
    fn insert(&mut self, v: usize, at: usize, u: u32) {
        let mut slot = self.slots[v];
        if slot.len == slot.room {
            let room = (2 * slot.room).max(4);
            let start = self.arena.len();
            self.arena
                .extend_from_within(slot.start..slot.start + slot.len as usize);
            self.arena.resize(start + room as usize, 0);
            slot.start = start;
            slot.room = room;
        }
        let (from, len) = (slot.start, slot.len as usize);
        self.arena.copy_within(from + at..from + len, from + at + 1);
        self.arena[from + at] = u;
        slot.len += 1;
        self.slots[v] = slot;
        if u as usize > v {
            self.higher[v] += 1;
        }
    }

    /// Takes position `at` out of `v`'s list.
    fn delete(&mut self, v: usize, at: usize) {
        let slot = &mut self.slots[v];
        let (from, len) = (slot.start, slot.len as usize);
        if self.arena[from + at] as usize > v {
            self.higher[v] -= 1;
        }
        self.arena.copy_within(from + at + 1..from + len, from + at);
        slot.len -= 1;
    }

    /// The same graph with node `v` renamed `to[v]` (`to` a permutation).
    pub fn relabelled(&self, to: &[u32]) -> CommunityGraph {
        let mut edges = Vec::with_capacity(self.edges());
        for v in 0..self.nodes() {
            for &u in self.neighbours(v).iter().filter(|&&u| u as usize > v) {
                edges.push((to[v], to[u as usize]));
            }
        }
        CommunityGraph::from_edges(self.nodes(), &edges)
    }

    /// Neighbour lists (for the rule-level contagion functions and tests).
    pub fn adjacency(&self) -> Vec<Vec<usize>> {
        (0..self.nodes())
            .map(|v| self.neighbours(v).iter().map(|&u| u as usize).collect())
            .collect()
    }
}

/// Erdős–Rényi G(n, p), by geometric skipping over the pairs (Batagelj &
/// Brandes 2005): O(n + m).
pub fn erdos_renyi(n: usize, p: f64, stream: &mut Stream) -> CommunityGraph {
    let mut edges = Vec::new();
    if p >= 1.0 {
        for w in 1..n {
            for v in 0..w {
                edges.push((v as u32, w as u32));
            }
        }
    } else if p > 0.0 {
        let log_q = libm::log(1.0 - p);
        let (mut v, mut w): (i64, i64) = (1, -1);
        let n = n as i64;
        while v < n {
            let r = rng::uniform(stream);
            w += 1 + (libm::log(1.0 - r) / log_q).floor() as i64;
            while w >= v && v < n {
                w -= v;
                v += 1;
            }
            if v < n {
                edges.push((w as u32, v as u32));
            }
        }
    }
    CommunityGraph::from_edges(n, &edges)
}

/// Ring lattice: every node tied to its `k/2` nearest neighbours on each side.
pub fn ring_lattice(n: usize, k: usize) -> CommunityGraph {
    let half = (k / 2).min(n.saturating_sub(1) / 2);
    let mut edges = Vec::with_capacity(n * half);
    for v in 0..n {
        for d in 1..=half {
            edges.push((v as u32, ((v + d) % n) as u32));
        }
    }
    CommunityGraph::from_edges(n, &edges)
}

/// Watts–Strogatz: a ring lattice whose edges (v, v + d) are rewired to a
/// uniformly chosen new end with probability `beta`, avoiding self-loops and
/// duplicates.
pub fn watts_strogatz(n: usize, k: usize, beta: f64, stream: &mut Stream) -> CommunityGraph {
    let half = (k / 2).min(n.saturating_sub(1) / 2);
    let mut adjacency: Vec<Vec<u32>> = vec![Vec::new(); n];
    for v in 0..n {
        for d in 1..=half {
            let u = (v + d) % n;
            adjacency[v].push(u as u32);
            adjacency[u].push(v as u32);
        }
    }
    for d in 1..=half {
        for v in 0..n {
            let u = ((v + d) % n) as u32;
            if !rng::bernoulli(stream, beta) || adjacency[v].len() >= n - 1 {
                continue;
            }
            let w = loop {
                let w = (rng::uniform(stream) * n as f64) as u32;
                if w as usize != v && !adjacency[v].contains(&w) {
                    break w;
                }
            };
            if let Some(pos) = adjacency[v].iter().position(|&x| x == u) {
                adjacency[v].swap_remove(pos);
                if let Some(back) = adjacency[u as usize].iter().position(|&x| x as usize == v) {
                    adjacency[u as usize].swap_remove(back);
                }
                adjacency[v].push(w);
                adjacency[w as usize].push(v as u32);
            }
        }
    }
    let edges: Vec<(u32, u32)> = adjacency
        .iter()
        .enumerate()
        .flat_map(|(v, ns)| {
            ns.iter()
                .filter(move |&&u| (u as usize) > v)
                .map(move |&u| (v as u32, u))
        })
        .collect();
    CommunityGraph::from_edges(n, &edges)
}

/// Barabási–Albert: each new node ties to `m` distinct earlier nodes chosen
/// with probability proportional to their degree, starting from a clique of
/// `m + 1` nodes.
pub fn barabasi_albert(n: usize, m: usize, stream: &mut Stream) -> CommunityGraph {
    let m = m.max(1).min(n.saturating_sub(1));
    let mut edges = Vec::new();
    let mut ends: Vec<u32> = Vec::new(); // every edge end: sampling it is degree-proportional
    let core = (m + 1).min(n);
    for w in 1..core {
        for v in 0..w {
            edges.push((v as u32, w as u32));
            ends.extend([v as u32, w as u32]);
        }
    }
    let mut chosen: Vec<u32> = Vec::with_capacity(m);
    for v in core..n {
        chosen.clear();
        while chosen.len() < m {
            let u = ends[(rng::uniform(stream) * ends.len() as f64) as usize];
            if !chosen.contains(&u) {
                chosen.push(u);
            }
        }
        for &u in &chosen {
            edges.push((u, v as u32));
            ends.extend([u, v as u32]);
        }
    }
    CommunityGraph::from_edges(n, &edges)
}

/// The header line an edge list begins with.
pub const EDGE_LIST_HEADER: &str = "source,target";

/// Reads an edge list: the header line `source,target`, then one tie per
/// line, `source,target` member ids (blank lines are skipped). A missing
/// or different header, a row of other than two fields, a bad id, a tie to
/// oneself, and a file with no ties are each an error naming the key, the
/// file, the line and the problem.
pub fn read_edge_list(path: &Path, members: usize) -> Result<CommunityGraph> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        action: "read the community network (community_network.file)",
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |line: usize, why: String| Error::EdgeList {
        path: path.to_path_buf(),
        line,
        why,
    };
    let mut lines = text.lines().enumerate();
    let header = lines
        .next()
        .map(|(_, h)| h.trim_start_matches('\u{feff}').trim());
    if header != Some(EDGE_LIST_HEADER) {
        let found = match header {
            None => "the file is empty".to_string(),
            Some(h) => format!("the first line is {h:?}"),
        };
        return Err(bad(
            1,
            format!("{found}; expected the header line {EDGE_LIST_HEADER}, then one tie per line"),
        ));
    }
    let mut edges = Vec::new();
    let mut at_line = Vec::new();
    for (index, row) in lines {
        let line = index + 1;
        if row.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = row.split(',').map(str::trim).collect();
        if fields.len() != 2 {
            return Err(bad(
                line,
                format!(
                    "{row:?} has {} field(s); expected exactly two, source,target",
                    fields.len()
                ),
            ));
        }
        let id = |s: &str| -> Result<u32> {
            let v: u64 = s
                .parse()
                .map_err(|_| bad(line, format!("{s:?} is not a member id (a whole number)")))?;
            if v >= members as u64 {
                return Err(bad(
                    line,
                    format!(
                        "member {v} does not exist: this community has members 0 to {}",
                        members - 1
                    ),
                ));
            }
            Ok(v as u32)
        };
        let (a, b) = (id(fields[0])?, id(fields[1])?);
        if a == b {
            return Err(bad(line, format!("member {a} is tied to itself")));
        }
        edges.push((a, b));
        at_line.push(line as u32);
    }
    // A tie listed twice (either way round) is a mistake in the file, not
    // a stronger tie: refused, with both lines.
    let mut order: Vec<usize> = (0..edges.len()).collect();
    let pair = |i: usize| (edges[i].0.min(edges[i].1), edges[i].0.max(edges[i].1));
    order.sort_unstable_by_key(|&i| (pair(i), at_line[i]));
    if let Some(w) = order.windows(2).find(|w| pair(w[0]) == pair(w[1])) {
        let (a, b) = pair(w[0]);
        return Err(bad(
            at_line[w[1]] as usize,
            format!(
                "the tie between members {a} and {b} is listed again (first at line {}); list each tie once, in either direction",
                at_line[w[0]]
            ),
        ));
    }
    if edges.is_empty() {
        return Err(bad(
            1,
            "no ties after the header; a community network needs at least one".to_string(),
        ));
    }
    Ok(CommunityGraph::from_edges(members, &edges))
}

/// A generated community network over `members` people (not `File` or
/// `None`, which are read or absent), from the replicate's own stream.
pub fn generate(
    settings: &CommunityNetwork,
    members: usize,
    seed: u64,
    replicate: u32,
    loneliness: &[f32],
) -> CommunityGraph {
    let positions = generate_over_positions(settings, members, seed, replicate);
    let mut order = rng::stream_for(
        seed,
        replicate,
        u32::MAX,
        u32::MAX,
        Purpose::CommunityLayout,
    );
    match settings.layout {
        Layout::InOrder => positions,
        Layout::Shuffled if settings.homophily > 0.0 => {
            let people = homophilous_order(loneliness, settings.homophily, &mut order);
            positions.relabelled(&people)
        }
        Layout::Shuffled => positions.relabelled(&rng::permutation(members, &mut order)),
    }
}

/// People in the order they are laid over the positions: sorted by
/// h·z(loneliness) + √(1 − h²)·ε, ε ~ Normal(0, 1) from `stream`, z the
/// standardised arrival loneliness (ties keep member order).
fn homophilous_order(loneliness: &[f32], h: f64, stream: &mut Stream) -> Vec<u32> {
    let n = loneliness.len() as f64;
    let mean = loneliness.iter().map(|&l| f64::from(l)).sum::<f64>() / n;
    let var = loneliness
        .iter()
        .map(|&l| (f64::from(l) - mean).powi(2))
        .sum::<f64>()
        / n;
    let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
    let noise = (1.0 - h * h).sqrt();
    let keys: Vec<f64> = loneliness
        .iter()
        .map(|&l| h * (f64::from(l) - mean) / sd + noise * rng::normal(stream, 0.0, 1.0))
        .collect();
    let mut people: Vec<u32> = (0..loneliness.len() as u32).collect();
    people.sort_by(|&a, &b| keys[a as usize].total_cmp(&keys[b as usize]));
    people
}

/// A generated network over positions `0..members` (a ring's neighbours
/// are adjacent positions).
fn generate_over_positions(
    settings: &CommunityNetwork,
    members: usize,
    seed: u64,
    replicate: u32,
) -> CommunityGraph {
    let mut stream = rng::stream_for(
        seed,
        replicate,
        u32::MAX,
        u32::MAX,
        Purpose::CommunityNetwork,
    );
    let k = settings.mean_degree;
    match settings.kind {
        NetworkKind::ErdosRenyi => erdos_renyi(
            members,
            if members > 1 {
                k / (members - 1) as f64
            } else {
                0.0
            },
            &mut stream,
        ),
        NetworkKind::RingLattice => ring_lattice(members, k.round() as usize),
        NetworkKind::WattsStrogatz => {
            watts_strogatz(members, k.round() as usize, settings.rewiring, &mut stream)
        }
        NetworkKind::BarabasiAlbert => {
            barabasi_albert(members, (k / 2.0).round() as usize, &mut stream)
        }
        NetworkKind::None | NetworkKind::File => CommunityGraph::from_edges(members, &[]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn stream() -> Stream {
        rng::stream_for(5, 0, 0, 0, Purpose::CommunityNetwork)
    }

    /// Ties added and dissolved at random, one at a time and in batches
    /// (with ties listed twice and ties not there), many more than a
    /// slot's room at the start, leave the same graph as a plain set of
    /// pairs, and each person's count of ties to higher ids right.
    #[test]
    fn ties_that_form_and_dissolve_match_a_set_of_pairs() {
        let n = 30u32;
        let mut graph = CommunityGraph::from_edges(n as usize, &[(0, 1), (1, 2), (2, 0), (5, 5)]);
        let mut pairs: BTreeSet<(u32, u32)> = [(0, 1), (1, 2), (0, 2)].into();
        let mut draws = stream();
        let mut batch = Vec::new();
        let higher_right = |graph: &CommunityGraph| {
            (0..n as usize).all(|v| {
                let higher = graph.neighbours(v).iter().filter(|&&u| u as usize > v);
                graph.higher_ties(v) == higher.count()
            })
        };
        for round in 0..5_000 {
            let a = (rng::uniform(&mut draws) * f64::from(n)) as u32;
            let b = (rng::uniform(&mut draws) * f64::from(n)) as u32;
            if a == b {
                continue;
            }
            let pair = (a.min(b), a.max(b));
            if rng::bernoulli(&mut draws, 0.6) {
                assert_eq!(graph.add_tie(a, b), pairs.insert(pair));
            } else if rng::bernoulli(&mut draws, 0.5) {
                assert_eq!(graph.remove_tie(a, b), pairs.remove(&pair));
            } else {
                // Kept for a batch, either way round, some twice.
                batch.push((a, b));
                if round % 3 == 0 {
                    batch.push((b, a));
                }
            }
            if round % 250 == 0 {
                graph.remove_ties(&batch);
                for &(a, b) in &batch {
                    pairs.remove(&(a.min(b), a.max(b)));
                }
                batch.clear();
                assert_eq!(graph.edges(), pairs.len());
                assert!(higher_right(&graph), "round {round}");
            }
        }
        assert_eq!(graph.edges(), pairs.len());
        assert!(higher_right(&graph));
        for v in 0..n {
            let expected: Vec<u32> = pairs
                .iter()
                .filter_map(|&(a, b)| (a == v).then_some(b).or((b == v).then_some(a)))
                .collect::<BTreeSet<u32>>()
                .into_iter()
                .collect();
            assert_eq!(
                graph.neighbours(v as usize),
                expected.as_slice(),
                "node {v}"
            );
        }
        let again: Vec<(u32, u32)> = pairs.iter().copied().collect();
        assert_eq!(graph, CommunityGraph::from_edges(n as usize, &again));
    }

    #[test]
    fn csr_drops_loops_and_duplicates() {
        let g = CommunityGraph::from_edges(4, &[(0, 1), (1, 0), (2, 2), (1, 3)]);
        assert_eq!(g.edges(), 2);
        assert_eq!(g.neighbours(1), &[0, 3]);
        assert_eq!(g.degree(2), 0);
    }

    #[test]
    fn exact_check_7_erdos_renyi_isolates_and_giant_component() {
        let n = 4000;
        let nf = n as f64;
        for c in [0.5, 2.0] {
            let p = c / (nf - 1.0);
            let g = erdos_renyi(n, p, &mut stream());
            // Mean degree c: 2E/n with E ~ Binomial(n(n − 1)/2, p), so its
            // standard error is √(2c(1 − p)/n).
            let se = (2.0 * c * (1.0 - p) / nf).sqrt();
            assert!(
                (g.mean_degree() - c).abs() < 5.0 * se,
                "mean degree {} vs {c} ± {se}",
                g.mean_degree()
            );
            // Isolated fraction: each node is isolated with probability
            // q = (1 − p)^(n−1) ≈ e^(−c), and two nodes both with
            // probability q²/(1 − p), so the count has variance
            // n·q(1 − q) + n(n − 1)·q²·p/(1 − p).
            let isolated = (0..n).filter(|&v| g.degree(v) == 0).count() as f64 / nf;
            let q = (1.0 - p).powf(nf - 1.0);
            assert!((q - (-c).exp()).abs() < 1e-3 * q, "q ≈ e^(−c)");
            let se = ((q * (1.0 - q) + (nf - 1.0) * q * q * p / (1.0 - p)) / nf).sqrt();
            assert!(
                (isolated - q).abs() < 5.0 * se,
                "isolated {isolated} vs {q} ± {se}"
            );
            let largest = crate::network::components(&g.adjacency()).1 as f64;
            if c > 1.0 {
                // The giant component holds the share S with S = 1 − e^(−cS),
                // with standard error √(S(1 − S)/n) / (1 − c(1 − S)).
                let mut giant = 1.0;
                for _ in 0..200 {
                    giant = 1.0 - (-c * giant).exp();
                }
                let se = (giant * (1.0 - giant) / nf).sqrt() / (1.0 - c * (1.0 - giant));
                assert!(
                    (largest / nf - giant).abs() < 5.0 * se,
                    "largest component {} vs {giant} ± {se}",
                    largest / nf
                );
            } else {
                // No giant component: below c = 1 the largest component has
                // (ln n − 5/2·ln ln n)/α + O(1) nodes, α = c − 1 − ln c
                // (Bollobás); twice ln n / α (86 of 4,000) bounds it.
                let alpha = c - 1.0 - c.ln();
                assert!(
                    largest < 2.0 * nf.ln() / alpha,
                    "largest component {largest}"
                );
            }
        }
        // p = 1 is the complete graph.
        assert_eq!(erdos_renyi(30, 1.0, &mut stream()).edges(), 30 * 29 / 2);
    }

    #[test]
    fn watts_strogatz_keeps_the_edge_count_and_rewires() {
        let g = watts_strogatz(500, 6, 0.2, &mut stream());
        assert_eq!(g.edges(), 500 * 3);
        let lattice = ring_lattice(500, 6);
        let moved = (0..500)
            .filter(|&v| g.neighbours(v) != lattice.neighbours(v))
            .count();
        assert!(moved > 100);
        assert_eq!(watts_strogatz(500, 6, 0.0, &mut stream()), lattice);
    }

    #[test]
    fn barabasi_albert_has_m_edges_per_node_and_hubs() {
        let (n, m) = (3000, 3);
        let g = barabasi_albert(n, m, &mut stream());
        assert_eq!(g.edges(), m * (m + 1) / 2 + (n - m - 1) * m);
        assert!((0..n).all(|v| g.degree(v) >= m));
        let max = (0..n).map(|v| g.degree(v)).max().unwrap();
        assert!(max > 10 * m, "no hub: max degree {max}");
    }

    #[test]
    fn an_edge_list_with_a_bad_row_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edges.csv");
        std::fs::write(&path, "source,target\n0,1\n2,x\n").unwrap();
        let err = read_edge_list(&path, 10).unwrap_err().to_string();
        assert!(
            err.contains("edges.csv") && err.contains("line 3") && err.contains("\"x\""),
            "{err}"
        );
        std::fs::write(&path, "source,target\n0,12\n").unwrap();
        let err = read_edge_list(&path, 10).unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("0 to 9"), "{err}");
        std::fs::write(&path, "source,target\n3,3\n").unwrap();
        assert!(
            read_edge_list(&path, 10)
                .unwrap_err()
                .to_string()
                .contains("itself")
        );
        std::fs::write(&path, "source,target\n0,1\n1,2\n\n2,0\n").unwrap();
        assert_eq!(read_edge_list(&path, 10).unwrap().edges(), 3);
        // A tie twice, the second time the other way round.
        std::fs::write(&path, "source,target\n0,1\n1,2\n1,0\n").unwrap();
        let err = read_edge_list(&path, 10).unwrap_err().to_string();
        assert!(
            err.contains("line 4")
                && err.contains("first at line 2")
                && err.contains("members 0 and 1"),
            "{err}"
        );
    }

    #[test]
    fn an_edge_list_must_have_its_header_two_fields_a_row_and_a_tie() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edges.csv");
        let error = |text: &str| {
            std::fs::write(&path, text).unwrap();
            read_edge_list(&path, 10).unwrap_err().to_string()
        };
        // A file without its header would lose its first tie.
        let err = error("0,1\n1,2\n");
        assert!(
            err.contains("line 1") && err.contains("\"0,1\"") && err.contains("source,target"),
            "{err}"
        );
        assert!(error("").contains("the file is empty"));
        assert!(error("source,target\n").contains("no ties"));
        let err = error("source,target\n0,1,0.5\n");
        assert!(
            err.contains("line 2") && err.contains("3 field(s)"),
            "{err}"
        );
        // A byte-order mark before the header is not a different header.
        std::fs::write(&path, "\u{feff}source,target\n0,1\n").unwrap();
        assert_eq!(read_edge_list(&path, 10).unwrap().edges(), 1);
    }

    #[test]
    fn a_shuffled_layout_puts_group_mates_side_by_side_no_more_than_chance() {
        // 400 groups of 9 on a ring lattice of mean degree 6.
        let (groups, size) = (400usize, 9usize);
        let n = groups * size;
        let share_of_mates = |layout| {
            let settings = CommunityNetwork {
                kind: NetworkKind::RingLattice,
                layout,
                ..CommunityNetwork::default()
            };
            let g = generate(&settings, n, 7, 0, &vec![6.0; n]);
            assert_eq!(g.edges(), n * 3);
            let mates = (0..n)
                .flat_map(|v| g.neighbours(v).iter().map(move |&u| (v, u as usize)))
                .filter(|&(v, u)| v / size == u / size)
                .count();
            mates as f64 / (2 * g.edges()) as f64
        };
        // In order, most of a member's ring neighbours are group mates.
        assert!(share_of_mates(Layout::InOrder) > 0.7);
        // Shuffled, the chance that a neighbour is a group mate is
        // (size - 1) / (n - 1) = 0.0022; 21,600 neighbour slots.
        let chance = (size - 1) as f64 / (n - 1) as f64;
        let se = (chance * (1.0 - chance) / (6 * n) as f64).sqrt();
        let shuffled = share_of_mates(Layout::Shuffled);
        assert!(
            (shuffled - chance).abs() < 4.0 * se,
            "{shuffled} vs {chance} ± {se}"
        );
    }

    /// Pearson correlation of loneliness across the two ends of every tie
    /// (each tie both ways).
    fn neighbour_correlation(g: &CommunityGraph, loneliness: &[f32]) -> f64 {
        let pairs: Vec<(f64, f64)> = (0..g.nodes())
            .flat_map(|v| g.neighbours(v).iter().map(move |&u| (v, u as usize)))
            .map(|(v, u)| (f64::from(loneliness[v]), f64::from(loneliness[u])))
            .collect();
        let n = pairs.len() as f64;
        let mean = pairs.iter().map(|p| p.0).sum::<f64>() / n;
        let cov = pairs
            .iter()
            .map(|p| (p.0 - mean) * (p.1 - mean))
            .sum::<f64>();
        let var = pairs.iter().map(|p| (p.0 - mean).powi(2)).sum::<f64>();
        cov / var
    }

    #[test]
    fn homophily_makes_lonely_people_neighbours_and_none_leaves_them_apart() {
        let n = 4000;
        let mut s = stream();
        let loneliness: Vec<f32> = (0..n)
            .map(|_| rng::normal(&mut s, 6.5, 1.3) as f32)
            .collect();
        let correlation = |homophily| {
            let settings = CommunityNetwork {
                kind: NetworkKind::WattsStrogatz,
                homophily,
                ..CommunityNetwork::default()
            };
            neighbour_correlation(&generate(&settings, n, 11, 0, &loneliness), &loneliness)
        };
        // 24,000 tie ends: under no relation the correlation's standard
        // error is about 1/sqrt(12,000) = 0.009.
        let none = correlation(0.0);
        assert!(
            none.abs() < 4.0 / 12_000f64.sqrt(),
            "homophily 0: r = {none}"
        );
        let strong = correlation(0.8);
        assert!(strong > 0.3, "homophily 0.8: r = {strong}");
        assert!(correlation(0.4) < strong);
    }
}
