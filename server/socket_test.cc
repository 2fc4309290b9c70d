// Socket: descriptors made close-on-exec, timeouts that throw TimeoutError, sendall() of
// megabytes, sends to a vanished peer that throw instead of raising SIGPIPE, error messages
// that name the call, and datagrams truncated as recvfrom(2) does.
#include "server/socket.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "server/errors.h"
#include "server/socket_address.h"
#include "tests/test_util.h"

namespace socketserver::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool has_cloexec(const Socket& socket) {
  int flags = ::fcntl(socket.fileno(), F_GETFD);
  return flags != -1 && (flags & FD_CLOEXEC) != 0;
}

bool is_nonblocking(const Socket& socket) {
  int flags = ::fcntl(socket.fileno(), F_GETFL);
  return flags != -1 && (flags & O_NONBLOCK) != 0;
}

// A listening TCP socket on 127.0.0.1, port chosen by the kernel.
Socket tcp_listener() {
  Socket listener(AF_INET, SOCK_STREAM);
  listener.bind(SocketAddress::parse("127.0.0.1:0"));
  listener.listen(8);
  return listener;
}

// Both ends of a loopback TCP connection: {client, accepted}.
std::pair<Socket, Socket> tcp_pair() {
  Socket listener = tcp_listener();
  Socket client = connect_to(listener.getsockname());
  listener.settimeout(kDeadline);
  Socket accepted = listener.accept().first;
  return {std::move(client), std::move(accepted)};
}

// Both ends of a connected Unix stream pair.
std::pair<Socket, Socket> unix_pair() {
  int ends[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0);
  return {Socket(Fd(ends[0])), Socket(Fd(ends[1]))};
}

// The bytes 0, 1, 2, ... 250, 0, 1, ...: a pattern in which a lost or repeated chunk shows.
std::string pattern(std::size_t size) {
  std::string data(size, '\0');
  for (std::size_t i = 0; i < size; ++i) data[i] = static_cast<char>(i % 251);
  return data;
}

TEST_CASE("a default Socket is closed; close() may be called twice") {
  Socket none;
  CHECK(none.fileno() == -1);
  Socket socket(AF_INET, SOCK_STREAM);
  CHECK(socket.fileno() >= 0);
  socket.close();
  CHECK(socket.fileno() == -1);
  socket.close();
  CHECK(socket.fileno() == -1);
}

TEST_CASE("moving a Socket moves the descriptor") {
  Socket a(AF_INET, SOCK_STREAM);
  int n = a.fileno();
  Socket b(std::move(a));
  CHECK(a.fileno() == -1);  // NOLINT(bugprone-use-after-move)
  CHECK(b.fileno() == n);
  Socket c;
  c = std::move(b);
  CHECK(c.fileno() == n);
  CHECK(::fcntl(n, F_GETFD) != -1);
}

TEST_CASE("family() and type() report what the socket was made with") {
  Socket tcp(AF_INET, SOCK_STREAM);
  CHECK(tcp.family() == AF_INET);
  CHECK(tcp.type() == SOCK_STREAM);
  Socket udp(AF_INET, SOCK_DGRAM);
  CHECK(udp.type() == SOCK_DGRAM);
  Socket unix_dgram(AF_UNIX, SOCK_DGRAM);
  CHECK(unix_dgram.family() == AF_UNIX);
  CHECK(unix_dgram.type() == SOCK_DGRAM);
}

