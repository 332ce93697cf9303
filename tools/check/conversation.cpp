#include "check/conversation.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstring>
#include <limits>

#include "speak/text.hpp"
#include "sticky/decoder.hpp"
#include "sticky/error.hpp"
#include "sticky/peer_reads.hpp"

namespace check {

namespace {

using Clock = std::chrono::steady_clock;

void sleep_for(std::chrono::microseconds us) {
  timespec t{static_cast<time_t>(us.count() / 1000000), static_cast<long>(us.count() % 1000000) * 1000};
  ::nanosleep(&t, nullptr);
}

constexpr std::size_t kLearning = std::numeric_limits<std::size_t>::max();

class Conversation {
 public:
  Conversation(const Protocol& protocol, const Layout& layout, const AnswerCheck* expected, const Timing& timing)
      : protocol_(protocol), layout_(layout), expected_(expected), timing_(timing) {}

  Exchange run(const Connect& connect, const std::string& stream, const Cuts& cuts) {
    const std::size_t n = layout_.frames.size();
    sent_at_.assign(n, Clock::now());
    auto list = pieces(cuts, stream.size());
    if (protocol_.connection_per_message || !protocol_.down) {
      // One connection per message: the pieces of message i go on connection i.
      for (std::size_t i = 0; i < n; ++i) {
        const auto& f = layout_.frames[i];
        due_ = i + 1;
        if (!open(connect)) return x_;
        bool first = true;
        for (auto [begin, end] : list) {
          std::uint64_t a = std::max(begin, f.start), b = std::min(end, f.start + f.size);
          if (a >= b) continue;
          if (!first && !await_read()) return x_;
          if (!send_piece(std::string_view(stream).substr(a, b - a), a, b)) return x_;
          first = false;
        }
        ::shutdown(fd_.get(), SHUT_WR);
        if (!await_answers(i + 1)) return x_;
        fd_.reset();
      }
      return x_;
    }
    due_ = n;
    if (!open(connect)) return x_;
    for (std::size_t p = 0; p < list.size(); ++p) {
      auto [begin, end] = list[p];
      if (p > 0) {
        // Request, answer, request: the answers to every message already sent whole first.
        if (!await_answers(complete_before(begin))) return x_;
        if (!await_read()) return x_;
      }
      if (!send_piece(std::string_view(stream).substr(begin, end - begin), begin, end)) return x_;
    }
    // The program sees the end of the requests: one waiting for bytes that will never come
    // then closes, which tells us at once instead of after the answer timeout.
    ::shutdown(fd_.get(), SHUT_WR);
    await_answers(n);
    return x_;
  }

 private:
  // Connects (once the server is there) and takes its greeting.
  bool open(const Connect& connect) {
    try {
      fd_ = sticky::connect_stream(connect(), timing_.connect_timeout);
    } catch (const std::exception& e) {
      end(Exchange::End::cannot_connect, x_.answers.size(), e.what());
      return false;
    }
    ++x_.connections;
    if (fd_ && sticky::local_address(fd_.get()).family() != AF_UNIX) sticky::set_nodelay(fd_.get(), true);
    sticky::set_nonblocking(fd_.get(), true);
    reads_.emplace(fd_.get());
    x_.watched_reads = reads_->usable();
    notice_reads();
    if (protocol_.down) decoder_.emplace(*protocol_.down);
    close_answer_.clear();
    conn_sent_ = 0;
    conn_greetings_ = 0;
    last_activity_ = Clock::now();
    if (!protocol_.down) return true;
    if (timing_.greeting_wait.count() > 0 && x_.connections == 1) {
      // Learning, on the first connection: whatever whole frames come unasked within the
      // wait are its greeting; later connections wait for as many.
      greeting_limit_ = kLearning;
      auto until = Clock::now() + timing_.greeting_wait;
      while (Clock::now() < until || !decoder_->pending().empty()) {
        if (Clock::now() - last_activity_ > timing_.answer_timeout) break;
        if (!pump(Millis(2))) return false;
      }
      greeting_limit_ = conn_greetings_;
      if (x_.connections == 1) x_.greeting_seen = conn_greetings_;
      return true;
    }
    greeting_limit_ = timing_.greeting_wait.count() > 0 ? x_.greeting_seen : protocol_.greeting;
    while (conn_greetings_ < greeting_limit_) {
      if (Clock::now() - last_activity_ > timing_.answer_timeout) {
        end(Exchange::End::timeout, x_.answers.size(), speak::tr("its greeting did not come").english);
        return false;
      }
      if (!pump(Millis(5))) return false;
    }
    return true;
  }

