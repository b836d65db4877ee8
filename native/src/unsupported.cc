// Non-Linux build: AF_PACKET and sd_notify exist only on Linux. The addon still
// loads so that an import does not crash; every call reports ENOTSUP-like errors.
#include "common.h"

namespace tsplc {

static Napi::Value Unsupported(const Napi::CallbackInfo& info) {
  Napi::Error e = Napi::Error::New(info.Env(), "tsplc native addon: AF_PACKET, sd_notify and gpiochip need Linux");
  e.Set("code", Napi::String::New(info.Env(), "ENOTSUP"));
  e.ThrowAsJavaScriptException();
  return info.Env().Undefined();
}

Napi::Object InitPacketSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("openPacketSocket", Napi::Function::New(env, Unsupported));
  exports.Set("interfaceInfo", Napi::Function::New(env, Unsupported));
  // The Linux values, so JS code comparing flags still loads (no frame ever carries them here).
  exports.Set("TP_STATUS_CSUMNOTREADY", Napi::Number::New(env, 1 << 3));
  exports.Set("TP_STATUS_CSUM_VALID", Napi::Number::New(env, 1 << 7));
  return exports;
}

Napi::Object InitSdNotify(Napi::Env env, Napi::Object exports) {
  exports.Set("sdNotify", Napi::Function::New(env, Unsupported));
  return exports;
}

Napi::Object InitGpioChip(Napi::Env env, Napi::Object exports) {
  exports.Set("GpioChip", Napi::Function::New(env, Unsupported));
  exports.Set("GpioLineRequest", Napi::Function::New(env, Unsupported));
  return exports;
}

}  // namespace tsplc
