#include "server/linger_set.h"

#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <random>
#include <thread>
#include <vector>

using strata::server::LingerSet;
using namespace std::chrono_literals;

namespace {

// A connected pair of sockets: the member waits on `ours`, the test writes to (or closes)
// `theirs` as a client would.
struct SocketPair {
  int ours = -1;
  int theirs = -1;
  SocketPair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    ours = fds[0];
    theirs = fds[1];
  }
  ~SocketPair() {
    if (ours >= 0) ::close(ours);
    if (theirs >= 0) ::close(theirs);
  }
  void Send() { REQUIRE(::send(theirs, "x", 1, MSG_NOSIGNAL) == 1); }
  // Reads what the peer sent, so the descriptor is quiet again.
  void Drain() {
    char buf[64];
    while (::recv(ours, buf, sizeof buf, MSG_DONTWAIT) > 0) {
    }
  }
};

// Counts what the set did with it; optionally re-adds itself when resumed, as a connection
// serving a request and lingering again does.
class CountingMember : public LingerSet::Member,
                       public std::enable_shared_from_this<CountingMember> {
 public:
  explicit CountingMember(int fd) : fd_(fd) {}
  bool Resume() override {
    resumed.fetch_add(1);
    resumed_on = std::this_thread::get_id();
    if (on_resume) on_resume(*this);
    return resume_waited;
  }
  void Expire() override { expired.fetch_add(1); }
  int fd() const { return fd_; }

  std::atomic<int> resumed{0};
  std::atomic<int> expired{0};
  std::thread::id resumed_on;
  std::function<void(CountingMember&)> on_resume;
  bool resume_waited = false;  // what Resume() says of its work

 private:
  int fd_;
};

bool WaitUntil(const std::function<bool()>& cond, std::chrono::milliseconds limit = 5s) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return cond();
}

LingerSet::Options Linger(std::chrono::microseconds linger, size_t waiters = 4) {
  LingerSet::Options options;
  options.linger = linger;
  options.max_waiters = waiters;
  return options;
}

// A set with its watchdog running and two members in it; no worker serves it.
struct TwoMembersAndWatchdog {
  explicit TwoMembersAndWatchdog(std::chrono::microseconds linger) : set(Linger(linger)) {
    watchdog = std::thread([this] { set.RunWatchdog(); });
    REQUIRE(set.Add(ma, a.ours));
    REQUIRE(set.Add(mb, b.ours));
  }
  ~TwoMembersAndWatchdog() {
    set.Close();
    if (watchdog.joinable()) watchdog.join();
  }
  LingerSet set;
  std::thread watchdog;
  SocketPair a, b;
  std::shared_ptr<CountingMember> ma = std::make_shared<CountingMember>(a.ours);
  std::shared_ptr<CountingMember> mb = std::make_shared<CountingMember>(b.ours);
};

}  // namespace

TEST_CASE("a lingering member whose next request comes is resumed on the waiting worker") {
  LingerSet set(Linger(2s));
  SocketPair sp;
  auto m = std::make_shared<CountingMember>(sp.ours);
  REQUIRE(set.Add(m, sp.ours));
  CHECK(set.size() == 1);

  std::thread::id worker;
  std::thread t([&] {
    worker = std::this_thread::get_id();
    set.Serve([] { return false; });  // returns once the set is empty
  });
  std::this_thread::sleep_for(20ms);
  CHECK(m->resumed.load() == 0);  // nothing to read yet: the worker waits
  sp.Send();
  t.join();
  CHECK(m->resumed.load() == 1);
  CHECK(m->expired.load() == 0);
  CHECK(m->resumed_on == worker);
  CHECK(set.size() == 0);
  set.Close();
}

TEST_CASE("a member nothing comes for is expired after the linger and not resumed") {
  LingerSet set(Linger(30ms));
  SocketPair sp;
  auto m = std::make_shared<CountingMember>(sp.ours);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(set.Add(m, sp.ours));
  set.Serve([] { return false; });
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK(m->expired.load() == 1);
  CHECK(m->resumed.load() == 0);
  CHECK(waited >= 30ms);
  CHECK(waited < 1s);

  // Expired means out of the set's epoll: bytes arriving now reach nobody...
  sp.Send();
  std::this_thread::sleep_for(10ms);
  CHECK(m->resumed.load() == 0);
  // ...and the descriptor can linger again (registered afresh).
  REQUIRE(set.Add(m, sp.ours));
  set.Serve([] { return false; });  // readable already: resumed at once
  CHECK(m->resumed.load() == 1);
  CHECK(m->expired.load() == 1);
  set.Close();
}

