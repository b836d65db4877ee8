// GPIO character device (Linux gpiochip uAPI v2, what libgpiod 2 uses): the
// sysfs interface (/sys/class/gpio) is deprecated, and on the Raspberry Pi 5
// with Bookworm its numbers moved (base 512, then 571) and it is due to go.
//
// This file only opens /dev/gpiochipN, issues the four ioctls and watches a
// line request's fd for edge events. The structs are packed and unpacked in
// TypeScript (src/domain/hardware/gpiochip.ts, pure and unit-tested); here each
// buffer's length is checked against the kernel header's sizeof, so a layout
// mismatch is an EINVAL with a message, never a short copy into the kernel.
//
// - GpioChip(path): open O_RDWR|O_CLOEXEC, then GPIO_GET_CHIPINFO_IOCTL. A
//   character device that is not a gpiochip (/dev/null, a tty) answers ENOTTY.
// - GpioLineRequest(chip, request[, onEvents, onError]): GPIO_V2_GET_LINE_IOCTL
//   with a packed gpio_v2_line_request; the kernel returns a line fd. With
//   onEvents, a uv_poll watcher drains gpio_v2_line_event records (48 bytes
//   each) and hands them to JS as bytes through MakeCallback.
// - setValues / getValues: GPIO_V2_LINE_SET_VALUES_IOCTL / GET_VALUES with a
//   packed gpio_v2_line_values (bits, mask).
#include <fcntl.h>
#include <linux/gpio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "common.h"

namespace tsplc {

namespace {

// Events read per wake-up: the kernel's default event buffer is 16 per line.
constexpr int kEventsPerRead = 16;

bool CheckBuffer(Napi::Env env, const Napi::Value& v, size_t expected, const char* what, Napi::Uint8Array* out) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, std::string(what) + " must be a Uint8Array").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Uint8Array a = v.As<Napi::Uint8Array>();
  if (a.ByteLength() != expected) {
    ThrowSystemError(env, EINVAL, what,
                     std::to_string(a.ByteLength()) + " bytes, the kernel's struct has " + std::to_string(expected));
    return false;
  }
  *out = a;
  return true;
}

}  // namespace

class GpioChip : public Napi::ObjectWrap<GpioChip> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "GpioChip",
                       {InstanceMethod<&GpioChip::Info>("info"), InstanceMethod<&GpioChip::Close>("close"),
                        InstanceAccessor<&GpioChip::IsOpen>("isOpen")});
  }

  explicit GpioChip(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GpioChip>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsString()) {
      Napi::TypeError::New(env, "GpioChip(path: string)").ThrowAsJavaScriptException();
      return;
    }
    path_ = info[0].As<Napi::String>().Utf8Value();
    int fd = open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      ThrowSystemError(env, errno, "open", path_);
      return;
    }
    // The chip-info ioctl tells a gpiochip from any other character device.
    if (ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &info_) < 0) {
      int e = errno;
      close(fd);
      ThrowSystemError(env, e, "ioctl(GPIO_GET_CHIPINFO_IOCTL)", path_);
      return;
    }
    fd_ = fd;
  }

  ~GpioChip() override {
    if (fd_ >= 0) close(fd_);
  }

  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  Napi::Value Info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, std::string(info_.name, strnlen(info_.name, sizeof(info_.name)))));
    o.Set("label", Napi::String::New(env, std::string(info_.label, strnlen(info_.label, sizeof(info_.label)))));
    o.Set("lines", Napi::Number::New(env, info_.lines));
    return o;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    // Line requests hold their own fds: they stay valid after the chip fd is closed.
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
    return info.Env().Undefined();
  }

  Napi::Value IsOpen(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), fd_ >= 0); }

  std::string path_;
  gpiochip_info info_{};
  int fd_ = -1;
};

