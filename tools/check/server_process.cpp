#include "check/server_process.hpp"

#include <unistd.h>

#include "check/listening.hpp"

namespace check {

using speak::Text;
using speak::tr;

ServerProcess::ServerProcess(std::vector<std::string> argv, sticky::Address address, bool find_port)
    : argv_(std::move(argv)), address_(address), find_port_(find_port) {}

ServerProcess::~ServerProcess() { stop(); }

std::optional<Text> ServerProcess::start() {
  try {
    program_ = std::make_unique<Program>(argv_);
  } catch (const std::exception& e) {
    return speak::localized(e.what());
  }
  ++starts_;
  return std::nullopt;
}

void ServerProcess::reap(int status) {
  last_err_ = program_->err();
  (status == 0 ? clean_exits_ : deaths_)++;
  program_.reset();
}

std::optional<Text> ServerProcess::ready(Clock::time_point deadline) {
  for (;;) {
    if (started_by_us()) {
      if (!program_) {
        if (auto why = start()) return why;
        listened_ = served_ = false;
      }
      if (served_ && clean_exits_ > 0 && !stays_) {
        // A one-shot server that has served: it is on its way out (its listening socket may
        // still be open, taking connections it will never serve). Let it go first.
        if (auto status = program_->wait_exit(Millis(1000)))
          reap(*status);
        else
          stays_ = true;  // it stays after all (it left once for another reason): take it as it is
        continue;
      }
      if (auto status = program_->wait_exit(Millis(0))) {
        reap(*status);
        if (!listened_) {
          // It ended without ever listening this time: starting it again would end alike.
          Text text = tr("The program ended ({0}) before it listened on {1}.", speak::localized(describe_status(*status)),
                         address_.to_string());
          if (auto last = last_line(last_err_); !last.empty()) text = speak::plus(text, tr(" It said: {}", last));
          return text;
        }
        continue;
      }
    }
    if (find_port_ && program_) {
      auto ports = listening_ports(program_->pid());
      if (!ports.empty()) {
        address_ = sticky::Address::ip(address_.host(), ports.front());
        listened_ = true;
        return std::nullopt;
      }
    } else if (!address_.is_unix() && is_local(address_)) {
      auto l = listening(address_.port());
      if (!l || *l) {
        listened_ = true;
        return std::nullopt;
      }
    } else {
      listened_ = true;
      return std::nullopt;  // a server elsewhere: the connection will tell
    }
    if (Clock::now() > deadline) {
      if (!started_by_us()) return tr("Nothing listens on {}.", address_.to_string());
      return find_port_ ? tr("The program did not listen on any port in time.")
                        : tr("The program did not listen on {} in time: does it use that port?", address_.to_string());
    }
    ::usleep(5000);
  }
}

std::optional<ServerProcess::Exit> ServerProcess::after_run(Millis wait) {
  if (!program_) return std::nullopt;
  served_ = true;
  auto status = program_->wait_exit(wait);
  if (!status) return std::nullopt;
  reap(*status);
  Exit e;
  e.status = *status;
  e.last_words = last_line(last_err_);
  e.text = *status == 0 ? tr("The program exited ({})", speak::localized(describe_status(*status)))
                        : tr("The program died ({})", speak::localized(describe_status(*status)));
  if (!e.last_words.empty()) e.text = tr("{}: {}", e.text, e.last_words);
  return e;
}

std::string ServerProcess::err() const { return program_ ? program_->err() : last_err_; }

void ServerProcess::stop() {
  if (!program_) return;
  program_->stop();
  program_.reset();
}

}  // namespace check
