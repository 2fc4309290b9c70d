// serve_until_signal(): serve_forever() until SIGINT (Ctrl-C) or SIGTERM, then server_close()
// within a bound whatever the clients do, and return, so that the program ends the ordinary way.
// Python: KeyboardInterrupt leaving serve_forever() inside `with`, whose exit calls
// server_close(): a threading server waits there for its handlers (block_on_close), before
// any part of it is destroyed. A C++ signal is no exception: unhandled, it ends the process on
// the spot and no destructor runs.
//
// No signal handler (shutdown() takes a mutex, which a handler may not): the signals are
// blocked in the calling thread, and so in every thread and child it starts, where they stay
// pending instead of killing the process. serve_forever() runs on a new thread while the
// calling thread waits in sigwait(). If serve_forever() ends of itself (or throws), the
// serving thread wakes sigwait() with SIGUSR2, sent to the calling thread alone.
//
// The stop (beyond Python, which has no bound):
//   1. The first signal: shutdown() and server_close() on a new thread. A threading or forking
//      server stops listening at once; the handlers still running get `grace` to finish.
//   2. When `grace` is over, or at a second signal: abort_requests(): their connections are
//      shut down (their handlers see end of input and return) and forked children are killed.
//      The stop then ends, and the socket (and a Unix socket's file) is closed and removed.
//   3. From then on SIGINT and SIGTERM are unblocked: one more ends the process at once, for
//      a handler that waits on something other than its connection.
// On return the thread's signal mask is what it was.
//
// Call it from main() before starting threads of your own, or block SIGINT and SIGTERM in
// them: the kernel may give a signal to any thread that does not block it, and kill the
// process there. Leave SIGUSR2 alone while it runs.
#ifndef SERVER_SERVE_UNTIL_SIGNAL_H_
#define SERVER_SERVE_UNTIL_SIGNAL_H_

#include "server/base_server.h"
#include "server/deadline.h"

namespace socketserver {

// Returns the signal's number, after the stop above; or 0 if serve_forever() returned without
// one (a shutdown() from elsewhere). Calls server_close() on every way out (unbounded when no
// signal came), then rethrows what serve_forever() threw.
int serve_until_signal(BaseServer& server, Seconds poll_interval = Seconds(0.5),
                       Seconds grace = Seconds(2));

}  // namespace socketserver

#endif  // SERVER_SERVE_UNTIL_SIGNAL_H_