class GpioLineRequest : public Napi::ObjectWrap<GpioLineRequest> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "GpioLineRequest",
                       {InstanceMethod<&GpioLineRequest::SetValues>("setValues"),
                        InstanceMethod<&GpioLineRequest::GetValues>("getValues"),
                        InstanceMethod<&GpioLineRequest::Close>("close"),
                        InstanceMethod<&GpioLineRequest::RefHandle>("ref"),
                        InstanceMethod<&GpioLineRequest::UnrefHandle>("unref"),
                        InstanceAccessor<&GpioLineRequest::IsOpen>("isOpen")});
  }

  explicit GpioLineRequest(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GpioLineRequest>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject()) {
      Napi::TypeError::New(env, "GpioLineRequest(chip: GpioChip, request: Uint8Array, onEvents?, onError?)")
          .ThrowAsJavaScriptException();
      return;
    }
    GpioChip* chip = Napi::ObjectWrap<GpioChip>::Unwrap(info[0].As<Napi::Object>());
    if (env.IsExceptionPending()) return;
    if (chip == nullptr || chip->fd() < 0) {
      ThrowSystemError(env, EBADF, "ioctl(GPIO_V2_GET_LINE_IOCTL)", "the chip is closed");
      return;
    }
    Napi::Uint8Array bytes;
    if (!CheckBuffer(env, info[1], sizeof(gpio_v2_line_request), "gpio_v2_line_request", &bytes)) return;
    gpio_v2_line_request req;
    std::memcpy(&req, bytes.Data(), sizeof(req));
    if (ioctl(chip->fd(), GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
      ThrowSystemError(env, errno, "ioctl(GPIO_V2_GET_LINE_IOCTL)", chip->path());
      return;
    }
    fd_ = req.fd;
    num_lines_ = req.num_lines;
    const bool watch = info.Length() >= 4 && info[2].IsFunction() && info[3].IsFunction();
    if (!watch) {
      Ref();  // kept alive while the lines are held; close() releases
      return;
    }
    // Non-blocking reads: the watcher drains what is there and returns to libuv.
    int flags = fcntl(fd_, F_GETFL);
    if (flags < 0 || fcntl(fd_, F_SETFL, flags | O_NONBLOCK) < 0) {
      int e = errno;
      ReleaseHandle();
      ThrowSystemError(env, e, "fcntl", "O_NONBLOCK on the line fd");
      return;
    }
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
      ReleaseHandle();
      Napi::Error::New(env, "cannot get the libuv loop").ThrowAsJavaScriptException();
      return;
    }
    poll_ = new uv_poll_t;
    if (int uvrc = uv_poll_init(loop, poll_, fd_); uvrc != 0) {
      delete poll_;
      poll_ = nullptr;
      ReleaseHandle();
      Napi::Error::New(env, std::string("uv_poll_init: ") + uv_strerror(uvrc)).ThrowAsJavaScriptException();
      return;
    }
    poll_->data = this;
    on_events_ = Napi::Persistent(info[2].As<Napi::Function>());
    on_error_ = Napi::Persistent(info[3].As<Napi::Function>());
    async_context_ = new Napi::AsyncContext(env, "tsplc:GpioLineRequest");
    uv_poll_start(poll_, UV_READABLE, &GpioLineRequest::OnPoll);
    Ref();
  }

  ~GpioLineRequest() override {
    ReleaseHandle();
    delete async_context_;
  }

 private:
  static void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
    auto* self = static_cast<GpioLineRequest*>(handle->data);
    if (self == nullptr || self->fd_ < 0) return;
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    Napi::Object keep = self->Value();
    (void)keep;
    if (status < 0) {
      // libuv stopped the watcher (EPOLLERR/EPOLLHUP: the chip was removed).
      self->Report(uv_err_name(status), -status, "uv_poll");
      return;
    }
    gpio_v2_line_event events[kEventsPerRead];
    ssize_t n = read(self->fd_, events, sizeof(events));
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      int e = errno;
      self->Report(ErrnoName(e), e, "read");
      return;
    }
    if (n == 0) return;
    // The kernel only ever returns whole records.
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, static_cast<size_t>(n));
    std::memcpy(ab.Data(), events, static_cast<size_t>(n));
    self->Call(self->on_events_, {Napi::Uint8Array::New(env, static_cast<size_t>(n), ab, 0)});
  }

  void Report(const char* code, int err, const char* syscall) {
    Napi::Env env = Env();
    std::string message = std::string(syscall) + " failed on a GPIO line request: " + std::strerror(err);
    Napi::Error e = Napi::Error::New(env, message);
    e.Set("code", Napi::String::New(env, code));
    e.Set("errno", Napi::Number::New(env, err));
    e.Set("syscall", Napi::String::New(env, syscall));
    Call(on_error_, {e.Value()});
  }

  void Call(Napi::FunctionReference& fn, const std::initializer_list<napi_value>& args) {
    if (fn.IsEmpty()) return;
    Napi::Env env = Env();
    fn.MakeCallback(Value(), args, *async_context_);
    if (env.IsExceptionPending()) {
      // Hand a throwing listener to 'uncaughtException' rather than unwinding into libuv.
      Napi::Error e = env.GetAndClearPendingException();
      napi_fatal_exception(env, e.Value());
    }
  }

  Napi::Value SetValues(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) {
      ThrowSystemError(env, EBADF, "ioctl(GPIO_V2_LINE_SET_VALUES_IOCTL)", "the line request is closed");
      return env.Undefined();
    }
    Napi::Uint8Array bytes;
    if (info.Length() < 1 || !CheckBuffer(env, info[0], sizeof(gpio_v2_line_values), "gpio_v2_line_values", &bytes))
      return env.Undefined();
    gpio_v2_line_values v;
    std::memcpy(&v, bytes.Data(), sizeof(v));
    if (ioctl(fd_, GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0) ThrowSystemError(env, errno, "ioctl(GPIO_V2_LINE_SET_VALUES_IOCTL)", "");
    return env.Undefined();
  }

  // Fills the caller's buffer (mask in, bits out) and returns it.
  Napi::Value GetValues(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) {
      ThrowSystemError(env, EBADF, "ioctl(GPIO_V2_LINE_GET_VALUES_IOCTL)", "the line request is closed");
      return env.Undefined();
    }
    Napi::Uint8Array bytes;
    if (info.Length() < 1 || !CheckBuffer(env, info[0], sizeof(gpio_v2_line_values), "gpio_v2_line_values", &bytes))
      return env.Undefined();
    gpio_v2_line_values v;
    std::memcpy(&v, bytes.Data(), sizeof(v));
    if (ioctl(fd_, GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) {
      ThrowSystemError(env, errno, "ioctl(GPIO_V2_LINE_GET_VALUES_IOCTL)", "");
      return env.Undefined();
    }
    std::memcpy(bytes.Data(), &v, sizeof(v));
    return bytes;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (fd_ >= 0) {
      // Closing the line fd releases the lines: the kernel keeps an output at its
      // last value (the GPIO driver writes the safe levels before this).
      ReleaseHandle();
      Unref();
    }
    return info.Env().Undefined();
  }

  void ReleaseHandle() {
    if (poll_ != nullptr) {
      poll_->data = nullptr;
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    if (fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
  }

  Napi::Value RefHandle(const Napi::CallbackInfo& info) {
    if (poll_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value UnrefHandle(const Napi::CallbackInfo& info) {
    if (poll_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value IsOpen(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), fd_ >= 0); }

  Napi::FunctionReference on_events_;
  Napi::FunctionReference on_error_;
  Napi::AsyncContext* async_context_ = nullptr;
  uv_poll_t* poll_ = nullptr;
  int fd_ = -1;
  uint32_t num_lines_ = 0;
};

Napi::Object InitGpioChip(Napi::Env env, Napi::Object exports) {
  exports.Set("GpioChip", GpioChip::Define(env));
  exports.Set("GpioLineRequest", GpioLineRequest::Define(env));
  // The kernel header's sizes, so the TypeScript packer can be checked against them.
  Napi::Object sizes = Napi::Object::New(env);
  sizes.Set("gpiochip_info", Napi::Number::New(env, sizeof(gpiochip_info)));
  sizes.Set("gpio_v2_line_request", Napi::Number::New(env, sizeof(gpio_v2_line_request)));
  sizes.Set("gpio_v2_line_config", Napi::Number::New(env, sizeof(gpio_v2_line_config)));
  sizes.Set("gpio_v2_line_attribute", Napi::Number::New(env, sizeof(gpio_v2_line_attribute)));
  sizes.Set("gpio_v2_line_values", Napi::Number::New(env, sizeof(gpio_v2_line_values)));
  sizes.Set("gpio_v2_line_event", Napi::Number::New(env, sizeof(gpio_v2_line_event)));
  Napi::Object offsets = Napi::Object::New(env);
  offsets.Set("consumer", Napi::Number::New(env, offsetof(gpio_v2_line_request, consumer)));
  offsets.Set("config", Napi::Number::New(env, offsetof(gpio_v2_line_request, config)));
  offsets.Set("num_lines", Napi::Number::New(env, offsetof(gpio_v2_line_request, num_lines)));
  offsets.Set("event_buffer_size", Napi::Number::New(env, offsetof(gpio_v2_line_request, event_buffer_size)));
  offsets.Set("fd", Napi::Number::New(env, offsetof(gpio_v2_line_request, fd)));
  offsets.Set("config_attrs", Napi::Number::New(env, offsetof(gpio_v2_line_config, attrs)));
  sizes.Set("offsets", offsets);
  exports.Set("GPIO_STRUCT_SIZES", sizes);
  return exports;
}

}  // namespace tsplc
