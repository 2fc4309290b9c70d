// serve_until_signal(): serve_forever() until SIGINT (Ctrl-C) or SIGTERM, then server_close()
// within a bound whatever the clients do, and return, so that the program ends the ordinary way.
// Python: KeyboardInterrupt leaving serve_forever() inside `with`, whose exit calls
// server_close(). A C++ signal is no exception: unhandled, it ends the process on the spot.
//
// No signal handler (shutdown() takes a mutex, which a handler may not): SIGINT and SIGTERM
// are blocked in the calling thread, and so in every thread and child it starts, while
// serve_forever() runs on a new thread and the calling thread waits in sigwait().
// The stop: at the first signal, shutdown() and server_close(); after `grace`, or at a second
// signal, abort_requests(); a third ends the process. On return the signal mask is restored.
// See docs/reliability.md#stopping-with-clients-connected.
//
// Call it from main() before starting threads of your own, or block SIGINT and SIGTERM in
// them. It uses SIGUSR2 to wake the waiting thread: leave SIGUSR2 alone while it runs.
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
