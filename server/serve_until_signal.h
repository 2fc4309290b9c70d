// serve_until_signal(): serve_forever() until SIGINT (Ctrl-C) or SIGTERM, then server_close()
// within a bound whatever the clients do, and return, so that the program ends the ordinary way.
// Python: KeyboardInterrupt leaving serve_forever() inside `with`, whose exit calls
// server_close(). A C++ signal is no exception: unhandled, it ends the process on the spot
// and no destructor runs. See docs/python_to_cpp.md#ctrl-c-and-the-destructor.
//
// No signal handler (shutdown() takes a mutex, which a handler may not): SIGINT and SIGTERM
// are blocked in the calling thread, and so in every thread and child it starts.
// serve_forever() runs on a new thread while the calling thread waits in sigwait(); SIGUSR2
// wakes it when serve_forever() ends of itself.
//
// The stop (beyond Python, which has no bound;
// docs/reliability.md#stopping-with-clients-connected):
//   1. The first signal: shutdown() and server_close(); running handlers get `grace`.
//   2. When `grace` is over, or at a second signal: abort_requests(), and the stop ends.
//   3. From then on SIGINT and SIGTERM are unblocked: one more ends the process at once.
// On return the thread's signal mask is what it was.
//
// Call it from main() before starting threads of your own, or block SIGINT and SIGTERM in
// them: the kernel may give a signal to any thread that does not block it. Leave SIGUSR2
// alone while it runs.
#ifndef SERVER_SERVE_UNTIL_SIGNAL_H_
#define SERVER_SERVE_UNTIL_SIGNAL_H_

#include "server/base_server.h"
#include "server/deadline.h"

namespace socketserver {

// Returns the signal's number, or 0 if serve_forever() returned without one. Calls
// server_close() on every way out, then rethrows what serve_forever() threw.
int serve_until_signal(BaseServer& server, Seconds poll_interval = Seconds(0.5),
                       Seconds grace = Seconds(2));

}  // namespace socketserver

#endif  // SERVER_SERVE_UNTIL_SIGNAL_H_
