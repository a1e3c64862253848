#include "server/linger_set.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace strata::server {

namespace {
// An idle watchdog looks at the set at least every this many lingers.
constexpr int kIdleCheck = 10;
}  // namespace

LingerSet::LingerSet(Options options)
    : options_(std::move(options)), epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {}

LingerSet::~LingerSet() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

bool LingerSet::Add(std::shared_ptr<Member> member, int fd) {
  std::lock_guard lock(mu_);
  if (closed_ || epoll_fd_ < 0) return false;
  const uint64_t id = next_id_++;
  epoll_event ev{};
  // EPOLLRDHUP: a client that closes the connection is a readiness event too (its worker sees
  // the end and closes).
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.u64 = id;
  // A descriptor stays registered (disarmed) after its event until it is forgotten or expired,
  // so re-arming it is the common case. Under mu_, so that a waiter its event reaches finds it in
  // members_.
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) {
    if (errno != ENOENT || ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  }
  members_.emplace(
      id, Entry{std::move(member), fd, std::chrono::steady_clock::now() + options_.linger});
  if (watchdog_idle_) {
    watchdog_idle_ = false;
    watchdog_cv_.notify_one();
  }
  return true;
}

void LingerSet::Serve(const std::function<bool()>& leave, bool waited) {
  auto turn_start = std::chrono::steady_clock::now();
  for (;;) {
    if (leave()) return;
    std::unique_lock lock(mu_);
    if (members_.empty() || (waiters_ >= options_.max_waiters && !waited)) return;
    const auto left = members_.begin()->second.deadline - std::chrono::steady_clock::now();
    // epoll_wait counts whole milliseconds: rounded up, so a waiter never spins before the
    // first deadline (a member expires up to a millisecond late: it only waited longer).
    const int timeout_ms =
        left <= std::chrono::steady_clock::duration::zero()
            ? 0
            : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
    ++waiters_;
    lock.unlock();
    epoll_event ev{};
    const int n = ::epoll_wait(epoll_fd_, &ev, 1, timeout_ms);
    lock.lock();
    --waiters_;
    std::shared_ptr<Member> taken;
    if (n == 1) {
      // Not found: the member expired after its event was delivered (another thread took it).
      auto it = members_.find(ev.data.u64);
      if (it != members_.end()) {
        taken = std::move(it->second.member);
        members_.erase(it);
      }
    }
    Expired expired = TakeExpired(std::chrono::steady_clock::now());
    lock.unlock();
    ExpireAll(expired);
    if (taken) {
      waited = taken->Resume();
      const auto now = std::chrono::steady_clock::now();
      if (now - turn_start >= options_.give_way_after) {
        options_.give_way();
        turn_start = std::chrono::steady_clock::now();
      }
    }
  }
}

void LingerSet::Forget(int fd) {
  if (epoll_fd_ >= 0) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void LingerSet::RunWatchdog() {
  std::unique_lock lock(mu_);
  while (!closed_) {
    if (members_.empty()) {
      // Add() wakes it; the bound is a backstop: a lost wake-up must not strand a member whose
      // next request came when no worker was waiting (a server stuck with unread requests).
      watchdog_idle_ = true;
      watchdog_cv_.wait_for(lock, kIdleCheck * options_.linger,
                            [this] { return closed_ || !members_.empty(); });
      watchdog_idle_ = false;
      continue;
    }
    // Half a linger after the first deadline: a waiter, if there is one, expired it by then.
    const auto due = members_.begin()->second.deadline + options_.linger / 2;
    if (watchdog_cv_.wait_until(lock, due, [this] { return closed_; })) break;
    Expired expired = TakeExpired(std::chrono::steady_clock::now());
    if (expired.empty()) continue;
    lock.unlock();
    ExpireAll(expired);
    lock.lock();
  }
}

void LingerSet::Close() {
  Expired all;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [id, entry] : members_) all.push_back(std::move(entry));
    members_.clear();
  }
  watchdog_cv_.notify_all();
  ExpireAll(all);
}

size_t LingerSet::size() const {
  std::lock_guard lock(mu_);
  return members_.size();
}

size_t LingerSet::waiters() const {
  std::lock_guard lock(mu_);
  return waiters_;
}

LingerSet::Expired LingerSet::TakeExpired(std::chrono::steady_clock::time_point now) {
  Expired out;
  while (!members_.empty() && members_.begin()->second.deadline <= now) {
    out.push_back(std::move(members_.begin()->second));
    members_.erase(members_.begin());
  }
  return out;
}

void LingerSet::ExpireAll(Expired& expired) {
  for (Entry& e : expired) {
    Forget(e.fd);
    e.member->Expire();
  }
  expired.clear();
}

}  // namespace strata::server
