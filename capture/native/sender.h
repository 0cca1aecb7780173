/*
 * Paced pcap replay into an interface (AF_PACKET + sendmmsg), for the live capture benchmark.
 */
#ifndef PACKRAT_SENDER_H
#define PACKRAT_SENDER_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  char ifname[64];
  char path[4096];
  double pps;            /* frames per second */
  double seconds;        /* run length */
  uint32_t batch;        /* frames per sendmmsg() at most (default 64, max 1024) */
  uint64_t maxPackets;   /* stop after this many frames (0 = until `seconds`) */
  uint64_t maxLoad;      /* load at most this many records of the file (0 = all) */
  int qdiscBypass;       /* PACKET_QDISC_BYPASS */
} pr_send_opts;

typedef struct {
  uint64_t loaded;        /* frames in memory */
  uint64_t loadedBytes;
  uint64_t skipped;       /* records not sendable (too large for a 1500-byte MTU, or < 14 bytes) */
  double loadSeconds;
  uint64_t sent;
  uint64_t bytes;         /* frame bytes sent (no preamble / FCS / gap) */
  double seconds;         /* from the first send to the end */
  uint64_t retries;       /* sendmmsg() refused with ENOBUFS / EAGAIN and tried again */
  uint64_t maxLagPackets; /* most frames ever due and not yet sent */
  double cpuUser;         /* CPU of the sending process while sending */
  double cpuSystem;
} pr_send_result;

/* Blocks for opts->seconds. 0, or -1 with err set (nothing or part sent; res holds what was). */
int pr_send_pcap(const pr_send_opts *opts, pr_send_result *res, char *err, size_t errLen);

#endif
