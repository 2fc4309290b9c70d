// serve_until_signal(): serve_forever() until SIGINT (Ctrl-C) or SIGTERM, then server_close()
// within a bound whatever the clients do, and return, so that the program ends the ordinary way.
// Python: KeyboardInterrupt leaving serve_forever() inside `with`, whose exit calls
// server_close(). A C++ signal is no exception: unhandled, it ends the process on the spot.
//
// No signal handler (shutdown() takes a mutex, which a handler may not): SIGINT and SIGTERM
// are blocked in the calling thread, and so in the threads and children it starts, and it
// waits for them in sigwait() while serve_forever() runs on a new thread. At the first signal,
// shutdown() and server_close(); after `grace`, or at a second signal, abort_requests(); a
// third ends the process. See docs/reliability.md#stopping-with-clients-connected.
//
// Call it from main() before starting threads of your own, or block SIGINT and SIGTERM in
// them. It wakes the waiting thread with SIGUSR2: leave SIGUSR2 alone while it runs.
#ifndef SERVER_SERVE_UNTIL_SIGNAL_H_
#define SERVER_SERVE_UNTIL_SIGNAL_H_

#include "server/base_server.h"
#include "server/deadline.h"

namespace socketserver {

// Returns the signal's number, or 0 if serve_forever() returned without one. Always calls
// server_close() and restores the signal mask, then rethrows what serve_forever() threw.
int serve_until_signal(BaseServer& server, Seconds poll_interval = Seconds(0.5),
                       Seconds grace = Seconds(2));

}  // namespace socketserver

#endif  // SERVER_SERVE_UNTIL_SIGNAL_H_
