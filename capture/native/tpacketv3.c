/*
 * TPACKET_V3 reader: one AF_PACKET socket with an mmap'd ring of blocks. The kernel fills a block
 * and flips its status to TP_STATUS_USER (when full, or after the retire timeout); this thread
 * hands the block to JavaScript as is and waits for the next one. JavaScript sets it back to
 * TP_STATUS_KERNEL through release(). Several sockets on one interface share the packets through a
 * PACKET_FANOUT hash group, so each flow stays on one socket.
 */
#define _GNU_SOURCE
#include "reader.h"

#include <errno.h>
#include <net/if.h>      /* before the linux/ headers: both define struct ifreq */
#include <net/if_arp.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define VLAN_TAG_LEN 4
#define POLL_TIMEOUT_MS 200

typedef struct {
  int fd;
  int wakeFd;            /* eventfd: close() wakes poll() at once */
  size_t mapLen;
  uint32_t nextBlock;
  pr_stats total;        /* PACKET_STATISTICS resets on read: keep the sums */
  pthread_mutex_t statsLock;
} tpv3;

static int linktype_of(int fd, const char *ifname, int *arphrd) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) return -1;
  *arphrd = ifr.ifr_hwaddr.sa_family;
  switch (ifr.ifr_hwaddr.sa_family) {
    case ARPHRD_ETHER:
    case ARPHRD_LOOPBACK:
    case ARPHRD_IEEE802:
      return 1;    /* LINKTYPE_ETHERNET */
    case ARPHRD_NONE:
    case ARPHRD_TUNNEL:
    case ARPHRD_TUNNEL6:
    case ARPHRD_IPGRE:
      return 101;  /* LINKTYPE_RAW: frames start at the IP header */
    default:
      return 0;
  }
}

/* Put a VLAN tag the NIC stripped back in front of the EtherType, in place (PACKET_RESERVE left room). */
static void reinsert_vlan(struct tpacket3_hdr *th) {
  if (!(th->tp_status & TP_STATUS_VLAN_VALID) || th->tp_snaplen < 12) return;
  uint16_t tpid = (th->tp_status & TP_STATUS_VLAN_TPID_VALID) ? th->hv1.tp_vlan_tpid : ETH_P_8021Q;
  uint8_t *mac = (uint8_t *)th + th->tp_mac;
  memmove(mac - VLAN_TAG_LEN, mac, 12);
  uint8_t *tag = mac - VLAN_TAG_LEN + 12;
  tag[0] = tpid >> 8; tag[1] = tpid & 0xff;
  tag[2] = th->hv1.tp_vlan_tci >> 8; tag[3] = th->hv1.tp_vlan_tci & 0xff;
  th->tp_mac -= VLAN_TAG_LEN;
  th->tp_snaplen += VLAN_TAG_LEN;
  th->tp_len += VLAN_TAG_LEN;
  th->tp_status &= ~(TP_STATUS_VLAN_VALID | TP_STATUS_VLAN_TPID_VALID);
}

static void tpv3_fix_block(pr_reader *r, struct tpacket_block_desc *bd) {
  if (r->linktype != 1) return;
  uint8_t *p = (uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt;
  for (uint32_t i = 0; i < bd->hdr.bh1.num_pkts; i++) {
    struct tpacket3_hdr *th = (struct tpacket3_hdr *)p;
    reinsert_vlan(th);
    p += th->tp_next_offset;
  }
}

static void tpv3_drain_error(pr_reader *r, tpv3 *t) {
  int soerr = 0;
  socklen_t len = sizeof(soerr);
  getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);  /* reading clears it */
  if (soerr) pr_warn(r, "%s: %s", r->ifname, strerror(soerr));
}

