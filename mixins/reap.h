// Waiting for a forking server's own children: the system calls behind
// ForkingMixIn::collect_children(). Internal to mixins/.
#ifndef MIXINS_REAP_H_
#define MIXINS_REAP_H_

#include <sys/types.h>

#include <set>

namespace socketserver::internal {

// waitpid(pid, WNOHANG). Returns `pid` once the child is reaped (or if someone else already
// reaped it: ECHILD), 0 while it still runs.
pid_t reap_child(pid_t pid);

// Blocks until one of `children` exits and returns its pid, left for reap_child() to reap; or
// returns 0 when `wakeup_fd` (if not -1) becomes readable first. Children that are not in the
// set are never touched. `children` must not be empty.
pid_t wait_any_child(const std::set<pid_t>& children, int wakeup_fd);

// Blocks until `pid` has exited (or is not ours: ECHILD), without reaping it: until it is
// reaped, its pid cannot be given to another process, so it is still safe to kill(2).
void wait_for_exit(pid_t pid);

}  // namespace socketserver::internal

#endif  // MIXINS_REAP_H_
