/* lwIP options for shakedown's firmware: one TCP connection at a time to a
 * test server, no OS (NO_SYS, raw API), a static address (QEMU's slirp:
 * 10.0.2.15/24, gateway 10.0.2.2), polled from the main loop. Everything not
 * named here keeps lwIP's default (src/include/lwip/opt.h). */
#pragma once

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* nothing runs lwIP from an interrupt */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#ifndef LWIP_DHCP /* a port may turn on DHCP (and UDP with it) through its lwIP variant */
#define LWIP_DHCP 0
#endif
#define LWIP_AUTOIP 0
#define LWIP_DNS 0 /* the host sends numeric addresses */
#ifndef LWIP_UDP
#define LWIP_UDP 0
#endif
#define LWIP_IGMP 0
#define LWIP_TCP 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_STATS 0
#define LWIP_NETIF_HOSTNAME 0

#define MEM_ALIGNMENT 4
/* Room for a handshake's flights both ways: the server's chain (up to 16 KB
 * records) arrives as pbufs from the pool and waits in them until Mbed TLS
 * reads it; what we send is copied into the heap. */
#define MEM_SIZE (24 * 1024)
#ifndef PBUF_POOL_SIZE /* a port short of RAM may set fewer */
#define PBUF_POOL_SIZE 24
#endif
#define MEMP_NUM_TCP_PCB 4 /* one live connection and the ones in TIME_WAIT */
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG 32

#define TCP_MSS 1460
/* The window bounds what the server may have in flight towards us. QEMU's
 * LAN9118 holds 10,560 bytes of received frames and drops what does not
 * fit while the firmware is busy (a signature check, a log line); a dropped
 * segment then waits for slirp's retransmission timeout, seconds, long
 * enough to fail a handshake with MBEDTLS_ERR_SSL_TIMEOUT. Six full frames
 * fit that FIFO; seven do not. */
#define TCP_WND (6 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF) / TCP_MSS)
#define LWIP_TCP_KEEPALIVE 0
/* Every connection gets a fresh local port, so a server never sees a second
 * handshake on the first one's four-tuple. */
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1

#define LWIP_ETHERNET 1
#define LWIP_ARP 1
#define ARP_QUEUEING 1
#define ETH_PAD_SIZE 0
/* Software checksums both ways: QEMU's LAN9118 offloads nothing. */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_TCP 1

#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_SINGLE_NETIF 1
