/*
 * Packet replay for the live benchmark: loads an Ethernet pcap into memory once, then sends its
 * frames in order (looping) through an AF_PACKET socket at a fixed packet rate. Frames go out in
 * sendmmsg() batches; between batches the thread sleeps on an absolute CLOCK_MONOTONIC deadline,
 * the time at which the next batch is due, so the rate does not drift with the cost of sending.
 * A sender that falls behind (descheduled) sends the backlog back to back, one batch per call,
 * and reports how far behind it ever was (maxLagPackets).
 *
 * It runs in the caller's thread: the benchmark starts it in a process of its own (in the other
 * network namespace), never in the capture.
 */
#define _GNU_SOURCE
#include "sender.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH 1024
#define ETH_MAX_FRAME 1514  /* MTU 1500 + Ethernet header; +4 for a VLAN-tagged frame */

typedef struct {
  uint8_t *data;        /* the whole file */
  uint64_t *off;        /* frame offsets into data */
  uint32_t *len;
  uint64_t count;
  uint64_t bytes;       /* sum of frame lengths */
  uint64_t skipped;     /* records too large for the link, or shorter than an Ethernet header */
} pcap_frames;

static uint32_t rd32(const uint8_t *p, int swap) {
  uint32_t v;
  memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

static void frames_free(pcap_frames *f) {
  free(f->data);
  free(f->off);
  free(f->len);
  memset(f, 0, sizeof(*f));
}

static int frames_load(const char *path, uint64_t maxPackets, pcap_frames *f, char *err, size_t errLen) {
  memset(f, 0, sizeof(*f));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { snprintf(err, errLen, "%s: %s", path, strerror(errno)); return -1; }
  struct stat st;
  if (fstat(fd, &st) < 0 || st.st_size < 24) {
    snprintf(err, errLen, "%s: not a pcap file (size %lld, needs the 24-byte header)", path, (long long)st.st_size);
    close(fd);
    return -1;
  }
  size_t size = (size_t)st.st_size;
  f->data = malloc(size);
  if (!f->data) { snprintf(err, errLen, "%s: cannot allocate %zu bytes", path, size); close(fd); return -1; }
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, f->data + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { snprintf(err, errLen, "%s: read at offset %zu: %s", path, got, n < 0 ? strerror(errno) : "early end of file"); close(fd); frames_free(f); return -1; }
    got += (size_t)n;
  }
  close(fd);

  uint32_t magic = rd32(f->data, 0);
  int swap;
  if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) swap = 0;
  else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) swap = 1;
  else { snprintf(err, errLen, "%s: offset 0: magic 0x%08x is not a pcap file (pcapng is not supported here)", path, magic); frames_free(f); return -1; }
  uint32_t linktype = rd32(f->data + 20, swap) & 0xffff;
  if (linktype != 1) { snprintf(err, errLen, "%s: offset 20: linktype %u, only Ethernet (1) can be replayed", path, linktype); frames_free(f); return -1; }

  /* Count first so the index is two exact allocations. */
  uint64_t records = 0;
  size_t at = 24;
  while (at + 16 <= size && (!maxPackets || records < maxPackets)) {
    uint32_t caplen = rd32(f->data + at + 8, swap);
    if (caplen > size - at - 16) break;  /* a truncated last record is left out */
    records++;
    at += 16 + (size_t)caplen;
  }
  f->off = malloc(records * sizeof(uint64_t) + 8);
  f->len = malloc(records * sizeof(uint32_t) + 4);
  if (!f->off || !f->len) { snprintf(err, errLen, "%s: cannot allocate the index of %llu records", path, (unsigned long long)records); frames_free(f); return -1; }
  at = 24;
  for (uint64_t i = 0; i < records; i++) {
    uint32_t caplen = rd32(f->data + at + 8, swap);
    const uint8_t *fr = f->data + at + 16;
    int tagged = caplen >= 14 && fr[12] == 0x81 && fr[13] == 0x00;
    if (caplen >= 14 && caplen <= ETH_MAX_FRAME + (tagged ? 4u : 0u)) {
      f->off[f->count] = at + 16;
      f->len[f->count] = caplen;
      f->count++;
      f->bytes += caplen;
    } else {
      f->skipped++;
    }
    at += 16 + (size_t)caplen;
  }
  if (f->count == 0) { snprintf(err, errLen, "%s: no Ethernet frame of 14..1514 bytes to send", path); frames_free(f); return -1; }
  return 0;
}

