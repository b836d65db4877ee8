// sd_notify(3) without libsystemd: one datagram on an AF_UNIX SOCK_DGRAM socket.
// Node's dgram module has no unix datagram sockets, hence this primitive.
// A NOTIFY_SOCKET starting with '@' names an abstract socket (leading NUL byte,
// length counted exactly, no trailing NUL), as systemd documents in sd_notify(3).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "common.h"

namespace tsplc {

static Napi::Value SdNotify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) {
    Napi::TypeError::New(env, "sdNotify(socketPath: string, message: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  std::string message = info[1].As<Napi::String>().Utf8Value();

  sockaddr_un addr;
  std::memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (path.empty() || (path[0] != '/' && path[0] != '@')) {
    ThrowSystemError(env, EINVAL, "sdNotify", "NOTIFY_SOCKET must be an absolute path or start with '@': " + path);
    return env.Undefined();
  }
  if (path.size() > sizeof(addr.sun_path) - (path[0] == '@' ? 0 : 1)) {
    ThrowSystemError(env, ENAMETOOLONG, "sdNotify", path);
    return env.Undefined();
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  if (path[0] == '@') {
    addr.sun_path[0] = '\0';
  } else {
    len += 1;  // the terminating NUL of a filesystem path
  }

  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ThrowSystemError(env, errno, "socket", "AF_UNIX SOCK_DGRAM");
    return env.Undefined();
  }
  ssize_t n;
  do {
    n = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
               reinterpret_cast<sockaddr*>(&addr), len);
  } while (n < 0 && errno == EINTR);
  int saved = errno;
  close(fd);
  if (n < 0) {
    ThrowSystemError(env, saved, "sendto", path);
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Object InitSdNotify(Napi::Env env, Napi::Object exports) {
  exports.Set("sdNotify", Napi::Function::New(env, SdNotify, "sdNotify"));
  return exports;
}

}  // namespace tsplc
