/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cavs_ecc_cdh.h — a known answer of cofactor ECDH: NIST's CAVS KAS ECC CDH primitive
 * test vectors (the ECC CDH primitive of SP 800-56A 5.7.1.2), curve P-256, COUNT = 0, in
 * hex: the private scalar dIUT, the peer's uncompressed point QCAVS (04 || x || y) and the
 * shared x-coordinate ZIUT. The host crypto's test (t4018) and the module's (t5602) check
 * it.
 */
#ifndef SCRIPTOKI_TEST_CAVS_ECC_CDH_H
#define SCRIPTOKI_TEST_CAVS_ECC_CDH_H

#define CDH_D "7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534"
#define CDH_Q "04700c48f77f56584c5cc632ca65640db91b6bacce3a4df6b42ce7cc838833d287" \
	      "db71e509e3fd9b060ddb20ba5c51dcc5948d46fbf640dfe0441782cab85fa4ac"
#define CDH_Z "46fc62106420ff012e54a434fbdd2d25ccc5852060561e68040dd7778997bd7b"

#endif
