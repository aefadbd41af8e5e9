//! Two priorities in one worker: the chain side (following blocks, voting)
//! at the process's own, the data plane (taking inputs, hashing them,
//! inference) below it.
//!
//! A vote is due within a window of blocks; an input can wait. On a
//! saturated machine the data plane takes every cycle it is given, and a
//! voter that shares its threads and its priority reads blocks and sends
//! its steps late: its member's commitment can miss the window, and the
//! batch is then certified without it. So the worker runs two tokio
//! runtimes: the chain side's (the voter, the version and membership
//! followers, their node connection) at the process's priority, and the
//! data plane's (the Open Inference Protocol's doors, JSON-RPC, libp2p)
//! whose threads, with the model and hashing threads, run
//! `--data-plane-nice` levels below it.
//!
//! What the voter votes still comes from the data plane: outputs the model
//! threads computed (speculatively, or on the voter's request, queued
//! behind the inputs before it) and inputs fetched over libp2p. Only
//! following blocks and sending the steps keep the process's priority.
//! Loading a version runs on the chain side's blocking threads (rare: at
//! start and once per published version).
//!
//! Linux keeps a nice value per thread, so one process can hold both. A
//! thread may always lower its own priority; raising it needs privileges,
//! which is why the data plane is lowered rather than the voter raised. A
//! new thread inherits its creator's level, so each data-plane thread sets
//! the data plane's level outright (the process's level plus the levels
//! asked for) rather than lowering from wherever it was started.

use std::sync::OnceLock;

/// The nice level the data plane runs at; set once, at start.
static DATA_PLANE_NICE: OnceLock<i32> = OnceLock::new();

/// The highest nice level Linux has (the lowest priority).
const LOWEST: i32 = 19;

/// Run the data plane `levels` nice levels below the calling thread (0 to
/// 19; at most at 19), from the next data-plane thread on. Called once,
/// from the main thread, before the runtimes start; a second call is an
/// error.
pub fn set_data_plane_nice(levels: i32) -> anyhow::Result<()> {
	if !(0..=LOWEST).contains(&levels) {
		anyhow::bail!("--data-plane-nice takes 0 to {LOWEST} levels, not {levels}");
	}
	let level = (this_thread_nice()? + levels).min(LOWEST);
	DATA_PLANE_NICE
		.set(level)
		.map_err(|_| anyhow::anyhow!("the data plane's priority is already set"))
}

/// Put the calling thread at the data plane's priority; a thread of the
/// data plane calls this as it starts. Nothing when no level was set; a
/// failure is logged and the thread runs on.
pub fn enter_data_plane() {
	let Some(level) = DATA_PLANE_NICE.get().copied() else { return };
	if let Err(e) = set_this_thread_nice(level) {
		tracing::warn!(target: "worker", "data-plane thread kept its priority: {e}");
	}
}

/// Set the calling thread's nice value to `level` (a thread may raise its
/// own level, lowering its priority, without privileges).
#[cfg(target_os = "linux")]
pub fn set_this_thread_nice(level: i32) -> std::io::Result<()> {
	let tid = this_thread_id();
	// SAFETY: setpriority only reads its arguments; a thread id of this
	// process names this thread alone (Linux keeps nice values per thread).
	if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, level.min(LOWEST)) } != 0 {
		return Err(std::io::Error::last_os_error());
	}
	Ok(())
}

/// Elsewhere threads share the process's priority: nothing to set.
#[cfg(not(target_os = "linux"))]
pub fn set_this_thread_nice(_level: i32) -> std::io::Result<()> {
	Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn this_thread_nice() -> std::io::Result<i32> {
	Ok(0)
}

/// The calling thread's nice value.
#[cfg(target_os = "linux")]
pub fn this_thread_nice() -> std::io::Result<i32> {
	let tid = this_thread_id();
	// getpriority returns -1 both as a nice value and as its error: errno,
	// cleared first, tells them apart.
	// SAFETY: errno is this thread's own; getpriority only reads its arguments.
	unsafe {
		*libc::__errno_location() = 0;
		let nice = libc::getpriority(libc::PRIO_PROCESS, tid);
		if nice == -1 && *libc::__errno_location() != 0 {
			return Err(std::io::Error::last_os_error());
		}
		Ok(nice)
	}
}

#[cfg(target_os = "linux")]
fn this_thread_id() -> libc::id_t {
	// The system call rather than glibc's wrapper (glibc 2.30 and later).
	// SAFETY: gettid has no arguments and cannot fail.
	let tid = unsafe { libc::syscall(libc::SYS_gettid) };
	// A thread id is positive and fits an id_t.
	tid as libc::id_t
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
	use super::*;

	#[test]
	fn a_lowered_thread_leaves_the_others_at_their_priority() {
		let before = this_thread_nice().unwrap();
		let (lowered, inherited) = std::thread::spawn(move || {
			set_this_thread_nice(before + 3).unwrap();
			let lowered = this_thread_nice().unwrap();
			// A thread it starts inherits its level.
			let inherited = std::thread::spawn(|| this_thread_nice().unwrap()).join().unwrap();
			(lowered, inherited)
		})
		.join()
		.unwrap();
		assert_eq!(lowered, (before + 3).min(LOWEST), "the data-plane thread was not lowered");
		assert_eq!(
			inherited, lowered,
			"a thread started by a data-plane thread did not inherit its level"
		);
		assert_eq!(this_thread_nice().unwrap(), before, "lowering one thread lowered another");
	}

	#[test]
	fn a_thread_is_never_lowered_past_the_lowest_priority() {
		let nice = std::thread::spawn(|| {
			set_this_thread_nice(LOWEST + 5).unwrap();
			this_thread_nice().unwrap()
		})
		.join()
		.unwrap();
		assert_eq!(nice, LOWEST);
	}

	#[test]
	fn levels_outside_nice_range_are_refused() {
		assert!(set_data_plane_nice(-1).is_err());
		assert!(set_data_plane_nice(20).is_err());
	}
}
