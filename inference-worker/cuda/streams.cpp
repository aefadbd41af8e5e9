// CUDA streams for the worker's model threads. tch 0.24 exposes none of
// libtorch's stream API, so these two calls reach c10's directly: a stream
// from libtorch's pool made the calling thread's current stream on a
// device, so that every operation the thread then issues there (copies,
// kernels, and the copy back that waits for them) goes to that stream and
// waits for that stream alone. Errors come back as text, never as a C++
// exception across the FFI boundary.

#include <c10/cuda/CUDAStream.h>

#include <cstddef>
#include <cstring>
#include <exception>

namespace {

void write_error(const char* what, char* error, size_t error_len) {
	if (error == nullptr || error_len == 0) {
		return;
	}
	std::strncpy(error, what, error_len - 1);
	error[error_len - 1] = '\0';
}

// c10's device index is a signed byte: a larger number would wrap round
// to another device.
bool valid_device(int device, char* error, size_t error_len) {
	if (device < 0 || device > 127) {
		write_error("no such CUDA device index", error, error_len);
		return false;
	}
	return true;
}

}  // namespace

// Run `body`, turning any C++ exception into 1 and its message in `error`.
template <typename Body>
int guarded(Body body, char* error, size_t error_len) {
	try {
		body();
		return 0;
	} catch (const std::exception& e) {
		write_error(e.what(), error, error_len);
	} catch (...) {
		write_error("unknown C++ exception", error, error_len);
	}
	return 1;
}

// Take a stream from libtorch's pool on `device` and make it the calling
// thread's current stream there. Writes the stream's id to `stream_id`.
// Returns 0, or 1 with a message in `error`.
extern "C" int dropbear_use_pool_stream(int device, long long* stream_id, char* error,
                                        size_t error_len) {
	if (!valid_device(device, error, error_len)) {
		return 1;
	}
	return guarded(
	    [&] {
		    c10::cuda::CUDAStream stream =
		        c10::cuda::getStreamFromPool(false, static_cast<c10::DeviceIndex>(device));
		    c10::cuda::setCurrentCUDAStream(stream);
		    if (stream_id != nullptr) {
			    *stream_id = static_cast<long long>(stream.id());
		    }
	    },
	    error, error_len);
}

// The id of the calling thread's current stream on `device` (0: the
// default stream). Returns 0, or 1 with a message in `error`.
extern "C" int dropbear_current_stream(int device, long long* stream_id, char* error,
                                       size_t error_len) {
	if (!valid_device(device, error, error_len)) {
		return 1;
	}
	return guarded(
	    [&] {
		    c10::cuda::CUDAStream stream =
		        c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(device));
		    if (stream_id != nullptr) {
			    *stream_id = static_cast<long long>(stream.id());
		    }
	    },
	    error, error_len);
}
