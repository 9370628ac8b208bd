//! The bond network: its figures (network.csv) with NetworkX's definitions,
//! the per-member figures of members.csv that need the whole graph, and
//! exports that NetworkX, Gephi and Cytoscape read.
//!
//! The figures of network.csv are computed group by group from the tie
//! bitsets, in parallel ([`NetStats`]): ties never cross groups, so the
//! whole network's figures are sums and maxima of the groups'. They follow
//! NetworkX:
//!
//! | figure | NetworkX |
//! |---|---|
//! | density | `nx.density` (unweighted) |
//! | mean degree | `2 m / n` |
//! | isolates share | `len(list(nx.isolates(G))) / n` |
//! | components, largest share | `nx.number_connected_components`, `max(len(c)) / n` |
//! | average clustering | `nx.average_clustering` (unweighted, isolates count 0) |
//! | transitivity | `nx.transitivity` |
//! | core number | `nx.core_number` |
//! | modularity of the groups | `nx.community.modularity(G, groups)` (unweighted) |
//!
//! Mean tie strength is the mean edge weight in hours. A figure over the
//! nodes is missing (an empty cell) where there are none, and the mean
//! strength and the modularity where there are no ties (NetworkX's
//! modularity divides by them).
//!
//! [`BondNetwork::build`] makes a petgraph graph of everyone who has joined a
//! group (nodes) and every tie at or above the network threshold
//! (`mechanisms.bonding.tie_hours`; edges, with strength, hours and whether
//! the pair keeps in regular touch outside the group), for the GraphML and
//! edge-list exports and for the core numbers and strengths of the members
//! of groups of more than 64 places; smaller groups' members have theirs
//! from bit words, the same numbers ([`node_figures`]). The tests compute
//! network.csv's figures again on that graph (`tests/networkx.rs`) and hold
//! the two equal.

use std::fmt::Write;

use petgraph::graph::{NodeIndex, UnGraph};

pub use crate::bonds::NetStats;

use crate::bonds::{NetworkMemo, TieLevels, shared_partners_each};
use crate::community::CommunityGraph;
use crate::output::NetworkRow;
use crate::output::csv_line::float_text;
use crate::output::xml::escape;
use crate::popcount::fast_popcount;
use crate::population::{GroupState, NEVER};

/// A node: one member who has joined a group.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub member: u64,
    pub group: u32,
    pub status: &'static str,
    pub loneliness: f32,
    pub hope: f32,
    /// Hopeful (hope's adoption state, `mechanisms.hope.hopeful_at`).
    pub hopeful: bool,
}

impl Node {
    /// Place `i` of group `g`, in its state now: `not_arrived` for a
    /// place of an open group whose person has not come yet (internally on
    /// the waiting list, but outside `arrived`, and in no output's counts).
    fn of(g: &GroupState, i: usize) -> Node {
        let status = if i < g.arrived {
            status_name(g.members[i].status)
        } else {
            NOT_ARRIVED
        };
        Node {
            member: g.first_member + i as u64,
            group: g.id,
            status,
            loneliness: g.members[i].loneliness,
            hope: g.members[i].hope,
            hopeful: g.members[i].hopeful_since != NEVER,
        }
    }
}

/// An edge: one tie.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub strength: f32,
    pub hours: f32,
    pub beyond_meetings: bool,
}

/// The bond network of one arm of one run at one step.
#[derive(Debug, Clone)]
pub struct BondNetwork {
    pub graph: UnGraph<Node, Edge>,
}

/// The status of a person in the community export who has not come to the
/// programme yet ([`Node::of`]).
const NOT_ARRIVED: &str = "not_arrived";

fn status_name(s: crate::population::Status) -> &'static str {
    use crate::population::Status::*;
    match s {
        Waiting => "waiting",
        Active => "active",
        DroppedOut => "dropped_out",
        Graduated => "graduated",
        Control => "control",
        GroupEnded => "group_ended",
    }
}

impl BondNetwork {
    /// The network of the groups that meet, in group and place order.
    pub fn build(groups: &[GroupState], levels: &TieLevels) -> BondNetwork {
        let mut graph = UnGraph::default();
        for g in groups.iter().filter(|g| g.meets) {
            let nodes: Vec<Option<NodeIndex>> = (0..g.places())
                .map(|i| {
                    (i < g.arrived && g.members[i].joined_step != NEVER)
                        .then(|| graph.add_node(Node::of(g, i)))
                })
                .collect();
            for j in 1..g.arrived {
                for i in 0..j {
                    let k = crate::bonds::pair_index(i, j);
                    let strength = g.bonds.strengths()[k];
                    if strength >= levels.tie
                        && let (Some(a), Some(b)) = (nodes[i], nodes[j])
                    {
                        let edge = Edge {
                            strength,
                            hours: g.bonds.hours()[k],
                            beyond_meetings: g.bonds.beyond()[k],
                        };
                        graph.add_edge(a, b, edge);
                    }
                }
            }
        }
        BondNetwork { graph }
    }

