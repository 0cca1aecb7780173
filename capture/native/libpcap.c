/*
 * libpcap reader and BPF compiler; built only when pcap.h was found at build time (HAVE_LIBPCAP).
 *
 * libpcap hands packets one at a time to a callback, so this reader copies them into blocks laid
 * out like TPACKET_V3 blocks (one copy per packet, like Arkime's libpcap reader) and hands whole
 * blocks to JavaScript: the JavaScript side walks both readers with the same code.
 */
#ifdef HAVE_LIBPCAP
#define _GNU_SOURCE
#include "reader.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HDR_LEN TPACKET_ALIGN(sizeof(struct tpacket3_hdr))
#define FIRST_PKT TPACKET_ALIGN(sizeof(struct tpacket_block_desc))

typedef struct {
  pcap_t *p;
  uint32_t cur;          /* block being filled */
  uint32_t used;         /* bytes used in it */
  uint32_t count;        /* packets in it */
  struct tpacket3_hdr *last;
} lpc;

static struct tpacket_block_desc *block_at(pr_reader *r, uint32_t blk) {
  return (void *)(r->mem + (size_t)blk * r->blockSize);
}

static void start_block(pr_reader *r, lpc *l) {
  struct tpacket_block_desc *bd = block_at(r, l->cur);
  memset(bd, 0, FIRST_PKT);
  bd->version = TPACKET_V3;
  bd->hdr.bh1.offset_to_first_pkt = FIRST_PKT;
  l->used = FIRST_PKT;
  l->count = 0;
  l->last = NULL;
}

/* Hand the current block over and wait for the next one to be free. Returns -1 when stopping. */
static int flush_block(pr_reader *r, lpc *l) {
  if (l->count == 0) return 0;
  struct tpacket_block_desc *bd = block_at(r, l->cur);
  bd->hdr.bh1.num_pkts = l->count;
  bd->hdr.bh1.blk_len = l->used;
  bd->hdr.bh1.block_status = TP_STATUS_USER;
  if (l->last) l->last->tp_next_offset = 0;
  pr_deliver(r, l->cur);
  l->cur = (l->cur + 1) % r->numBlocks;
  if (pr_wait_free(r, l->cur) < 0) return -1;
  start_block(r, l);
  return 0;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes) {
  pr_reader *r = (pr_reader *)user;
  lpc *l = r->impl;
  uint32_t need = TPACKET_ALIGN(HDR_LEN + h->caplen);
  if (l->used + need > r->blockSize) {
    if (flush_block(r, l) < 0) { pcap_breakloop(l->p); return; }
    if (l->used + need > r->blockSize) return;  /* larger than a block: cannot happen with snapLen checks */
  }
  struct tpacket3_hdr *th = (void *)(r->mem + (size_t)l->cur * r->blockSize + l->used);
  memset(th, 0, HDR_LEN);
  th->tp_next_offset = need;
  th->tp_sec = (uint32_t)h->ts.tv_sec;
  th->tp_nsec = (uint32_t)h->ts.tv_usec * 1000;
  th->tp_snaplen = h->caplen;
  th->tp_len = h->len;
  th->tp_status = TP_STATUS_USER;
  th->tp_mac = HDR_LEN;
  memcpy((uint8_t *)th + HDR_LEN, bytes, h->caplen);
  l->last = th;
  l->used += need;
  l->count++;
}

static void lpc_run(pr_reader *r) {
  lpc *l = r->impl;
  if (pr_wait_free(r, l->cur) < 0) return;
  start_block(r, l);
  while (!r->stopping) {
    int n = pcap_dispatch(l->p, -1, on_packet, (u_char *)r);
    if (n == PCAP_ERROR_BREAK) continue;
    if (n < 0) {
      pr_warn(r, "%s: %s", r->ifname, pcap_geterr(l->p));
      usleep(100 * 1000);  /* interface down: keep the handle, try again */
      continue;
    }
    if (flush_block(r, l) < 0) break;  /* read timeout or a batch ended: hand over what we have */
  }
}

static void lpc_release(pr_reader *r, uint32_t blk) {
  block_at(r, blk)->hdr.bh1.block_status = TP_STATUS_KERNEL;
}

