/*
 * plt.c - point a PLT slot of a loaded library at another function
 * (how lwipv6_fix.c patches liblwipv6's calls to itself, and how its
 * tests observe them).
 */
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plt.h"

/* Dynamic-section addresses are relocated in memory by glibc on most
 * architectures, not on all: accept either. */
static uintptr_t dyn_addr(const struct link_map *lm, ElfW(Addr) v)
{
	return v >= lm->l_addr ? (uintptr_t) v : (uintptr_t) (lm->l_addr + v);
}

int ioth_plt_set(const struct link_map *lm, const char *name, void *f,
                 void **old)
{
	const ElfW(Dyn) *d;
	const ElfW(Sym) *sym = NULL;
	const char *str = NULL;
	uintptr_t rel = 0;
	size_t relsz = 0;
	long pltrel = DT_RELA;
	size_t step;
	size_t off;

	for (d = lm->l_ld; d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			sym = (const void *) dyn_addr(lm, d->d_un.d_ptr);
		else if (d->d_tag == DT_STRTAB)
			str = (const void *) dyn_addr(lm, d->d_un.d_ptr);
		else if (d->d_tag == DT_JMPREL)
			rel = dyn_addr(lm, d->d_un.d_ptr);
		else if (d->d_tag == DT_PLTRELSZ)
			relsz = d->d_un.d_val;
		else if (d->d_tag == DT_PLTREL)
			pltrel = (long) d->d_un.d_val;
	}
	if (sym == NULL || str == NULL || rel == 0)
		return -ENOENT;
	step = pltrel == DT_RELA ? sizeof(ElfW(Rela)) : sizeof(ElfW(Rel));
	for (off = 0; off + step <= relsz; off += step) {
		const ElfW(Rel) *r = (const void *) (rel + off);
		void **slot = (void **) (lm->l_addr + r->r_offset);
		long page = sysconf(_SC_PAGESIZE);
		uintptr_t base = (uintptr_t) slot & ~((uintptr_t) page - 1);
#if __ELF_NATIVE_CLASS == 64
		size_t idx = ELF64_R_SYM(r->r_info);
#else
		size_t idx = ELF32_R_SYM(r->r_info);
#endif
		if (strcmp(str + sym[idx].st_name, name) != 0)
			continue;
		/* with full RELRO the slot is read-only by now */
		if (mprotect((void *) base, (size_t) page,
		             PROT_READ | PROT_WRITE) < 0)
			return -errno;
		if (old != NULL)
			*old = *slot;
		__atomic_store_n(slot, f, __ATOMIC_SEQ_CST);
		return 0;
	}
	return -ENOENT;
}