    /// Neighbour lists, sorted, as plain indices.
    fn adjacency(&self) -> Vec<Vec<usize>> {
        let g = &self.graph;
        // Each list made at its length (a member's ties) rather than grown.
        let mut degree = vec![0; g.node_count()];
        for e in g.edge_indices() {
            let (a, b) = g.edge_endpoints(e).expect("edge exists");
            degree[a.index()] += 1;
            degree[b.index()] += 1;
        }
        let mut adj: Vec<Vec<usize>> = degree.into_iter().map(Vec::with_capacity).collect();
        for e in g.edge_indices() {
            let (a, b) = g.edge_endpoints(e).expect("edge exists");
            if a != b {
                adj[a.index()].push(b.index());
                adj[b.index()].push(a.index());
            }
        }
        adj.iter_mut().for_each(|v| {
            v.sort_unstable();
            v.dedup();
        });
        adj
    }

    /// Core number of every node, in node order.
    pub fn core_numbers(&self) -> Vec<u32> {
        core_numbers(&self.adjacency())
    }

    /// Strength of every node (sum of its ties' strengths), in node order.
    pub fn strengths(&self) -> Vec<f32> {
        let g = &self.graph;
        let mut s = vec![0.0f32; g.node_count()];
        for e in g.edge_indices() {
            let (a, b) = g.edge_endpoints(e).expect("edge exists");
            s[a.index()] += g[e].strength;
            s[b.index()] += g[e].strength;
        }
        s
    }

    /// GraphML that NetworkX (`nx.read_graphml`), Gephi and Cytoscape read.
    /// `arm` names the arm of every node. An edge's strength is written
    /// twice: as `strength`, and as `weight`, the one name Gephi takes for
    /// an edge's weight (it would weigh every tie 1 otherwise) and the
    /// name NetworkX's weighted measures read by default.
    pub fn write_graphml(&self, arm: &str, out: &mut dyn Write) -> std::fmt::Result {
        let g = &self.graph;
        out.write_str(GRAPHML_HEAD)?;
        out.write_str(concat!(
            "  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"double\"/>\n",
            "  <key id=\"strength\" for=\"edge\" attr.name=\"strength\" attr.type=\"double\"/>\n",
            "  <key id=\"hours\" for=\"edge\" attr.name=\"hours\" attr.type=\"double\"/>\n",
            "  <key id=\"beyond_meetings\" for=\"edge\" attr.name=\"beyond_meetings\" attr.type=\"boolean\"/>\n",
            "  <graph id=\"bonds\" edgedefault=\"undirected\">\n",
        ))?;
        for node in g.node_weights() {
            write_node(out, arm, node)?;
        }
        for (a, b, w) in self.ties() {
            let strength = float_text(w.strength);
            writeln!(
                out,
                "    <edge source=\"m{a}\" target=\"m{b}\"><data key=\"weight\">{strength}</data><data key=\"strength\">{strength}</data><data key=\"hours\">{}</data><data key=\"beyond_meetings\">{}</data></edge>",
                float_text(w.hours),
                w.beyond_meetings
            )?;
        }
        out.write_str("  </graph>\n</graphml>\n")
    }

    /// Every tie as (member id, member id, edge), in edge order.
    fn ties(&self) -> impl Iterator<Item = (u64, u64, Edge)> + '_ {
        let g = &self.graph;
        g.edge_indices().map(move |e| {
            let (a, b) = g.edge_endpoints(e).expect("edge exists");
            (g[a].member, g[b].member, g[e])
        })
    }

    /// The edge list: `source,target,strength,hours,beyond_meetings` (member ids).
    pub fn write_edge_list(&self, out: &mut dyn Write) -> std::fmt::Result {
        out.write_str("source,target,strength,hours,beyond_meetings\n")?;
        for (a, b, w) in self.ties() {
            writeln!(
                out,
                "{a},{b},{},{},{}",
                float_text(w.strength),
                float_text(w.hours),
                w.beyond_meetings
            )?;
        }
        Ok(())
    }
}

