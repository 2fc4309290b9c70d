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

using ForkingUDPServer = ForkingMixIn<UDPServer>;
using ForkingTCPServer = ForkingMixIn<TCPServer>;
using ThreadingUDPServer = ThreadingMixIn<UDPServer>;
using ThreadingTCPServer = ThreadingMixIn<TCPServer>;
using ForkingUnixStreamServer = ForkingMixIn<UnixStreamServer>;
using ForkingUnixDatagramServer = ForkingMixIn<UnixDatagramServer>;
using ThreadingUnixStreamServer = ThreadingMixIn<UnixStreamServer>;
using ThreadingUnixDatagramServer = ThreadingMixIn<UnixDatagramServer>;

}  // namespace socketserver

#endif  // MIXINS_COMPOSED_SERVERS_H_
