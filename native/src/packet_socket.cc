// AF_PACKET raw socket for HomePlug Green PHY management frames (EtherType 0x88E1)
// and whatever other EtherTypes a caller asks for.
//
// Design (see docs/native.md):
// - The socket is created with protocol 0, so it receives nothing until bind();
//   the filter is attached first, then bind() selects protocol and interface.
//   This avoids the classic race in which frames of every interface are queued
//   between socket() and bind().
// - One EtherType: bind to that protocol; the kernel delivers only matching frames
//   and never our own outgoing ones (protocol-specific packet sockets are not
//   on the transmit tap).
// - Several EtherTypes: bind to ETH_P_ALL and attach a classic BPF program that
//   accepts only the listed EtherTypes, so the kernel drops everything else before
//   it is copied to user space (no JS wake-up per foreign frame). ETH_P_ALL sockets
//   do see outgoing frames: PACKET_IGNORE_OUTGOING (Linux >= 4.20) suppresses them
//   and the receive loop drops PACKET_OUTGOING anyway for older kernels.
// - Option { outgoing: true } (a capture tap such as the session recorder): our
//   own transmissions are delivered too, as PACKET_OUTGOING, in the order the
//   kernel's transmit and receive taps saw them, with the tap's timestamp. Only
//   ETH_P_ALL sockets are on the transmit tap (dev_queue_xmit_nit walks ptype_all),
//   so a single EtherType is then filtered by BPF instead of the protocol bind.
// - Non-blocking; a uv_poll watcher wakes us when readable and we drain up to
//   kMaxBatch frames per wake-up, calling JavaScript once per frame through
//   MakeCallback (proper async context, microtasks run afterwards).
// - PACKET_AUXDATA: each frame comes with tpacket_auxdata. Its tp_status tells
//   whether the kernel handed us a frame whose L4 checksum is still to be filled
//   in (TP_STATUS_CSUMNOTREADY: the sender used TX checksum offload and the frame
//   never went through a NIC, e.g. across a veth). The flag goes to JS with the
//   frame; drivers/ethernet/afpacket.ts completes the checksum there.
// - The JS object is kept alive (strong reference) while the socket is open and
//   released by close(), so an open socket whose wrapper was dropped keeps working
//   and an unref()'d socket does not keep the process alive.
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

namespace tsplc {

namespace {

constexpr size_t kMinFrame = 60;  // IEEE 802.3 minimum without FCS
constexpr int kMaxBatch = 256;    // frames per readable event before yielding to the loop

struct IfInfo {
  int index = 0;
  unsigned char mac[6] = {0, 0, 0, 0, 0, 0};
  int mtu = 0;
  bool up = false;
  bool running = false;
  bool promiscuous = false;
};

// Reads index, MAC, MTU and flags. Works without CAP_NET_RAW (ioctl on a
// datagram socket), so a missing interface is reported before a missing privilege.
// Returns 0 or an errno.
int QueryInterface(const std::string& name, IfInfo* out) {
  if (name.empty() || name.size() >= IFNAMSIZ) return ENODEV;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  ifreq ifr;
  auto prepare = [&]() {
    std::memset(&ifr, 0, sizeof(ifr));
    std::memcpy(ifr.ifr_name, name.data(), name.size());
  };
  int rc = 0;
  prepare();
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
    rc = errno;
  } else {
    out->index = ifr.ifr_ifindex;
    prepare();
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
      rc = errno;
    } else {
      out->up = (ifr.ifr_flags & IFF_UP) != 0;
      out->running = (ifr.ifr_flags & IFF_RUNNING) != 0;
      out->promiscuous = (ifr.ifr_flags & IFF_PROMISC) != 0;
      prepare();
      if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
        rc = errno;
      } else {
        std::memcpy(out->mac, ifr.ifr_hwaddr.sa_data, 6);
        prepare();
        if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
          rc = errno;
        } else {
          out->mtu = ifr.ifr_mtu;
        }
      }
    }
  }
  close(fd);
  return rc;
}