/// The start of a GraphML file and the keys of its node attributes, the
/// same for the bond and the community network.
const GRAPHML_HEAD: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n",
    "  <key id=\"group\" for=\"node\" attr.name=\"group\" attr.type=\"long\"/>\n",
    "  <key id=\"arm\" for=\"node\" attr.name=\"arm\" attr.type=\"string\"/>\n",
    "  <key id=\"status\" for=\"node\" attr.name=\"status\" attr.type=\"string\"/>\n",
    "  <key id=\"loneliness\" for=\"node\" attr.name=\"loneliness\" attr.type=\"double\"/>\n",
    "  <key id=\"hope\" for=\"node\" attr.name=\"hope\" attr.type=\"double\"/>\n",
    "  <key id=\"hopeful\" for=\"node\" attr.name=\"hopeful\" attr.type=\"boolean\"/>\n",
);

/// One person as a GraphML node, with their arm.
fn write_node(out: &mut dyn Write, arm: &str, node: &Node) -> std::fmt::Result {
    let Node {
        member,
        group,
        status,
        loneliness,
        hope,
        hopeful,
    } = node;
    writeln!(
        out,
        "    <node id=\"m{member}\"><data key=\"group\">{group}</data><data key=\"arm\">{}</data><data key=\"status\">{status}</data><data key=\"loneliness\">{}</data><data key=\"hope\">{}</data><data key=\"hopeful\">{hopeful}</data></node>",
        escape(arm),
        float_text(*loneliness),
        float_text(*hope)
    )
}

/// Everyone of a run as a node of the community network, for its export:
/// their state ([`Node`]) and whether they are of the control arm, in
/// member-id order, and the name of the run's group arm.
pub struct CommunityPeople {
    arm: String,
    people: Vec<(bool, Node)>,
}

impl CommunityPeople {
    /// Everyone in `groups` (places in order, waiting and not yet arrived
    /// included); the group arm is named `arm`, control blocks `control`.
    pub fn of(groups: &[GroupState], arm: &str) -> CommunityPeople {
        let places = groups.iter().map(GroupState::places).sum();
        let mut people = Vec::with_capacity(places);
        for g in groups {
            let control = g.arm == crate::population::Arm::Control;
            people.extend((0..g.places()).map(|i| (control, Node::of(g, i))));
        }
        CommunityPeople {
            arm: arm.to_string(),
            people,
        }
    }

    /// GraphML of the community network (NetworkX, Gephi): node attributes
    /// group, arm, status, loneliness, hope, hopeful; edges unweighted.
    pub fn write_graphml(&self, graph: &CommunityGraph, out: &mut dyn Write) -> std::fmt::Result {
        out.write_str(GRAPHML_HEAD)?;
        out.write_str("  <graph id=\"community\" edgedefault=\"undirected\">\n")?;
        for (control, node) in &self.people {
            let arm = if *control { "control" } else { &self.arm };
            write_node(out, arm, node)?;
        }
        for (a, b) in community_ties(graph) {
            writeln!(out, "    <edge source=\"m{a}\" target=\"m{b}\"/>")?;
        }
        out.write_str("  </graph>\n</graphml>\n")
    }

    /// The community ties as `source,target` (member ids), each once.
    pub fn write_edge_list(&self, graph: &CommunityGraph, out: &mut dyn Write) -> std::fmt::Result {
        out.write_str("source,target\n")?;
        for (a, b) in community_ties(graph) {
            writeln!(out, "{a},{b}")?;
        }
        Ok(())
    }
}

/// Every community tie once, as (lower id, higher id), in id order.
fn community_ties(graph: &CommunityGraph) -> impl Iterator<Item = (usize, u32)> + '_ {
    (0..graph.nodes()).flat_map(move |v| {
        graph
            .neighbours(v)
            .iter()
            .filter(move |&&u| u as usize > v)
            .map(move |&u| (v, u))
    })
}

/// What a group's tally made in the kernel's lanes gives its network
/// figures ([`NetStats::of_group_remembered`]): the same bits as
/// `joined_mask` and `strength_sum` give.
#[derive(Debug, Clone, Copy, Default)]
pub struct FromTally {
    /// The places whose members have joined (bit `i` for place `i`).
    pub joined: u64,
    /// The sum of the strengths of the ties among them.
    pub strength_sum: f64,
}

/// The places of a group of up to 64 whose members have joined: the nodes
/// of its tie network (none in a group that does not meet).
fn joined_mask(g: &GroupState) -> u64 {
    if !g.meets {
        return 0;
    }
    let mut mask = 0u64;
    for (i, member) in g.members[..g.arrived].iter().enumerate() {
        mask |= u64::from(member.joined_step != NEVER) << i;
    }
    mask
}

