#include "harness/text.hpp"

#include <mutex>
#include <unordered_map>

namespace harness {

namespace {
std::mutex mutex;
std::unordered_map<std::string, std::string>& table() {
  static std::unordered_map<std::string, std::string> pairs;
  return pairs;
}
}  // namespace

void remember_translation(const std::string& english, const std::string& local) {
  std::lock_guard lock(mutex);
  table()[english] = local;
}

std::string localize(const std::string& english) {
  if (sticky::current_language() == sticky::Language::english) return english;
  std::lock_guard lock(mutex);
  auto it = table().find(english);
  return it == table().end() ? english : it->second;
}

}  // namespace harness
