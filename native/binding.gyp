{
  # One addon, three primitives Node lacks: AF_PACKET raw sockets, AF_UNIX
  # datagrams (sd_notify) and the GPIO character device (gpiochip uAPI v2). Built with `npm run build:native`.
  "targets": [
    {
      "target_name": "tsplc_native",
      "sources": ["src/addon.cc", "src/packet_socket.cc", "src/sd_notify.cc", "src/gpio_chip.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fno-exceptions"],
      "cflags_cc!": ["-fno-rtti"],
      "conditions": [
        ["OS!='linux'", { "sources!": ["src/packet_socket.cc", "src/sd_notify.cc", "src/gpio_chip.cc"], "sources": ["src/unsupported.cc"] }]
      ]
    }
  ]
}
