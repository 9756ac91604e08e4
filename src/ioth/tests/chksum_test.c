/*
 * chksum_test.c - lwip_chksum.c's checksum against lwIP's own (found with
 * RTLD_NEXT) on random, all-zero and all-ones data of every length up to
 * a jumbo frame, at every alignment.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint16_t u16_t;
u16_t lwip_standard_chksum(const void *dataptr, int len);

int main(void)
{
	u16_t (*lwip)(const void *, int);
	static unsigned char buf[9300];
	unsigned seed = 1;
	int len;

	lwip = (u16_t (*)(const void *, int))
	       dlsym(RTLD_NEXT, "lwip_standard_chksum");
	if (lwip == NULL || lwip == lwip_standard_chksum) {
		fprintf(stderr, "chksum_test: lwIP's checksum not found\n");
		return 1;
	}
	for (len = -1; len <= 9234; len++) {
		int off = len & 15;
		int mode = (len / 16) % 3;
		int i;

		for (i = 0; i < (int) sizeof(buf); i++)
			buf[i] = mode == 0 ? 0xff : mode == 1 ? 0 :
			         (unsigned char) rand_r(&seed);
		if (lwip(buf + off, len) != lwip_standard_chksum(buf + off,
		                                                 len)) {
			fprintf(stderr, "chksum_test: length %d offset %d: "
			        "lwIP %04x, ours %04x\n", len, off,
			        lwip(buf + off, len),
			        lwip_standard_chksum(buf + off, len));
			return 1;
		}
	}
	printf("chksum: ok\n");
	return 0;
}