  std::size_t complete_before(std::uint64_t offset) const {
    std::size_t count = 0;
    for (const auto& f : layout_.frames)
      if (f.start + f.size <= offset) ++count;
    return count;
  }

  void end(Exchange::End how, std::size_t message, std::string detail = {}) {
    if (x_.end == Exchange::End::complete) {
      x_.end = how;
      x_.message = message;
      x_.detail = std::move(detail);
    }
    if (decoder_) x_.pending = std::string(decoder_->pending());
    else x_.pending = close_answer_;
  }

  // Reads whatever is there within `wait`; false once the exchange has ended.
  bool pump(Millis wait) {
    pollfd p{fd_.get(), POLLIN, 0};
    int rc = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (rc <= 0) return true;
    return drain();
  }

  void take_answer(std::string payload) {
    std::size_t k = x_.answers.size();
    x_.answers.push_back(std::move(payload));
    double ms = k < sent_at_.size() ? std::chrono::duration<double, std::milli>(Clock::now() - sent_at_[k]).count() : 0.0;
    x_.latency_ms.push_back(ms);
  }

  bool refused(std::size_t k) const {
    // Answers beyond the last message are kept for the story, never compared.
    return expected_ && k < layout_.frames.size() && !(*expected_)(k, x_.answers[k]);
  }

  bool drain() {
    char buffer[65536];
    for (;;) {
      ssize_t got = ::recv(fd_.get(), buffer, sizeof buffer, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && errno == EAGAIN) return true;
      if (got <= 0) {
        int error = got < 0 ? errno : 0;
        if (!protocol_.down && !error) {
          // Its answer ends here.
          x_.program_read = true;
          take_answer(std::move(close_answer_));
          close_answer_.clear();
          if (refused(x_.answers.size() - 1)) {
            end(Exchange::End::mismatch, x_.answers.size() - 1);
            return false;
          }
          return false;  // this connection is done; await_answers sees the answer
        }
        // An orderly close (FIN) comes from a program that had the connection; a connection
        // still waiting in a closed listening socket's queue is reset instead.
        if (!error) x_.program_read = true;
        // After the last answer due, the program closing its end is how a conversation ends.
        if (x_.answers.size() >= due_) return true;
        if (error) end(error == ECONNRESET ? Exchange::End::reset : Exchange::End::closed, x_.answers.size(), std::strerror(error));
        else end(Exchange::End::closed, x_.answers.size());
        return false;
      }
      x_.program_read = true;
      last_activity_ = Clock::now();
      std::string_view bytes(buffer, static_cast<std::size_t>(got));
      if (!protocol_.down) {
        close_answer_.append(bytes);
        continue;
      }
      decoder_->feed(bytes);
      try {
        while (auto frame = decoder_->next()) {
          if (conn_greetings_ < greeting_limit_) {
            ++conn_greetings_;
            x_.greetings.emplace_back(frame->payload);
            continue;
          }
          take_answer(std::string(frame->payload));
          if (refused(x_.answers.size() - 1)) {
            end(Exchange::End::mismatch, x_.answers.size() - 1);
            return false;
          }
        }
      } catch (const sticky::FrameError& e) {
        end(Exchange::End::bad_frame, x_.answers.size(), e.what());
        return false;
      }
    }
  }

  bool await_answers(std::size_t count) {
    due_ = std::max(due_, count);
    while (x_.answers.size() < count) {
      if (x_.end != Exchange::End::complete) return false;
      if (Clock::now() - last_activity_ > timing_.answer_timeout) {
        end(Exchange::End::timeout, x_.answers.size());
        return false;
      }
      if (!x_.program_read) notice_reads();
      if (!pump(Millis(5))) return x_.end == Exchange::End::complete && x_.answers.size() >= count;
    }
    return true;
  }

  // Whether the program has taken this connection (accept()ed it) or read from it.
  void notice_reads() {
    if (!reads_ || !reads_->usable()) return;
    if (auto unread = reads_->unread(&x_.program_read); unread && *unread < conn_sent_) x_.program_read = true;
  }

