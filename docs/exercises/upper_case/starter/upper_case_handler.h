// UpperCaseHandler: answers each line a client sends with the same line in capitals.
// Python: a socketserver.StreamRequestHandler subclass whose handle() writes line.upper().
//
// The exercise: docs/exercises/upper_case/README.md. Edit this file and
// upper_case_handler.cc, then run tools/exercise.sh upper_case.
#ifndef UPPER_CASE_HANDLER_H_
#define UPPER_CASE_HANDLER_H_

#include "handlers/stream_request_handler.h"

namespace exercise {

class UpperCaseHandler : public socketserver::StreamRequestHandler {
 public:
  void handle() override;
};

}  // namespace exercise

#endif  // UPPER_CASE_HANDLER_H_