static double mono_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_until(double t) {
  struct timespec ts;
  ts.tv_sec = (time_t)t;
  ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
  if (ts.tv_nsec >= 1000000000L) { ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

static double cpu_seconds(struct timeval tv) { return (double)tv.tv_sec + (double)tv.tv_usec * 1e-6; }

int pr_send_pcap(const pr_send_opts *o, pr_send_result *res, char *err, size_t errLen) {
  memset(res, 0, sizeof(*res));
  if (!(o->pps > 0) || !(o->seconds > 0)) { snprintf(err, errLen, "send: pps (%g) and seconds (%g) must be > 0", o->pps, o->seconds); return -1; }
  /* At most `batch` frames per call, and a wake-up at least every 500 us at low rates. */
  uint32_t batch = o->batch ? o->batch : 64;
  if (batch > MAX_BATCH) batch = MAX_BATCH;
  if ((double)batch > o->pps * 0.0005) batch = o->pps * 0.0005 < 1 ? 1 : (uint32_t)(o->pps * 0.0005);
  unsigned ifindex = if_nametoindex(o->ifname);
  if (!ifindex) { snprintf(err, errLen, "send: interface %s: %s", o->ifname, strerror(errno)); return -1; }

  double loadStart = mono_now();
  pcap_frames f;
  if (frames_load(o->path, o->maxLoad, &f, err, errLen) < 0) return -1;
  res->loaded = f.count;
  res->loadedBytes = f.bytes;
  res->skipped = f.skipped;
  res->loadSeconds = mono_now() - loadStart;

  int fd = socket(AF_PACKET, SOCK_RAW, 0);  /* protocol 0: this socket never receives */
  if (fd < 0) {
    snprintf(err, errLen, "send: socket(AF_PACKET): %s%s", strerror(errno), errno == EPERM ? " (needs root or CAP_NET_RAW)" : "");
    frames_free(&f);
    return -1;
  }
  int sndbuf = 32 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));  /* root only; SO_SNDBUF caps at wmem_max */
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  if (o->qdiscBypass) {
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
      snprintf(err, errLen, "send: PACKET_QDISC_BYPASS: %s", strerror(errno));
      close(fd); frames_free(&f); return -1;
    }
  }
  struct sockaddr_ll ll;
  memset(&ll, 0, sizeof(ll));
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = 0;
  ll.sll_ifindex = (int)ifindex;
  if (bind(fd, (struct sockaddr *)&ll, sizeof(ll)) < 0) {
    snprintf(err, errLen, "send: bind to %s: %s", o->ifname, strerror(errno));
    close(fd); frames_free(&f); return -1;
  }

  struct mmsghdr *msgs = calloc(batch, sizeof(*msgs));
  struct iovec *iov = calloc(batch, sizeof(*iov));
  for (uint32_t i = 0; i < batch; i++) { msgs[i].msg_hdr.msg_iov = &iov[i]; msgs[i].msg_hdr.msg_iovlen = 1; }

  struct rusage ru0, ru1;
  getrusage(RUSAGE_SELF, &ru0);
  const double interval = 1.0 / o->pps;
  const uint64_t limit = o->maxPackets;
  uint64_t next = 0;     /* index of the next frame to send */
  uint64_t sent = 0, bytes = 0, retries = 0, maxLag = 0;
  int rc = 0;
  const double t0 = mono_now();
  const double end = t0 + o->seconds;
  for (;;) {
    double now = mono_now();
    if (now >= end || (limit && sent >= limit)) break;
    uint64_t due = (uint64_t)((now - t0) * o->pps) + 1;
    if (limit && due > limit) due = limit;
    if (due <= sent) {
      /* Sleep until a whole batch is due (or the run ends), then send it at once. */
      double wake = t0 + (double)(sent + batch) * interval;
      sleep_until(wake < end ? wake : end);
      continue;
    }
    uint64_t lag = due - sent;
    if (lag > maxLag) maxLag = lag;
    uint32_t n = lag < batch ? (uint32_t)lag : batch;
    uint64_t k = next;
    for (uint32_t i = 0; i < n; i++) {
      iov[i].iov_base = f.data + f.off[k];
      iov[i].iov_len = f.len[k];
      if (++k == f.count) k = 0;
    }
    int m = sendmmsg(fd, msgs, n, 0);
    if (m < 0) {
      if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) { retries++; sched_yield(); continue; }
      snprintf(err, errLen, "send: sendmmsg on %s after %llu packets: %s", o->ifname, (unsigned long long)sent, strerror(errno));
      rc = -1;
      break;
    }
    for (int i = 0; i < m; i++) {
      bytes += f.len[next];
      if (++next == f.count) next = 0;
    }
    sent += (uint64_t)m;
  }
  res->seconds = mono_now() - t0;
  getrusage(RUSAGE_SELF, &ru1);
  res->sent = sent;
  res->bytes = bytes;
  res->retries = retries;
  res->maxLagPackets = maxLag;
  res->cpuUser = cpu_seconds(ru1.ru_utime) - cpu_seconds(ru0.ru_utime);
  res->cpuSystem = cpu_seconds(ru1.ru_stime) - cpu_seconds(ru0.ru_stime);
  free(msgs);
  free(iov);
  close(fd);
  frames_free(&f);
  return rc;
}
