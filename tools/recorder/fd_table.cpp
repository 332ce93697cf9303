#include "fd_table.hpp"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>

namespace sticky_trace {

namespace {

// 256 chunks of 4096 fds: a million descriptors, 64 KiB of memory per chunk in use.
constexpr unsigned kChunkBits = 12;
constexpr unsigned kChunkSize = 1u << kChunkBits;
constexpr unsigned kChunks = 256;
constexpr unsigned kMaxFd = kChunks * kChunkSize;

enum Kind : std::uint64_t { kUnknown = 0, kNotSocket = 1, kSocket = 2 };

// word: kind (8 bits) | type (8) | family (16) | conn (32). inode: the socket's st_ino.
struct Entry {
  std::atomic<std::uint64_t> word;
  std::atomic<std::uint64_t> inode;
};

std::atomic<Entry*> chunks[kChunks];
std::atomic<std::uint32_t> next_conn{0};

Entry* entry(int fd, bool create) {
  if (fd < 0 || static_cast<unsigned>(fd) >= kMaxFd) return nullptr;
  auto& slot = chunks[static_cast<unsigned>(fd) >> kChunkBits];
  Entry* chunk = slot.load(std::memory_order_acquire);
  if (!chunk && create) {
    void* memory = ::mmap(nullptr, sizeof(Entry) * kChunkSize, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return nullptr;
    // Zeroed pages are entries of kind kUnknown.
    auto* fresh = static_cast<Entry*>(memory);
    if (slot.compare_exchange_strong(chunk, fresh, std::memory_order_acq_rel)) chunk = fresh;
    else ::munmap(memory, sizeof(Entry) * kChunkSize);  // another thread was first
  }
  return chunk ? &chunk[static_cast<unsigned>(fd) & (kChunkSize - 1)] : nullptr;
}

std::uint64_t pack(Kind kind, int type, int family, std::uint32_t conn) {
  return std::uint64_t(kind) | (std::uint64_t(type & 0xff) << 8) | (std::uint64_t(family & 0xffff) << 16) |
         (std::uint64_t(conn) << 32);
}

void unpack(std::uint64_t word, SocketInfo& info) {
  info.type = static_cast<int>((word >> 8) & 0xff);
  info.family = static_cast<int>((word >> 16) & 0xffff);
  info.conn = static_cast<std::uint32_t>(word >> 32);
}

// Looks at the fd afresh and caches the verdict.
bool classify(int fd, Entry* e, const struct stat& st, SocketInfo& info) {
  if (!S_ISSOCK(st.st_mode)) {
    if (e) e->word.store(kNotSocket, std::memory_order_relaxed);
    return false;
  }
  int type = 0, family = 0;
  socklen_t length = sizeof type;
  ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length);
  length = sizeof family;
  ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &length);
  info.type = type;
  info.family = family;
  info.conn = next_conn.fetch_add(1, std::memory_order_relaxed) + 1;
  if (e) {
    e->inode.store(st.st_ino, std::memory_order_relaxed);
    e->word.store(pack(kSocket, type, family, info.conn), std::memory_order_release);
  }
  return true;
}

}  // namespace

bool SocketInfo::datagram() const { return type == SOCK_DGRAM || type == SOCK_RAW; }

bool socket_info(int fd, SocketInfo& info) {
  Entry* e = entry(fd, false);
  std::uint64_t word = e ? e->word.load(std::memory_order_acquire) : kUnknown;
  if ((word & 0xff) == kNotSocket) return false;  // the common case for files: no syscall
  int saved = errno;
  struct stat st;
  bool is_socket = false;
  if (::fstat(fd, &st) == 0) {
    if ((word & 0xff) == kSocket && e->inode.load(std::memory_order_relaxed) == st.st_ino) {
      unpack(word, info);
      is_socket = true;
    } else {
      is_socket = classify(fd, e ? e : entry(fd, true), st, info);
    }
  } else if (e) {
    e->word.store(kUnknown, std::memory_order_relaxed);  // not open: nothing to remember
  }
  errno = saved;
  return is_socket;
}

void forget_fd(int fd) {
  if (Entry* e = entry(fd, false)) e->word.store(kUnknown, std::memory_order_relaxed);
}

void forget_fds(unsigned first, unsigned last) {
  if (first >= kMaxFd) return;
  if (last >= kMaxFd) last = kMaxFd - 1;
  for (unsigned fd = first; fd <= last;) {
    Entry* chunk = chunks[fd >> kChunkBits].load(std::memory_order_acquire);
    unsigned chunk_end = (fd | (kChunkSize - 1));
    unsigned stop = chunk_end < last ? chunk_end : last;
    if (chunk)
      for (unsigned i = fd; i <= stop; ++i) chunk[i & (kChunkSize - 1)].word.store(kUnknown, std::memory_order_relaxed);
    if (stop == last) break;
    fd = stop + 1;
  }
}

void copy_fd(int from, int to) {
  if (from == to) return;
  Entry* source = entry(from, false);
  std::uint64_t word = source ? source->word.load(std::memory_order_acquire) : kUnknown;
  if ((word & 0xff) != kSocket) {
    forget_fd(to);
    return;
  }
  if (Entry* target = entry(to, true)) {
    target->inode.store(source->inode.load(std::memory_order_relaxed), std::memory_order_relaxed);
    target->word.store(word, std::memory_order_release);
  }
}

}  // namespace sticky_trace
