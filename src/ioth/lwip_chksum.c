/*
 * lwip_chksum.c - the Internet checksum for Debian's lwIP, 8 bytes at a
 * time.
 *
 * lwIP computes every IP, TCP and UDP checksum in software with
 * lwip_standard_chksum(), which its portable build sums 16 bits per step:
 * at 9000-byte segments that was 8% of the machine's time in a bulk
 * transfer, at both ends.  lwIP expects ports to supply a faster one
 * (LWIP_CHKSUM); Debian's build does not, but calls it through the PLT,
 * so this definition takes its place (exported even where the rest is
 * built with hidden visibility).
 *
 * Same result as lwIP's, bit for bit (tests/chksum_test.c compares them):
 * the one's complement sum, not inverted, of the data read as 16-bit words
 * in host order from its first byte whatever its alignment, an odd last
 * byte being the first byte of a word padded with zero.
 */
#include <stdint.h>
#include <string.h>

#include "lwip/opt.h"
#include "lwip/inet_chksum.h"

__attribute__((visibility("default")))
u16_t lwip_standard_chksum(const void *dataptr, int len)
{
	const uint8_t *p = dataptr;
	uint64_t sum = 0;
	uint64_t w[4];
	uint64_t tail = 0;

	if (len <= 0)
		return 0;
	/* 32-bit halves of 64-bit words: no overflow below 2^32 words */
	while (len >= 32) {
		memcpy(w, p, 32);
		sum += (w[0] & 0xffffffffU) + (w[0] >> 32) +
		       (w[1] & 0xffffffffU) + (w[1] >> 32) +
		       (w[2] & 0xffffffffU) + (w[2] >> 32) +
		       (w[3] & 0xffffffffU) + (w[3] >> 32);
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(w, p, 8);
		sum += (w[0] & 0xffffffffU) + (w[0] >> 32);
		p += 8;
		len -= 8;
	}
	memcpy(&tail, p, (size_t) len);
	sum += (tail & 0xffffffffU) + (tail >> 32);
	/* fold with end-around carries (RFC 1071) */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16_t) sum;
}
