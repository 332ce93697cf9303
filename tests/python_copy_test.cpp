// A student copies one program out of lessons/python into a folder of their own and runs
// it there. So every program must run alone: here each *.py is copied, by itself, into a
// fresh empty directory and must compile, import nothing but Python's standard library
// (every import statement, including one inside a function), answer --help from that
// directory, and, if it is a server (it has --once), start listening on a port the OS
// picks. A program that imports a file next to it (`from builtin_commands import ...`)
// fails here with the name of what it imports.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>

#include "support.hpp"

using test::binary;

namespace {

namespace fs = std::filesystem;

fs::path python_folder() {
  // The tests sit three levels above build/bin/sticky-tests: the source tree, not the build.
  auto root = fs::path(binary("x")).parent_path().parent_path().parent_path();
  if (!fs::exists(root / "lessons/python")) root = fs::current_path();
  return root / "lessons/python";
}

// An empty directory of its own, removed with everything in it at the end of the scope.
struct EmptyDir {
  EmptyDir() {
    std::string pattern = (fs::temp_directory_path() / "sticky-copy-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = pattern;
  }
  ~EmptyDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
  EmptyDir(const EmptyDir&) = delete;
  EmptyDir& operator=(const EmptyDir&) = delete;
  fs::path path;
};

// Python run from `dir`, as a student in that folder runs it: no PYTHONPATH to find the
// source tree through, no __pycache__ left behind, text out as UTF-8 whatever the locale.
std::vector<std::string> python_in(const fs::path& dir, std::vector<std::string> args) {
  std::vector<std::string> argv{"env", "-C", dir.string(), "-u", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE=1",
                                "PYTHONIOENCODING=utf-8", "python3"};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// Compiles the file and lists every module it imports that is not in the standard library
// (relative imports too); exit status 1 and the names if there is one.
const std::string kImportCheck = R"(import ast, sys
path = sys.argv[1]
tree = ast.parse(open(path, encoding="utf-8").read(), path)
compile(tree, path, "exec")
outside = []
for node in ast.walk(tree):
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        names = ["." * node.level + (node.module or "")]
    else:
        continue
    outside += [n for n in names if n.startswith(".") or n.split(".")[0] not in sys.stdlib_module_names]
if outside:
    print("imports outside the standard library: " + ", ".join(outside))
    sys.exit(1)
)";

// The options part of --help ("options:" onwards), where a program's own flags are listed
// (its description may mention other programs' flags).
std::string options_of(const std::string& help) {
  auto at = help.find("\noptions:");
  return at == std::string::npos ? std::string{} : help.substr(at);
}

}  // namespace

TEST_CASE("every program in lessons/python runs alone, copied into an empty folder", "[python][python-track]") {
  int programs = 0;
  for (const auto& entry : fs::directory_iterator(python_folder())) {
    if (entry.path().extension() != ".py") continue;
    std::string name = entry.path().filename().string();
    ++programs;
    EmptyDir dir;
    fs::copy_file(entry.path(), dir.path / name);

    auto imports = test::run(python_in(dir.path, {"-c", kImportCheck, name}));
    INFO(name << ", copied alone into " << dir.path.string() << ": " << imports.out << imports.err);
    CHECK(imports.status == 0);

    auto help = test::run(python_in(dir.path, {name, "--help"}));
    INFO("--help: " << help.err);
    CHECK(help.status == 0);
    CHECK_THAT(help.out, Catch::StartsWith("usage: "));

    std::string options = options_of(help.out);
    if (options.find("--once") == std::string::npos) continue;  // a client: it needs a server to start
    std::vector<std::string> args{name, "--port", "0", "--once"};
    if (options.find("--role {") != std::string::npos) {  // plays both ends unless told
      args.push_back("--role");
      args.push_back("server");
    }
    test::Process server(python_in(dir.path, args));
    CHECK_THAT(server.read_line(10), Catch::StartsWith("listening on 127.0.0.1:"));
  }  // the server is killed as `server` goes, and the directory removed as `dir` goes
  CHECK(programs >= 28);
}
