// The selector contract: the checks every Selector backend must pass, written once.
// Python: Lib/test/test_selectors.py's BaseSelectorTestCase, which each backend's test class
// inherits.
//
// A backend joins with one line in its test file, at file scope:
//
//   #include "tests/selector_contract.h"
//   TEST_CASE_TEMPLATE_INVOKE(selector_contract, socketserver::PollSelector);
//
// The type must be default-constructible. Each SUBCASE is one promise of server/selector.h:
// readiness, removal, timeouts, waiting for ever, EVENT_WRITE, both events on one descriptor,
// the data a key carries, no order, bad arguments, removal after close, EINTR, and
// descriptors past FD_SETSIZE (watched, or refused with a clear message). Include it in one
// file per test binary: it defines the test.
#ifndef TESTS_SELECTOR_CONTRACT_H_
#define TESTS_SELECTOR_CONTRACT_H_

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "server/fd.h"
#include "server/selector.h"
#include "tests/test_util.h"

namespace socketserver::testing::contract {

// A non-blocking, close-on-exec pipe.
struct Pipe {
  Pipe() {
    int ends[2];
    REQUIRE(::pipe2(ends, O_CLOEXEC | O_NONBLOCK) == 0);
    read_end.reset(ends[0]);
    write_end.reset(ends[1]);
  }
  // Writes one byte; true if it was written.
  bool put() const { return ::write(write_end.get(), "x", 1) == 1; }
  Fd read_end;
  Fd write_end;
};

// The descriptors in `ready`, sorted: select() promises no order.
inline std::vector<int> fds_of(const std::vector<ReadyEvent>& ready) {
  std::vector<int> fds;
  for (const ReadyEvent& event : ready) fds.push_back(event.key.fd);
  std::sort(fds.begin(), fds.end());
  return fds;
}

// The call's std::invalid_argument message; "" if it throws nothing.
template <class Call>
std::string invalid_argument_of(Call call) {
  try {
    call();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

// Raises the soft RLIMIT_NOFILE above `fd` for the life of the object if needed.
class RoomForDescriptor {
 public:
  explicit RoomForDescriptor(int fd) {
    REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
    if (saved_.rlim_cur != RLIM_INFINITY && saved_.rlim_cur <= static_cast<rlim_t>(fd)) {
      rlimit raised = saved_;
      raised.rlim_cur = static_cast<rlim_t>(fd) + 1;
      REQUIRE_MESSAGE(::setrlimit(RLIMIT_NOFILE, &raised) == 0,
                      "the hard RLIMIT_NOFILE is too low for descriptor ", fd);
      changed_ = true;
    }
  }
  ~RoomForDescriptor() {
    if (changed_) ::setrlimit(RLIMIT_NOFILE, &saved_);
  }
  RoomForDescriptor(const RoomForDescriptor&) = delete;
  RoomForDescriptor& operator=(const RoomForDescriptor&) = delete;

 private:
  rlimit saved_{};
  bool changed_ = false;
};

// A copy of `source` at descriptor number `number`, which must be free.
inline Fd dup_at(const Fd& source, int number) {
  REQUIRE_MESSAGE(::fcntl(number, F_GETFD) == -1, "descriptor ", number, " is already in use");
  REQUIRE(::dup3(source.get(), number, O_CLOEXEC) == number);
  return Fd(number);
}

}  // namespace socketserver::testing::contract

TEST_CASE_TEMPLATE_DEFINE("selector contract", S, selector_contract) {
  using namespace socketserver;
  using namespace socketserver::testing;
  using namespace socketserver::testing::contract;
  using namespace std::chrono_literals;
  using Clock = std::chrono::steady_clock;
  static_assert(std::is_base_of_v<Selector, S>, "a backend derives from socketserver::Selector");

  SUBCASE("select reports a readable pipe, and stops once it is removed") {
    Pipe p;
    S selector;
    selector.add(p.read_end.get(), EVENT_READ);
    CHECK(selector.select(Seconds(0)).empty());  // Nothing written yet.

    REQUIRE(p.put());
    std::vector<ReadyEvent> ready = selector.select(kDeadline);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].key.fd == p.read_end.get());
    CHECK(ready[0].key.events == EVENT_READ);
    CHECK(ready[0].key.data == nullptr);  // None given.
    CHECK(ready[0].events == EVENT_READ);

    selector.remove(p.read_end.get());
    CHECK(selector.select(Seconds(0)).empty());  // Still readable, but no longer watched.

    selector.add(p.read_end.get(), EVENT_READ);  // Removed descriptors may be added again.
    CHECK(fds_of(selector.select(Seconds(0))) == std::vector<int>{p.read_end.get()});
  }

