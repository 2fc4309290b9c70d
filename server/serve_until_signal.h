// serve_until_signal(): serve_forever() until SIGINT (Ctrl-C) or SIGTERM, so that the
// program ends the ordinary way and the server's destructor runs.
// Python: a KeyboardInterrupt leaving serve_forever() inside `with`, whose __exit__ closes
// the server. C++ has no exception for a signal: an unhandled SIGINT ends the process on the
// spot, and no destructor runs.
//
//   TCPServer server(SocketAddress::parse("127.0.0.1:8123"), handler<EchoHandler>());
//   server.bind_and_activate();
//   serve_until_signal(server);  // Ctrl-C: returns SIGINT.
//   // Leaving the scope calls server_close(), as __exit__ does.
//
// No signal handler: a handler may call only async-signal-safe functions, and shutdown() is
// not one (it takes a mutex). The signals are waited for like any other event instead:
//   1. SIGINT, SIGTERM and SIGUSR2 are blocked in the calling thread. Every thread it starts
//      inherits the mask: the serving thread, and the request threads and forked children it
//      starts (a Ctrl-C does not cut a child off in the middle of a request). A blocked signal
//      stays pending instead of ending the process.
//   2. serve_forever() runs on a new thread while the calling thread sleeps in sigwait(),
//      which takes a pending signal and returns its number like any call. Then, in ordinary
//      code: shutdown(), which stops serve_forever(), and join().
//   3. When serve_forever() ends without a signal (shutdown() from elsewhere, or an
//      exception), the serving thread wakes sigwait() with SIGUSR2, directed at the calling
//      thread alone.
// After the first signal, SIGINT and SIGTERM are unblocked: a second one ends the process at
// once, for when shutdown() waits for a handler that does not finish. On return the calling
// thread's signal mask is what it was.
//
// Call it from main() before starting threads of your own, or block SIGINT and SIGTERM in
// them: the kernel gives a signal sent to the process to any thread that does not block it,
// and there it would end the process. Do not use SIGUSR2 for anything else while it runs.
#ifndef SERVER_SERVE_UNTIL_SIGNAL_H_
#define SERVER_SERVE_UNTIL_SIGNAL_H_

#include "server/base_server.h"
#include "server/deadline.h"

namespace socketserver {

// Runs server.serve_forever(poll_interval) until SIGINT or SIGTERM arrives, or until
// serve_forever() returns of itself. Returns the signal's number (SIGINT, SIGTERM), or 0 when
// no signal came. Rethrows what serve_forever() threw. Does not call server_close(): the
// destructor does, or the caller.
int serve_until_signal(BaseServer& server, Seconds poll_interval = Seconds(0.5));

}  // namespace socketserver

#endif  // SERVER_SERVE_UNTIL_SIGNAL_H_
