// Waiting for a forking server's own children: the system calls behind
// ForkingMixIn::collect_children(). Internal to mixins/.
#ifndef MIXINS_REAP_H_
#define MIXINS_REAP_H_

#include <sys/types.h>

#include <set>

namespace socketserver::internal {

// waitpid(pid) with WNOHANG unless `blocking`. Returns `pid` once the child is reaped (or if
// someone else already reaped it: ECHILD), 0 while it still runs.
pid_t reap_child(pid_t pid, bool blocking);

// Blocks until one of `children` exits, reaps it and returns its pid; returns -1 if `children`
// is empty. Children that are not in the set are never touched.
pid_t wait_any_child(const std::set<pid_t>& children);

}  // namespace socketserver::internal

#endif  // MIXINS_REAP_H_