/// The sum of the strengths of the ties among `nodes` in a group of up to
/// 64 places, tie by tie in one order (by `i`, then `j > i`), so that every
/// measurement, afresh or remembered, adds them up the same way.
fn strength_sum(g: &GroupState, nodes: u64) -> f64 {
    let bits = g.tie_summary.tie_bits();
    let strengths = g.bonds.strengths();
    let mut sum = 0.0;
    let mut each = nodes;
    while each != 0 {
        let i = each.trailing_zeros() as usize;
        each &= each - 1;
        let mut later = bits[i] & nodes & each;
        while later != 0 {
            let j = later.trailing_zeros() as usize;
            later &= later - 1;
            // `i < j`: the pair's index without ordering the two.
            sum += f64::from(strengths[j * (j - 1) / 2 + i]);
        }
    }
    sum
}

/// The core numbers of `nodes` in a graph of up to 64 places given by
/// each place's neighbour bits, `degree` each node's degree among them
/// (lowered as the nodes go, left as the peeling left it): the node of
/// least remaining degree (the first such) peeled one at a
/// time, lowering its remaining neighbours' degrees, its core number the
/// largest least degree met so far, handed to `core` with its place.
/// Once the nodes left are at most that degree and one, none can have
/// more neighbours left than it: each is handed it, in place order,
/// without peeling. Returns the largest core number (0 without nodes).
#[inline(always)]
fn peel(bits: &[u64], nodes: u64, degree: &mut [u32; 64], mut core: impl FnMut(usize, u32)) -> u32 {
    let mut remaining = nodes;
    let mut largest = 0u32;
    while remaining != 0 {
        // No node among r left has more than r - 1 neighbours left: once
        // that is at most the largest least degree met, every one left
        // has that core number.
        if remaining.count_ones() <= largest + 1 {
            let mut each = remaining;
            while each != 0 {
                core(each.trailing_zeros() as usize, largest);
                each &= each - 1;
            }
            break;
        }
        let mut best = (u32::MAX, 0usize);
        let mut each = remaining;
        while each != 0 {
            let v = each.trailing_zeros() as usize;
            each &= each - 1;
            if degree[v] < best.0 {
                best = (degree[v], v);
            }
        }
        largest = largest.max(best.0);
        core(best.1, largest);
        remaining &= !(1 << best.1);
        let mut neighbours = bits[best.1] & remaining;
        while neighbours != 0 {
            degree[neighbours.trailing_zeros() as usize] -= 1;
            neighbours &= neighbours - 1;
        }
    }
    largest
}

/// Each node's strength and core number in one group's bond network, in
/// node order (the group's members who joined, by place): the
/// [`BondNetwork::strengths`] and [`BondNetwork::core_numbers`] of the
/// group's [`BondNetwork::build`], the same bits. A group of up to 64
/// places is measured from one bit word per member, its ties those
/// `build` draws (strength at or above the tie level, between two who
/// joined), each strength summed over the node's ties in its partners'
/// order, as the graph's edges come; a larger one through the graph.
pub fn node_figures(g: &GroupState, levels: &TieLevels) -> (Vec<f32>, Vec<u32>) {
    if g.places() > 64 {
        let network = BondNetwork::build(std::slice::from_ref(g), levels);
        return (network.strengths(), network.core_numbers());
    }
    let nodes = joined_mask(g);
    let strengths = g.bonds.strengths();
    let mut bits = [0u64; 64];
    for j in 1..g.arrived {
        for i in 0..j {
            let tie = strengths[crate::bonds::pair_index(i, j)] >= levels.tie;
            if tie && (nodes >> i) & (nodes >> j) & 1 == 1 {
                bits[i] |= 1 << j;
                bits[j] |= 1 << i;
            }
        }
    }
    let mut strength = Vec::with_capacity(nodes.count_ones() as usize);
    let mut degree = [0u32; 64];
    let mut each = nodes;
    while each != 0 {
        let i = each.trailing_zeros() as usize;
        each &= each - 1;
        degree[i] = bits[i].count_ones();
        let (mut sum, mut partners) = (0.0f32, bits[i]);
        while partners != 0 {
            let j = partners.trailing_zeros() as usize;
            partners &= partners - 1;
            sum += strengths[crate::bonds::pair_index(i, j)];
        }
        strength.push(sum);
    }
    let mut by_place = [0u32; 64];
    peel(&bits, nodes, &mut degree, |place, core| {
        by_place[place] = core
    });
    let cores = (0..64)
        .filter(|&i| (nodes >> i) & 1 == 1)
        .map(|i| by_place[i])
        .collect();
    (strength, cores)
}

