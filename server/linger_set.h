// Keep-alive connections waiting a moment for their next request, in one epoll set that the
// idle workers share.
//
// Why: a worker that answered a request used to wait (ppoll) on that one connection for its
// next request. Under load every request then cost a sleep and a wake-up of the worker tied to
// its connection, ~5 us of a 4 KiB GET's ~24 us on this VM, even while other connections had
// requests waiting. With the set, a worker that finishes puts its connection in and takes
// whichever member is ready: under load one is, and the worker goes on without sleeping, as an
// event loop would. A member nobody takes within the linger is expired: handed back to the I/O
// thread, which waits for it as for any idle connection.
//
// Ownership: a member is driven by nobody while it is in the set. Exactly one thread takes it
// out (Serve's waiter that its readiness event reached, or whoever expires it, decided under
// mu_), and that thread drives it from then on.
//
// Thread-safe. The members' descriptors are registered EPOLLONESHOT: one readiness event per
// Add, delivered to one waiter.
#pragma once

#include <sched.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace strata::server {

class LingerSet {
 public:
  // A connection that can wait in the set.
  class Member {
   public:
    virtual ~Member() = default;
    // Its descriptor became readable (the next request, a close or an error): the member is out
    // of the set and the calling worker drives it. Its descriptor is still registered (disarmed)
    // with the set's epoll: Forget() it before another poller takes it. Returns true if the
    // work it did mostly waited (Serve's `waited`).
    virtual bool Resume() = 0;
    // Nothing came within the linger (or the set closed): the member is out of the set and out
    // of its epoll; the caller (a waiter or the watchdog) must not block in here.
    virtual void Expire() = 0;
  };

  struct Options {
    // How long a member waits for its next request before it is expired. A client in a request
    // loop sends it within a fraction of this; taking it on a worker saves three thread
    // wake-ups per request against the I/O thread's path (its post, epoll, the worker queue),
    // which were a quarter of a small GET's CPU (futex wake-ups are inter-processor interrupts
    // on a VM).
    std::chrono::microseconds linger{2000};
    // Workers blocked in Serve() at once, not counting those whose last work waited. Requests
    // that compute (small GETs) are best taken by the workers already running, which come back
    // to the set within microseconds: more sleeping waiters would only take turns being woken.
    // Requests that wait (a PUT in a group commit) keep their workers away for milliseconds, so
    // each such worker may wait on the set, as it waited on its own connection before the set.
    size_t max_waiters = 4;
    // A worker that has served members back to back for this long gives way (`give_way`,
    // sched_yield()) before it takes the next. Serving ready members without sleeping, it is
    // an event loop the kernel preempts only at the end of its slice (milliseconds), and
    // threads runnable meanwhile wait that long: other workers holding a request they started,
    // a client on the same machine reading its response. Giving way shares the cores in short
    // turns instead. On the 2-core VM, 4 KiB GETs from wrk at c16, 4 rounds of 8 s: p99 3.55 ->
    // 1.39 ms (mean) and the rate 45.3 -> 40.7 k/s (the extra switches); every request (0 us):
    // p99 1.62 ms, 40.3 k/s. With nothing else runnable, sched_yield() returns at once.
    std::chrono::microseconds give_way_after{100};
    std::function<void()> give_way = [] { ::sched_yield(); };
  };

  explicit LingerSet(Options options);
  ~LingerSet();  // REQUIRES: Close() was called, or no member was ever added.
  LingerSet(const LingerSet&) = delete;
  LingerSet& operator=(const LingerSet&) = delete;

  // Puts `member`, whose descriptor `fd` becomes readable when it has something to do, in the
  // set for the linger. False, and nothing changed, once the set is closed or when epoll refuses
  // the descriptor: the caller keeps driving the member.
  bool Add(std::shared_ptr<Member> member, int fd);

  // Worker: waits on the set and resumes the members that become ready, one at a time, until the
  // set is empty, `max_waiters` other workers wait already (unless the worker's last work
  // waited: `waited`, then what the last Resume() returned), or `leave()` returns true (checked
  // before each wait). Expires the members whose linger ran out on the way.
  void Serve(const std::function<bool()>& leave, bool waited = false);

  // Removes `fd` from the set's epoll (a member that was resumed, before its descriptor goes to
  // another poller or is closed). ENOENT is fine.
  void Forget(int fd);

  // Watchdog (its own thread): expires the members nobody took when no waiter is left to do it,
  // until Close(). A waiter expires them itself at their deadline; the watchdog comes a little
  // later, so it mostly finds nothing to do.
  void RunWatchdog();

  // Refuses new members, expires the ones in the set, and ends RunWatchdog(). Idempotent.
  void Close();

  size_t size() const;     // members
  size_t waiters() const;  // workers blocked in Serve()

 private:
  struct Entry {
    std::shared_ptr<Member> member;
    int fd = -1;
    std::chrono::steady_clock::time_point deadline;
  };
  using Expired = std::vector<Entry>;

  // Takes the members whose deadline is at or before `now` out of members_. REQUIRES: mu_ held.
  Expired TakeExpired(std::chrono::steady_clock::time_point now);
  // Out of the epoll, then Expire(). Not under mu_.
  void ExpireAll(Expired& expired);

  const Options options_;
  const int epoll_fd_;

  mutable std::mutex mu_;
  std::condition_variable watchdog_cv_;
  // By id. Every member's deadline is its Add time plus the same linger, and ids grow with Add
  // time, so the first member is the one due first.
  std::map<uint64_t, Entry> members_;  // GUARDED_BY(mu_)
  uint64_t next_id_ = 1;               // GUARDED_BY(mu_)
  size_t waiters_ = 0;                 // GUARDED_BY(mu_)
  bool closed_ = false;                // GUARDED_BY(mu_)
  bool watchdog_idle_ = false;         // GUARDED_BY(mu_): asleep until a member comes
};

}  // namespace strata::server
