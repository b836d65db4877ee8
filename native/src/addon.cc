#include <cerrno>
#include <cstring>

#include "common.h"

namespace tsplc {

const char* ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    case ENETDOWN: return "ENETDOWN";
    case EAGAIN: return "EAGAIN";
    case ENOBUFS: return "ENOBUFS";
    case EMSGSIZE: return "EMSGSIZE";
    case EINVAL: return "EINVAL";
    case ENOENT: return "ENOENT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EBADF: return "EBADF";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case ENOMEM: return "ENOMEM";
    case ENOTCONN: return "ENOTCONN";
    case EPROTOTYPE: return "EPROTOTYPE";
    case ENOTTY: return "ENOTTY";
    case EBUSY: return "EBUSY";
    case EIO: return "EIO";
    default: return "EUNKNOWN";
  }
}

void ThrowSystemError(Napi::Env env, int err, const char* syscall, const std::string& detail) {
  std::string message = std::string(syscall) + " failed: " + std::strerror(err);
  if (!detail.empty()) message += " (" + detail + ")";
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  e.ThrowAsJavaScriptException();
}

Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  InitPacketSocket(env, exports);
  InitSdNotify(env, exports);
  InitGpioChip(env, exports);
  return exports;
}

}  // namespace tsplc

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return tsplc::InitAddon(env, exports); }

NODE_API_MODULE(tsplc_native, Init)
