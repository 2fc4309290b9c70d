// The composed servers: a mix-in in front of a server, as at the bottom of Python's module:
//
//   class ForkingUDPServer(ForkingMixIn, UDPServer): pass
//   class ForkingTCPServer(ForkingMixIn, TCPServer): pass
//   class ThreadingUDPServer(ThreadingMixIn, UDPServer): pass
//   class ThreadingTCPServer(ThreadingMixIn, TCPServer): pass
//   class ForkingUnixStreamServer(ForkingMixIn, UnixStreamServer): pass
//   class ForkingUnixDatagramServer(ForkingMixIn, UnixDatagramServer): pass
//   class ThreadingUnixStreamServer(ThreadingMixIn, UnixStreamServer): pass
//   class ThreadingUnixDatagramServer(ThreadingMixIn, UnixDatagramServer): pass
//
// In C++ the mix-in is a class template deriving from the server it is given, so
// ThreadingMixIn<TCPServer> is a TCPServer whose process_request() starts a thread.
// docs/mixins.md explains why.
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
