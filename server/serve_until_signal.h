// serve_until_signal(): serve_forever() until SIGINT (Ctrl-C) or SIGTERM, then return, so that
// the program ends the ordinary way and the server's destructor closes it.
// Python: KeyboardInterrupt leaving serve_forever() inside `with`. A C++ signal is no
// exception: unhandled, it ends the process on the spot and no destructor runs.
//
// No signal handler (shutdown() takes a mutex, which a handler may not): the signals are
// blocked in the calling thread, and so in every thread and child it starts, where they stay
// pending instead of killing the process. serve_forever() runs on a new thread while the
// calling thread waits in sigwait(); on a signal it calls shutdown() and joins. If
// serve_forever() ends of itself (or throws), the serving thread wakes sigwait() with
// SIGUSR2, sent to the calling thread alone. After the first signal SIGINT and SIGTERM are
// unblocked, so a second one ends the process (for when shutdown() waits on a handler that
// never finishes). On return the thread's signal mask is what it was.
//
// Call it from main() before starting threads of your own, or block SIGINT and SIGTERM in
// them: the kernel may give a signal to any thread that does not block it, and kill the
// process there. Leave SIGUSR2 alone while it runs.
#ifndef SERVER_SERVE_UNTIL_SIGNAL_H_
#define SERVER_SERVE_UNTIL_SIGNAL_H_

#include "server/base_server.h"
#include "server/deadline.h"

namespace socketserver {

// Returns the signal's number, or 0 if serve_forever() returned without one (a shutdown()
// from elsewhere). Rethrows what serve_forever() threw. Does not call server_close().
int serve_until_signal(BaseServer& server, Seconds poll_interval = Seconds(0.5));

}  // namespace socketserver

#endif  // SERVER_SERVE_UNTIL_SIGNAL_H_
