// Thread slice: asks the kernel's fair scheduler for short time slices on request workers.
//
// Why: Linux's EEVDF scheduler (6.6+) gives a thread that wakes a virtual deadline one slice
// after its eligible time, and since 6.12 a thread may ask for its own slice (sched_setattr's
// sched_runtime on a SCHED_OTHER thread, 0.1-100 ms). A worker woken by a request with the
// default slice (0.75-3 ms, scaled with the cores) waits behind whatever thread has an earlier
// deadline: the client on the same machine, another worker, a hashing or compaction thread.
// With a short slice it gets an earlier deadline and runs almost at once, and gives the core
// back as soon. Measured on the 2-core VM (kernel 6.18, HZ=250, PREEMPT_NONE), 4 KiB GETs from
// wrk at 16 connections, alternating rounds of 8 s: p99 1.22-1.89 -> 0.64-0.71 ms at 200 us
// (0.53-0.75 ms at 100 us), rate unchanged within the machine's noise (README.md, performance).
//
// Thread-safe: each call affects only the calling thread.
#pragma once

#include <chrono>
#include <optional>

namespace strata::server {

// Asks for `slice` (clamped by the kernel to 100 us - 100 ms) on the calling thread, keeping
// its nice value and policy (SCHED_OTHER; a thread under another policy is left alone, false).
// Kernels before 6.12 accept and ignore the request. False if the kernel refused it (seccomp,
// an unknown attribute size): the thread keeps the default slice, which is slower, never wrong.
bool RequestThreadSlice(std::chrono::microseconds slice);

// The calling thread's slice as the kernel reports it (sched_getattr: 6.12+ report every fair
// thread's slice), or nullopt where the kernel does not report one.
std::optional<std::chrono::nanoseconds> ThreadSlice();

}  // namespace strata::server
