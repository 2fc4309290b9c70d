// BaseRequestHandler: one object per request; setup(), handle(), finish().
// Python: socketserver.BaseRequestHandler.
//
// The server builds a handler for each request through the factory handler<H>(args...) and
// calls run(), which does what Python's constructor does:
//     setup(); try { handle(); } finally { finish(); }
// so finish() runs even when handle() throws, but not when setup() does.
//
// Borrows `request` and `server` for the duration of run(); keep no pointer to them after.
//
// May be overridden:       setup, handle, finish
// Differs from Python:     see docs/python_to_cpp.md#baserequesthandler
#ifndef HANDLERS_BASE_REQUEST_HANDLER_H_
#define HANDLERS_BASE_REQUEST_HANDLER_H_

#include <functional>
#include <type_traits>

#include "server/base_server.h"
#include "server/request.h"
#include "server/socket_address.h"

namespace socketserver {

class BaseRequestHandler {
 public:
  BaseRequestHandler() = default;
  BaseRequestHandler(const BaseRequestHandler&) = delete;
  BaseRequestHandler& operator=(const BaseRequestHandler&) = delete;
  virtual ~BaseRequestHandler() = default;

  // [run]
  // Python's __init__(request, client_address, server): store them, then the lifecycle.
  void run(Request& req, const SocketAddress& address, BaseServer& srv) {
    request = &req;
    client_address = address;
    server = &srv;
    srv.trace_step("setup", &client_address);
    setup();
    try {
      srv.trace_step("handle", &client_address);
      handle();
    } catch (...) {
      srv.trace_step("finish", &client_address);
      finish();  // Python's `finally`: finish() runs, then the handler's exception goes on.
      throw;
    }
    srv.trace_step("finish", &client_address);
    finish();
  }
  // [end]

  // Python: self.request, self.client_address, self.server. Set by run().
  Request* request = nullptr;    // Borrowed: stream servers' connection is request->connection.
  SocketAddress client_address;  // A copy, valid for the handler's whole life.
  BaseServer* server = nullptr;  // Borrowed.

  virtual void setup() {}   // Called before handle(), to prepare the request. Default: nothing.
  virtual void handle() {}  // Serves the request: every handler overrides it.
  virtual void finish() {}  // After handle(), even when it threw; not after setup() threw.
};

// How handler<H>(args...) checks H's constructor: stand-ins for an argument convert to the
// reference a constructor may take, never to a copy, so a parameter by value does not match.
namespace handler_args {

template <class T>
struct ReadOnly {  // const T&, or another type made from it (std::string_view from std::string).
  operator const T&() const;
  operator T() const = delete;
  template <class U, class = std::enable_if_t<!std::is_same_v<U, T> &&
                                              !std::is_base_of_v<BaseRequestHandler, U> &&
                                              std::is_convertible_v<const T&, U>>>
  operator U() const;
};
template <class T>
struct Shared {  // std::ref(x): T& only.
  operator T&() const;
  operator const T&() const = delete;
};

// An argument stored as A: as passed, as a T& constructor wants it, and its stand-ins
// (numbers and pointers may be taken by value).
template <class A>
struct Stored {
  using passed = const A&;
  using writable = A&;
  using probe = std::conditional_t<std::is_scalar_v<A>, const A&, ReadOnly<A>>;
  using shared_probe = passed;
};
template <class T>
struct Stored<std::reference_wrapper<const T>> : Stored<T> {};  // std::cref(x): as x itself.
template <class T>
struct Stored<std::reference_wrapper<T>> {  // std::ref(x): T& only.
  using passed = T&;
  using writable = T&;
  using probe = Shared<T>;
  using shared_probe = Shared<T>;
};

template <class A>
using Arg = Stored<std::decay_t<A>>;  // handler(Args&&...) sees Table& for a table.

}  // namespace handler_args

// Python: passing the handler class to the server. Returns the factory that builds one H per
// request and runs it. The arguments replace Python's class attributes; stored once, in the
// factory, they reach every handler's constructor without a copy:
//   configuration:          H(const Config& c)  handler<H>(config)  (std::cref(x): x itself)
//   state handlers change:  H(Table& t)         handler<H>(std::ref(table))
//   numbers and pointers:   H(int n, Log* log)  handler<H>(3, &log)
// What std::ref, std::cref or a pointer names must outlive the server. A constructor that
// would copy an argument per request, or wants T& without std::ref, fails a static_assert.
template <class H, class... Args>
HandlerFactory handler(Args&&... args) {
  using namespace handler_args;
  static_assert(std::is_base_of_v<BaseRequestHandler, H>,
                "handler<H>(): H must derive from BaseRequestHandler");
  constexpr bool copyable = (std::is_copy_constructible_v<std::decay_t<Args>> && ...);
  constexpr bool as_const = std::is_constructible_v<H, typename Arg<Args>::passed...>;
  constexpr bool as_writable = std::is_constructible_v<H, typename Arg<Args>::writable...>;
  constexpr bool refs_ok = std::is_constructible_v<H, typename Arg<Args>::shared_probe...>;
  constexpr bool no_copy = std::is_constructible_v<H, typename Arg<Args>::probe...>;
  static_assert(copyable,
                "handler<H>(x): x cannot be copied (does it hold a mutex?); "
                "to share x with every handler, pass std::ref(x) and take T&");
  static_assert(!copyable || as_const || !as_writable,
                "handler<H>(x): H's constructor takes T&, but each handler gets x as const; "
                "to share x with every handler, pass std::ref(x), else take const T&");
  static_assert(!as_const || refs_ok,
                "handler<H>(std::ref(x)): H's constructor must take x as T& (a T copies x; "
                "for read-only sharing, pass std::cref(x) and take const T&)");
  static_assert(!as_const || !refs_ok || no_copy,
                "handler<H>(x): H's constructor takes x by value, a copy per request whose "
                "changes are lost; take const T&, or pass std::ref(x) and take T&");
  if constexpr (copyable && (as_const || !as_writable)) {  // Else a static_assert has failed.
    return [args...](Request& request, const SocketAddress& client_address, BaseServer& server) {
      H h(args...);  // Const copies; a std::ref(x) converts to the T& it holds.
      h.run(request, client_address, server);
    };
  } else {
    return {};
  }
}

}  // namespace socketserver

#endif  // HANDLERS_BASE_REQUEST_HANDLER_H_
