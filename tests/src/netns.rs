//! Network partitions made by the test itself: an *island* is a network
//! namespace joined to the host by one veth pair, with two addresses of its
//! own (10.201.N.1 on the host side, 10.201.N.2 inside, N from the test's
//! process id). A node started on the island is reached only through that
//! link; taking the host side of the link down cuts it off from every other
//! node, its workers and the test, and bringing it up heals the partition.
//! Nothing but those two addresses is ever touched, and the namespace and
//! link are removed when the island is dropped.
//!
//! Needs `CAP_NET_ADMIN` (root) and `ip` from iproute2.

use anyhow::{bail, Context, Result};
use std::process::Command;

/// Where a node on an island runs: its namespace and its address there.
#[derive(Clone, Debug)]
pub struct Place {
	pub netns: String,
	pub ip: String,
}

/// A network namespace linked to the host.
pub struct Island {
	pub place: Place,
	/// The host's address on the link (what the island's nodes dial).
	pub host_ip: String,
	host_link: String,
}

fn ip(args: &[&str]) -> Result<()> {
	let out = Command::new("ip").args(args).output().context("running `ip` (iproute2)")?;
	if !out.status.success() {
		bail!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
	}
	Ok(())
}

impl Island {
	/// Make the namespace and its link; `tag` tells islands of one test apart (0..=9).
	pub fn create(tag: u8) -> Result<Island> {
		let id = std::process::id() % 250;
		let netns = format!("dbr{id}i{tag}");
		let host_link = format!("dbr{id}h{tag}");
		let island_link = format!("dbr{id}n{tag}");
		let subnet = format!("10.201.{}", id);
		let (host_ip, island_ip) = (
			format!("{subnet}.{}", 1 + 4 * u32::from(tag)),
			format!("{subnet}.{}", 2 + 4 * u32::from(tag)),
		);
		// Left over from a run that was killed: the names are this process's.
		let _ = ip(&["link", "del", &host_link]);
		let _ = ip(&["netns", "del", &netns]);
		ip(&["netns", "add", &netns]).context(
			"making a network namespace (the partition test needs CAP_NET_ADMIN: run as root)",
		)?;
		let island = Island {
			place: Place { netns: netns.clone(), ip: island_ip.clone() },
			host_ip: host_ip.clone(),
			host_link: host_link.clone(),
		};
		ip(&["link", "add", &host_link, "type", "veth", "peer", "name", &island_link])?;
		ip(&["link", "set", &island_link, "netns", &netns])?;
		ip(&["addr", "add", &format!("{host_ip}/30"), "dev", &host_link])?;
		ip(&["link", "set", &host_link, "up"])?;
		ip(&["-n", &netns, "addr", "add", &format!("{island_ip}/30"), "dev", &island_link])?;
		ip(&["-n", &netns, "link", "set", &island_link, "up"])?;
		ip(&["-n", &netns, "link", "set", "lo", "up"])?;
		Ok(island)
	}

	/// Cut the island off: nothing goes in or out.
	pub fn cut(&self) -> Result<()> {
		ip(&["link", "set", &self.host_link, "down"])
	}

	/// Join it again.
	pub fn heal(&self) -> Result<()> {
		ip(&["link", "set", &self.host_link, "up"])
	}
}

impl Drop for Island {
	fn drop(&mut self) {
		let _ = ip(&["link", "del", &self.host_link]);
		let _ = ip(&["netns", "del", &self.place.netns]);
	}
}

/// The local chain's four validators from chain spec `spec`, the one at
/// `islander` on `island` (it dials Alice through the island's link), each
/// of the others dialing Alice directly; `tweak` adjusts each one's spec
/// (by its position) before it starts.
pub fn validators_with_islander(
	dir: &std::path::Path,
	spec: &str,
	island: &Island,
	islander: usize,
	tweak: impl Fn(usize, &mut crate::NodeSpec),
) -> Vec<crate::Node> {
	let mut nodes: Vec<crate::Node> = Vec::new();
	for (i, name) in ["alice", "bob", "charlie", "dave"].iter().enumerate() {
		let mut node_spec = crate::NodeSpec::local_validator(name);
		node_spec.chain = spec.to_string();
		if let Some(alice) = nodes.first() {
			let (_, peer) = crate::dev_node_key("alice");
			let host = if i == islander { island.host_ip.clone() } else { alice.ip() };
			node_spec.bootnodes = vec![format!("/ip4/{host}/tcp/{}/p2p/{peer}", alice.p2p_port)];
		}
		if i == islander {
			node_spec.island = Some(island.place.clone());
		}
		tweak(i, &mut node_spec);
		nodes.push(crate::Node::start(node_spec, dir).unwrap());
	}
	nodes
}
