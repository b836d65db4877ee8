// Shared helpers of the tsplc addon: errors thrown to JavaScript carry the
// errno name in `code`, the numeric errno in `errno` and the failing call in
// `syscall`, like Node's own system errors, so drivers/ can map them to typed,
// user-facing errors (EPERM -> "needs CAP_NET_RAW", ENODEV -> "no such interface").
#pragma once
#include <napi.h>
#include <string>

namespace tsplc {

const char* ErrnoName(int err);

// Throws (as a pending JS exception; C++ exceptions are disabled) a system error.
void ThrowSystemError(Napi::Env env, int err, const char* syscall, const std::string& detail);

Napi::Object InitPacketSocket(Napi::Env env, Napi::Object exports);
Napi::Object InitSdNotify(Napi::Env env, Napi::Object exports);
Napi::Object InitGpioChip(Napi::Env env, Napi::Object exports);

}  // namespace tsplc