fast_popcount!(
    /// [`NetStats::small_group`], with POPCNT where the processor has it.
    fn of_small_group(g: &GroupState, nodes: u64, strength_sum: Option<f64>) -> NetStats = NetStats::small_group
);

impl NetStats {
    /// The figures of one group.
    pub fn of_group(g: &GroupState) -> NetStats {
        if g.tie_summary.words() == 1 {
            return of_small_group(g, joined_mask(g), None);
        }
        Self::of_any_group(g)
    }

    /// [`NetStats::of_group`], reusing the figures of the group's last
    /// measurement (`memo`) while neither its ties nor who has joined have
    /// changed since: every figure but the strength sum is a function of
    /// those two alone. Who has joined and the strength sum are those
    /// `given` (made in the kernel's lanes, the same bits), else found
    /// again as [`NetStats::of_group`] finds them. Groups of up to 64
    /// places; larger ones are measured afresh.
    pub fn of_group_remembered(
        g: &GroupState,
        memo: &mut Option<Box<NetworkMemo>>,
        given: Option<FromTally>,
    ) -> NetStats {
        if g.tie_summary.words() != 1 {
            return Self::of_any_group(g);
        }
        let joined = given.map_or_else(|| joined_mask(g), |given| given.joined);
        let given = given.map(|given| given.strength_sum);
        let bits = &g.tie_summary.tie_bits()[..g.arrived];
        if let Some(last) = memo.as_deref()
            && last.joined == joined
            && last.bits == bits
        {
            return NetStats {
                strength_sum: given.unwrap_or_else(|| strength_sum(g, joined)),
                ..last.figures
            };
        }
        let figures = of_small_group(g, joined, given);
        let last = memo.get_or_insert_with(Box::default);
        last.joined = joined;
        last.bits.clear();
        last.bits.extend_from_slice(bits);
        last.figures = figures;
        figures
    }

    /// Groups of up to 64 places, their nodes `node_mask` ([`joined_mask`]):
    /// every figure from one bit word per member, without allocating, the
    /// strength sum where not given. Called through
    /// [`of_small_group`], compiled with POPCNT where the processor has it
    /// ([`crate::popcount`]).
    #[inline(always)]
    fn small_group(g: &GroupState, node_mask: u64, strength: Option<f64>) -> NetStats {
        let bits = g.tie_summary.tie_bits();
        let mut s = NetStats {
            nodes: u64::from(node_mask.count_ones()),
            strength_sum: strength.unwrap_or_else(|| strength_sum(g, node_mask)),
            ..NetStats::default()
        };
        // Each node's figures as soon as its count of triangles is whole.
        let mut degree = [0u32; 64];
        let mut isolated = 0u64;
        shared_partners_each(bits, node_mask, |i, ties, twice| {
            degree[i] = ties.count_ones();
            let (k, twice) = (u64::from(degree[i]), u64::from(twice));
            s.edges += k;
            isolated |= u64::from(k == 0) << i;
            s.triples += k * k.saturating_sub(1) / 2;
            s.triangles_at_nodes += twice / 2;
            if k >= 2 {
                s.clustering_sum += twice as f64 / (k * (k - 1)) as f64;
            }
        });
        s.edges /= 2;
        s.edges_squared = (s.edges * s.edges) as f64;
        s.isolates = u64::from(isolated.count_ones());

        // Components: each isolated node is one; the others by flood fill
        // over bit masks.
        s.components = s.isolates;
        s.largest_component = s.isolates.min(1);
        let mut unseen = node_mask & !isolated;
        while unseen != 0 {
            let mut component = unseen & unseen.wrapping_neg();
            let mut frontier = component;
            while frontier != 0 {
                let v = frontier.trailing_zeros() as usize;
                frontier &= frontier - 1;
                let new = bits[v] & node_mask & !component;
                component |= new;
                frontier |= new;
            }
            unseen &= !component;
            s.components += 1;
            s.largest_component = s.largest_component.max(u64::from(component.count_ones()));
        }

        // The isolated nodes' core number is 0, and peeled first they would
        // change no other's degree: they are left out from the start.
        // A forest (as many edges as nodes less components) has no cycle,
        // so no 2-core: its largest core number is 1 where it has an edge.
        s.max_core = if s.edges == s.nodes - s.components {
            u32::from(s.edges > 0)
        } else {
            peel(bits, node_mask & !isolated, &mut degree, |_, _| ())
        };
        s
    }

