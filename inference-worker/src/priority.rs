//! Two priorities in one worker: the chain side (following blocks, voting)
//! at the process's own, the data plane (taking inputs, hashing them,
//! inference) below it.
//!
//! A vote is due within a window of blocks; an input can wait. On a
//! saturated machine the data plane takes every cycle it is given, and a
//! voter that shares its threads and its priority is late: its member's
//! commitment misses the window and the batch is certified without it (on
//! the 2-core VM at 800 inputs/s, one member voted on 87% of batches). So
//! the worker runs two tokio runtimes: the chain side's (the voter, the
//! version and membership followers, their node connection) at the
//! process's priority, and the data plane's (the Open Inference Protocol's
//! doors, JSON-RPC, libp2p) whose threads, with the model and hashing
//! threads, run `--data-plane-nice` levels below it.
//!
//! Linux keeps a nice value per thread, so one process can hold both. A
//! thread may always lower its own priority; raising it needs privileges,
//! which is why the data plane is lowered rather than the voter raised. A
//! thread a lowered thread starts inherits its level (libtorch's intra-op
//! threads, started by a model thread).

use std::sync::OnceLock;

/// The nice levels the data plane runs below the process; set once, at start.
static DATA_PLANE_NICE: OnceLock<i32> = OnceLock::new();

/// The highest nice level Linux has (the lowest priority).
const LOWEST: i32 = 19;

/// Run the data plane `levels` nice levels below the process (0 to 19),
/// from the next data-plane thread on. Called once, before the runtimes
/// start; later calls change nothing.
pub fn set_data_plane_nice(levels: i32) -> anyhow::Result<()> {
	if !(0..=LOWEST).contains(&levels) {
		anyhow::bail!("--data-plane-nice takes 0 to {LOWEST} levels, not {levels}");
	}
	let _ = DATA_PLANE_NICE.set(levels);
	Ok(())
}

/// Lower the calling thread to the data plane's priority; a thread of the
/// data plane calls this as it starts. Nothing when the data plane runs at
/// the process's priority; a failure is logged and the thread runs on.
pub fn enter_data_plane() {
	let levels = DATA_PLANE_NICE.get().copied().unwrap_or(0);
	if levels == 0 {
		return;
	}
	if let Err(e) = lower_this_thread(levels) {
		tracing::warn!(target: "worker", "data-plane thread kept the process's priority: {e}");
	}
}

/// Add `levels` to the calling thread's nice value (at most 19).
#[cfg(target_os = "linux")]
pub fn lower_this_thread(levels: i32) -> std::io::Result<()> {
	let now = this_thread_nice()?;
	let tid = this_thread_id();
	// SAFETY: setpriority only reads its arguments; a thread id of this
	// process names this thread alone (Linux keeps nice values per thread).
	if unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, (now + levels).min(LOWEST)) } != 0 {
		return Err(std::io::Error::last_os_error());
	}
	Ok(())
}

/// Elsewhere threads share the process's priority: nothing to lower.
#[cfg(not(target_os = "linux"))]
pub fn lower_this_thread(_levels: i32) -> std::io::Result<()> {
	Ok(())
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
	// SAFETY: gettid has no arguments and cannot fail.
	let tid = unsafe { libc::gettid() };
	// A thread id is positive.
	tid as libc::id_t
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
	use super::*;

	#[test]
	fn a_lowered_thread_leaves_the_others_at_their_priority() {
		let before = this_thread_nice().unwrap();
		let (lowered, inherited) = std::thread::spawn(move || {
			lower_this_thread(3).unwrap();
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
			lower_this_thread(LOWEST).unwrap();
			lower_this_thread(LOWEST).unwrap();
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
