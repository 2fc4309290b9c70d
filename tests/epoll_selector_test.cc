// EpollSelector passes the selector contract unchanged: the one line below is all it takes.
#include "tests/epoll_selector.h"

#include "tests/selector_contract.h"

TEST_CASE_TEMPLATE_INVOKE(selector_contract, socketserver::EpollSelector);
