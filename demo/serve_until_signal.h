// The demos' signal helpers, beside the library's serve_until_signal()
// (server/serve_until_signal.h, which this header includes).
//
// block_stop_signals(), first thing in main(), for a program that starts threads of its own
// before serving, or that waits for SIGINT and SIGTERM in a loop of its own (a signalfd):
// every thread started later inherits the mask, so no thread is left where a signal's default
// action (death) could run.
#ifndef DEMO_SERVE_UNTIL_SIGNAL_H_
#define DEMO_SERVE_UNTIL_SIGNAL_H_

#include <string>

#include "server/serve_until_signal.h"

namespace socketserver::demo {

// Blocks SIGINT, SIGTERM and SIGUSR2 (serve_until_signal()'s wake-up) in the calling thread.
void block_stop_signals();

// "SIGINT", "SIGTERM", or "signal N": for "..., shutting down".
std::string signal_name(int signal);

}  // namespace socketserver::demo

#endif  // DEMO_SERVE_UNTIL_SIGNAL_H_