TEST_CASE("a resumed member lingers again and is woken by its next request") {
  LingerSet set(Linger(2s));
  SocketPair sp;
  auto m = std::make_shared<CountingMember>(sp.ours);
  int rounds = 0;
  m->on_resume = [&](CountingMember& self) {
    sp.Drain();
    if (++rounds < 3) REQUIRE(set.Add(self.shared_from_this(), self.fd()));  // re-armed
  };
  REQUIRE(set.Add(m, sp.ours));
  std::thread t([&] { set.Serve([] { return false; }); });
  for (int i = 1; i <= 3; ++i) {
    sp.Send();
    REQUIRE(WaitUntil([&] { return m->resumed.load() == i; }));
  }
  t.join();
  CHECK(m->resumed.load() == 3);
  CHECK(m->expired.load() == 0);
  set.Forget(sp.ours);
  set.Close();
}

TEST_CASE("a worker gives way after each member it serves and not after an expiry") {
  // What the worker had resumed when it gave way: it must give way between two ready members,
  // not after taking both.
  std::vector<int> resumed_at_yield;
  std::vector<std::shared_ptr<CountingMember>> members;
  LingerSet::Options options = Linger(30ms);
  options.give_way_after = 0us;  // after every member
  options.give_way = [&] {
    int total = 0;
    for (const auto& m : members) total += m->resumed.load();
    resumed_at_yield.push_back(total);
  };
  LingerSet set(options);
  SocketPair ready1, ready2, idle;
  for (int fd : {ready1.ours, ready2.ours, idle.ours}) {
    members.push_back(std::make_shared<CountingMember>(fd));
    REQUIRE(set.Add(members.back(), fd));
  }
  ready1.Send();
  ready2.Send();
  set.Serve([] { return false; });  // both ready ones at once, then the idle one expires
  CHECK(members[0]->resumed.load() == 1);
  CHECK(members[1]->resumed.load() == 1);
  CHECK(members[2]->expired.load() == 1);
  CHECK(resumed_at_yield == std::vector<int>{1, 2});
  set.Close();
}

TEST_CASE("a worker whose turn is not over serves the next member without giving way") {
  int gave_way = 0;
  LingerSet::Options options = Linger(2s);
  options.give_way_after = std::chrono::hours(1);
  options.give_way = [&] { ++gave_way; };
  LingerSet set(options);
  SocketPair a, b;
  auto ma = std::make_shared<CountingMember>(a.ours);
  auto mb = std::make_shared<CountingMember>(b.ours);
  REQUIRE(set.Add(ma, a.ours));
  REQUIRE(set.Add(mb, b.ours));
  a.Send();
  b.Send();
  set.Serve([] { return false; });
  CHECK(ma->resumed.load() == 1);
  CHECK(mb->resumed.load() == 1);
  CHECK(gave_way == 0);
  set.Close();
}

TEST_CASE("a client that hangs up wakes its lingering member") {
  LingerSet set(Linger(2s));
  SocketPair sp;
  auto m = std::make_shared<CountingMember>(sp.ours);
  REQUIRE(set.Add(m, sp.ours));
  std::thread t([&] { set.Serve([] { return false; }); });
  ::close(std::exchange(sp.theirs, -1));
  t.join();
  CHECK(m->resumed.load() == 1);
  CHECK(m->expired.load() == 0);
  set.Close();
}

TEST_CASE("the watchdog expires members when no worker waits on the set") {
  TwoMembersAndWatchdog f(20ms);
  f.b.Send();  // ready, but nobody serves: expired all the same, to the I/O thread's path
  REQUIRE(WaitUntil([&] { return f.ma->expired.load() == 1 && f.mb->expired.load() == 1; }));
  CHECK(f.ma->resumed.load() + f.mb->resumed.load() == 0);
  CHECK(f.set.size() == 0);

  // Idle, then a member again: the watchdog wakes for it.
  std::this_thread::sleep_for(30ms);
  REQUIRE(f.set.Add(f.ma, f.a.ours));
  REQUIRE(WaitUntil([&] { return f.ma->expired.load() == 2; }));
}

TEST_CASE("the watchdog expires every member added while it sleeps") {
  // Members one at a time, and in bursts, after idle gaps of various lengths: each must be
  // expired within a few lingers (a lost wake-up of the idle watchdog would leave one until its
  // backstop, ten lingers later).
  LingerSet set(Linger(2ms));
  std::thread watchdog([&] { set.RunWatchdog(); });
  SocketPair sp[3];
  std::vector<std::shared_ptr<CountingMember>> ms;
  for (auto& p : sp) ms.push_back(std::make_shared<CountingMember>(p.ours));
  std::mt19937 rng(7);
  int late = 0;
  for (int round = 0; round < 300; ++round) {
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 5000));
    const size_t burst = 1 + rng() % 3;
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = 0; i < burst; ++i) REQUIRE(set.Add(ms[i], sp[i].ours));
    REQUIRE(WaitUntil([&] { return set.size() == 0; }));
    if (std::chrono::steady_clock::now() - start > 15ms) ++late;
  }
  CHECK(late <= 10);  // a loaded machine may delay a few wake-ups; lost ones would be many
  int expired = 0;
  for (auto& m : ms) expired += m->expired.load();
  CHECK(expired > 300);
  set.Close();
  watchdog.join();
}

