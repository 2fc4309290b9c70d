"""exercise(): the targets of one exercise, the same in every folder under docs/exercises/.

    starter/           what the student edits in place: :starter, a cc_library
    solution/          the reference answer, with the same file names: :solution
    check.cc           the check, compiled twice:
                         :check           against the starter (tagged manual: it fails until
                                          the exercise is done, so `bazel test //...` skips it)
                         :check_solution  against the solution; part of `bazel test //...`
    checks.tsv         every check's name, whether the untouched starter fails it, and a hint
    :starter_fails     a test that runs :check and passes only if exactly the checks marked
                       "fail" in checks.tsv fail, and the others pass: the table is true
    mistakes/M/        a wrong answer a student could write, for the checks the starter
                       passes: :mistake_M_fails passes only if it fails each check listed in
                       mistakes/M/fails.txt. Between the two, every check is seen to fail:
    :mistakes_cover    a test that passes only if every check marked "pass" is listed in
                       some mistakes/M/fails.txt, so no check is left that nothing fails.

Both libraries strip their folder from the include path, so check.cc includes the exercise's
header by its bare name (#include "upper_case_handler.h") and gets the starter or the solution
depending on the target. tools/exercise.sh NAME builds and runs :check; --solution, the other.
Warnings are errors here as in every package (.bazelrc), in the starter too.
"""

def exercise(name, hdrs, srcs = [], deps = [], check_deps = [], check_data = [], tags = [],
             mistakes = []):
    """The targets of one exercise (see above).

    Args:
      name: the exercise's folder name, as tools/exercise.sh takes it.
      hdrs: the headers, the same names under starter/ and solution/.
      srcs: the .cc files, the same names under starter/ and solution/.
      deps: what both libraries use.
      check_deps: what check.cc uses besides the exercise's library.
      check_data: runfiles the check needs (a program it starts).
      tags: for the checks and the tests ("notsan" when the check forks).
      mistakes: the folders under mistakes/, each with the files of starter/ and fails.txt.
    """
    native.exports_files(["README.md"])  # The statement: a page of the API reference too.
    variants = ["starter", "solution"] + ["mistakes/" + m for m in mistakes]
    for variant in variants:
        native.cc_library(
            name = variant.replace("mistakes/", "mistake_"),
            srcs = [variant + "/" + src for src in srcs],
            hdrs = [variant + "/" + hdr for hdr in hdrs],
            strip_include_prefix = variant,
            linkopts = ["-pthread"],
            deps = deps,
        )
    checks = [("check", ":starter"), ("check_solution", ":solution")]
    checks += [("check_mistake_" + m, ":mistake_" + m) for m in mistakes]
    for check, library in checks:
        native.cc_test(
            name = check,
            size = "small",
            srcs = ["check.cc"],
            data = check_data,
            tags = tags + ([] if check == "check_solution" else ["manual"]),
            deps = [
                library,
                "//tests:doctest_main",
                "@doctest",
            ] + check_deps,
        )
    native.sh_test(
        name = "starter_fails",
        size = "small",
        srcs = ["//docs/exercises:starter_fails_test.sh"],
        args = [
            name,
            "$(location :check)",
            "$(location checks.tsv)",
        ],
        data = [
            ":check",
            "checks.tsv",
            "//docs/exercises:check_results",
        ] + check_data,
        tags = tags,
    )
    native.sh_test(
        name = "mistakes_cover",
        size = "small",
        srcs = ["//docs/exercises:mistakes_cover_test.sh"],
        args = [name, "$(location checks.tsv)"] + [
            "$(location mistakes/" + m + "/fails.txt)"
            for m in mistakes
        ],
        data = ["checks.tsv", "//docs/exercises:check_results"] + [
            "mistakes/" + m + "/fails.txt"
            for m in mistakes
        ],
        tags = tags,
    )
    for m in mistakes:
        native.sh_test(
            name = "mistake_" + m + "_fails",
            size = "small",
            srcs = ["//docs/exercises:mistake_fails_test.sh"],
            args = [
                name + "/mistakes/" + m,
                "$(location :check_mistake_" + m + ")",
                "$(location checks.tsv)",
                "$(location mistakes/" + m + "/fails.txt)",
            ],
            data = [
                ":check_mistake_" + m,
                "checks.tsv",
                "mistakes/" + m + "/fails.txt",
                "//docs/exercises:check_results",
            ] + check_data,
            tags = tags,
        )
