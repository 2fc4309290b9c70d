// PollSelector and SelectSelector against the selector contract (tests/selector_contract.h),
// then what each does with a descriptor past FD_SETSIZE.
#include "server/selector.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/select.h>

#include <string>
#include <vector>

#include "server/fd.h"
#include "server/poll_selector.h"
#include "server/select_selector.h"
#include "tests/selector_contract.h"
#include "tests/test_util.h"

TEST_CASE_TEMPLATE_INVOKE(selector_contract, socketserver::PollSelector,
                          socketserver::SelectSelector);

namespace socketserver::testing {
namespace {

using contract::dup_at;
using contract::fds_of;
using contract::invalid_argument_of;
using contract::Pipe;
using contract::RoomForDescriptor;

TEST_CASE("SelectSelector refuses a descriptor >= FD_SETSIZE; PollSelector watches it") {
  REQUIRE(FD_SETSIZE == 1024);
  RoomForDescriptor room(1500);
  Pipe p;
  {
    Fd high = dup_at(p.read_end, 1500);
    Fd at_limit = dup_at(p.read_end, FD_SETSIZE);
    Fd last_ok = dup_at(p.read_end, FD_SETSIZE - 1);

    SelectSelector select_selector;
    std::string message = invalid_argument_of([&] { select_selector.add(1500, EVENT_READ); });
    CHECK(message.find("FD_SETSIZE") != std::string::npos);
    CHECK(message.find("1500") != std::string::npos);
    message = invalid_argument_of([&] { select_selector.add(FD_SETSIZE, EVENT_READ); });
    CHECK(message.find("FD_SETSIZE") != std::string::npos);
    select_selector.add(FD_SETSIZE - 1, EVENT_READ);  // The last descriptor select(2) can take.

    PollSelector poll_selector;
    poll_selector.add(1500, EVENT_READ);
    poll_selector.add(FD_SETSIZE, EVENT_READ);

    CHECK(poll_selector.select(Seconds(0)).empty());
    CHECK(select_selector.select(Seconds(0)).empty());
    REQUIRE(p.put());
    CHECK(fds_of(poll_selector.select(kDeadline)) == std::vector<int>{FD_SETSIZE, 1500});
    CHECK(fds_of(select_selector.select(kDeadline)) == std::vector<int>{FD_SETSIZE - 1});
  }
  CHECK(::fcntl(1500, F_GETFD) == -1);  // Closed again.
}

}  // namespace
}  // namespace socketserver::testing
