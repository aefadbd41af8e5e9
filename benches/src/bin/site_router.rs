//! Sites a network apart, on one machine: a userspace IPv4 router between
//! network namespaces that holds every packet for a fixed one-way delay per
//! pair of sites, as links between cloud regions do.
//!
//! Each site `k` is a network namespace with a TUN device `dbsite<k>` that
//! this process creates there; the site's addresses are `10.77.<k>.0/24` and
//! `10.77.0.0/16` is routed through the device (the caller configures both:
//! `scripts/run-network.sh` with `SITES=3`). Every packet a site sends to another site is read
//! here, held for the pair's delay, and written into the other site's device;
//! a site's traffic to itself never leaves its namespace. Site 0 may be the
//! caller's own namespace with no delay to any site: a control path for the
//! scripts that start and watch the processes.
//!
//! The kernel's own delay emulation (`tc netem`) is the usual tool; the
//! machines this project runs on lack the `sch_netem` module (and `sch_fq`,
//! which a BPF departure-time program would need), so the delay is added
//! here. It is exact to the scheduler's timer slack (tens of microseconds)
//! and drops nothing; bandwidth is not limited.
//!
//!     site-router --site=-=0 --site dropbear-site1=1 --site dropbear-site2=2 \
//!         --delay 1-2=20 --delay 1-3=30 --delay 2-3=40

use anyhow::{anyhow, bail, Context, Result};
use clap::Parser;
use std::{
	collections::HashMap,
	fs::{File, OpenOptions},
	io::{Read, Write},
	os::fd::AsRawFd,
	sync::{
		atomic::{AtomicU64, Ordering},
		mpsc, Arc,
	},
	thread,
	time::{Duration, Instant},
};

#[derive(Parser)]
struct Args {
	/// A site: the name of its network namespace (under /var/run/netns, or
	/// `-` for this process's own) and its number k (addresses 10.77.k.0/24).
	#[arg(long = "site", value_parser = parse_site, required = true)]
	sites: Vec<(String, u8)>,
	/// The one-way delay between two sites, in milliseconds, each way:
	/// `1-2=20`. Pairs not named have none.
	#[arg(long = "delay", value_parser = parse_delay)]
	delays: Vec<(u8, u8, u64)>,
}

fn parse_site(s: &str) -> Result<(String, u8)> {
	let (ns, k) = s.split_once('=').ok_or_else(|| anyhow!("a site is NAMESPACE=NUMBER"))?;
	Ok((ns.to_string(), k.parse().context("the site's number")?))
}

fn parse_delay(s: &str) -> Result<(u8, u8, u64)> {
	let (pair, ms) = s.split_once('=').ok_or_else(|| anyhow!("a delay is A-B=MILLISECONDS"))?;
	let (a, b) = pair.split_once('-').ok_or_else(|| anyhow!("a delay is A-B=MILLISECONDS"))?;
	Ok((a.parse()?, b.parse()?, ms.parse()?))
}

/// `TUNSETIFF`, from `<linux/if_tun.h>`: `_IOW('T', 202, int)`.
const TUNSETIFF: u64 = 0x4004_54ca;

/// `struct ifreq` as `TUNSETIFF` reads it: the name, then the flags.
#[repr(C)]
struct IfReq {
	name: [u8; libc::IFNAMSIZ],
	flags: libc::c_short,
	_rest: [u8; 22],
}

/// A TUN device named `name` (IP packets, no extra header), made in the
/// network namespace `netns` (`-`: this one). A device belongs to the
/// namespace it is made in; the file keeps working from any thread.
fn tun_in(netns: &str, name: &str) -> Result<File> {
	let (netns, name, device) = (netns.to_string(), name.to_string(), name.to_string());
	// `setns` moves only the calling thread: a thread of its own, gone after.
	thread::spawn(move || -> Result<File> {
		if netns != "-" {
			let ns = File::open(format!("/var/run/netns/{netns}"))
				.with_context(|| format!("network namespace {netns}"))?;
			// SAFETY: a valid descriptor of a network namespace; only this
			// thread changes namespace.
			if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
				bail!("entering {netns}: {}", std::io::Error::last_os_error());
			}
		}
		let tun = OpenOptions::new().read(true).write(true).open("/dev/net/tun")?;
		let mut req = IfReq { name: [0; libc::IFNAMSIZ], flags: 0, _rest: [0; 22] };
		if name.len() >= libc::IFNAMSIZ {
			bail!("device name {name} is too long");
		}
		req.name[..name.len()].copy_from_slice(name.as_bytes());
		req.flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
		// SAFETY: `req` is the `ifreq` layout TUNSETIFF reads, alive for the call.
		if unsafe { libc::ioctl(tun.as_raw_fd(), TUNSETIFF as _, &mut req) } < 0 {
			bail!("making {name} in {netns}: {}", std::io::Error::last_os_error());
		}
		Ok(tun)
	})
	.join()
	.map_err(|_| anyhow!("the thread making {device} panicked"))?
}