  SUBCASE("ignored_hangup regression: a pipe whose writer closed is reported readable") {
    // poll(2) says POLLHUP alone here, without POLLIN: a backend must count it as readable, or
    // a loop waiting for the end of input would wait for ever.
    Pipe p;
    S selector;
    selector.add(p.read_end.get(), EVENT_READ);
    p.write_end.reset();
    std::vector<ReadyEvent> ready = selector.select(kDeadline);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].key.fd == p.read_end.get());
    CHECK(ready[0].events == EVENT_READ);
  }

  SUBCASE("select reports every ready descriptor once, and no other, in any order") {
    Pipe first;
    Pipe second;
    Pipe idle;
    S selector;
    selector.add(second.read_end.get(), EVENT_READ);
    selector.add(idle.read_end.get(), EVENT_READ);
    selector.add(first.read_end.get(), EVENT_READ);
    REQUIRE(first.put());
    REQUIRE(second.put());
    std::vector<int> expected{first.read_end.get(), second.read_end.get()};
    std::sort(expected.begin(), expected.end());
    CHECK(fds_of(selector.select(kDeadline)) == expected);

    selector.remove(idle.read_end.get());  // Removing from the middle keeps the others.
    CHECK(fds_of(selector.select(kDeadline)) == expected);
  }

  SUBCASE("each key carries the data given to add()") {
    Pipe a;
    Pipe b;
    Pipe plain;
    int server_a = 0;
    int server_b = 0;
    S selector;
    selector.add(a.read_end.get(), EVENT_READ, &server_a);
    selector.add(b.read_end.get(), EVENT_READ, &server_b);
    selector.add(plain.read_end.get(), EVENT_READ);
    REQUIRE(a.put());
    REQUIRE(b.put());
    REQUIRE(plain.put());
    std::vector<ReadyEvent> ready = selector.select(kDeadline);
    REQUIRE(ready.size() == 3);
    for (const ReadyEvent& event : ready) {
      CAPTURE(event.key.fd);
      if (event.key.fd == a.read_end.get()) CHECK(event.key.data == &server_a);
      if (event.key.fd == b.read_end.get()) CHECK(event.key.data == &server_b);
      if (event.key.fd == plain.read_end.get()) CHECK(event.key.data == nullptr);
    }
    // Added again with other data, the key carries the new data.
    selector.remove(a.read_end.get());
    selector.add(a.read_end.get(), EVENT_READ, &server_b);
    selector.remove(b.read_end.get());
    selector.remove(plain.read_end.get());
    ready = selector.select(kDeadline);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].key.data == &server_b);
  }

  SUBCASE("a timeout returns an empty list after waiting") {
    Pipe p;
    S selector;
    selector.add(p.read_end.get(), EVENT_READ);
    auto start = Clock::now();
    std::vector<ReadyEvent> ready = selector.select(Seconds(0.1));
    auto waited = Clock::now() - start;
    CHECK(ready.empty());
    CHECK(waited >= 50ms);  // It did wait; not how precisely.
    CHECK(waited < 10s);

    start = Clock::now();
    CHECK(selector.select(Seconds(0)).empty());  // Zero only checks.
    CHECK(Clock::now() - start < 5s);

    S empty_selector;  // Nothing added: a timeout is all there is to wait for.
    start = Clock::now();
    CHECK(empty_selector.select(Seconds(0.05)).empty());
    CHECK(Clock::now() - start >= 25ms);
  }

  // std::nullopt waits for ever: another thread makes the pipe readable only once this thread
  // is asleep inside select(), and select() must return exactly that descriptor.
  SUBCASE("select(nullopt) waits until a descriptor is ready") {
    Pipe p;
    Pipe never;
    S selector;
    selector.add(never.read_end.get(), EVENT_READ);
    selector.add(p.read_end.get(), EVENT_READ);
    const pid_t selecting_tid = current_tid();
    std::atomic<bool> about_to_select{false};
    std::atomic<bool> saw_it_asleep{false};
    std::atomic<bool> wrote{false};
    std::thread writer([&] {
      saw_it_asleep =
          wait_until([&] { return about_to_select && thread_state(selecting_tid) == 'S'; });
      wrote = p.put();
    });
    about_to_select = true;
    std::vector<ReadyEvent> ready;
    std::string error;
    try {
      ready = selector.select(std::nullopt);
    } catch (const std::exception& e) {
      error = e.what();
    }
    writer.join();
    CHECK(error == "");
    CHECK(saw_it_asleep);
    CHECK(wrote);
    CHECK(fds_of(ready) == std::vector<int>{p.read_end.get()});
  }

  SUBCASE("EVENT_WRITE: a pipe is writable until it is full") {
    Pipe p;
    S selector;
    selector.add(p.write_end.get(), EVENT_WRITE);
    selector.add(p.read_end.get(), EVENT_READ);
    std::vector<ReadyEvent> ready = selector.select(kDeadline);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].key.fd == p.write_end.get());
    CHECK(ready[0].key.events == EVENT_WRITE);
    CHECK(ready[0].events == EVENT_WRITE);

    // Fill the pipe (it is non-blocking): no longer writable, now readable.
    const std::string chunk(4096, 'x');
    int writes = 0;
    while (::write(p.write_end.get(), chunk.data(), chunk.size()) > 0 && writes < 100000) {
      ++writes;
    }
    REQUIRE(errno == EAGAIN);
    CHECK(fds_of(selector.select(Seconds(0))) == std::vector<int>{p.read_end.get()});
  }

  SUBCASE("EVENT_READ | EVENT_WRITE on one descriptor reports what happened") {
    int ends[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0);
    Fd a(ends[0]);
    Fd b(ends[1]);
    S selector;
    selector.add(a.get(), EVENT_READ | EVENT_WRITE);
    std::vector<ReadyEvent> ready = selector.select(kDeadline);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].key.events == (EVENT_READ | EVENT_WRITE));
    CHECK(ready[0].events == EVENT_WRITE);  // Writable, nothing to read yet.

    REQUIRE(::write(b.get(), "x", 1) == 1);
    ready = selector.select(kDeadline);
    REQUIRE(ready.size() == 1);
    CHECK(ready[0].events == (EVENT_READ | EVENT_WRITE));
  }

  SUBCASE("add and remove refuse bad arguments with invalid_argument") {
    Pipe p;
    const int fd = p.read_end.get();
    S selector;
    selector.add(fd, EVENT_READ);

    std::string message = invalid_argument_of([&] { selector.add(fd, EVENT_READ); });
    CHECK(message.find("already registered") != std::string::npos);
    CHECK(message.find(std::to_string(fd)) != std::string::npos);
    CHECK(invalid_argument_of([&] { selector.add(fd, EVENT_WRITE); }) != "");

    const int other = p.write_end.get();
    message = invalid_argument_of([&] { selector.remove(other); });
    CHECK(message.find("not registered") != std::string::npos);
    CHECK(message.find(std::to_string(other)) != std::string::npos);

    CHECK(invalid_argument_of([&] { selector.add(-1, EVENT_READ); }).find("-1") !=
          std::string::npos);
    CHECK(invalid_argument_of([&] { selector.add(other, 0); }).find("EVENT_READ") !=
          std::string::npos);
    CHECK(invalid_argument_of([&] { selector.add(other, 4); }).find("4") != std::string::npos);
    CHECK(invalid_argument_of([&] { selector.add(other, EVENT_READ | 8); }) != "");

    // The refused calls changed nothing: the first key still works, the others were not added.
    selector.remove(fd);
    CHECK(invalid_argument_of([&] { selector.remove(fd); }) != "");
    selector.add(other, EVENT_WRITE);
    CHECK(fds_of(selector.select(kDeadline)) == std::vector<int>{other});
  }

  // Python's test_unregister_after_fd_close: a program may close a descriptor before it
  // removes it (epoll forgets a closed descriptor by itself; the others must not report it).
  SUBCASE("remove after close forgets the descriptor; its number may be added again") {
    S selector;
    int number;
    {
      Pipe p;
      number = p.read_end.get();
      selector.add(number, EVENT_READ);
      REQUIRE(p.put());
    }  // Both ends closed here, while still added.
    selector.remove(number);
    CHECK(selector.select(Seconds(0)).empty());
    Pipe reused;  // Most likely the same number: the lowest free one.
    selector.add(reused.read_end.get(), EVENT_READ);
    REQUIRE(reused.put());
    CHECK(fds_of(selector.select(kDeadline)) == std::vector<int>{reused.read_end.get()});
  }

  // eintr_test: a signal whose handler has no SA_RESTART makes the wait fail with EINTR.
  // select() must wait again (PEP 475) instead of throwing or returning an empty list.
  SUBCASE("eintr_test: select survives EINTR") {
    const Sigusr1Interrupter interrupter;  // Interrupts this thread, the selecting one.
    Pipe p;
    S selector;
    selector.add(p.read_end.get(), EVENT_READ);
    constexpr int kSignals = 3;
    std::atomic<bool> about_to_select{false};
    std::atomic<int> interrupted_while_asleep{0};
    std::atomic<bool> wrote{false};
    std::thread signaller([&] {
      interrupted_while_asleep = interrupter.interrupt_while_asleep(about_to_select, kSignals);
      wrote = p.put();
    });
    const int count_before = Sigusr1Interrupter::signals_handled();
    about_to_select = true;
    std::vector<ReadyEvent> ready;
    std::string error;
    try {
      ready = selector.select(kDeadline);
    } catch (const std::exception& e) {
      error = e.what();
    }
    signaller.join();

    CHECK(error == "");
    CHECK(interrupted_while_asleep == kSignals);
    CHECK(Sigusr1Interrupter::signals_handled() - count_before >= kSignals);
    CHECK(wrote);
    CHECK(fds_of(ready) == std::vector<int>{p.read_end.get()});
  }

  // A backend either watches a descriptor past FD_SETSIZE or refuses it in add() with a
  // message that says why; it never corrupts memory (FD_SET past the end of an fd_set).
  SUBCASE("a descriptor >= FD_SETSIZE is watched, or refused with a clear message") {
    RoomForDescriptor room(1500);
    Pipe p;
    {
      Fd high = dup_at(p.read_end, 1500);
      S selector;
      std::string message = invalid_argument_of([&] { selector.add(1500, EVENT_READ); });
      if (message.empty()) {
        CHECK(selector.select(Seconds(0)).empty());
        REQUIRE(p.put());
        CHECK(fds_of(selector.select(kDeadline)) == std::vector<int>{1500});
      } else {
        CHECK(message.find("FD_SETSIZE") != std::string::npos);
        CHECK(message.find("1500") != std::string::npos);
      }
    }
    CHECK(::fcntl(1500, F_GETFD) == -1);  // Closed again.
  }
}

#endif  // TESTS_SELECTOR_CONTRACT_H_