static int lpc_stats(pr_reader *r, pr_stats *out) {
  lpc *l = r->impl;
  struct pcap_stat ps;
  memset(out, 0, sizeof(*out));
  if (!l->p || pcap_stats(l->p, &ps) != 0) return EIO;
  out->packets = ps.ps_recv;
  out->drops = ps.ps_drop;
  out->ifDrops = ps.ps_ifdrop;
  return 0;
}

static void lpc_wake(pr_reader *r) {
  lpc *l = r->impl;
  if (l->p) pcap_breakloop(l->p);  /* wakes the poll() inside libpcap on Linux */
}

static void lpc_destroy(pr_reader *r) {
  lpc *l = r->impl;
  if (!l) return;
  if (l->p) pcap_close(l->p);
  free(r->mem);
  r->mem = NULL;
  free(l);
  r->impl = NULL;
}

static const pr_reader_ops lpc_ops = {
  "libpcap", lpc_run, lpc_release, lpc_stats, lpc_wake, lpc_destroy,
};

int pr_libpcap_open(pr_reader *r, const pr_open_opts *o, char *err, size_t errLen) {
  char ebuf[PCAP_ERRBUF_SIZE] = "";
  if (o->snapLen + HDR_LEN + FIRST_PKT + 64 > o->blockSize) {
    snprintf(err, errLen, "snapLen %u does not fit the libpcap batch size %u", o->snapLen, o->blockSize);
    return -1;
  }
  lpc *l = calloc(1, sizeof(*l));
  r->impl = l;
  r->ops = &lpc_ops;
  r->blockSize = o->blockSize;
  r->numBlocks = o->numBlocks;
  snprintf(r->ifname, sizeof(r->ifname), "%s", o->ifname);

  l->p = pcap_create(o->ifname, ebuf);
  if (!l->p) { snprintf(err, errLen, "interface %s: %s", o->ifname, ebuf); goto fail; }
  pcap_set_snaplen(l->p, (int)o->snapLen);
  pcap_set_promisc(l->p, o->promisc ? 1 : 0);
  pcap_set_timeout(l->p, (int)o->retireTimeoutMs);
  if (o->bufferSize) pcap_set_buffer_size(l->p, (int)o->bufferSize);
  int rc = pcap_activate(l->p);
  if (rc < 0) {
    snprintf(err, errLen, "interface %s: %s", o->ifname, pcap_geterr(l->p));
    goto fail;
  }
  r->linktype = pcap_datalink(l->p);
  if (o->bpf && *o->bpf) {
    struct bpf_program prog;
    if (pcap_compile(l->p, &prog, o->bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
      snprintf(err, errLen, "bpf '%s': %s", o->bpf, pcap_geterr(l->p));
      goto fail;
    }
    rc = pcap_setfilter(l->p, &prog);
    pcap_freecode(&prog);
    if (rc < 0) { snprintf(err, errLen, "bpf '%s' on %s: %s", o->bpf, o->ifname, pcap_geterr(l->p)); goto fail; }
  }
  r->mem = aligned_alloc(4096, (size_t)o->blockSize * o->numBlocks);
  if (!r->mem) { snprintf(err, errLen, "interface %s: out of memory for %u batches", o->ifname, o->numBlocks); goto fail; }
  return 0;

fail:
  lpc_destroy(r);
  return -1;
}

int pr_bpf_compile(const char *expr, int linktype, uint32_t snapLen,
                   uint8_t **insns, uint32_t *count, char *err, size_t errLen) {
  pcap_t *dead = pcap_open_dead(linktype, (int)snapLen);
  if (!dead) { snprintf(err, errLen, "bpf: pcap_open_dead failed"); return -1; }
  struct bpf_program prog;
  if (pcap_compile(dead, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) < 0) {
    snprintf(err, errLen, "bpf '%s': %s", expr, pcap_geterr(dead));
    pcap_close(dead);
    return -1;
  }
  /* struct bpf_insn and struct sock_filter have the same 8-byte layout. */
  size_t bytes = (size_t)prog.bf_len * sizeof(struct bpf_insn);
  *insns = malloc(bytes ? bytes : 1);
  memcpy(*insns, prog.bf_insns, bytes);
  *count = prog.bf_len;
  pcap_freecode(&prog);
  pcap_close(dead);
  return 0;
}
#endif
