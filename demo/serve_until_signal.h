// The demos' signal helpers, beside the library's serve_until_signal()
// (server/serve_until_signal.h, which this header includes).
//
// block_stop_signals(), first thing in main(), for a program that starts threads of its own
// before serving, or that waits for SIGINT and SIGTERM in a thread of its own (multi_server):
// every thread started later inherits the mask, so no thread is left where a signal's default
// action (death) could run.
//
// work_for(), in a handler, for work that takes a while and is only pretended (slow_server,
// counter_server): a sleep that the stop can cut short.
#ifndef DEMO_SERVE_UNTIL_SIGNAL_H_
#define DEMO_SERVE_UNTIL_SIGNAL_H_

#include <string>

#include "server/deadline.h"
#include "server/serve_until_signal.h"
#include "server/socket.h"

namespace socketserver::demo {

// Blocks SIGINT, SIGTERM and SIGUSR2 (serve_until_signal()'s wake-up) in the calling thread.
void block_stop_signals();

// "SIGINT", "SIGTERM", or "signal N": for "..., shutting down".
std::string signal_name(int signal);

// Waits `delay` (Python: time.sleep(delay)), unless `connection` is shut down on this side
// first: false then. That is what the stop's abort_requests() does when the grace period is
// over, so that a handler waiting on its connection returns; a plain sleep would not notice,
// and the stop would wait the whole delay out. A client that sends more, or half-closes,
// does not end the wait.
bool work_for(const Socket& connection, Seconds delay);

}  // namespace socketserver::demo

#endif  // DEMO_SERVE_UNTIL_SIGNAL_H_
