//! CUDA streams for model threads (`cuda/streams.cpp`, built where
//! libtorch's and CUDA's headers are at hand: cfg `dropbear_cuda_streams`).
//!
//! libtorch issues a thread's work on that thread's *current* stream of the
//! device, the device's default stream unless the thread set another. A
//! worker running several model threads on one GPU (`--instances`) gives
//! each a stream of its own from libtorch's pool, so that one thread's copy
//! in and the other's forward pass run at the same time, and the copy back
//! each thread waits on waits for its own work alone. On the default
//! stream, shared, every operation queues behind every other. (tch has no
//! stream API, hence the two C++ calls.)

/// The stream a thread's CUDA work goes to, by libtorch's stream id (0 is
/// the device's default stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamId(pub i64);

#[cfg(dropbear_cuda_streams)]
mod ffi {
	use std::os::raw::{c_char, c_int, c_longlong};
	extern "C" {
		pub fn dropbear_use_pool_stream(
			device: c_int,
			stream_id: *mut c_longlong,
			error: *mut c_char,
			error_len: usize,
		) -> c_int;
		pub fn dropbear_current_stream(
			device: c_int,
			stream_id: *mut c_longlong,
			error: *mut c_char,
			error_len: usize,
		) -> c_int;
	}
}

/// Call one of the shim's functions: its stream id, or its error text.
#[cfg(dropbear_cuda_streams)]
fn call(
	device: usize,
	f: unsafe extern "C" fn(
		std::os::raw::c_int,
		*mut std::os::raw::c_longlong,
		*mut std::os::raw::c_char,
		usize,
	) -> std::os::raw::c_int,
) -> Result<StreamId, String> {
	let device =
		std::os::raw::c_int::try_from(device).map_err(|_| format!("no device {device}"))?;
	let mut id: std::os::raw::c_longlong = 0;
	let mut error = [0u8; 1024];
	// SAFETY: the shim writes at most `error.len()` bytes, NUL-terminated,
	// into `error` and one integer into `id`, and catches every C++
	// exception before returning.
	let failed = unsafe { f(device, &mut id, error.as_mut_ptr().cast(), error.len()) };
	if failed == 0 {
		Ok(StreamId(id))
	} else {
		let end = error.iter().position(|b| *b == 0).unwrap_or(error.len());
		Err(String::from_utf8_lossy(&error[..end]).trim().to_string())
	}
}

/// Take a stream from libtorch's pool on CUDA device `device` and make it
/// the calling thread's current stream there.
pub fn use_pool_stream(device: usize) -> Result<StreamId, String> {
	#[cfg(dropbear_cuda_streams)]
	{
		call(device, ffi::dropbear_use_pool_stream)
	}
	#[cfg(not(dropbear_cuda_streams))]
	{
		Err(format!(
			"cannot give device {device} a stream: this worker was built without libtorch's and CUDA's headers"
		))
	}
}

/// The calling thread's current stream on CUDA device `device`.
pub fn current_stream(device: usize) -> Result<StreamId, String> {
	#[cfg(dropbear_cuda_streams)]
	{
		call(device, ffi::dropbear_current_stream)
	}
	#[cfg(not(dropbear_cuda_streams))]
	{
		Err(format!(
			"cannot read device {device}'s stream: this worker was built without libtorch's and CUDA's headers"
		))
	}
}

/// Whether this build carries the stream calls.
pub const STREAMS_BUILT: bool = cfg!(dropbear_cuda_streams);

#[cfg(test)]
mod tests {
	use super::*;

	/// scripts/setup-venv.sh installs the headers the calls are built
	/// against; `scripts/test.sh` sets DROPBEAR_REQUIRE_CUDA_STREAMS, so
	/// that a build that quietly lacks them fails here.
	#[test]
	fn the_stream_calls_reach_libtorch_and_fail_cleanly_without_a_gpu() {
		if !STREAMS_BUILT {
			// Only where the headers are missing (not with this project's
			// venv, whose test run asks for them); the worker then says so
			// in its start-up line.
			assert!(
				std::env::var_os("DROPBEAR_REQUIRE_CUDA_STREAMS").is_none(),
				"inference-worker/build.rs found no CUDA headers (scripts/setup-venv.sh installs them)"
			);
			assert!(use_pool_stream(0).unwrap_err().contains("built without"));
			return;
		}
		if tch::Cuda::is_available() {
			let before = current_stream(0).unwrap();
			let taken = use_pool_stream(0).unwrap();
			assert_ne!(taken, before, "a thread starts on the default stream");
			assert_eq!(current_stream(0).unwrap(), taken);
		} else {
			// libtorch's own error (no driver, no device), caught in C++.
			let err = use_pool_stream(0).unwrap_err();
			assert!(!err.is_empty() && !err.contains("built without"), "{err}");
			let err = current_stream(0).unwrap_err();
			assert!(!err.is_empty() && !err.contains("built without"), "{err}");
		}
		// Past c10's signed-byte device index: refused in C++, not wrapped
		// round to device 72.
		assert_eq!(use_pool_stream(200).unwrap_err(), "no such CUDA device index");
	}
}
