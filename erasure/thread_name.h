// Names the calling thread (what top -H, perf and /proc/<pid>/task/*/comm show), so that a
// profile or a per-thread CPU count says which pool a thread belongs to. Linux keeps at most
// 15 characters; longer names are cut. Best effort: a failure only leaves the process's name.
#pragma once

#include <pthread.h>

#include <string>
#include <string_view>

namespace strata::erasure {

inline void NameThisThread(std::string_view name) {
  const std::string cut(name.substr(0, 15));
  (void)::pthread_setname_np(::pthread_self(), cut.c_str());
}

}  // namespace strata::erasure