static void tpv3_run(pr_reader *r) {
  tpv3 *t = r->impl;
  struct pollfd pfd[2] = {
    { .fd = t->fd, .events = POLLIN | POLLERR },
    { .fd = t->wakeFd, .events = POLLIN },
  };
  while (!r->stopping) {
    uint32_t blk = t->nextBlock;
    if (pr_wait_free(r, blk) < 0) break;
    struct tpacket_block_desc *bd = (void *)(r->mem + (size_t)blk * r->blockSize);
    if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER)) {
      /* poll() reports POLLIN while the kernel's previous block is not back to TP_STATUS_KERNEL:
         with that block still in JavaScript it would return at once, forever (a busy loop that
         cost ~2.5 us of CPU per packet). Wait for its release first; JavaScript takes this
         ring's blocks in order, so the next one is not needed any sooner. */
      if (pr_wait_free(r, (blk + r->numBlocks - 1) % r->numBlocks) < 0) break;
      if (__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) continue;
      int n = poll(pfd, 2, POLL_TIMEOUT_MS);
      if (n < 0 && errno != EINTR) { pr_fatal(r, "%s: poll: %s", r->ifname, strerror(errno)); break; }
      if (n > 0 && (pfd[0].revents & POLLERR)) {
        tpv3_drain_error(r, t);
        usleep(100 * 1000);  /* interface down: keep the socket, try again */
      }
      continue;
    }
    tpv3_fix_block(r, bd);
    t->nextBlock = (blk + 1) % r->numBlocks;
    pr_deliver(r, blk);
  }
}

