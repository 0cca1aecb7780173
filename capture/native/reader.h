/*
 * Common shape of a live packet reader in the native addon.
 *
 * Every reader owns one memory region cut into `numBlocks` blocks of `blockSize` bytes, laid out
 * like a TPACKET_V3 block (struct tpacket_block_desc, then tpacket3_hdr + frame per packet), so the
 * JavaScript side walks tpacketv3 rings and libpcap batches with the same code. A reader thread
 * fills or waits for a block, hands its index to JavaScript and moves on; JavaScript gives the
 * block back with release(). A block is never handed out twice before it was released.
 *
 * New readers (PF_RING, ...) fill in pr_reader_ops and a constructor in addon.c; nothing else changes.
 */
#ifndef PACKRAT_READER_H
#define PACKRAT_READER_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stddef.h>

typedef struct pr_reader pr_reader;

typedef struct {
  uint64_t packets;      /* seen by the kernel (accepted by the filter), drops included */
  uint64_t drops;        /* dropped because the ring / buffer was full */
  uint64_t freezeCount;  /* TPACKET_V3 queue freezes */
  uint64_t ifDrops;      /* dropped by the interface (libpcap ps_ifdrop) */
} pr_stats;

typedef struct {
  const char *kind;
  void (*run)(pr_reader *r);                   /* reader thread body; returns when r->stopping */
  void (*release)(pr_reader *r, uint32_t blk); /* block goes back to the producer */
  int (*stats)(pr_reader *r, pr_stats *out);   /* 0 or errno */
  void (*wake)(pr_reader *r);                  /* make run() notice r->stopping soon */
  void (*destroy)(pr_reader *r);               /* after the thread ended: free everything */
} pr_reader_ops;

/* Event codes carried through the thread-safe function (data = code << 32 | value). */
enum { PR_EV_BLOCK = 1, PR_EV_WARN = 2, PR_EV_FATAL = 3 };

struct pr_reader {
  const pr_reader_ops *ops;
  uint8_t *mem;
  uint32_t blockSize;
  uint32_t numBlocks;
  int linktype;
  char ifname[64];

  volatile int stopping;
  int threadStarted;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  uint8_t *inFlight;        /* 1 while JavaScript holds the block */

  napi_threadsafe_function tsfn;
  napi_ref arrayBuffer;     /* external ArrayBuffer over mem, detached on close */
  int closed;

  char fatal[256];          /* message of the error that ended the thread */
  char warn[256];           /* message of the last non-fatal error */
  uint64_t warnings;

  void *impl;               /* reader-specific state */
};

/* Helpers shared by readers (addon.c). */
void pr_deliver(pr_reader *r, uint32_t blk);
void pr_warn(pr_reader *r, const char *fmt, ...);
void pr_fatal(pr_reader *r, const char *fmt, ...);
/* Wait until block `blk` is not held by JavaScript; returns 0, or -1 when stopping. */
int pr_wait_free(pr_reader *r, uint32_t blk);

/* Options read from JavaScript, shared by every reader kind. */
typedef struct {
  char ifname[64];
  uint32_t blockSize;
  uint32_t numBlocks;
  uint32_t snapLen;
  uint32_t fanoutGroup;     /* 0 = no fanout */
  int promisc;
  uint32_t retireTimeoutMs; /* tpacketv3: block retire timeout; libpcap: read timeout */
  uint32_t bufferSize;      /* libpcap kernel buffer */
  const uint8_t *filter;    /* struct sock_filter[] compiled beforehand, or NULL */
  uint32_t filterLen;       /* instructions */
  const char *bpf;          /* libpcap: filter expression, or NULL */
} pr_open_opts;

/* Constructors: fill r (ops, mem, blockSize, numBlocks, linktype, impl) or write err and return -1. */
int pr_tpacketv3_open(pr_reader *r, const pr_open_opts *o, char *err, size_t errLen);
#ifdef HAVE_LIBPCAP
int pr_libpcap_open(pr_reader *r, const pr_open_opts *o, char *err, size_t errLen);
/* Compile `expr` for linktype/snapLen into a malloc'd struct sock_filter array. */
int pr_bpf_compile(const char *expr, int linktype, uint32_t snapLen,
                   uint8_t **insns, uint32_t *count, char *err, size_t errLen);
#endif

#endif
