{
  # Live capture addon (capture/native). libpcap is optional: when its headers are present at build
  # time the libpcap reader and bpf= compilation are built in; without them tpacketv3 still works
  # and bpf= reports that libpcap-dev is missing.
  "variables": {
    "has_libpcap%": "<!(sh -c 'printf \"#include <pcap/pcap.h>\\n\" | ${CC:-cc} -E -x c - >/dev/null 2>&1 && echo 1 || echo 0')"
  },
  "targets": [
    {
      "target_name": "packrat_capture",
      "sources": ["capture/native/addon.c", "capture/native/tpacketv3.c", "capture/native/sender.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-std=gnu11"],
      "conditions": [
        ["OS!='linux'", { "sources!": ["capture/native/tpacketv3.c", "capture/native/sender.c"] }],
        ["has_libpcap==1", {
          "sources": ["capture/native/libpcap.c"],
          "defines": ["HAVE_LIBPCAP"],
          "libraries": ["-lpcap"]
        }]
      ]
    }
  ]
}