/// Packets and bytes carried one way between two sites.
#[derive(Default)]
struct Carried {
	packets: AtomicU64,
	bytes: AtomicU64,
}

fn main() -> Result<()> {
	let args = Args::parse();
	let mut devices: HashMap<u8, Arc<File>> = HashMap::new();
	for (netns, k) in &args.sites {
		let tun = tun_in(netns, &format!("dbsite{k}"))?;
		devices.insert(*k, Arc::new(tun));
	}
	let delay = |a: u8, b: u8| {
		args.delays
			.iter()
			.find(|(x, y, _)| (*x, *y) == (a, b) || (*y, *x) == (a, b))
			.map_or(Duration::ZERO, |(_, _, ms)| Duration::from_millis(*ms))
	};

	// One queue and one writer per direction of each pair: a pair's delay is
	// fixed, so its queue is in deadline order.
	let mut links: HashMap<(u8, u8), (mpsc::Sender<(Instant, Vec<u8>)>, Duration)> = HashMap::new();
	let mut carried: Vec<((u8, u8), Arc<Carried>)> = Vec::new();
	for &from in devices.keys() {
		for (&to, device) in &devices {
			if from == to {
				continue;
			}
			let (send, receive) = mpsc::channel::<(Instant, Vec<u8>)>();
			let (device, count) = (device.clone(), Arc::new(Carried::default()));
			carried.push(((from, to), count.clone()));
			thread::spawn(move || {
				for (due, packet) in receive {
					let now = Instant::now();
					if due > now {
						thread::sleep(due - now);
					}
					// A full or gone device drops the packet, as a link would.
					if (&*device).write_all(&packet).is_ok() {
						count.packets.fetch_add(1, Ordering::Relaxed);
						count.bytes.fetch_add(packet.len() as u64, Ordering::Relaxed);
					}
				}
			});
			links.insert((from, to), (send, delay(from, to)));
		}
	}
	for (&from, device) in &devices {
		let device = device.clone();
		let links: HashMap<u8, (mpsc::Sender<(Instant, Vec<u8>)>, Duration)> = links
			.iter()
			.filter(|((f, _), _)| *f == from)
			.map(|((_, to), link)| (*to, link.clone()))
			.collect();
		thread::spawn(move || {
			let mut buffer = vec![0u8; 65536];
			loop {
				let n = match (&*device).read(&mut buffer) {
					Ok(n) => n,
					Err(e) => {
						eprintln!("site-router: reading site {from}: {e}");
						return;
					}
				};
				let packet = &buffer[..n];
				// IPv4 to 10.77.<site>.x; anything else has nowhere to go.
				if n < 20 || packet[0] >> 4 != 4 || packet[16..18] != [10, 77] {
					continue;
				}
				if let Some((link, delay)) = links.get(&packet[18]) {
					let _ = link.send((Instant::now() + *delay, packet.to_vec()));
				}
			}
		});
	}
	let mut pairs: Vec<String> = Vec::new();
	for ((from, to), _) in &carried {
		if from < to {
			pairs.push(format!("{from}-{to}: {} ms", delay(*from, *to).as_millis()));
		}
	}
	pairs.sort();
	println!("site-router: ready; one-way delays {}", pairs.join(", "));
	loop {
		thread::sleep(Duration::from_secs(30));
		let mut line: Vec<String> = carried
			.iter()
			.filter(|(_, c)| c.packets.load(Ordering::Relaxed) > 0)
			.map(|((from, to), c)| {
				format!(
					"{from}>{to} {} packets {} MB",
					c.packets.load(Ordering::Relaxed),
					c.bytes.load(Ordering::Relaxed) / 1_000_000
				)
			})
			.collect();
		line.sort();
		println!("site-router: carried {}", line.join(", "));
	}
}
