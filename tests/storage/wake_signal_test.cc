// WakeSignal: a value signalled by one thread is awaited once by another, then it resets.
#include "storage/wake_signal.h"

#include <catch2/catch.hpp>
#include <memory>
#include <thread>

namespace {

enum class S { kIdle, kOne, kTwo };
using Wake = strata::storage::WakeSignal<S, S::kIdle>;

}  // namespace

TEST_CASE("a signal given before the wait is returned at once, and then the wake-up resets") {
  Wake w;
  w.Signal(S::kTwo);
  CHECK(w.Await() == S::kTwo);
  w.Signal(S::kOne);  // a second round: Await reset the state to idle
  CHECK(w.Await() == S::kOne);
}

TEST_CASE("a waiter sleeps until another thread signals, which may drop its reference first") {
  auto wake = std::make_shared<Wake>();
  S seen = S::kIdle;
  std::thread waiter([wake, &seen] { seen = wake->Await(); });
  // The signaller holds its own reference through Signal, as the group commits do; the
  // waiter's lambda keeps another until it returns.
  std::thread signaller([keep = wake] { keep->Signal(S::kTwo); });
  wake.reset();
  signaller.join();
  waiter.join();
  CHECK(seen == S::kTwo);
}

TEST_CASE("many rounds between two threads lose no signal") {
  Wake ping;
  Wake pong;
  constexpr int kRounds = 2000;
  int wrong = 0;  // counted on the other thread (Catch's assertions are not thread-safe)
  std::thread other([&] {
    for (int i = 0; i < kRounds; ++i) {
      if (ping.Await() != (i % 2 == 0 ? S::kOne : S::kTwo)) ++wrong;
      pong.Signal(S::kOne);
    }
  });
  for (int i = 0; i < kRounds; ++i) {
    ping.Signal(i % 2 == 0 ? S::kOne : S::kTwo);
    CHECK(pong.Await() == S::kOne);
  }
  other.join();
  CHECK(wrong == 0);
}