TEST_CASE("closing the set expires its members and refuses new ones") {
  TwoMembersAndWatchdog f(10s);
  f.set.Close();
  f.watchdog.join();  // returns although the members' linger is 10 s
  CHECK(f.ma->expired.load() == 1);
  CHECK(f.mb->expired.load() == 1);
  CHECK_FALSE(f.set.Add(f.ma, f.a.ours));
  CHECK(f.set.size() == 0);
  f.set.Close();  // idempotent
}

TEST_CASE("Serve leaves when told to or when the set is empty or when enough workers wait") {
  // A waiter whose member was taken by another sleeps until the first deadline: keep it short.
  LingerSet set(Linger(500ms, /*waiters=*/1));
  set.Serve([] { return false; });  // empty: returns at once

  SocketPair sp;
  auto m = std::make_shared<CountingMember>(sp.ours);
  REQUIRE(set.Add(m, sp.ours));
  set.Serve([] { return true; });  // leave() first: no wait
  CHECK(set.size() == 1);

  std::atomic<bool> first_done{false};
  std::thread first([&] {
    set.Serve([] { return false; });
    first_done = true;
  });
  REQUIRE(WaitUntil([&] { return set.waiters() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  set.Serve([] { return false; });  // max_waiters = 1: returns without waiting
  CHECK(std::chrono::steady_clock::now() - start < 200ms);
  CHECK_FALSE(first_done.load());

  // A worker whose last request waited (a write in a group commit) waits beyond the bound.
  std::thread second([&] { set.Serve([] { return false; }, /*waited=*/true); });
  REQUIRE(WaitUntil([&] { return set.waiters() == 2; }));
  sp.Send();
  first.join();
  second.join();
  CHECK(m->resumed.load() == 1);
  set.Close();
}

TEST_CASE("many members and workers: each lingering is ended exactly once") {
  // Members linger 3 ms; a client sends within 0-6 ms, so some are resumed and some expire
  // (racing the event they were about to get). Every Add must end in exactly one Resume or
  // Expire, and a resumed member always had bytes to read.
  LingerSet set(Linger(3ms, /*waiters=*/3));
  std::thread watchdog([&] { set.RunWatchdog(); });
  constexpr int kMembers = 16;
  constexpr int kRounds = 40;
  std::vector<std::unique_ptr<SocketPair>> pairs;
  std::vector<std::shared_ptr<CountingMember>> members;
  std::atomic<int> lingerings{0};
  std::atomic<int> spurious{0};
  for (int i = 0; i < kMembers; ++i) {
    pairs.push_back(std::make_unique<SocketPair>());
    auto m = std::make_shared<CountingMember>(pairs.back()->ours);
    m->on_resume = [&, i](CountingMember&) {
      char buf[64];
      if (::recv(pairs[i]->ours, buf, sizeof buf, MSG_DONTWAIT) <= 0) spurious.fetch_add(1);
      pairs[i]->Drain();
    };
    members.push_back(m);
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (!stop.load()) {
        set.Serve([] { return false; });
        std::this_thread::sleep_for(100us);
      }
    });
  }
  std::mt19937 rng(42);
  for (int r = 0; r < kRounds; ++r) {
    for (int i = 0; i < kMembers; ++i) {
      // Every member's last lingering has ended (the wait below); bytes an expired one
      // missed are dropped, so each round starts quiet.
      pairs[i]->Drain();
      REQUIRE(set.Add(members[i], pairs[i]->ours));
      lingerings.fetch_add(1);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 6000));
    for (int i = 0; i < kMembers; i += 1 + static_cast<int>(rng() % 3)) pairs[i]->Send();
    REQUIRE(WaitUntil([&] {
      for (auto& m : members) {
        if (m->resumed.load() + m->expired.load() != r + 1) return false;
      }
      return true;
    }));
  }
  stop = true;
  for (auto& t : workers) t.join();
  set.Close();
  watchdog.join();
  int ended = 0, resumed = 0;
  for (auto& m : members) {
    ended += m->resumed.load() + m->expired.load();
    resumed += m->resumed.load();
  }
  CHECK(ended == lingerings.load());
  CHECK(ended == kMembers * kRounds);
  CHECK(resumed > 0);
  CHECK(resumed < ended);  // some expired too
  CHECK(spurious.load() == 0);
}