    /// Groups of any size, through adjacency lists.
    fn of_any_group(g: &GroupState) -> NetStats {
        let ts = &g.tie_summary;
        let nodes: Vec<usize> = (0..g.arrived)
            .filter(|&i| g.meets && g.members[i].joined_step != NEVER)
            .collect();
        let mut s = NetStats {
            nodes: nodes.len() as u64,
            ..NetStats::default()
        };
        if nodes.is_empty() {
            return s;
        }
        let words = ts.words();
        let partners = |i: usize| -> Vec<usize> {
            let mut out = Vec::new();
            for w in 0..words {
                let mut bits = ts.tie_bits()[i * words + w];
                while bits != 0 {
                    out.push(w * 64 + bits.trailing_zeros() as usize);
                    bits &= bits - 1;
                }
            }
            out
        };
        let adj: Vec<Vec<usize>> = (0..g.places())
            .map(|i| {
                if i < g.arrived {
                    partners(i)
                } else {
                    Vec::new()
                }
            })
            .collect();
        for &i in &nodes {
            let k = adj[i].len() as u64;
            s.edges += k;
            s.isolates += u64::from(k == 0);
            s.triples += k * k.saturating_sub(1) / 2;
            s.clustering_sum += ts.local_clustering(i);
            let twice: u64 = adj[i]
                .iter()
                .map(|&j| {
                    adj[j]
                        .iter()
                        .filter(|&&x| adj[i].binary_search(&x).is_ok())
                        .count() as u64
                })
                .sum();
            s.triangles_at_nodes += twice / 2;
            s.strength_sum += adj[i]
                .iter()
                .filter(|&&j| j > i)
                .map(|&j| f64::from(g.bonds.strength(i, j)))
                .sum::<f64>();
        }
        s.edges /= 2;
        s.edges_squared = (s.edges * s.edges) as f64;
        let (count, largest) = components(&adj_of(&nodes, &adj));
        s.components = count as u64;
        s.largest_component = largest as u64;
        s.max_core = core_numbers(&adj_of(&nodes, &adj))
            .into_iter()
            .max()
            .unwrap_or(0);
        s
    }

    /// Adds another group's figures (call in group order). Figures of no
    /// node (a group not measured this step, or nobody joined) are all
    /// zero, and adding them would change nothing: every sum here is of
    /// non-negative terms from +0, so not even a zero's sign. They are
    /// passed over, as most groups' figures are at the steps the network
    /// is not measured.
    #[inline]
    pub fn add(&mut self, o: &NetStats) {
        if o.nodes == 0 {
            debug_assert_eq!(*o, NetStats::default(), "figures of no node");
            return;
        }
        self.nodes += o.nodes;
        self.edges += o.edges;
        self.isolates += o.isolates;
        self.components += o.components;
        self.largest_component = self.largest_component.max(o.largest_component);
        self.triangles_at_nodes += o.triangles_at_nodes;
        self.triples += o.triples;
        self.clustering_sum += o.clustering_sum;
        self.strength_sum += o.strength_sum;
        self.max_core = self.max_core.max(o.max_core);
        self.edges_squared += o.edges_squared;
    }

    /// The network.csv figures (the id fields are left for the caller).
    pub fn row(&self) -> NetworkRow {
        let n = self.nodes as f64;
        let m = self.edges as f64;
        let (over_nodes, over_ties) = (self.nodes > 0, self.edges > 0);
        let share = |x: u64| over_nodes.then(|| x as f64 / n);
        NetworkRow {
            nodes: self.nodes,
            edges: self.edges,
            density: if self.nodes < 2 {
                0.0
            } else {
                2.0 * m / (n * (n - 1.0))
            },
            mean_degree: over_nodes.then(|| 2.0 * m / n),
            isolates_share: share(self.isolates),
            components: self.components,
            largest_component_share: share(self.largest_component),
            average_clustering: over_nodes.then(|| self.clustering_sum / n),
            transitivity: if self.triples == 0 {
                0.0
            } else {
                self.triangles_at_nodes as f64 / self.triples as f64
            },
            mean_strength: over_ties.then(|| self.strength_sum / m),
            max_core: self.max_core,
            // Every edge lies inside a group: Q = sum over groups of
            // L/m - (2L/2m)^2 = 1 - sum(L^2)/m^2.
            group_modularity: over_ties.then(|| 1.0 - self.edges_squared / (m * m)),
            ..NetworkRow::default()
        }
    }
}

/// The adjacency of a subset of places, renumbered 0..nodes.
fn adj_of(nodes: &[usize], adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut index = vec![usize::MAX; adj.len()];
    for (k, &i) in nodes.iter().enumerate() {
        index[i] = k;
    }
    nodes
        .iter()
        .map(|&i| {
            adj[i]
                .iter()
                .map(|&j| index[j])
                .filter(|&j| j != usize::MAX)
                .collect()
        })
        .collect()
}