TEST_CASE("SOCK_CLOEXEC is set on sockets made by Socket and by accept") {
  Socket tcp(AF_INET, SOCK_STREAM);
  CHECK(has_cloexec(tcp));
  Socket udp(AF_INET, SOCK_DGRAM);
  CHECK(has_cloexec(udp));
  Socket unix_stream(AF_UNIX, SOCK_STREAM);
  CHECK(has_cloexec(unix_stream));
  Socket nonblocking(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  CHECK(has_cloexec(nonblocking));
  CHECK(is_nonblocking(nonblocking));

  auto [client, accepted] = tcp_pair();
  CHECK(has_cloexec(client));
  CHECK(has_cloexec(accepted));
}

TEST_CASE("accept on a non-blocking listener gives a blocking, close-on-exec connection") {
  Socket listener(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  listener.bind(SocketAddress::parse("127.0.0.1:0"));
  listener.listen(8);
  Socket client = connect_to(listener.getsockname());
  listener.settimeout(kDeadline);
  auto [accepted, peer] = listener.accept();
  CHECK(has_cloexec(accepted));
  CHECK_FALSE(is_nonblocking(accepted));
  CHECK(peer == client.getsockname());
  CHECK(accepted.getpeername() == client.getsockname());
  CHECK(client.getpeername() == listener.getsockname());
}

TEST_CASE("accept on a non-blocking listener without a timeout throws EAGAIN at once") {
  Socket listener(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
  listener.bind(SocketAddress::parse("127.0.0.1:0"));
  listener.listen(8);
  try {
    listener.accept();
    FAIL("accept() returned with no client waiting");
  } catch (const TimeoutError&) {
    FAIL("EAGAIN must not be reported as a timeout");
  } catch (const std::system_error& e) {
    CHECK(e.code().value() == EAGAIN);
    CHECK(std::string(e.what()).find("accept") == 0);
  }
}

TEST_CASE("settimeout: recv throws TimeoutError, a system_error with errc::timed_out") {
  auto [a, b] = unix_pair();
  CHECK_FALSE(a.gettimeout().has_value());
  a.settimeout(200ms);
  REQUIRE(a.gettimeout().has_value());
  CHECK(a.gettimeout()->count() == doctest::Approx(0.2));

  auto start = Clock::now();
  bool timed_out = false;
  try {
    a.recv(16);
  } catch (const std::system_error& e) {                           // Catchable as any OS error...
    timed_out = dynamic_cast<const TimeoutError*>(&e) != nullptr;  // ...and as its own type.
    const bool is_errc_timed_out = e.code() == std::errc::timed_out;
    CHECK(is_errc_timed_out);
    CHECK(e.code().value() == ETIMEDOUT);
    CHECK(std::string(e.what()).find("recv") == 0);
    CHECK(std::string(e.what()).find("timed out") != std::string::npos);
  }
  auto waited = Clock::now() - start;
  CHECK(timed_out);
  CHECK(waited >= 100ms);  // It did wait; not how precisely.
  CHECK(waited < 10s);

  // Data that arrives later is still received: the timeout broke nothing.
  b.sendall("late");
  a.settimeout(kDeadline);
  CHECK(a.recv(16) == "late");
}

TEST_CASE("settimeout: accept throws TimeoutError when no client comes") {
  Socket listener = tcp_listener();
  listener.settimeout(50ms);
  auto start = Clock::now();
  CHECK_THROWS_AS(listener.accept(), TimeoutError);
  CHECK(Clock::now() - start >= 25ms);
  CHECK(Clock::now() - start < 10s);
}

TEST_CASE("settimeout: sendall to a peer that does not read throws TimeoutError") {
  auto [a, b] = unix_pair();
  a.settimeout(100ms);
  const std::string big(16 << 20, 'x');  // Far more than the socket buffers hold.
  CHECK_THROWS_AS(a.sendall(big), TimeoutError);
}

TEST_CASE("sendall_timeout_per_send_test: a peer that reads a little at a time cannot hold it") {
  // Python 3.5 and later: the timeout bounds the whole sendall(). Were it counted again for
  // each send(), a peer reading 64 KiB every 50 ms would keep the call going for as long as
  // it reads (here 10 s, the reader's own limit), every send() finding room within the timeout.
  auto [a, b] = unix_pair();
  a.settimeout(500ms);
  std::atomic<bool> done{false};
  std::thread reader([&b = b, &done] {
    std::vector<char> buffer(64 << 10);
    const auto until = Clock::now() + 10s;
    while (!done && Clock::now() < until) {
      if (b.recv_into(buffer.data(), buffer.size()) == 0) return;
      std::this_thread::sleep_for(50ms);
    }
  });
  const std::string big(64 << 20, 'x');  // 64 MiB at 1.25 MiB/s: 50 s of reading.
  const auto start = Clock::now();
  CHECK_THROWS_AS(a.sendall(big), TimeoutError);
  const auto took = Clock::now() - start;
  done = true;
  a.shutdown(SHUT_RDWR);  // A reader that has emptied the buffers sees the end, not a wait.
  reader.join();
  CHECK(took >= 500ms);
  CHECK(took < 5s);  // Counted per send(), it would have lasted the reader's 10 s.
}

TEST_CASE("sendall of 8 MiB over loopback TCP arrives in full and in order") {
  auto pair = tcp_pair();
  Socket& client = pair.first;
  Socket& accepted = pair.second;
  const std::string payload = pattern(8 << 20);
  std::string received;
  std::string reader_error;
  accepted.settimeout(kDeadline);
  std::thread reader([&accepted, &received, &reader_error] {
    try {
      received = recv_all(accepted);
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  });
  std::string sender_error;
  try {
    client.sendall(payload);
    client.shutdown(SHUT_WR);
  } catch (const std::exception& e) {
    sender_error = e.what();
    client.close();  // Unblocks the reader.
  }
  reader.join();
  CHECK(sender_error == "");
  CHECK(reader_error == "");
  CHECK(received.size() == payload.size());
  CHECK(received == payload);
}

TEST_CASE("recv returns an empty string at end of input") {
  auto [a, b] = unix_pair();
  b.sendall("bye");
  b.shutdown(SHUT_WR);
  a.settimeout(kDeadline);
  CHECK(a.recv(16) == "bye");
  CHECK(a.recv(16) == "");
  CHECK(a.recv(16) == "");
}

// Makes SIGPIPE's disposition the default (so a SIGPIPE would kill the test) and unblocks it
// in this thread for the life of the object; puts both back afterwards.
class DefaultSigpipe {
 public:
  DefaultSigpipe() {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    REQUIRE(::sigaction(SIGPIPE, &dfl, &saved_action_) == 0);
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    REQUIRE(::pthread_sigmask(SIG_UNBLOCK, &pipe_only, &saved_mask_) == 0);
  }
  ~DefaultSigpipe() {
    ::pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
    ::sigaction(SIGPIPE, &saved_action_, nullptr);
  }
  DefaultSigpipe(const DefaultSigpipe&) = delete;
  DefaultSigpipe& operator=(const DefaultSigpipe&) = delete;

 private:
  struct sigaction saved_action_ {};
  sigset_t saved_mask_{};
};

bool sigpipe_is_default() {
  struct sigaction now {};
  REQUIRE(::sigaction(SIGPIPE, nullptr, &now) == 0);
  return (now.sa_flags & SA_SIGINFO) == 0 && now.sa_handler == SIG_DFL;
}

// Without MSG_NOSIGNAL, each of these sends would kill the test with SIGPIPE.
TEST_CASE("send to a closed Unix peer: system_error EPIPE, no SIGPIPE") {
  DefaultSigpipe guard;
  REQUIRE(sigpipe_is_default());
  auto [a, b] = unix_pair();
  b.close();
  int err = 0;
  try {
    a.send("anyone there?");
  } catch (const std::system_error& e) {
    err = e.code().value();
    CHECK(std::string(e.what()).find("send") == 0);
  }
  CHECK(err == EPIPE);
  CHECK_THROWS_AS(a.sendall(std::string(1 << 20, 'x')), std::system_error);
  CHECK(sigpipe_is_default());  // The library installed no handler.
}

TEST_CASE("send to a closed TCP peer: system_error EPIPE or ECONNRESET, no SIGPIPE") {
  DefaultSigpipe guard;
  REQUIRE(sigpipe_is_default());
  auto [client, accepted] = tcp_pair();
  accepted.close();
  // The first send may still succeed (the peer answers it with a reset); keep sending until
  // the error shows, within the deadline.
  int err = 0;
  int sends = 0;
  auto deadline = Clock::now() + kDeadline;
  while (err == 0 && Clock::now() < deadline) {
    try {
      client.send("x");
      ++sends;
    } catch (const std::system_error& e) {
      err = e.code().value();
    }
  }
  CAPTURE(sends);
  CHECK((err == EPIPE || err == ECONNRESET));
  CHECK(sigpipe_is_default());
}

TEST_CASE("bind to a port in use: system_error naming the call and the address") {
  Socket first = tcp_listener();
  SocketAddress taken = first.getsockname();
  REQUIRE(taken.port() != 0);
  Socket second(AF_INET, SOCK_STREAM);
  std::string message;
  int err = 0;
  try {
    second.bind(taken);
  } catch (const std::system_error& e) {
    message = e.what();
    err = e.code().value();
  }
  CHECK(err == EADDRINUSE);
  CHECK(message.find("bind 127.0.0.1:" + std::to_string(taken.port())) == 0);
  CHECK(message.find(std::generic_category().message(EADDRINUSE)) != std::string::npos);
}

TEST_CASE("connect to a port nobody listens on: system_error naming the address") {
  // A bound socket that does not listen holds the port, so nothing else can answer on it.
  Socket holder(AF_INET, SOCK_STREAM);
  holder.bind(SocketAddress::parse("127.0.0.1:0"));
  SocketAddress address = holder.getsockname();
  Socket client(AF_INET, SOCK_STREAM);
  std::string message;
  int err = 0;
  try {
    client.connect(address);
  } catch (const std::system_error& e) {
    message = e.what();
    err = e.code().value();
  }
  CHECK(err == ECONNREFUSED);
  CHECK(message.find("connect " + address.to_string()) == 0);
}

TEST_CASE("connect honours settimeout when nobody answers the handshake") {
  // A listener that never accepts, with the smallest backlog: once its queue is full the
  // kernel drops further SYNs, so a connect would wait for minutes without a timeout.
  Socket listener(AF_INET, SOCK_STREAM);
  listener.bind(SocketAddress::parse("127.0.0.1:0"));
  listener.listen(0);
  SocketAddress address = listener.getsockname();
  std::vector<Socket> queued;
  bool timed_out = false;
  for (int i = 0; i < 16 && !timed_out; ++i) {
    Socket client(AF_INET, SOCK_STREAM);
    client.settimeout(200ms);
    auto start = Clock::now();
    try {
      client.connect(address);
      queued.push_back(std::move(client));
    } catch (const TimeoutError& e) {
      timed_out = true;
      CHECK(Clock::now() - start < kDeadline);
      CHECK(std::string(e.what()).find("connect " + address.to_string()) == 0);
    }
  }
  CHECK(timed_out);
}

TEST_CASE("recvfrom truncates a datagram to max_bytes and names the sender") {
  Socket sender(AF_INET, SOCK_DGRAM);
  sender.bind(SocketAddress::parse("127.0.0.1:0"));
  Socket receiver(AF_INET, SOCK_DGRAM);
  receiver.bind(SocketAddress::parse("127.0.0.1:0"));
  receiver.settimeout(kDeadline);

  const std::string datagram = pattern(100);
  CHECK(sender.sendto(datagram, receiver.getsockname()) == 100);
  auto [data, from] = receiver.recvfrom(10);
  CHECK(data == datagram.substr(0, 10));
  CHECK(from == sender.getsockname());

  // The rest of the truncated datagram is gone: the next recvfrom gets the next datagram.
  CHECK(sender.sendto("second", receiver.getsockname()) == 6);
  auto [next, from_again] = receiver.recvfrom(100);
  CHECK(next == "second");
  CHECK(from_again == sender.getsockname());

  // An empty datagram is received as an empty string.
  CHECK(sender.sendto("", receiver.getsockname()) == 0);
  CHECK(receiver.recvfrom(100).first == "");
}

TEST_CASE("recvfrom_into fills the caller's buffer, truncates to max_bytes, names the sender") {
  Socket sender(AF_INET, SOCK_DGRAM);
  sender.bind(SocketAddress::parse("127.0.0.1:0"));
  Socket receiver(AF_INET, SOCK_DGRAM);
  receiver.bind(SocketAddress::parse("127.0.0.1:0"));
  receiver.settimeout(kDeadline);
  std::string buffer(16, '.');
  CHECK(sender.sendto("0123456789abcdefXYZ", receiver.getsockname()) == 19);
  auto [n, from] = receiver.recvfrom_into(buffer.data(), 10);
  CHECK(n == 10);
  CHECK(buffer == "0123456789......");  // Nothing written past max_bytes.
  CHECK(from == sender.getsockname());
  CHECK(sender.sendto("ab", receiver.getsockname()) == 2);
  CHECK(receiver.recvfrom_into(buffer.data(), buffer.size()).first == 2);  // The next one.
  CHECK(buffer == "ab23456789......");
}

TEST_CASE("recvfrom with a timeout throws TimeoutError when no datagram comes") {
  Socket receiver(AF_INET, SOCK_DGRAM);
  receiver.bind(SocketAddress::parse("127.0.0.1:0"));
  receiver.settimeout(50ms);
  CHECK_THROWS_AS(receiver.recvfrom(100), TimeoutError);
}

// eintr_test: a signal whose handler has no SA_RESTART makes a blocked recv(2) or poll(2) fail
// with EINTR. recv() must wait again (PEP 475), with or without a timeout.
TEST_CASE("eintr_test: recv survives EINTR, with and without a timeout") {
  const Sigusr1Interrupter interrupter;  // Interrupts this thread, the receiving one.
  for (std::optional<Seconds> timeout :
       {std::optional<Seconds>(kDeadline), std::optional<Seconds>()}) {
    CAPTURE(timeout.has_value());
    auto [a, b] = unix_pair();
    a.settimeout(timeout);
    Socket& sender = b;
    constexpr int kSignals = 3;
    std::atomic<bool> about_to_recv{false};
    std::atomic<int> interrupted_while_asleep{0};
    std::string sender_error;
    std::thread signaller([&] {
      interrupted_while_asleep = interrupter.interrupt_while_asleep(about_to_recv, kSignals);
      try {
        sender.sendall("after the signals");
      } catch (const std::exception& e) {
        sender_error = e.what();
      }
    });
    about_to_recv = true;
    std::string received;
    std::string error;
    try {
      received = a.recv(64);
    } catch (const std::exception& e) {
      error = e.what();
    }
    signaller.join();
    CHECK(error == "");
    CHECK(sender_error == "");
    CHECK(interrupted_while_asleep == kSignals);
    CHECK(received == "after the signals");
  }
}

TEST_CASE("eintr_accept_timeout_test: a signal does not turn a timed accept into a blocking one") {
  const Sigusr1Interrupter interrupter;   // Interrupts this thread, the accepting one.
  Socket listener(AF_INET, SOCK_STREAM);  // Blocking: accept4() itself would wait for ever.
  listener.bind(SocketAddress::parse("127.0.0.1:0"));
  listener.listen(1);
  listener.settimeout(300ms);
  std::atomic<bool> about_to_accept{false};
  std::atomic<int> interrupted{0};
  std::thread signaller(
      [&] { interrupted = interrupter.interrupt_while_asleep(about_to_accept, 1); });
  about_to_accept = true;
  bool timed_out = false;
  try {
    listener.accept();
  } catch (const TimeoutError&) {
    timed_out = true;  // Before the fix: blocked in accept4() after the EINTR, for ever.
  }
  signaller.join();
  CHECK(interrupted == 1);
  CHECK(timed_out);
}

// As in Python: a timeout makes the descriptor non-blocking underneath, so that no call
// (accept4 and connect included) can block past it; no timeout makes it blocking again.
TEST_CASE("settimeout makes the descriptor non-blocking; settimeout(nullopt) blocking again") {
  Socket listener(AF_INET, SOCK_STREAM);
  listener.bind(SocketAddress::parse("127.0.0.1:0"));
  listener.listen(1);
  CHECK_FALSE(is_nonblocking(listener));
  listener.settimeout(50ms);
  CHECK(is_nonblocking(listener));
  CHECK_THROWS_AS(listener.accept(), TimeoutError);
  Socket client(AF_INET, SOCK_STREAM);
  client.connect(listener.getsockname());
  listener.settimeout(kDeadline);
  auto [connection, peer] = listener.accept();
  CHECK(peer == client.getsockname());
  CHECK_FALSE(is_nonblocking(connection));  // Whatever the listener is.
  listener.settimeout(std::nullopt);
  CHECK_FALSE(is_nonblocking(listener));
}

// full_datagram_queue_test, for the socket alone: a Unix datagram receiver that never reads
// fills its queue, yet poll(2) calls the sender writable. With a timeout, sendto() used to be
// retried until the deadline; it must throw EAGAIN at once instead.
TEST_CASE("sendto a full Unix datagram peer throws EAGAIN at once, even with a timeout") {
  TempDir dir;
  const SocketAddress path = SocketAddress::unix_path(dir.file("r.sock"));
  Socket never_reads(AF_UNIX, SOCK_DGRAM);
  never_reads.bind(path);
  Socket sender(AF_UNIX, SOCK_DGRAM);
  for (std::optional<Seconds> timeout :
       {std::optional<Seconds>(kDeadline), std::optional<Seconds>(Seconds(0))}) {
    sender.settimeout(timeout);
    int err = 0;
    int sent = 0;
    const auto start = Clock::now();
    while (err == 0 && sent < 100000) {
      try {
        sender.sendto("x", path);
        ++sent;
      } catch (const TimeoutError&) {
        err = ETIMEDOUT;
      } catch (const std::system_error& e) {
        err = e.code().value();
      }
    }
    CAPTURE(sent);
    CHECK(err == EAGAIN);
    CHECK(Clock::now() - start < kDeadline / 2);  // Not the timeout, waited out.
  }
}

TEST_CASE("settimeout refuses a negative timeout, as Python's ValueError") {
  Socket socket(AF_INET, SOCK_STREAM);
  CHECK_THROWS_AS(socket.settimeout(Seconds(-1)), std::invalid_argument);
  CHECK_THROWS_AS(socket.settimeout(Seconds(std::nan(""))), std::invalid_argument);
  socket.settimeout(Seconds(0));
  CHECK(socket.gettimeout() == std::optional<Seconds>(Seconds(0)));
}

TEST_CASE("setsockopt and getsockopt round trip") {
  Socket socket(AF_INET, SOCK_STREAM);
  socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  CHECK(socket.getsockopt(SOL_SOCKET, SO_REUSEADDR) != 0);
  socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 0);
  CHECK(socket.getsockopt(SOL_SOCKET, SO_REUSEADDR) == 0);
  CHECK_THROWS_AS(socket.setsockopt(SOL_SOCKET, -12345, 1), std::system_error);
}

TEST_CASE("create_connection: IPv4, a stream socket connected to the address") {
  Socket listener = tcp_listener();
  Socket client = create_connection(listener.getsockname());
  CHECK(client.family() == AF_INET);
  CHECK(client.type() == SOCK_STREAM);
  CHECK(has_cloexec(client));
  CHECK_FALSE(client.gettimeout().has_value());
  CHECK_FALSE(is_nonblocking(client));
  CHECK(client.getpeername() == listener.getsockname());
  listener.settimeout(kDeadline);
  auto [accepted, peer] = listener.accept();
  CHECK(peer == client.getsockname());
  client.sendall("ping");
  accepted.settimeout(kDeadline);
  CHECK(accepted.recv(16) == "ping");
}

TEST_CASE("create_connection: the timeout stays on the socket, as in Python") {
  Socket listener = tcp_listener();
  Socket client = create_connection(listener.getsockname(), 50ms);
  REQUIRE(client.gettimeout().has_value());
  CHECK(client.gettimeout()->count() == doctest::Approx(0.05));
  CHECK_THROWS_AS(client.recv(16), TimeoutError);  // The listener never accepts or sends.
}

TEST_CASE("create_connection: IPv6 loopback, where the machine has it") {
  Socket listener(AF_INET6, SOCK_STREAM);
  try {
    listener.bind(SocketAddress::parse("[::1]:0"));
  } catch (const std::system_error& e) {
    MESSAGE("no IPv6 loopback here: ", e.what());
    return;
  }
  listener.listen(1);
  Socket client = create_connection(listener.getsockname(), kDeadline);
  CHECK(client.family() == AF_INET6);
  CHECK(client.getpeername() == listener.getsockname());
}

TEST_CASE("create_connection: a Unix socket path") {
  TempDir dir;
  const SocketAddress path = SocketAddress::unix_path(dir.file("s.sock"));
  Socket listener(AF_UNIX, SOCK_STREAM);
  listener.bind(path);
  listener.listen(1);
  Socket client = create_connection(path, kDeadline);
  CHECK(client.family() == AF_UNIX);
  CHECK(client.type() == SOCK_STREAM);
  listener.settimeout(kDeadline);
  Socket accepted = listener.accept().first;
  client.sendall("over the path");
  client.shutdown(SHUT_WR);
  accepted.settimeout(kDeadline);
  CHECK(recv_all(accepted) == "over the path");
}

TEST_CASE("create_connection: refused, a system_error naming the address") {
  Socket holder(AF_INET, SOCK_STREAM);  // Holds the port, never listens.
  holder.bind(SocketAddress::parse("127.0.0.1:0"));
  const SocketAddress address = holder.getsockname();
  const int fds_before = count_open_fds();
  for (std::optional<Seconds> timeout :
       {std::optional<Seconds>(), std::optional<Seconds>(kDeadline)}) {
    CAPTURE(timeout.has_value());
    std::string message;
    int err = 0;
    try {
      create_connection(address, timeout);
    } catch (const std::system_error& e) {
      message = e.what();
      err = e.code().value();
    }
    CHECK(err == ECONNREFUSED);
    CHECK(message.find("connect " + address.to_string()) == 0);
  }
  TempDir dir;  // A Unix path where nothing was ever bound.
  const SocketAddress nobody = SocketAddress::unix_path(dir.file("nobody.sock"));
  CHECK_THROWS_WITH_AS(create_connection(nobody), doctest::Contains(nobody.to_string().c_str()),
                       std::system_error);
  CHECK(count_open_fds() == fds_before);  // The failed sockets were closed.
}

}  // namespace
}  // namespace socketserver::testing