  // Until the program has read every byte sent so far, or read_wait passed; a fixed pace
  // when its reads cannot be watched. Answers are read meanwhile.
  bool await_read() {
    auto start = Clock::now();
    if (!reads_->usable()) {
      auto due = last_send_ + timing_.pace;
      while (Clock::now() < due) {
        auto left = std::chrono::duration_cast<std::chrono::microseconds>(due - Clock::now());
        if (left.count() > 1000) {
          if (!pump(Millis(1))) return false;
        } else {
          sleep_for(left);
        }
      }
      return drain();
    }
    for (;;) {
      if (!drain()) return false;
      auto unread = reads_->unread(&x_.program_read);
      if (unread && *unread < conn_sent_) x_.program_read = true;
      if (!unread || (*unread == 0 && reads_->unsent() == 0)) return true;
      if (Clock::now() - start > timing_.read_wait) {
        x_.as_planned = false;  // a slow reader: the next piece joins this one in its buffer
        return true;
      }
      sleep_for(std::chrono::microseconds(50));
    }
  }

  bool send_piece(std::string_view bytes, std::uint64_t begin, std::uint64_t finish) {
    while (!bytes.empty()) {
      ssize_t sent = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(sent));
        conn_sent_ += static_cast<std::uint64_t>(sent);
        last_activity_ = Clock::now();
        continue;
      }
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && errno == EAGAIN) {
        // Its receive buffer is full: read its answers meanwhile, or both ends would wait.
        x_.program_read = x_.program_read || conn_sent_ > 0;  // a full buffer it has been reading from
        if (Clock::now() - last_activity_ > timing_.answer_timeout) {
          end(Exchange::End::timeout, x_.answers.size(), speak::tr("the program stopped reading").english);
          return false;
        }
        pollfd p{fd_.get(), POLLIN | POLLOUT, 0};
        ::poll(&p, 1, 5);
        if ((p.revents & POLLIN) && !drain()) return false;
        continue;
      }
      int error = errno;
      end(error == ECONNRESET ? Exchange::End::reset : Exchange::End::closed, x_.answers.size(), std::strerror(error));
      drain();  // an answer may still be on its way in; take what is there for the story
      return false;
    }
    ++x_.pieces_sent;
    for (std::size_t i = 0; i < layout_.frames.size(); ++i) {
      const auto& f = layout_.frames[i];
      if (f.start + f.size > begin && f.start + f.size <= finish) sent_at_[i] = Clock::now();
    }
    last_send_ = Clock::now();
    return true;
  }

  const Protocol& protocol_;
  const Layout& layout_;
  const AnswerCheck* expected_;
  Timing timing_;
  sticky::Fd fd_;
  std::optional<sticky::Decoder> decoder_;
  std::optional<sticky::PeerReads> reads_;
  std::string close_answer_;
  std::uint64_t conn_sent_ = 0;
  std::size_t conn_greetings_ = 0, greeting_limit_ = 0;
  std::size_t due_ = 0;  // answers due on this connection by its end
  Exchange x_;
  std::vector<Clock::time_point> sent_at_;
  Clock::time_point last_activity_{}, last_send_{};
};

}  // namespace

bool Exchange::evidence() const {
  if (end == End::cannot_connect) return false;
  if (!ok() && !as_planned) return false;
  return true;
}

bool Exchange::unserved() const {
  return !ok() && !program_read && answers.empty() && greetings.empty();
}

std::string Exchange::summary() const {
  switch (end) {
    case End::complete: return speak::tr("every answer came").english;
    case End::mismatch: return speak::tr("answer {} differs from the reference", message + 1).english;
    case End::timeout:
      return detail.empty() ? speak::tr("no answer to message {}", message + 1).english
                            : speak::tr("no answer to message {} ({})", message + 1, speak::localized(detail)).english;
    case End::closed:
    case End::reset:
      return speak::tr("the program closed the connection before the answer to message {}", message + 1).english;
    case End::bad_frame:
      return speak::tr("answer {} cannot be framed: {}", message + 1, speak::localized(detail)).english;
    case End::cannot_connect: return detail;
  }
  return "?";
}

Exchange converse(const Connect& connect, const Protocol& protocol, const std::string& stream, const Layout& layout,
                  const Cuts& cuts, const AnswerCheck* expected, const Timing& timing) {
  Conversation conversation(protocol, layout, expected, timing);
  return conversation.run(connect, stream, cuts);
}

}  // namespace check
