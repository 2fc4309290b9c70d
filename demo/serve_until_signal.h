// Running a server until SIGINT (Ctrl-C) or SIGTERM, without a signal handler.
//
// A signal handler may call only async-signal-safe functions, and shutdown() is not one (it
// takes a mutex and waits on a condition variable). So the demos never let a signal
// interrupt anything; they wait for it as for any other event:
//   1. block_stop_signals(), first thing in main(): SIGINT and SIGTERM (and SIGUSR2, which the
//      serving thread sends the main thread if serve_forever() fails) are blocked in the main
//      thread and, because a new thread inherits its creator's mask, in every thread started
//      later, the server's handler threads included. A blocked signal stays pending instead
//      of killing the process.
//   2. serve_until_signal(): serve_forever() runs on a new thread while the main thread waits
//      in sigwait(), which takes a pending signal and returns its number like any call.
//      Then, in ordinary code: shutdown(), which stops serve_forever(), and join().
//   3. The caller calls server_close() and exits 0.
// After the first signal, SIGINT and SIGTERM are unblocked in the main thread: a second one
// ends the process at once, for when server_close() waits on a client that never leaves.
//
// Forked children (ForkingMixIn) inherit the blocked mask as well: a SIGINT from the terminal
// does not kill a child in the middle of a request; it finishes, and the parent's
// server_close() waits for it (block_on_close).
#ifndef DEMO_SERVE_UNTIL_SIGNAL_H_
#define DEMO_SERVE_UNTIL_SIGNAL_H_

#include <string>

#include "server/base_server.h"

namespace socketserver::demo {

// Blocks SIGINT, SIGTERM and SIGUSR2 (the serving thread's wake-up) in the calling thread.
// Call it first in main(), before any other thread starts, so that no thread is left where
// the default action (death) could run.
void block_stop_signals();

// Runs server.serve_forever(poll_interval) on a new thread until SIGINT or SIGTERM arrives,
// then unblocks them (a second one ends the process), calls shutdown() and joins the thread.
// Returns the signal's number. If serve_forever() throws, stops waiting and rethrows its
// exception. Call it from the thread that called block_stop_signals(). Does not call
// server_close(): that is the caller's last step.
int serve_until_signal(BaseServer& server, Seconds poll_interval);

// "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int signal);

}  // namespace socketserver::demo

#endif  // DEMO_SERVE_UNTIL_SIGNAL_H_
