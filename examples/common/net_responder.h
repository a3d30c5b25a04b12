/* A minimal ARP and ICMP echo responder over one skiff NIC, shared by the echo example and the
 * network test images. Header-only, no libc. */
#ifndef SKIFF_EXAMPLES_NET_RESPONDER_H
#define SKIFF_EXAMPLES_NET_RESPONDER_H

#include "skiff_util.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETH_HLEN 14
#define ARP_LEN 28
#define IP_PROTO_ICMP 1
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8

struct responder {
    skiff_handle_t handle;
    struct skiff_net_info info;
    uint8_t ip[4];
    uint8_t *buf; /* at least mtu + ETH_HLEN bytes */
    uint64_t echo_replies;
    uint64_t echo_limit; /* 0: none; else draining stops once this many replies were sent */
};

static inline uint16_t get_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void copy_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

static inline int same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i])
            return 0;
    }
    return 1;
}

/* The Internet checksum (RFC 1071) of LEN bytes. */
static inline uint16_t inet_checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get_be16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Turns the Ethernet frame in BUF around: destination = old source, source = our MAC. */
static inline void swap_ethernet(struct responder *r, uint8_t *frame)
{
    copy_bytes(frame, frame + 6, 6);
    copy_bytes(frame + 6, r->info.mac_address, 6);
}

/* ARP request for our address -> ARP reply. Returns the reply length or 0. */
static inline size_t answer_arp(struct responder *r, uint8_t *frame, size_t len)
{
    uint8_t *arp = frame + ETH_HLEN;
    if (len < ETH_HLEN + ARP_LEN || get_be16(arp) != 1 || get_be16(arp + 2) != ETHERTYPE_IPV4 ||
        arp[4] != 6 || arp[5] != 4 || get_be16(arp + 6) != 1 || !same_bytes(arp + 24, r->ip, 4))
        return 0;
    put_be16(arp + 6, 2);
    copy_bytes(arp + 18, arp + 8, 10);         /* target = requester (MAC and IP) */
    copy_bytes(arp + 8, r->info.mac_address, 6); /* sender = us */
    copy_bytes(arp + 14, r->ip, 4);
    swap_ethernet(r, frame);
    return ETH_HLEN + ARP_LEN;
}

/* ICMP echo request to our address -> echo reply. Returns the reply length or 0. */
static inline size_t answer_icmp(struct responder *r, uint8_t *frame, size_t len)
{
    uint8_t *ip = frame + ETH_HLEN;
    if (len < ETH_HLEN + 20 || (ip[0] >> 4) != 4)
        return 0;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    size_t total = get_be16(ip + 2);
    if (ihl < 20 || total < ihl + 8 || ETH_HLEN + total > len || ip[9] != IP_PROTO_ICMP ||
        !same_bytes(ip + 16, r->ip, 4) || (get_be16(ip + 6) & 0x3fff) != 0 /* fragment */)
        return 0;
    uint8_t *icmp = ip + ihl;
    if (icmp[0] != ICMP_ECHO_REQUEST || icmp[1] != 0)
        return 0;
    copy_bytes(ip + 16, ip + 12, 4); /* destination = sender; the IP checksum stays valid */
    copy_bytes(ip + 12, r->ip, 4);
    icmp[0] = ICMP_ECHO_REPLY;
    put_be16(icmp + 2, 0);
    put_be16(icmp + 2, inet_checksum(icmp, total - ihl));
    swap_ethernet(r, frame);
    r->echo_replies++;
    return ETH_HLEN + total;
}

/* Reads every queued frame and answers those meant for us, up to the echo limit. Returns 0 on a
 * device error. */
static inline int responder_drain(struct responder *r)
{
    while (r->echo_limit == 0 || r->echo_replies < r->echo_limit) {
        size_t len = 0;
        skiff_result_t res = skiff_net_read(r->handle, r->buf, r->info.mtu + ETH_HLEN, &len);
        if (res == SKIFF_R_AGAIN)
            return 1;
        if (res != SKIFF_R_OK) {
            out("net_read failed\n");
            return 0;
        }
        if (len < ETH_HLEN)
            continue;
        size_t reply = 0;
        uint16_t type = get_be16(r->buf + 12);
        if (type == ETHERTYPE_ARP)
            reply = answer_arp(r, r->buf, len);
        else if (type == ETHERTYPE_IPV4)
            reply = answer_icmp(r, r->buf, len);
        if (reply != 0 && skiff_net_write(r->handle, r->buf, reply) != SKIFF_R_OK) {
            out("net_write failed\n");
            return 0;
        }
    }
    return 1;
}

/* Acquires NIC NAME and prints its MAC and MTU. BUF must hold mtu + ETH_HLEN bytes; *BUF_SIZE
 * is checked against the device MTU. Returns 0 on failure. */
static inline int responder_init(struct responder *r, const char *name, const uint8_t ip[4], uint8_t *buf,
                                 size_t buf_size)
{
    if (skiff_net_acquire(name, &r->handle, &r->info) != SKIFF_R_OK) {
        out("cannot acquire NIC ");
        out(name);
        out("\n");
        return 0;
    }
    if (r->info.mtu + ETH_HLEN > buf_size) {
        out("MTU too large for the receive buffer\n");
        return 0;
    }
    copy_bytes(r->ip, ip, 4);
    r->buf = buf;
    r->echo_replies = 0;
    r->echo_limit = 0;
    out(name);
    out(": mac ");
    out_mac(r->info.mac_address);
    out(" mtu ");
    out_u64(r->info.mtu);
    out("\n");
    return 1;
}

#endif
