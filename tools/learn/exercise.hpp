// An exercise is data, not code: exercises/NN-name/exercise.json says what the student
// writes (one program or a pair), what it is checked against and how, the task and the
// hints in English and Chinese, and how each symptom is named and fixed. Its folder holds
// the starter (the classic program, mistake included, a TODO where the fix goes), a
// reference solution (what the answers are compared with) and, for a client, its server.
// The runner knows nothing about any one exercise: adding one is adding a folder.
//
//   auto exercises = learn::load_exercises(learn::exercises_dir());
//   learn::Generator fresh(seed);
//   std::string message = fresh.expand("echo {word} {int:300:450}");   // "echo kiwi 312"
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "speak/text.hpp"

namespace learn {

namespace fs = std::filesystem;

// A text of the course in both its languages.
struct Bilingual {
  std::string en, zh;
  bool empty() const { return en.empty(); }
  // The English, and the user's language (Chinese when chosen and there is a translation).
  speak::Text text() const;
};

enum class Role {
  server,      // the student's TCP server: we are its client
  client,      // the student's client: it talks to our server through our relay
  udp_server,  // the student's UDP server: we send it datagrams
};

// How a symptom is named and fixed in this exercise. A rule matches when every condition
// it sets holds; the first rule that matches wins.
struct Rule {
  std::string symptom;          // "closed", "no_answer", "cut", ... ("" any)
  std::string file;             // only for this program of the exercise ("" any)
  std::string mistake;          // sticky-check names this mistake: its id, "one-recv" ("" any)
  std::optional<bool> message_empty;  // the message at fault was (not) empty
  std::string got_contains;     // the bytes that came instead contain this
  std::string got_regex;        // ... or match this (ECMAScript, on the whole bytes)
  std::string stderr_contains;  // what the program wrote on stderr contains this
  std::string output_contains;  // what it printed contains this
  Bilingual diagnosis, fix;
};

// One program the student writes.
struct Part {
  std::string file;               // "server.py"
  Role role = Role::server;
  std::string codec;              // frametool's options; "" is a 4-byte big-endian length
  std::vector<std::string> messages;  // templates: the requests (server), the commands (client)
  std::string hostile;            // server: a header to be refused (bytes), sent on a connection of its own
  bool next_connection = true;    // server: a second client is served once the first has left
  bool idle_client = false;       // server: another client stays connected, silent, all along
  bool cuts = false;              // sticky-check cuts the stream in every way that matters
  std::vector<std::string> calls; // traced checks: one_write, one_round_trip, every_byte, datagrams
  std::string peer;               // client: the server it talks to, a file of the exercise folder
  std::vector<std::string> peer_args;  // after its port: templates ({seed})
  std::vector<std::string> args;  // client: after the port: templates ({messages}, {file:MIN:MAX})
};

struct Exercise {
  std::string name;   // "05-struct-headers"
  int number = 0;     // 5
  fs::path dir;       // exercises/05-struct-headers
  Bilingual title, task;
  std::string lesson; // "05-struct-prefix": lessons/05-struct-prefix.md
  std::vector<std::string> support;  // files from exercises/common the programs import
  std::vector<Part> parts;
  std::vector<Bilingual> hints;
  std::vector<Rule> rules;
  Bilingual fix;      // when no rule names the symptom

  std::vector<std::string> files() const;  // the student's files, in the order they are checked
  std::string number_text() const;          // "05"
};

// exercises/*/exercise.json, in the order of their numbers. std::runtime_error naming the
// file and what is wrong with it.
std::vector<Exercise> load_exercises(const fs::path& dir);
// $STICKY_EXERCISES, else exercises/ of the source tree above build/bin, else an installed
// share/sticky/exercises, else the source tree above build/asan/bin; the first that exists
// ("" when none does).
fs::path exercises_dir();
// "5", "05", "05-struct-headers" or "struct-headers": the exercise, or nullptr.
const Exercise* find_exercise(const std::vector<Exercise>& all, std::string_view name);

// Fresh messages from a seed: the same seed gives the same messages, a new one new ones, so
// an answer written into the program cannot pass. Templates:
//   {word} a word   {name} a name   {int:A:B} a number   {text:A:B} A..B bytes of words
//   {zh:A:B} A..B Chinese words   {chars:N} N letters and digits   {{ and }} themselves
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}
  std::string expand(const std::string& text);  // std::invalid_argument on a bad template
  std::string random_bytes(std::size_t n);
  std::uint64_t number(std::uint64_t low, std::uint64_t high);

 private:
  std::mt19937_64 rng_;
};

}  // namespace learn
