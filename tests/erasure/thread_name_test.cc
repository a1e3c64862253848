// NameThisThread: the name /proc (top -H, perf) shows for the calling thread, cut to 15 bytes.
#include "erasure/thread_name.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <thread>

namespace {

// What /proc/self/task/<tid>/comm says for the calling thread.
std::string OwnComm() {
  const long tid = ::syscall(SYS_gettid);
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

}  // namespace

TEST_CASE("a thread's name is what /proc shows for it, cut to 15 bytes") {
  std::string short_name;
  std::string long_name;
  std::thread t([&] {
    strata::erasure::NameThisThread("http-worker");
    short_name = OwnComm();
    strata::erasure::NameThisThread("a-name-longer-than-fifteen");
    long_name = OwnComm();
  });
  t.join();
  CHECK(short_name == "http-worker");
  CHECK(long_name == "a-name-longer-t");
}