Napi::Object InfoToObject(Napi::Env env, const std::string& name, const IfInfo& info) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("name", Napi::String::New(env, name));
  o.Set("index", Napi::Number::New(env, info.index));
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, 6);
  std::memcpy(ab.Data(), info.mac, 6);
  o.Set("mac", Napi::Uint8Array::New(env, 6, ab, 0));
  o.Set("mtu", Napi::Number::New(env, info.mtu));
  o.Set("up", Napi::Boolean::New(env, info.up));
  o.Set("running", Napi::Boolean::New(env, info.running));
  o.Set("promiscuous", Napi::Boolean::New(env, info.promiscuous));
  return o;
}

}  // namespace

class PacketSocket : public Napi::ObjectWrap<PacketSocket> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "PacketSocket",
                       {
                           InstanceMethod<&PacketSocket::Send>("send"),
                           InstanceMethod<&PacketSocket::SetPromiscuous>("setPromiscuous"),
                           InstanceMethod<&PacketSocket::Close>("close"),
                           InstanceMethod<&PacketSocket::RefHandle>("ref"),
                           InstanceMethod<&PacketSocket::UnrefHandle>("unref"),
                           InstanceMethod<&PacketSocket::Stats>("stats"),
                           InstanceAccessor<&PacketSocket::IsOpen>("isOpen"),
                       });
  }

  // new PacketSocket(ifname, etherTypes, onFrame(data, pktType, tsMs), onError(err), options?)
  explicit PacketSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketSocket>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 4 || !info[0].IsString() || !info[1].IsArray() || !info[2].IsFunction() ||
        !info[3].IsFunction() || (info.Length() > 4 && !info[4].IsObject() && !info[4].IsUndefined())) {
      Napi::TypeError::New(env, "new PacketSocket(ifname: string, etherTypes: number[], onFrame, onError, options?: { outgoing?: boolean })")
          .ThrowAsJavaScriptException();
      return;
    }
    if (info.Length() > 4 && info[4].IsObject()) {
      outgoing_ = info[4].As<Napi::Object>().Get("outgoing").ToBoolean().Value();
    }
    ifname_ = info[0].As<Napi::String>().Utf8Value();
    Napi::Array types = info[1].As<Napi::Array>();
    for (uint32_t i = 0; i < types.Length(); i++) {
      Napi::Value v = types.Get(i);
      if (!v.IsNumber()) {
        Napi::TypeError::New(env, "etherTypes must be numbers").ThrowAsJavaScriptException();
        return;
      }
      double t = v.As<Napi::Number>().DoubleValue();
      if (!(t >= 0x0600 && t <= 0xFFFF) || t != static_cast<double>(static_cast<uint32_t>(t))) {
        // Values below 0x0600 are 802.3 lengths, not EtherTypes.
        Napi::RangeError::New(env, "EtherType out of range 0x0600..0xFFFF").ThrowAsJavaScriptException();
        return;
      }
      ether_types_.push_back(static_cast<uint16_t>(t));
    }
    on_frame_ = Napi::Persistent(info[2].As<Napi::Function>());
    on_error_ = Napi::Persistent(info[3].As<Napi::Function>());

    IfInfo ifinfo;
    int rc = QueryInterface(ifname_, &ifinfo);
    if (rc != 0) {
      ThrowSystemError(env, rc == ENXIO || rc == ENODEV ? ENODEV : rc, "ioctl", ifname_);
      return;
    }
    ifindex_ = ifinfo.index;
    mtu_ = ifinfo.mtu;
    std::memcpy(mac_, ifinfo.mac, 6);

    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      ThrowSystemError(env, errno, "socket", "AF_PACKET SOCK_RAW");
      return;
    }
    if (!ifinfo.up) {
      close(fd);
      ThrowSystemError(env, ENETDOWN, "open", ifname_);
      return;
    }

    uint16_t bind_protocol = ETH_P_ALL;
    if (ether_types_.size() == 1 && !outgoing_) {
      bind_protocol = ether_types_[0];
    } else if (!ether_types_.empty()) {
      if (!AttachFilter(env, fd)) {
        close(fd);
        return;
      }
    }
    if (bind_protocol == ETH_P_ALL && !outgoing_) {
      int one = 1;
      // Best effort: older kernels lack it and the receive loop filters anyway.
      (void)setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
    }
    int one = 1;
    (void)setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
    // Not best effort: without auxdata a partial checksum would pass unnoticed.
    if (setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0) {
      int e = errno;
      close(fd);
      ThrowSystemError(env, e, "setsockopt", "PACKET_AUXDATA");
      return;
    }

    sockaddr_ll sll;
    std::memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(bind_protocol);
    sll.sll_ifindex = ifindex_;
    if (bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) < 0) {
      int e = errno;
      close(fd);
      ThrowSystemError(env, e, "bind", ifname_);
      return;
    }

    // Room for a 64 KiB IP packet, not just the MTU: with GSO/TSO (a veth peer)
    // or GRO (a real NIC) the kernel hands packet sockets TCP aggregates larger
    // than the MTU. They are delivered whole; drivers/ethernet/afpacket.ts cuts
    // them into wire-sized segments. Anything bigger still is counted as
    // truncated and dropped rather than delivered cut.
    rx_buffer_.resize(static_cast<size_t>(65535) + ETH_HLEN + 8 + 64);

    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
      close(fd);
      Napi::Error::New(env, "cannot get the libuv loop").ThrowAsJavaScriptException();
      return;
    }
    poll_ = new uv_poll_t;
    if (int uvrc = uv_poll_init(loop, poll_, fd); uvrc != 0) {
      delete poll_;
      poll_ = nullptr;
      close(fd);
      Napi::Error::New(env, std::string("uv_poll_init: ") + uv_strerror(uvrc)).ThrowAsJavaScriptException();
      return;
    }
    poll_->data = this;
    uv_poll_start(poll_, UV_READABLE, &PacketSocket::OnPoll);
    fd_ = fd;
    async_context_ = new Napi::AsyncContext(env, "tsplc:PacketSocket");
    Ref();  // keep the wrapper alive while the socket is open
    Value().Set("ifindex", Napi::Number::New(env, ifindex_));
    Value().Set("mtu", Napi::Number::New(env, mtu_));
    Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, 6);
    std::memcpy(ab.Data(), mac_, 6);
    Value().Set("mac", Napi::Uint8Array::New(env, 6, ab, 0));
  }

  ~PacketSocket() override {
    // Reached only after close() (the wrapper is strongly referenced while open)
    // or at environment teardown; in the latter case release the kernel socket.
    ReleaseHandle();
    delete async_context_;
  }

 private:
  bool AttachFilter(Napi::Env env, int fd) {
    // ldh [12]; jeq #t0, accept; ...; ret #0; accept: ret #0xFFFF
    const size_t n = ether_types_.size();
    std::vector<sock_filter> prog;
    prog.push_back(BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12));
    for (size_t i = 0; i < n; i++) {
      prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ether_types_[i], static_cast<uint8_t>(n - i), 0));
    }
    prog.push_back(BPF_STMT(BPF_RET | BPF_K, 0));
    prog.push_back(BPF_STMT(BPF_RET | BPF_K, 0x40000));
    if (n > 250) {
      ThrowSystemError(env, EINVAL, "setsockopt", "too many EtherTypes for the BPF filter");
      return false;
    }
    sock_fprog fprog;
    fprog.len = static_cast<unsigned short>(prog.size());
    fprog.filter = prog.data();
    if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fprog, sizeof(fprog)) < 0) {
      ThrowSystemError(env, errno, "setsockopt", "SO_ATTACH_FILTER");
      return false;
    }
    return true;
  }

  static void OnPoll(uv_poll_t* handle, int status, int /*events*/) {
    auto* self = static_cast<PacketSocket*>(handle->data);
    if (self == nullptr || self->fd_ < 0) return;
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    Napi::Object keep = self->Value();  // pins the wrapper during JS callbacks
    (void)keep;
    if (status < 0) {
      // libuv reports EPOLLERR as UV_EBADF and stops the watcher. For a packet
      // socket EPOLLERR means sk_err is set: ENETDOWN when the interface went
      // down (the kernel re-arms the socket when it comes back up). Read and
      // clear it with SO_ERROR, report the real cause and watch again.
      int soerr = 0;
      socklen_t sl = sizeof(soerr);
      if (getsockopt(self->fd_, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr != 0) {
        self->ReportError(ErrnoName(soerr), soerr, "recv");
        if (self->fd_ >= 0 && self->poll_ != nullptr) uv_poll_start(self->poll_, UV_READABLE, &PacketSocket::OnPoll);
      } else {
        // No socket error to clear: restarting could spin on a condition we do
        // not understand, so the watcher stays stopped and JS is told.
        self->ReportError(uv_err_name(status), -status, "uv_poll");
      }
      return;
    }
    for (int i = 0; i < kMaxBatch && self->fd_ >= 0; i++) {
      sockaddr_ll from;
      iovec iov{self->rx_buffer_.data(), self->rx_buffer_.size()};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec)) + CMSG_SPACE(sizeof(tpacket_auxdata)) + 64];
      msghdr msg;
      std::memset(&msg, 0, sizeof(msg));
      msg.msg_name = &from;
      msg.msg_namelen = sizeof(from);
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof(control);
      ssize_t n = recvmsg(self->fd_, &msg, MSG_TRUNC | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        // ENETDOWN when the interface goes down (the socket resumes when it comes
        // back up), ENXIO/ENODEV when it disappears: tell JS, keep the socket.
        int e = errno;
        self->ReportError(ErrnoName(e), e, "recvmsg");
        break;
      }
      if (static_cast<size_t>(n) > self->rx_buffer_.size()) {
        self->truncated_++;
        continue;
      }
      if (from.sll_pkttype == PACKET_OUTGOING && !self->outgoing_) continue;
      self->received_++;
      double ts_ms = -1;
      uint32_t status = 0;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
          timespec ts;
          std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
          ts_ms = static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
        } else if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
          tpacket_auxdata aux;
          std::memcpy(&aux, CMSG_DATA(c), sizeof(aux));
          // Only the checksum bits: the rest (TP_STATUS_USER, VLAN_VALID, ...) means
          // nothing to JS today and would make the value harder to compare.
          status = aux.tp_status & (TP_STATUS_CSUMNOTREADY | TP_STATUS_CSUM_VALID);
        }
      }
      if (status & TP_STATUS_CSUMNOTREADY) self->checksum_not_ready_++;
      if (ts_ms < 0) {
        timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        ts_ms = static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
      }
      Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, static_cast<size_t>(n));
      std::memcpy(ab.Data(), self->rx_buffer_.data(), static_cast<size_t>(n));
      Napi::Uint8Array data = Napi::Uint8Array::New(env, static_cast<size_t>(n), ab, 0);
      self->Call(self->on_frame_, {data, Napi::Number::New(env, from.sll_pkttype), Napi::Number::New(env, ts_ms),
                                   Napi::Number::New(env, status)});
    }
  }

  void Call(Napi::FunctionReference& fn, const std::initializer_list<napi_value>& args) {
    Napi::Env env = Env();
    fn.MakeCallback(Value(), args, *async_context_);
    if (env.IsExceptionPending()) {
      // A throwing listener must not vanish silently, nor unwind into libuv:
      // hand it to process 'uncaughtException' like any other callback would.
      Napi::Error e = env.GetAndClearPendingException();
      napi_fatal_exception(env, e.Value());
    }
  }

  void ReportError(const char* code, int err, const char* syscall) {
    Napi::Env env = Env();
    Napi::Error e = Napi::Error::New(env, std::string(syscall) + " on " + ifname_ + ": " + std::strerror(err));
    e.Set("code", Napi::String::New(env, code));
    e.Set("errno", Napi::Number::New(env, err));
    e.Set("syscall", Napi::String::New(env, syscall));
    Call(on_error_, {e.Value()});
  }

  Napi::Value Send(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) {
      ThrowSystemError(env, EBADF, "send", "socket is closed");
      return env.Undefined();
    }
    if (info.Length() < 1 || !info[0].IsTypedArray() ||
        info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      Napi::TypeError::New(env, "send(frame: Uint8Array)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Uint8Array frame = info[0].As<Napi::Uint8Array>();
    size_t len = frame.ElementLength();
    if (len < ETH_HLEN) {
      ThrowSystemError(env, EINVAL, "send", "frame shorter than the 14-byte Ethernet header");
      return env.Undefined();
    }
    // Pad short frames to the 802.3 minimum: veth and some drivers would put a
    // runt on the wire otherwise, and modems/peers expect at least 60 bytes.
    std::vector<uint8_t> padded;
    const uint8_t* bytes = frame.Data();
    if (len < kMinFrame) {
      padded.assign(kMinFrame, 0);
      std::memcpy(padded.data(), bytes, len);
      bytes = padded.data();
      len = kMinFrame;
    }
    sockaddr_ll to;
    std::memset(&to, 0, sizeof(to));
    to.sll_family = AF_PACKET;
    std::memcpy(&to.sll_protocol, bytes + 12, 2);  // network order already
    to.sll_ifindex = ifindex_;
    to.sll_halen = ETH_ALEN;
    std::memcpy(to.sll_addr, bytes, ETH_ALEN);
    ssize_t n;
    do {
      n = sendto(fd_, bytes, len, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&to), sizeof(to));
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      ThrowSystemError(env, errno, "sendto", ifname_);
      return env.Undefined();
    }
    return Napi::Number::New(env, static_cast<double>(n));
  }

  Napi::Value SetPromiscuous(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ < 0) {
      ThrowSystemError(env, EBADF, "setPromiscuous", "socket is closed");
      return env.Undefined();
    }
    bool on = info.Length() > 0 && info[0].ToBoolean().Value();
    if (on == promiscuous_) return env.Undefined();
    // A packet-socket membership is reference-counted by the kernel and dropped
    // automatically when the socket closes, so a crash never leaves the NIC
    // promiscuous (unlike setting IFF_PROMISC with SIOCSIFFLAGS).
    packet_mreq mr;
    std::memset(&mr, 0, sizeof(mr));
    mr.mr_ifindex = ifindex_;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(fd_, SOL_PACKET, on ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
      ThrowSystemError(env, errno, "setsockopt", on ? "PACKET_ADD_MEMBERSHIP" : "PACKET_DROP_MEMBERSHIP");
      return env.Undefined();
    }
    promiscuous_ = on;
    return env.Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (fd_ >= 0) {
      ReleaseHandle();
      Unref();  // balance the Ref() of the constructor: the wrapper may now be collected
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

  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ >= 0) {
      // PACKET_STATISTICS resets the kernel counters on every read: accumulate.
      tpacket_stats st;
      socklen_t sl = sizeof(st);
      if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &sl) == 0) kernel_drops_ += st.tp_drops;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("received", Napi::Number::New(env, static_cast<double>(received_)));
    o.Set("truncated", Napi::Number::New(env, static_cast<double>(truncated_)));
    o.Set("kernelDrops", Napi::Number::New(env, static_cast<double>(kernel_drops_)));
    o.Set("checksumNotReady", Napi::Number::New(env, static_cast<double>(checksum_not_ready_)));
    return o;
  }

  Napi::Value IsOpen(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), fd_ >= 0); }

  std::string ifname_;
  std::vector<uint16_t> ether_types_;
  Napi::FunctionReference on_frame_;
  Napi::FunctionReference on_error_;
  Napi::AsyncContext* async_context_ = nullptr;
  int fd_ = -1;
  int ifindex_ = 0;
  int mtu_ = 0;
  unsigned char mac_[6] = {0, 0, 0, 0, 0, 0};
  bool promiscuous_ = false;
  bool outgoing_ = false;  // deliver PACKET_OUTGOING (capture taps)
  uv_poll_t* poll_ = nullptr;
  std::vector<uint8_t> rx_buffer_;
  uint64_t received_ = 0;
  uint64_t truncated_ = 0;
  uint64_t kernel_drops_ = 0;
  uint64_t checksum_not_ready_ = 0;
};

static Napi::Value InterfaceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "interfaceInfo(ifname: string)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string name = info[0].As<Napi::String>().Utf8Value();
  IfInfo ifinfo;
  int rc = QueryInterface(name, &ifinfo);
  if (rc != 0) {
    ThrowSystemError(env, rc == ENXIO ? ENODEV : rc, "ioctl", name);
    return env.Undefined();
  }
  return InfoToObject(env, name, ifinfo);
}

Napi::Object InitPacketSocket(Napi::Env env, Napi::Object exports) {
  exports.Set("PacketSocket", PacketSocket::Define(env));
  exports.Set("interfaceInfo", Napi::Function::New(env, InterfaceInfo, "interfaceInfo"));
  exports.Set("TP_STATUS_CSUMNOTREADY", Napi::Number::New(env, TP_STATUS_CSUMNOTREADY));
  exports.Set("TP_STATUS_CSUM_VALID", Napi::Number::New(env, TP_STATUS_CSUM_VALID));
  return exports;
}

}  // namespace tsplc
