#!/bin/sh
echo "remote_coverage_tools is a local stand-in: this workspace does not support bazel coverage" >&2
exit 1
