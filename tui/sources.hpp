// Where the viewer's events come from: a saved trace (one file or several merged), a trace
// still being written (--follow), a demo it runs, or a relay between two live programs.
// Each is read as it goes, so the screen draws while events arrive.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "sticky/relay.hpp"
#include "sticky/trace.hpp"

namespace view {

// Where events come from; read() hands over what has arrived since the last call.
class Source {
 public:
  virtual ~Source() = default;
  virtual std::vector<sticky::TraceEvent> read() = 0;
  virtual bool live() const { return false; }
  // Nothing more will come (a live source never finishes).
  virtual bool finished() const { return !live(); }
  virtual std::string status() const { return {}; }
};

std::unique_ptr<Source> replay_source(const std::vector<std::string>& files);
std::unique_ptr<Source> follow_source(std::string file);
std::unique_ptr<Source> demo_source(const std::filesystem::path& binary);
std::unique_ptr<Source> proxy_source(sticky::RelayOptions options);

// The lessons folder: `given`, the build tree's, an installed copy, or ./lessons.
std::filesystem::path find_lessons(const std::string& given);
// A demo binary by number ("1", "01" or "01-nagle-merge"): next to sticky-view, or where
// make install puts the demos.
std::filesystem::path find_demo(std::string number);

}  // namespace view