/// Number of connected components and the size of the largest.
pub(crate) fn components(adj: &[Vec<usize>]) -> (usize, usize) {
    let mut seen = vec![false; adj.len()];
    let (mut count, mut largest) = (0, 0);
    let mut stack = Vec::new();
    for start in 0..adj.len() {
        if seen[start] {
            continue;
        }
        count += 1;
        seen[start] = true;
        stack.push(start);
        let mut size = 0;
        while let Some(v) = stack.pop() {
            size += 1;
            for &u in &adj[v] {
                if !seen[u] {
                    seen[u] = true;
                    stack.push(u);
                }
            }
        }
        largest = largest.max(size);
    }
    (count, largest)
}

/// Core number of every node (Batagelj & Zaversnik 2003, O(m)).
fn core_numbers(adj: &[Vec<usize>]) -> Vec<u32> {
    let n = adj.len();
    let mut degree: Vec<usize> = adj.iter().map(Vec::len).collect();
    let max_degree = degree.iter().copied().max().unwrap_or(0);
    // Bucket sort of nodes by degree.
    let mut bin = vec![0usize; max_degree + 1];
    degree.iter().for_each(|&d| bin[d] += 1);
    let mut start = 0;
    for b in bin.iter_mut() {
        let count = *b;
        *b = start;
        start += count;
    }
    let mut pos = vec![0usize; n];
    let mut order = vec![0usize; n];
    for v in 0..n {
        pos[v] = bin[degree[v]];
        order[pos[v]] = v;
        bin[degree[v]] += 1;
    }
    for d in (1..=max_degree).rev() {
        bin[d] = bin[d - 1];
    }
    if max_degree > 0 || n > 0 {
        bin[0] = 0;
    }
    for i in 0..n {
        let v = order[i];
        for &u in &adj[v] {
            if degree[u] > degree[v] {
                let du = degree[u];
                let pu = pos[u];
                let pw = bin[du];
                let w = order[pw];
                if u != w {
                    order[pu] = w;
                    pos[w] = pu;
                    order[pw] = u;
                    pos[u] = pw;
                }
                bin[du] += 1;
                degree[u] -= 1;
            }
        }
    }
    degree.into_iter().map(|d| d as u32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A figure halfway between two shortest texts is written as every CSV
    /// writes it (`ryu`, ties to even): `6.0507812`, where Rust's own
    /// formatting writes `6.0507813`, so that members.csv and the exports
    /// read the same.
    #[test]
    fn exports_write_a_float_as_the_csv_files_do() {
        let halfway = 6.0 + 13.0 / 256.0_f32; // 6.05078125, exactly
        let node = Node {
            member: 7,
            group: 1,
            status: "active",
            loneliness: halfway,
            hope: 0.5,
            hopeful: false,
        };
        let mut graphml = String::new();
        write_node(&mut graphml, "group", &node).unwrap();
        assert!(graphml.contains(">6.0507812<"), "{graphml}");
        let mut csv = Vec::new();
        let mut recent = crate::output::csv_line::RecentFloats::default();
        crate::output::csv_line::Fields::line(&mut csv, &mut recent).float(Some(halfway));
        assert_eq!(csv, b"6.0507812");
    }

    fn adj(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
        let mut a = vec![Vec::new(); n];
        for &(x, y) in edges {
            a[x].push(y);
            a[y].push(x);
        }
        a.iter_mut().for_each(|v| v.sort_unstable());
        a
    }

    /// Thirty sessions of `groups` groups of `size` places, open or
    /// closed (`membership`): `visit` is handed each meeting group, with
    /// its place in the community, after each session.
    fn sessions_of(
        groups: usize,
        size: usize,
        membership: &str,
        mut visit: impl FnMut(u32, &crate::session::SessionContext, usize, &GroupState),
    ) {
        let scenario = crate::Scenario::builder()
            .set("community.groups", groups as i64)
            .set("community.group_size", size as i64)
            .set("format.membership", membership)
            .set("format.sessions", 30)
            .set("replicates", 1)
            .build()
            .expect("a valid scenario");
        let ctx = crate::session::SessionContext::new(&scenario, 0);
        let mut community = crate::population::build_community(&scenario, 0);
        for step in 1..=30 {
            crate::engine::step_all(&mut community, &ctx, step);
            for (at, g) in community.iter().enumerate().filter(|(_, g)| g.meets) {
                visit(step, &ctx, at, g);
            }
        }
    }

    /// Open groups whose members come and go and whose ties form and fade:
    /// at every session, each group's figures from its memo are those
    /// measured afresh, bit for bit, and both reuse and a new measurement
    /// happen.
    #[test]
    fn remembered_figures_are_the_figures_measured_afresh() {
        let mut memos: Vec<Option<Box<NetworkMemo>>> = vec![None; 60];
        let (mut reused, mut measured) = (0, 0);
        sessions_of(60, 8, "open", |step, _, at, g| {
            let memo = &mut memos[at];
            let unchanged = memo.as_ref().is_some_and(|m| {
                m.joined == joined_mask(g) && m.bits == g.tie_summary.tie_bits()[..g.arrived]
            });
            let remembered = NetStats::of_group_remembered(g, memo, None);
            let fresh = NetStats::of_group(g);
            assert_eq!(remembered, fresh, "group {} at session {step}", g.id);
            assert_eq!(
                remembered.strength_sum.to_bits(),
                fresh.strength_sum.to_bits()
            );
            assert_eq!(
                remembered.clustering_sum.to_bits(),
                fresh.clustering_sum.to_bits()
            );
            if unchanged {
                reused += 1;
            } else {
                measured += 1;
            }
        });
        assert!(
            reused > 100 && measured > 100,
            "{reused} reused, {measured} measured"
        );
    }

    /// Open groups whose members come and go and whose ties form and fade,
    /// and closed groups that fill a word's 64 places: at every session,
    /// each node's strength and core number from the bit words are those of
    /// the group's graph, bit for bit, over graphs with isolated nodes,
    /// cores of two and more, and nodes far into the word.
    #[test]
    fn node_figures_are_the_graphs() {
        let (mut isolated, mut deep, mut most) = (0, 0, 0);
        // Open groups of 12 places, and closed ones of 64: a word's every
        // bit.
        for (groups, size, membership) in [(40, 12, "open"), (3, 64, "closed")] {
            sessions_of(groups, size, membership, |step, ctx, _, g| {
                let graph = BondNetwork::build(std::slice::from_ref(g), &ctx.levels);
                let (strengths, cores) = node_figures(g, &ctx.levels);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&strengths), bits(&graph.strengths()), "group {}", g.id);
                assert_eq!(cores, graph.core_numbers(), "group {} at {step}", g.id);
                isolated += cores.iter().filter(|&&c| c == 0).count();
                deep += cores.iter().filter(|&&c| c >= 2).count();
                most = most.max(cores.len());
            });
        }
        assert!(
            isolated > 100 && deep > 100 && most > 48,
            "{isolated} isolated, {deep} in 2-cores, at most {most} nodes"
        );
    }

    /// Open groups whose ties form and fade: each group's largest core
    /// number from the bit words is that of its graph, over forests with
    /// edges (whose largest core number is 1 without peeling), graphs
    /// with cycles, and groups without ties.
    #[test]
    fn largest_core_is_the_graphs() {
        let (mut forests, mut cyclic, mut bare) = (0, 0, 0);
        sessions_of(40, 12, "open", |step, ctx, _, g| {
            let graph = BondNetwork::build(std::slice::from_ref(g), &ctx.levels);
            let expected = graph.core_numbers().into_iter().max().unwrap_or(0);
            let s = NetStats::of_group(g);
            assert_eq!(s.max_core, expected, "group {} at {step}", g.id);
            match (s.edges, s.edges == s.nodes - s.components) {
                (0, _) => bare += 1,
                (_, true) => forests += 1,
                (_, false) => cyclic += 1,
            }
        });
        assert!(
            forests > 50 && cyclic > 500 && bare > 30,
            "{forests} forests, {cyclic} with cycles, {bare} without ties"
        );
    }

    #[test]
    fn core_numbers_and_components_of_a_hand_made_graph() {
        // Triangle 0-1-2, tail 2-3, isolated 4 (networkx values computed by
        // hand): core numbers [2, 2, 2, 1, 0]; 2 components, the largest of 4.
        let a = adj(5, &[(0, 1), (1, 2), (0, 2), (2, 3)]);
        assert_eq!(core_numbers(&a), vec![2, 2, 2, 1, 0]);
        assert_eq!(components(&a), (2, 4));
    }

    #[test]
    fn core_numbers_of_a_clique_with_a_pendant() {
        // K4 on 0..4 plus 4 hanging from 0 and 5 hanging from 4.
        let a = adj(
            6,
            &[
                (0, 1),
                (0, 2),
                (0, 3),
                (1, 2),
                (1, 3),
                (2, 3),
                (0, 4),
                (4, 5),
            ],
        );
        assert_eq!(core_numbers(&a), vec![3, 3, 3, 3, 1, 1]);
    }
}
