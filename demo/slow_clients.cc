// slow_clients: starts several clients at once against slow_server and prints when each one
// was answered, counted from the moment they all connected.
//
//   slow_clients --port 40000 --clients 3
//
// All clients connect and send their line first (connect() succeeds even while a server
// without a mix-in is busy: the kernel queues the connection, up to the listen backlog);
// then one thread waits for all the replies with poll(2) and prints each as it comes, with
// a bar of one '#' per tenth of a second:
//
//   client 2 answered at 1.00 s by pid 4711 tid 4713   ##########
//   client 1 answered at 2.00 s by pid 4711 tid 4713   ####################
//   client 3 answered at 3.01 s by pid 4711 tid 4713   ##############################
//
// One after another, by one thread: a server without a mix-in. All at once, by different
// threads or processes: ThreadingMixIn or ForkingMixIn. Exit 0 when every client got its
// answer; 1, with one line on stderr, when one could not connect, the server closed early, or
// --timeout passed; 2 for a bad flag.
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "demo/cli.h"
#include "server/errors.h"
#include "server/socket.h"
#include "server/socket_address.h"

namespace socketserver::demo {
namespace {

constexpr char kUsage[] =
    R"(usage: slow_clients [--server tcp|unix] [--host HOST] --port PORT [--path PATH]
                    [--clients N] [--timeout SECONDS] [--help|-h]

Starts N clients at once against slow_server; prints when each one was answered.

  --server KIND       the server's kind: tcp (default) or unix
  --host HOST         tcp: the server's address (default 127.0.0.1)
  --port PORT         tcp: the server's port (required)
  --path PATH         unix: the server's socket file (required)
  --clients N         how many clients, 1-100 (default 3)
  --timeout SECONDS   give up when the last answer takes longer (default 30)
  --help, -h          print this help and exit
)";

constexpr std::size_t kMaxClients = 100;
constexpr std::size_t kMaxReply = 1024;  // A reply line is short; more is an error.

struct ClientFlags {
  AddressFlags address;
  std::size_t clients = 3;
  Seconds timeout{30};
};

class ClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Client {
  int number;  // 1, 2, ...: the order in which they connected.
  Socket socket;
  std::string reply;  // What has arrived so far, up to its '\n'.
  bool answered = false;
};

using Clock = std::chrono::steady_clock;

// "1.00 s".
std::string describe(Seconds elapsed) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", elapsed.count());
  return text;
}

// [slow_clients]
void run(const ClientFlags& flags) {
  SocketAddress server = socket_address(flags.address);
  std::cout << flags.clients << " clients connect to " << server.to_string()
            << " at once, each sends one request, and waits for its answer" << std::endl;
  const Clock::time_point start = Clock::now();  // Time 0 of every line below.
  std::vector<Client> clients;
  // 1. Every client connects and sends its request; none waits for an answer yet.
  for (std::size_t i = 0; i < flags.clients; ++i) {
    Client client{static_cast<int>(i + 1), Socket(server.family(), SOCK_STREAM), "", false};
    client.socket.settimeout(flags.timeout);  // For connect() and sendall(); poll() below.
    try {
      client.socket.connect(server);
    } catch (const std::system_error& e) {
      throw ClientError("cannot connect to " + server.to_string() + ": " + e.code().message());
    }
    client.socket.sendall("client " + std::to_string(client.number) + "\n");
    clients.push_back(std::move(client));
  }

  // 2. One thread waits for all the answers and prints each as it arrives.
  const Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(flags.timeout);
  for (std::size_t left = clients.size(); left > 0;) {
    std::vector<pollfd> waiting;
    std::vector<Client*> owners;
    for (Client& client : clients) {
      if (client.answered) continue;
      waiting.push_back({client.socket.fileno(), POLLIN, 0});
      owners.push_back(&client);
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (wait.count() <= 0) {
      throw ClientError(std::to_string(left) + " of " + std::to_string(clients.size()) +
                        " clients had no answer within " + describe(Clock::now() - start));
    }
    int ready = ::poll(waiting.data(), waiting.size(), static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) {
      throw std::system_error(errno, std::generic_category(), "poll");
    }
    for (std::size_t i = 0; ready > 0 && i < waiting.size(); ++i) {
      if (waiting[i].revents == 0) continue;
      Client& client = *owners[i];
      std::string data = client.socket.recv(kMaxReply);  // Readable: does not block.
      if (data.empty()) {
        throw ClientError("the server closed client " + std::to_string(client.number) +
                          "'s connection without an answer");
      }
      client.reply += data;
      if (client.reply.size() > kMaxReply) throw ClientError("an answer longer than 1024 bytes");
      std::size_t end = client.reply.find('\n');
      if (end == std::string::npos) continue;  // The rest of the line is still on its way.
      client.answered = true;
      --left;
      Seconds elapsed = Clock::now() - start;
      std::string bar(std::min(60, static_cast<int>(elapsed.count() * 10 + 0.5)), '#');
      std::cout << "client " << client.number << " " << client.reply.substr(0, end) << " at "
                << describe(elapsed) << "   " << bar << std::endl;
    }
  }
}
// [end]

// Reads one of slow_clients' flags into `flags`; false for a flag it does not know.
bool read_client_flag(FlagReader& reader, ClientFlags& flags) {
  const std::string& flag = reader.flag();
  if (flag == "--clients") {
    flags.clients = parse_count(flag, reader.value());
    if (flags.clients > kMaxClients) {
      throw UsageError("--clients " + std::to_string(flags.clients) + ": at most 100");
    }
  } else if (flag == "--timeout") {
    flags.timeout = parse_seconds(flag, reader.value());
  } else {
    return read_address_flag(reader, flags.address);
  }
  return true;
}

void check_client_flags(const ClientFlags& flags) {
  if (is_datagram(flags.address.server)) {
    throw UsageError(std::string("--server ") + to_string(flags.address.server) +
                     ": slow_server serves streams only (tcp or unix)");
  }
  check_address_flags(flags.address, /*for_client=*/true);
}

}  // namespace
}  // namespace socketserver::demo

int main(int argc, char** argv) {
  using namespace socketserver::demo;
  ClientFlags flags;
  std::optional<int> status = parse_command_line(
      argc, argv, {"slow_clients", kUsage},
      [&](FlagReader& reader) { return read_client_flag(reader, flags); },
      [&] { check_client_flags(flags); });
  if (status) return *status;  // 0 after --help, 2 after a mistake.
  try {
    run(flags);
    return 0;
  } catch (const std::invalid_argument& e) {  // A bad --host or --path.
    return usage_error("slow_clients", e.what());
  } catch (const std::exception& e) {
    std::cerr << "slow_clients: " << e.what() << "\n";
    return 1;
  }
}
