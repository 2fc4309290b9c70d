// The composed servers: Python's `class ThreadingTCPServer(ThreadingMixIn, TCPServer): pass`
// and its seven siblings at the bottom of its module. A mix-in is a class template deriving
// from the server it is given (docs/mixins.md explains why), so each is one line.
#ifndef MIXINS_COMPOSED_SERVERS_H_
#define MIXINS_COMPOSED_SERVERS_H_

#include "mixins/forking_mixin.h"
#include "mixins/threading_mixin.h"
#include "server/tcp_server.h"
#include "server/udp_server.h"
#include "server/unix_datagram_server.h"
#include "server/unix_stream_server.h"

namespace socketserver {

using ForkingUDPServer = ForkingMixIn<UDPServer>;                        // Python's name.
using ForkingTCPServer = ForkingMixIn<TCPServer>;                        // Python's name.
using ThreadingUDPServer = ThreadingMixIn<UDPServer>;                    // Python's name.
using ThreadingTCPServer = ThreadingMixIn<TCPServer>;                    // Python's name.
using ForkingUnixStreamServer = ForkingMixIn<UnixStreamServer>;          // Python's name.
using ForkingUnixDatagramServer = ForkingMixIn<UnixDatagramServer>;      // Python's name.
using ThreadingUnixStreamServer = ThreadingMixIn<UnixStreamServer>;      // Python's name.
using ThreadingUnixDatagramServer = ThreadingMixIn<UnixDatagramServer>;  // Python's name.

}  // namespace socketserver

#endif  // MIXINS_COMPOSED_SERVERS_H_
