/* SPDX-License-Identifier: MIT */
/*
 * softfp-trap.c: linked into the soft-float MIPS boards when SOFTFP_TRAP=yes.
 * musl's printf (fmt_fp, reached only for %e/%f/%g/%a) references libgcc's
 * soft-float helpers, and Debian's cross libgcc has only hard-float builds
 * of them: FPU instructions behind the soft-float calling convention, so
 * wrong results or SIGILL on an FPU-less router (TOOLCHAIN.md 3.4).  These
 * stand-ins take their place, so the binary holds no FPU instruction at all,
 * and any floating point that sneaks in stops loudly instead of computing
 * garbage.  dotfwd itself uses no floating point.
 */
#include <stdlib.h>
#include <unistd.h>

#define TRAP(f)								\
void f(void);								\
void									\
f(void)									\
{									\
	static const char m[] = "dotfwd: BUG: floating point (" #f ")\n";\
	(void)!write(2, m, sizeof(m) - 1);				\
	abort();							\
}

TRAP(__adddf3) TRAP(__subdf3) TRAP(__muldf3) TRAP(__divdf3) TRAP(__negdf2)
TRAP(__addsf3) TRAP(__subsf3) TRAP(__mulsf3) TRAP(__divsf3) TRAP(__negsf2)
TRAP(__extendsfdf2) TRAP(__truncdfsf2)
TRAP(__fixdfsi) TRAP(__fixunsdfsi) TRAP(__fixdfdi) TRAP(__fixunsdfdi)
TRAP(__fixsfsi) TRAP(__fixunssfsi) TRAP(__fixsfdi) TRAP(__fixunssfdi)
TRAP(__floatsidf) TRAP(__floatunsidf) TRAP(__floatdidf) TRAP(__floatundidf)
TRAP(__floatsisf) TRAP(__floatunsisf) TRAP(__floatdisf) TRAP(__floatundisf)
TRAP(__eqdf2) TRAP(__nedf2) TRAP(__gtdf2) TRAP(__gedf2) TRAP(__ltdf2)
TRAP(__ledf2) TRAP(__unorddf2)
TRAP(__eqsf2) TRAP(__nesf2) TRAP(__gtsf2) TRAP(__gesf2) TRAP(__ltsf2)
TRAP(__lesf2) TRAP(__unordsf2)