static void tpv3_release(pr_reader *r, uint32_t blk) {
  struct tpacket_block_desc *bd = (void *)(r->mem + (size_t)blk * r->blockSize);
  __atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

static int tpv3_stats(pr_reader *r, pr_stats *out) {
  tpv3 *t = r->impl;
  struct tpacket_stats_v3 st;
  socklen_t len = sizeof(st);
  memset(&st, 0, sizeof(st));
  pthread_mutex_lock(&t->statsLock);
  int rc = 0;
  if (t->fd >= 0 && getsockopt(t->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) == 0) {
    t->total.packets += st.tp_packets;   /* the kernel counts drops in tp_packets too */
    t->total.drops += st.tp_drops;
    t->total.freezeCount += st.tp_freeze_q_cnt;
  } else if (t->fd >= 0) {
    rc = errno;
  }
  *out = t->total;
  pthread_mutex_unlock(&t->statsLock);
  return rc;
}

static void tpv3_wake(pr_reader *r) {
  tpv3 *t = r->impl;
  uint64_t one = 1;
  if (t->wakeFd >= 0 && write(t->wakeFd, &one, sizeof(one)) < 0) { /* poll times out anyway */ }
}

static void tpv3_destroy(pr_reader *r) {
  tpv3 *t = r->impl;
  if (!t) return;
  if (r->mem && r->mem != MAP_FAILED) munmap(r->mem, t->mapLen);
  r->mem = NULL;
  if (t->fd >= 0) close(t->fd);  /* also leaves the fanout group and drops promiscuous mode */
  if (t->wakeFd >= 0) close(t->wakeFd);
  pthread_mutex_destroy(&t->statsLock);
  free(t);
  r->impl = NULL;
}

static const pr_reader_ops tpv3_ops = {
  "tpacketv3", tpv3_run, tpv3_release, tpv3_stats, tpv3_wake, tpv3_destroy,
};

#define FAIL(...) do { snprintf(err, errLen, __VA_ARGS__); goto fail; } while (0)

int pr_tpacketv3_open(pr_reader *r, const pr_open_opts *o, char *err, size_t errLen) {
  long page = sysconf(_SC_PAGESIZE);
  if (o->blockSize == 0 || o->blockSize % page != 0) {
    snprintf(err, errLen, "tpacketv3BlockSize %u is not a multiple of the page size %ld", o->blockSize, page);
    return -1;
  }
  if (o->snapLen < 64 || o->snapLen + 128 > o->blockSize) {
    snprintf(err, errLen, "snapLen %u does not fit tpacketv3BlockSize %u", o->snapLen, o->blockSize);
    return -1;
  }
  if (strlen(o->ifname) >= IFNAMSIZ) {
    snprintf(err, errLen, "interface name '%s' is longer than %d characters", o->ifname, IFNAMSIZ - 1);
    return -1;
  }
  unsigned ifindex = if_nametoindex(o->ifname);
  if (!ifindex) {
    snprintf(err, errLen, "interface %s: %s", o->ifname, strerror(errno));
    return -1;
  }

  tpv3 *t = calloc(1, sizeof(*t));
  t->fd = -1;
  t->wakeFd = -1;
  pthread_mutex_init(&t->statsLock, NULL);
  r->impl = t;
  r->ops = &tpv3_ops;
  r->blockSize = o->blockSize;
  r->numBlocks = o->numBlocks;
  snprintf(r->ifname, sizeof(r->ifname), "%s", o->ifname);

  /* Protocol 0: no packet reaches the socket before the ring and filter are in place and bind() ran. */
  t->fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (t->fd < 0) FAIL("interface %s: socket(AF_PACKET): %s%s", o->ifname, strerror(errno),
                      errno == EPERM ? " (needs root or CAP_NET_RAW)" : "");
  t->wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

  int arphrd = 0;
  r->linktype = linktype_of(t->fd, o->ifname, &arphrd);
  if (r->linktype <= 0) FAIL("interface %s: unsupported hardware type %d", o->ifname, arphrd);

  int version = TPACKET_V3;
  if (setsockopt(t->fd, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0)
    FAIL("interface %s: PACKET_VERSION TPACKET_V3: %s", o->ifname, strerror(errno));
  int reserve = VLAN_TAG_LEN;
  if (setsockopt(t->fd, SOL_PACKET, PACKET_RESERVE, &reserve, sizeof(reserve)) < 0)
    FAIL("interface %s: PACKET_RESERVE: %s", o->ifname, strerror(errno));

  struct tpacket_req3 req;
  memset(&req, 0, sizeof(req));
  uint32_t frame = TPACKET_ALIGN(o->snapLen);
  req.tp_block_size = o->blockSize;
  req.tp_block_nr = o->numBlocks;
  req.tp_frame_size = frame;
  req.tp_frame_nr = (o->blockSize / frame) * o->numBlocks;
  req.tp_retire_blk_tov = o->retireTimeoutMs;
  req.tp_feature_req_word = TP_FT_REQ_FILL_RXHASH;
  if (setsockopt(t->fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
    FAIL("interface %s: PACKET_RX_RING %u x %u bytes: %s", o->ifname, o->numBlocks, o->blockSize, strerror(errno));

  t->mapLen = (size_t)o->blockSize * o->numBlocks;
  r->mem = mmap(NULL, t->mapLen, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
  if (r->mem == MAP_FAILED) { r->mem = NULL; FAIL("interface %s: mmap ring: %s", o->ifname, strerror(errno)); }

  /* Always a filter: it is what truncates frames to snapLen (its accept value). */
  struct sock_filter snapOnly = BPF_STMT(BPF_RET | BPF_K, o->snapLen);
  struct sock_fprog prog;
  prog.len = 1;
  prog.filter = &snapOnly;
  uint8_t *compiled = NULL;
  if (o->filter) {
    prog.len = o->filterLen;
    prog.filter = (struct sock_filter *)o->filter;
  } else if (o->bpf) {
#ifdef HAVE_LIBPCAP
    uint32_t count = 0;
    char cerr[384];
    if (pr_bpf_compile(o->bpf, r->linktype, o->snapLen, &compiled, &count, cerr, sizeof(cerr)) < 0)
      FAIL("interface %s: %s", o->ifname, cerr);
    prog.len = count;
    prog.filter = (struct sock_filter *)compiled;
#else
    FAIL("bpf '%s': this build of the capture addon has no libpcap to compile it; "
         "install the libpcap-dev package and rebuild the addon", o->bpf);
#endif
  }
  int attached = setsockopt(t->fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
  int attachErr = errno;
  free(compiled);  /* the kernel keeps its own copy */
  if (attached < 0) FAIL("interface %s: SO_ATTACH_FILTER: %s", o->ifname, strerror(attachErr));

  struct sockaddr_ll ll;
  memset(&ll, 0, sizeof(ll));
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons(ETH_P_ALL);
  ll.sll_ifindex = ifindex;
  if (bind(t->fd, (struct sockaddr *)&ll, sizeof(ll)) < 0)
    FAIL("interface %s: bind: %s", o->ifname, strerror(errno));

  if (o->promisc) {
    struct packet_mreq mr;
    memset(&mr, 0, sizeof(mr));
    mr.mr_ifindex = ifindex;
    mr.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(t->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0)
      FAIL("interface %s: promiscuous mode: %s", o->ifname, strerror(errno));
  }

  if (o->fanoutGroup) {
    int arg = (int)(o->fanoutGroup & 0xffff) | (PACKET_FANOUT_HASH << 16) | (PACKET_FANOUT_FLAG_DEFRAG << 16);
    if (setsockopt(t->fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) < 0)
      FAIL("interface %s: PACKET_FANOUT group %u: %s%s", o->ifname, o->fanoutGroup & 0xffff, strerror(errno),
           errno == EINVAL ? " (group id already used by another interface or mode?)" : "");
  }
  return 0;

fail:
  tpv3_destroy(r);
  return -1;
}
