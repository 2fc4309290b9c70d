"""headers_of: the headers of C++ libraries (with those of their deps), as runfiles.

A test that runs the compiler itself, on snippets that must fail to compile, takes them as
data and passes -I "$TEST_SRCDIR/$TEST_WORKSPACE".
"""

def _headers_of_impl(ctx):
    headers = depset(transitive = [dep[CcInfo].compilation_context.headers for dep in ctx.attr.deps])
    return [DefaultInfo(files = headers, runfiles = ctx.runfiles(transitive_files = headers))]

headers_of = rule(
    implementation = _headers_of_impl,
    attrs = {"deps": attr.label_list(providers = [CcInfo])},
)
