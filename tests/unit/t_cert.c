/* SPDX-License-Identifier: MIT */
/*
 * t_cert.c: cert.c (DER walker, validity times, SPKI pins, the policy
 * wrapper driven the way the engine drives it), der.c (the fields of a
 * whole certificate, dates) and ta.c (PEM decoding, ta_init).  No
 * sockets.  The certificates are our own test data, made once with
 * openssl ca; tests/unit/t_tls.c uses the same PKI.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "cert.h"
#include "der.h"
#include "fmt.h"
#include "ta.h"
#include "t.h"

#define DER_CAP		2048	/* every test certificate is smaller */
#define MAX_TAS		4

/* CN=dotfwd test CA EC, P-256, 2000..2099 */
static const char pem_ca_ec[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBbTCCARKgAwIBAgICEAAwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRZG90Zndk\n"
	"IHRlc3QgQ0EgRUMwIBcNMDAwMTAxMDAwMDAwWhgPMjA5OTEyMzEyMzU5NTlaMBwx\n"
	"GjAYBgNVBAMMEWRvdGZ3ZCB0ZXN0IENBIEVDMFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
	"AQcDQgAEjxjEn1M77r/W71EcRpBsGmwhBZwX4fpT5elBIYdy0XJGh/Bq8R3GCg5x\n"
	"PiGG2rGB2S3B60u2Hvc4zR8xRzeY0qNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNV\n"
	"HQ8BAf8EBAMCAQYwHQYDVR0OBBYEFASqhfoehHjfWzLFcf6hj4HRfrdPMAoGCCqG\n"
	"SM49BAMCA0kAMEYCIQCpLsw1A0cD960WSQ6h4r2Cdr0VVvfy0/uUU4JaKM0RhAIh\n"
	"ALxNfUQPkYpj4wr30akQf4ijNLKaEbT8+RB3gTd2b+tG\n"
	"-----END CERTIFICATE-----\n";

/* CN=dotfwd test CA RSA, RSA-2048, 2000..2099 */
static const char pem_ca_rsa[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIC+jCCAeKgAwIBAgICEAEwDQYJKoZIhvcNAQELBQAwHTEbMBkGA1UEAwwSZG90\n"
	"ZndkIHRlc3QgQ0EgUlNBMCAXDTAwMDEwMTAwMDAwMFoYDzIwOTkxMjMxMjM1OTU5\n"
	"WjAdMRswGQYDVQQDDBJkb3Rmd2QgdGVzdCBDQSBSU0EwggEiMA0GCSqGSIb3DQEB\n"
	"AQUAA4IBDwAwggEKAoIBAQCx0jP1MQ+6n0GhnsfUHyHKn80l2z/ZfYdq5coSKqEQ\n"
	"a1R25lbMVM1DXr8RajnHNDfnZKVoTDeoLfmEjnc9cAMfn1QrCxHaSxY0pR5ra68Q\n"
	"9mWGksB5tnCH4f3Ulfc9R232Oz5HIFvkxJhcJMhHA9a7ydus+NjaPktxssQReQLq\n"
	"12A3f2ZSHp9WdMyM9fYoBVxYvlH2ry5m0+4VOyYhVYQkUxL1zwVgr2pnrn7Jtrdl\n"
	"dQnqWMHvY4e2rkRrIAzlRI+538Vcke6R/8FkDsJQO1GYwynjVgxbGySBN1magR63\n"
	"eQp31SyVp7wuyb2/wCHJCzNzITbyr7cmIHZAd6zY3nQFAgMBAAGjQjBAMA8GA1Ud\n"
	"EwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBSIpZafmuL+hZHV\n"
	"o7GSyINRWejbyDANBgkqhkiG9w0BAQsFAAOCAQEALfMe4EZkiGleDZcLPK/FZ83U\n"
	"Tnp4tek3JGF4YWcgQke0JgcbiG6UGIkKfZNuvKV6v/A0codJijM3Te+Bzc9lMeAN\n"
	"7KsNiik8yrawCofuAkv0wGolwj3g1jDBgp66BqCTkvmvqSmEcyIQRDv8swjM8abs\n"
	"oMBcN6IYc+sr/ATELz4ovEosqcrTDx+ZUyWZVtk7U9ZCPDIwCsAxCz7DmMyEF08H\n"
	"mFf+HckfGxcc7GKAr3DtiLvI5zcrkPqreqKhxSTiN3OgjNEb7sxCubmOVQFf1YR3\n"
	"IbWBOn8hpOoHxirZLK7JSaq+u4Qwfh/s4UaOI+w/w82W1nDPdJ68VpOfbpEUJA==\n"
	"-----END CERTIFICATE-----\n";

/* CN=dotfwd ed25519: a key BearSSL cannot use */
static const char pem_ca_ed[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBRjCB+aADAgECAhRHSJt4QRUUogFf/UJJ9mIzc2OcYTAFBgMrZXAwGTEXMBUG\n"
	"A1UEAwwOZG90ZndkIGVkMjU1MTkwHhcNMjYxMTI2MjM1NTA0WhcNMzYxMTIzMjM1\n"
	"NTA0WjAZMRcwFQYDVQQDDA5kb3Rmd2QgZWQyNTUxOTAqMAUGAytlcAMhAME3nqG1\n"
	"oxoIrclT3eQBB5JZkMXRInwJat2Ht+ITWbRYo1MwUTAdBgNVHQ4EFgQUK8/ZNRc/\n"
	"xRtkBcBaJbARKiXH2g8wHwYDVR0jBBgwFoAUK8/ZNRc/xRtkBcBaJbARKiXH2g8w\n"
	"DwYDVR0TAQH/BAUwAwEB/zAFBgMrZXADQQCXwyMcB6b/dnMJqk9jFs5+7b+Y6hBL\n"
	"wCRoIql2Vpdu9zOgjoykG+uHA7mH8vP5ZIw1jTARlQ4obWqwkUn0iWsL\n"
	"-----END CERTIFICATE-----\n";

/* dot.test by ca-ec, P-256, 2020..2049 */
static const char pem_leaf_ec[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBrDCCAVGgAwIBAgICEAMwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRZG90Zndk\n"
	"IHRlc3QgQ0EgRUMwHhcNMjAwMTAxMDAwMDAwWhcNNDkxMjMxMjM1OTU5WjATMREw\n"
	"DwYDVQQDDAhkb3QudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJi9s6yN\n"
	"1R5/zMknWkwZdbw1uwb9YIE9G890G6fng23V8Y323vwee09fBwGkVxyz5S/BuLT6\n"
	"HBjzLo3H4I0ZCk2jgYswgYgwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCBaAw\n"
	"EwYDVR0lBAwwCgYIKwYBBQUHAwEwEwYDVR0RBAwwCoIIZG90LnRlc3QwHQYDVR0O\n"
	"BBYEFBL0WpyTCWRdKAkGbYwD2aYNDtiOMB8GA1UdIwQYMBaAFASqhfoehHjfWzLF\n"
	"cf6hj4HRfrdPMAoGCCqGSM49BAMCA0kAMEYCIQCstVy3p92ALHvvB2GfMjktKPcM\n"
	"F7XOyI4etoJ8XdIVuwIhAPfI62PPqKrLD/s6VK1SyzBubANlBb/b2X1O8HiY0231\n"
	"-----END CERTIFICATE-----\n";

/* dot.test by ca-rsa, RSA-2048, 2020..2049 */
static const char pem_leaf_rsa[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDODCCAiCgAwIBAgICEAQwDQYJKoZIhvcNAQELBQAwHTEbMBkGA1UEAwwSZG90\n"
	"ZndkIHRlc3QgQ0EgUlNBMB4XDTIwMDEwMTAwMDAwMFoXDTQ5MTIzMTIzNTk1OVow\n"
	"EzERMA8GA1UEAwwIZG90LnRlc3QwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEK\n"
	"AoIBAQCv0ZPYEV+FICiNbtwRpov/Z8zHw3iP74nPShU5FzeytQkJCO2CMLnmd8fA\n"
	"taTq8gpNZ5qaylBvOtXouMbczu4TXtKaAmIi1yIc//YhE5r/XPjq182lj/hmZPGc\n"
	"1iCCnYswSQmExlLiwHEl/KTrmp5jdKTTRuy/qvna9P+nn2+3Xe1qO7oxUHhdUZod\n"
	"jkOPTqYIEvR2SgnYIUFJLkW0PXADH3K3ngxKN4U2UqmSHDUmIYuXZdq9tQErGoGb\n"
	"WpGrVBb0MB2oc3czm9GbdCJdzfOjQ8cdeIl+DAffSXfae+BjdEM4mBIFX93Yy9zI\n"
	"V6w1q4M5itqnetbpys7SsnL0wdGbAgMBAAGjgYswgYgwDAYDVR0TAQH/BAIwADAO\n"
	"BgNVHQ8BAf8EBAMCBaAwEwYDVR0lBAwwCgYIKwYBBQUHAwEwEwYDVR0RBAwwCoII\n"
	"ZG90LnRlc3QwHQYDVR0OBBYEFJdjvpZWUL+RdsbcVeDMJJmDDt3sMB8GA1UdIwQY\n"
	"MBaAFIillp+a4v6FkdWjsZLIg1FZ6NvIMA0GCSqGSIb3DQEBCwUAA4IBAQAarJId\n"
	"P0He5j13vn20mqdBq2CkrWdbHUJQkarzagHfFK2V/RJK+oW8Nw+LTOhFIf7ErBuk\n"
	"cP5POATDJf7JUxDIioOZogXytijShP7FvWZUGUfo7seGOFTI3eGCgYw0MVUY7LQg\n"
	"1eXSqX3syv/qlMKmfVm9qndgFEm8anTw7xfZNh2qN5o/ismJh2TfS1oMf91vIrJI\n"
	"HTodDU/+a59RmS7jUeeskv3fl1rAloLBckgw2CsVonE94V1xLQxuxW8qz9P/KGX5\n"
	"u2h8MGM0xl1+ndY2Oa08LkpOmHyXvmcycsW4aldH6SkBRyzbIODCWLYGb2WNsU81\n"
	"/7hyzBs3IQIR25ZJ\n"
	"-----END CERTIFICATE-----\n";

/* dot.test by ca-ec, 2001-01-01..2002-01-01 (expired) */
static const char pem_leaf_old[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBrDCCAVGgAwIBAgICEAUwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRZG90Zndk\n"
	"IHRlc3QgQ0EgRUMwHhcNMDEwMTAxMDAwMDAwWhcNMDIwMTAxMDAwMDAwWjATMREw\n"
	"DwYDVQQDDAhkb3QudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABBcfx+CZ\n"
	"nAQZyKgtPiW2HPIuPFlOomQzKQMWHhjwYHIWJ5Tm0s+PhvmJ+6LXS8CpdXesWjrY\n"
	"zejHlsMrWzhGRsejgYswgYgwDAYDVR0TAQH/BAIwADAOBgNVHQ8BAf8EBAMCBaAw\n"
	"EwYDVR0lBAwwCgYIKwYBBQUHAwEwEwYDVR0RBAwwCoIIZG90LnRlc3QwHQYDVR0O\n"
	"BBYEFGn1Xe7vPpmg5ygUz3cCwXNrIbVhMB8GA1UdIwQYMBaAFASqhfoehHjfWzLF\n"
	"cf6hj4HRfrdPMAoGCCqGSM49BAMCA0kAMEYCIQDUlQoMGnNyXXUJZzsncALUPFjB\n"
	"nqjdctjsh4sfC8V60QIhAIqT+IoXos46aoAQpwbINkmxj0jWbMfRBzMzMyd8XSsh\n"
	"-----END CERTIFICATE-----\n";

/* dot.test by ca-ec, 2095-01-01..2099-01-01 (GeneralizedTime) */
static const char pem_leaf_new[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBsDCCAVWgAwIBAgICEAYwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRZG90Zndk\n"
	"IHRlc3QgQ0EgRUMwIhgPMjA5NTAxMDEwMDAwMDBaGA8yMDk5MDEwMTAwMDAwMFow\n"
	"EzERMA8GA1UEAwwIZG90LnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAARF\n"
	"fAmZGyfwES5rZfbCELOg1U+Ofnzvt34GAYfZi7poM/ScHKvOPUJXssvxVI1tRfci\n"
	"idYbXX97Ayjs8rwYOPmdo4GLMIGIMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQD\n"
	"AgWgMBMGA1UdJQQMMAoGCCsGAQUFBwMBMBMGA1UdEQQMMAqCCGRvdC50ZXN0MB0G\n"
	"A1UdDgQWBBQXhB0im3qKxhSMQX2+CbF1pR6sZTAfBgNVHSMEGDAWgBQEqoX6HoR4\n"
	"31syxXH+oY+B0X63TzAKBggqhkjOPQQDAgNJADBGAiEA3otw+JBAsAUvTksYjsjF\n"
	"MG5gtt5Z94xkjEi7I7Z7lYECIQD8RaCuS4hVZoEJPGrXxpBtDLAhpGDPt6TUhQsD\n"
	"2utbgA==\n"
	"-----END CERTIFICATE-----\n";

/* dot.test by a CA not among the anchors */
static const char pem_leaf_other[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBqDCCAU+gAwIBAgICEAcwCgYIKoZIzj0EAwIwGjEYMBYGA1UEAwwPZG90Zndk\n"
	"IG90aGVyIENBMB4XDTIwMDEwMTAwMDAwMFoXDTQ5MTIzMTIzNTk1OVowEzERMA8G\n"
	"A1UEAwwIZG90LnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAQce15Tmmvk\n"
	"Myzf5gJk6wdpYdd56eq4J8LSsgOgXS/mYdK6KykE0LUt08u5o8EE8lBPTM+IKOzC\n"
	"oNSD7iWDfstCo4GLMIGIMAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgWgMBMG\n"
	"A1UdJQQMMAoGCCsGAQUFBwMBMBMGA1UdEQQMMAqCCGRvdC50ZXN0MB0GA1UdDgQW\n"
	"BBRVtJ5sb56EaK7VsiHXZDDgowvxdjAfBgNVHSMEGDAWgBSJtT5vEC+85OMAzK3j\n"
	"nyOwdYeBmDAKBggqhkjOPQQDAgNHADBEAiAur6Zb87uXYDlR1Pq9mzGIlOA3/eWt\n"
	"pzccpjflYYnZngIgddKQwEzHwHwIOElkF2F/mJqmQBMRtr2duD0BisOkFFk=\n"
	"-----END CERTIFICATE-----\n";

/* intermediate by ca-rsa, 2096-01-01..2099-01-01 */
static const char pem_int_new[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICWzCCAUOgAwIBAgICEAgwDQYJKoZIhvcNAQELBQAwHTEbMBkGA1UEAwwSZG90\n"
	"ZndkIHRlc3QgQ0EgUlNBMCIYDzIwOTYwMTAxMDAwMDAwWhgPMjA5OTAxMDEwMDAw\n"
	"MDBaMCMxITAfBgNVBAMMGGRvdGZ3ZCB0ZXN0IGludGVybWVkaWF0ZTBZMBMGByqG\n"
	"SM49AgEGCCqGSM49AwEHA0IABEF18aBK7ysOzoly1edzG30pIjauWRU1eib/skko\n"
	"g8PLWcjUQ/FXNt4+o0/YtQCs5Db8OCAVSv4CP0ty+YOVqVCjZjBkMBIGA1UdEwEB\n"
	"/wQIMAYBAf8CAQAwDgYDVR0PAQH/BAQDAgEGMB0GA1UdDgQWBBQ7TRIN7hTRT5Ky\n"
	"2rBobCGFdYCY4TAfBgNVHSMEGDAWgBSIpZafmuL+hZHVo7GSyINRWejbyDANBgkq\n"
	"hkiG9w0BAQsFAAOCAQEAnfWP6g5ZdCPeRgwzwz1x8llT9SmN2EkLaqepf+PDOFlQ\n"
	"6//mZPsg3Ym2012KRm/SNSsze3XKg5eq0CaGWOxDO+B0KvCjXr+DLiAWBSFtg5AM\n"
	"G3+S5FgV7RZ/LFHlrkrTAHpZHoOyvT8qiOTSWmOXmiA4mkeB1Y9iy3cI5WmHCtAv\n"
	"9OwtTvVr+UeXlpkveCaeXtMwzVxi2DKQlwX4vz5QYvHWvw8CXIgbu7eDauY1lgHi\n"
	"ThKNl5oKkMx3q0Rho/cylxQlMTohEqyEybcXiApCBC+en6+K3bNYD72Tlczt2h30\n"
	"M/nmdQPXkKwmD8ek8JJyqZUSQZ/dVCJzfKwgI51zmg==\n"
	"-----END CERTIFICATE-----\n";

/* dot.test by int-new, 2095-01-01..2099-01-01 */
static const char pem_leaf_int[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBtzCCAVygAwIBAgICEAkwCgYIKoZIzj0EAwIwIzEhMB8GA1UEAwwYZG90Zndk\n"
	"IHRlc3QgaW50ZXJtZWRpYXRlMCIYDzIwOTUwMTAxMDAwMDAwWhgPMjA5OTAxMDEw\n"
	"MDAwMDBaMBMxETAPBgNVBAMMCGRvdC50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
	"AQcDQgAE8wE5RoEpciDBsMnCFcMTRa+Oi9PA6H0sHyTch1ORYG0iz6/VUqJeHP0m\n"
	"U+CUVublxXweHRDSn7WfnUGp2tnCLqOBizCBiDAMBgNVHRMBAf8EAjAAMA4GA1Ud\n"
	"DwEB/wQEAwIFoDATBgNVHSUEDDAKBggrBgEFBQcDATATBgNVHREEDDAKgghkb3Qu\n"
	"dGVzdDAdBgNVHQ4EFgQUmehypMZDwjTIUPRr6yhWGSPyDHkwHwYDVR0jBBgwFoAU\n"
	"O00SDe4U0U+SstqwaGwhhXWAmOEwCgYIKoZIzj0EAwIDSQAwRgIhAPBT3mzT8ysX\n"
	"qBMqqX52oe+NreNefCalezN8eLD27xetAiEAqKztsiNhFujY9TxFhmQRyuu12H2c\n"
	"3hIEzTVnNt9oeWs=\n"
	"-----END CERTIFICATE-----\n";


/*
 * The chain-wide clock rule (made with openssl ca like the others): a CA,
 * an intermediate valid only from 2096 and two leaves it signed, one
 * expiring before the intermediate starts (no time is inside every
 * window) and one after.
 */
/* CN=dotfwd test CA chain, P-256, 2000..2099 */
static const char pem_ca_chain[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBcjCCARigAwIBAgICEAAwCgYIKoZIzj0EAwIwHzEdMBsGA1UEAwwUZG90Zndk\n"
	"IHRlc3QgQ0EgY2hhaW4wIBcNMDAwMTAxMDAwMDAwWhgPMjA5OTEyMzEyMzU5NTla\n"
	"MB8xHTAbBgNVBAMMFGRvdGZ3ZCB0ZXN0IENBIGNoYWluMFkwEwYHKoZIzj0CAQYI\n"
	"KoZIzj0DAQcDQgAEa75OsR/JoF15TGqCpZY9g6Xr28j8EQjeN3LIavQyz9N3Ct2q\n"
	"c1FPhxuPeQZFgFM30VtBbsJ1/falNuwabfQ1KaNCMEAwDwYDVR0TAQH/BAUwAwEB\n"
	"/zAOBgNVHQ8BAf8EBAMCAQYwHQYDVR0OBBYEFMuRnPZY/2Jg09KoneatRyVMM49r\n"
	"MAoGCCqGSM49BAMCA0gAMEUCIG2a9DtQZoAgsq30IZx/Z67rdmjdn7cyKmMFrJvI\n"
	"42k3AiEA4CTPhoOqHEgHxv2eiE93KlYr5AfRF16SOQ30v0ZxrXc=\n"
	"-----END CERTIFICATE-----\n";

/* CN=dotfwd test intermediate 2096, by ca-chain, 2096-01-01..2099-01-01 */
static const char pem_int_2096[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBnjCCAUSgAwIBAgICEAAwCgYIKoZIzj0EAwIwHzEdMBsGA1UEAwwUZG90Zndk\n"
	"IHRlc3QgQ0EgY2hhaW4wIhgPMjA5NjAxMDEwMDAwMDBaGA8yMDk5MDEwMTAwMDAw\n"
	"MFowKDEmMCQGA1UEAwwdZG90ZndkIHRlc3QgaW50ZXJtZWRpYXRlIDIwOTYwWTAT\n"
	"BgcqhkjOPQIBBggqhkjOPQMBBwNCAARyRCdWUvBGvezOFIhdCS/ytag+7PumJecq\n"
	"3+fwLhkWuds94zxM35IbKcSGZRA2o/scUahaNtOq+HK9w/Ea6c39o2MwYTAPBgNV\n"
	"HRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBBjAdBgNVHQ4EFgQUX02Psm08st0w\n"
	"S09/+XmRrkn1wCgwHwYDVR0jBBgwFoAUy5Gc9lj/YmDT0qid5q1HJUwzj2swCgYI\n"
	"KoZIzj0EAwIDSAAwRQIgfwKRwSX+cXJk1YXkMXfKhKwpKhH4TaCi1TJvryrMxicC\n"
	"IQCQ9DHt04sH5wJpvsAHii7vhVA+jMqwnWnok4Q3e2MiDw==\n"
	"-----END CERTIFICATE-----\n";

/* dot.test by int-2096, 2020-01-01..2090-01-01 */
static const char pem_leaf_2090[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBuTCCAV+gAwIBAgICEAAwCgYIKoZIzj0EAwIwKDEmMCQGA1UEAwwdZG90Zndk\n"
	"IHRlc3QgaW50ZXJtZWRpYXRlIDIwOTYwIBcNMjAwMTAxMDAwMDAwWhgPMjA5MDAx\n"
	"MDEwMDAwMDBaMBMxETAPBgNVBAMMCGRvdC50ZXN0MFkwEwYHKoZIzj0CAQYIKoZI\n"
	"zj0DAQcDQgAEBo5SMEKacqc8e0+c8EPfawtpDRESWruIBH/JFkMBK8wrqK+qLH/8\n"
	"r6XnCSh3i9eXmCr0jnDQMs8YE2pNyK23uKOBizCBiDATBgNVHREEDDAKgghkb3Qu\n"
	"dGVzdDAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggr\n"
	"BgEFBQcDATAdBgNVHQ4EFgQUYZ3L28maq1u6ZTmj/CvLO8sk78wwHwYDVR0jBBgw\n"
	"FoAUX02Psm08st0wS09/+XmRrkn1wCgwCgYIKoZIzj0EAwIDSAAwRQIhAJ1A6WwI\n"
	"mxKX0pKi1GYMyFMblL1sT7kPc3wfOibTpIqxAiBBsa+Gpw51raapeFZ66xPJkPeq\n"
	"4VrsWnY3INwCM91aNw==\n"
	"-----END CERTIFICATE-----\n";

/* dot.test by int-2096, 2020-01-01..2098-01-01 */
static const char pem_leaf_2098[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBuDCCAV+gAwIBAgICEAAwCgYIKoZIzj0EAwIwKDEmMCQGA1UEAwwdZG90Zndk\n"
	"IHRlc3QgaW50ZXJtZWRpYXRlIDIwOTYwIBcNMjAwMTAxMDAwMDAwWhgPMjA5ODAx\n"
	"MDEwMDAwMDBaMBMxETAPBgNVBAMMCGRvdC50ZXN0MFkwEwYHKoZIzj0CAQYIKoZI\n"
	"zj0DAQcDQgAEBo5SMEKacqc8e0+c8EPfawtpDRESWruIBH/JFkMBK8wrqK+qLH/8\n"
	"r6XnCSh3i9eXmCr0jnDQMs8YE2pNyK23uKOBizCBiDATBgNVHREEDDAKgghkb3Qu\n"
	"dGVzdDAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNVHSUEDDAKBggr\n"
	"BgEFBQcDATAdBgNVHQ4EFgQUYZ3L28maq1u6ZTmj/CvLO8sk78wwHwYDVR0jBBgw\n"
	"FoAUX02Psm08st0wS09/+XmRrkn1wCgwCgYIKoZIzj0EAwIDRwAwRAIgIMX5dLCi\n"
	"A2tnG+JZkDrYyx4UFxsd3I4GutmAeL6Vf6UCIFo8CgfdgghUqxJ6kNr+5y/RwmpK\n"
	"KiG5NIARoeVLUuVU\n"
	"-----END CERTIFICATE-----\n";


/* SHA-256 of the SPKI, from `openssl x509 -pubkey | openssl pkey -pubin
 * -outform der | openssl dgst -sha256`: base64 1rdo6UH/... and k5ymUS... */
static const char pin_leaf_ec[] =
    "d6b768e941ff5cc54fee726860e318aeb504af322dd04b6ca3d2beb1379b9545";
static const char pin_leaf_rsa[] =
    "939ca651264deb4a03884448a21a2d89e87fc694adc9b83aaa8d872f2768272b";

/* Anchors decoded from pem_ca_ec, pem_ca_rsa and pem_ca_chain (test
 * copies). */
static br_x509_trust_anchor tas[MAX_TAS];
static size_t n_tas;
static uint8_t ta_store[4096];
static size_t ta_store_len;

/* Big contexts stay off the stack. */
static br_ssl_client_context cc;
static struct cert_ctx cx;

/* ta_init() results kept reachable so LeakSanitizer stays quiet. */
static const br_x509_trust_anchor *keep[8];
static int n_keep;

/* Collects decoded anchors (copies) for the decode tests. */
struct collect {
	int		 n_ok;
	int		 n_bad;
	int		 last_err;
	int		 stop_at;	/* return -1 on this call, 0 = never */
	int		 calls;
	unsigned	 flags[4];
	unsigned char	 key_type[4];
	size_t		 dn_len[4];
	uint8_t		 dn[4][256];
};

struct der_buf {
	uint8_t	 b[DER_CAP];
	size_t	 len;
};

static void
pem_sink(void *arg, const void *buf, size_t len)
{
	struct der_buf *d = arg;

	if (len > sizeof(d->b) - d->len)
		abort();
	memcpy(d->b + d->len, buf, len);
	d->len += len;
}

/* DER of the first PEM object in 'pem'. */
static size_t
pem_der(const char *pem, struct der_buf *out)
{
	br_pem_decoder_context pc;
	size_t len = strlen(pem), n;
	int ev;

	out->len = 0;
	br_pem_decoder_init(&pc);
	while (len > 0) {
		n = br_pem_decoder_push(&pc, pem, len);
		pem += n;
		len -= n;
		ev = br_pem_decoder_event(&pc);
		if (ev == BR_PEM_BEGIN_OBJ)
			br_pem_decoder_setdest(&pc, pem_sink, out);
		else if (ev == BR_PEM_END_OBJ)
			return out->len;
		else if (ev == BR_PEM_ERROR)
			abort();
	}
	abort();
}

static int
copy_anchor(void *arg, const br_x509_trust_anchor *ta, int br_err)
{
	br_x509_trust_anchor *t;
	size_t need;

	(void)arg;
	if (ta == NULL || n_tas == MAX_TAS)
		abort();
	(void)br_err;
	t = &tas[n_tas++];
	*t = *ta;
	need = ta->dn.len + (ta->pkey.key_type == BR_KEYTYPE_RSA ?
	    ta->pkey.key.rsa.nlen + ta->pkey.key.rsa.elen :
	    ta->pkey.key.ec.qlen);
	if (need > sizeof(ta_store) - ta_store_len)
		abort();
	t->dn.data = ta_store + ta_store_len;
	memcpy(t->dn.data, ta->dn.data, ta->dn.len);
	ta_store_len += ta->dn.len;
	if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
		t->pkey.key.rsa.n = ta_store + ta_store_len;
		memcpy(t->pkey.key.rsa.n, ta->pkey.key.rsa.n,
		    ta->pkey.key.rsa.nlen);
		ta_store_len += ta->pkey.key.rsa.nlen;
		t->pkey.key.rsa.e = ta_store + ta_store_len;
		memcpy(t->pkey.key.rsa.e, ta->pkey.key.rsa.e,
		    ta->pkey.key.rsa.elen);
		ta_store_len += ta->pkey.key.rsa.elen;
	} else {
		t->pkey.key.ec.q = ta_store + ta_store_len;
		memcpy(t->pkey.key.ec.q, ta->pkey.key.ec.q,
		    ta->pkey.key.ec.qlen);
		ta_store_len += ta->pkey.key.ec.qlen;
	}
	return 0;
}

static int
collect_cb(void *arg, const br_x509_trust_anchor *ta, int br_err)
{
	struct collect *c = arg;
	int i;

	if (++c->calls == c->stop_at)
		return -1;
	if (ta == NULL) {
		c->n_bad++;
		c->last_err = br_err;
		return 0;
	}
	if ((i = c->n_ok++) >= 4 || ta->dn.len > sizeof(c->dn[0]))
		abort();
	c->flags[i] = ta->flags;
	c->key_type[i] = ta->pkey.key_type;
	c->dn_len[i] = ta->dn.len;
	memcpy(c->dn[i], ta->dn.data, ta->dn.len);
	return 0;
}

/* 1 when 's' occurs in the n bytes at p. */
static int
has_bytes(const uint8_t *p, size_t n, const char *s)
{
	size_t i, sl = strlen(s);

	for (i = 0; i + sl <= n; i++)
		if (memcmp(p + i, s, sl) == 0)
			return 1;
	return 0;
}

static void
load_tas(void)
{
	if (n_tas > 0)
		return;
	if (ta_decode_pem(pem_ca_ec, strlen(pem_ca_ec), copy_anchor,
	    NULL) != 1 || ta_decode_pem(pem_ca_rsa, strlen(pem_ca_rsa),
	    copy_anchor, NULL) != 1 || ta_decode_pem(pem_ca_chain,
	    strlen(pem_ca_chain), copy_anchor, NULL) != 1)
		abort();
}

/* Bytes per append in run_chain (the engine's are record-sized). */
static size_t	append_len = 256;

/*
 * Drive the wrapper the way BearSSL's engine does: start_chain with the
 * engine's name, then each certificate in append_len-byte appends.
 * Returns end_chain's code; *why gets cert_errstr().
 */
static unsigned
run_chain(const char *name, const char *const *pems, int n,
    const uint8_t (*pin)[32], int n_pin, int synced, const char **why)
{
	const br_x509_class **vt;
	static struct der_buf d;
	size_t off, k;
	unsigned r;
	int i;

	load_tas();
	cert_init(&cx, &cc.eng, tas, n_tas, pin, n_pin);
	cert_set_clock_synced(synced);
	vt = &cx.vtable;
	(*vt)->start_chain(vt, name);
	for (i = 0; i < n; i++) {
		pem_der(pems[i], &d);
		(*vt)->start_cert(vt, (uint32_t)d.len);
		for (off = 0; off < d.len; off += k) {
			k = MIN(d.len - off, append_len);
			(*vt)->append(vt, d.b + off, k);
		}
		(*vt)->end_cert(vt);
	}
	r = (*vt)->end_chain(vt);
	cert_set_clock_synced(1);
	*why = cert_errstr(&cx);
	if (r == 0 && (*vt)->get_pkey(vt, NULL) == NULL)
		*why = "no key after success";
	if (r != 0 && (*vt)->get_pkey(vt, NULL) != NULL)
		*why = "key after failure";
	return r;
}

static int
t_clock_default(void)
{
	T_EQ_INT(cert_clock_synced(), 1);
	cert_set_clock_synced(0);
	T_EQ_INT(cert_clock_synced(), 0);
	cert_set_clock_synced(7);
	T_EQ_INT(cert_clock_synced(), 1);
	return 0;
}

static int
check_pin(const char *pem, const char *hex)
{
	static struct der_buf d;
	br_sha256_context h;
	const uint8_t *spki;
	uint8_t sum[32], want[32];
	size_t len;

	pem_der(pem, &d);
	T_EQ_INT(der_find_spki(d.b, d.len, &spki, &len), 0);
	T_ASSERT(spki > d.b && spki + len < d.b + d.len);
	T_EQ_INT(spki[0], 0x30);
	br_sha256_init(&h);
	br_sha256_update(&h, spki, len);
	br_sha256_out(&h, sum);
	t_unhex(hex, want, sizeof(want));
	T_EQ_HEX(sum, sizeof(sum), want, sizeof(want));
	return 0;
}

static int
t_spki_ec(void)
{
	return check_pin(pem_leaf_ec, pin_leaf_ec);
}

static int
t_spki_rsa(void)
{
	return check_pin(pem_leaf_rsa, pin_leaf_rsa);
}

/* Every truncation (in a buffer of exactly that size) fails cleanly. */
static int
t_truncated(void)
{
	static const char *const pems[] = { pem_ca_ec, pem_ca_rsa,
	    pem_leaf_ec, pem_leaf_rsa, pem_leaf_new, pem_int_new };
	static struct der_buf d;
	const uint8_t *spki;
	int64_t nb, na;
	uint8_t *p;
	size_t i, l, sl;

	for (i = 0; i < nitems(pems); i++) {
		pem_der(pems[i], &d);
		for (l = 0; l < d.len; l++) {
			if ((p = malloc(l == 0 ? 1 : l)) == NULL)
				T_FAIL("malloc");
			memcpy(p, d.b, l);
			if (der_find_spki(p, l, &spki, &sl) != -1 ||
			    der_find_validity(p, l, &nb, &na) != -1) {
				free(p);
				T_FAIL("cert %zu accepted at length %zu", i, l);
			}
			free(p);
		}
		/* a trailing byte is not a certificate either */
		d.b[d.len] = 0;
		T_EQ_INT(der_find_spki(d.b, d.len + 1, &spki, &sl), -1);
		T_EQ_INT(der_find_validity(d.b, d.len, &nb, &na), 0);
	}
	return 0;
}

static int
t_validity_real(void)
{
	static const struct {
		const char	*pem;
		int64_t		 nb, na;
	} v[] = {
		{ pem_ca_ec,	946684800,	4102444799 },	/* UTC, Gen */
		{ pem_leaf_old,	978307200,	1009843200 },	/* UTC, UTC */
		{ pem_leaf_new,	3944678400,	4070908800 },	/* Gen, Gen */
		{ pem_leaf_ec,	1577836800,	2524607999 },	/* UTC, UTC */
	};
	static struct der_buf d;
	int64_t nb, na;
	size_t i;

	for (i = 0; i < nitems(v); i++) {
		pem_der(v[i].pem, &d);
		T_EQ_INT(der_find_validity(d.b, d.len, &nb, &na), 0);
		T_EQ_INT(nb, v[i].nb);
		T_EQ_INT(na, v[i].na);
	}
	return 0;
}

/* A skeleton certificate around one validity; only the walk matters. */
static size_t
skeleton(uint8_t *out, int tag, const char *s)
{
	static const uint8_t later[] = "20991231235959Z";
	uint8_t tbs[128], val[64];
	size_t n = 0, v = 0, sl = strlen(s), o = 0;

	val[v++] = (uint8_t)tag;
	val[v++] = (uint8_t)sl;
	memcpy(val + v, s, sl);
	v += sl;
	val[v++] = 0x18;
	val[v++] = 15;
	memcpy(val + v, later, 15);
	v += 15;

	memcpy(tbs + n, "\xa0\x03\x02\x01\x02" "\x02\x01\x01" "\x30\x00"
	    "\x30\x00", 12);
	n += 12;
	tbs[n++] = 0x30;
	tbs[n++] = (uint8_t)v;
	memcpy(tbs + n, val, v);
	n += v;
	memcpy(tbs + n, "\x30\x00" "\x30\x02\x05\x00", 6);
	n += 6;

	out[o++] = 0x30;
	out[o++] = (uint8_t)(n + 2 + 5);
	out[o++] = 0x30;
	out[o++] = (uint8_t)n;
	memcpy(out + o, tbs, n);
	o += n;
	memcpy(out + o, "\x30\x00" "\x03\x01\x00", 5);
	return o + 5;
}

static int
t_validity_forms(void)
{
	static const struct {
		int		 tag;
		const char	*s;
		int		 ok;
		int64_t		 t;
	} v[] = {
		{ 0x17, "500101000000Z",	1, -631152000 },
		{ 0x17, "491231235959Z",	1, 2524607999 },
		{ 0x17, "700101000000Z",	1, 0 },
		{ 0x17, "000229123456Z",	1, 951827696 },	/* 2000 leap */
		{ 0x17, "000229123456.5Z",	1, 951827696 },
		{ 0x18, "20500101000000Z",	1, 2524608000 },
		{ 0x18, "20240229235959Z",	1, 1709251199 },
		{ 0x18, "20240229235959.123Z",	1, 1709251199 },
		{ 0x18, "20240229235959.Z",	1, 1709251199 },
		{ 0x18, "21000301000000Z",	1, 4107542400 },
		{ 0x18, "99991231235959Z",	1, 253402300799 },
		{ 0x18, "00000101000000Z",	1, -62167219200 },
		{ 0x18, "00010101000000Z",	1, -62135596800 },
		{ 0x17, "491231235960Z",	1, 2524608000 },	/* 60 */
		{ 0x18, "21000229000000Z",	0, 0 },	/* 2100 not leap */
		{ 0x18, "20230229000000Z",	0, 0 },
		{ 0x18, "20230431000000Z",	0, 0 },
		{ 0x18, "20231301000000Z",	0, 0 },
		{ 0x18, "20230001000000Z",	0, 0 },
		{ 0x18, "20230100000000Z",	0, 0 },
		{ 0x18, "20230101240000Z",	0, 0 },
		{ 0x18, "20230101006000Z",	0, 0 },
		{ 0x18, "20230101000061Z",	0, 0 },
		{ 0x18, "20230101000000",	0, 0 },	/* no Z */
		{ 0x18, "20230101000000+0000", 0, 0 },
		{ 0x18, "20230101000000ZZ",	0, 0 },
		{ 0x18, "202301010000Z",	0, 0 },	/* no seconds */
		{ 0x18, "230101000000Z",	0, 0 },	/* 2-digit year */
		{ 0x17, "20230101000000Z",	0, 0 },	/* 4-digit year */
		{ 0x17, "2301010000Z",		0, 0 },
		{ 0x17, "23010100000 Z",	0, 0 },
		{ 0x17, "-30101000000Z",	0, 0 },
		{ 0x04, "230101000000Z",	0, 0 },	/* OCTET STRING */
		{ 0x18, "",			0, 0 },
	};
	uint8_t buf[256];
	int64_t nb, na;
	size_t i, len;
	int r;

	for (i = 0; i < nitems(v); i++) {
		len = skeleton(buf, v[i].tag, v[i].s);
		nb = na = -1;
		r = der_find_validity(buf, len, &nb, &na);
		if (r != (v[i].ok ? 0 : -1))
			T_FAIL("\"%s\": want %s, got %d", v[i].s,
			    v[i].ok ? "ok" : "-1", r);
		if (v[i].ok && (nb != v[i].t || na != 4102444799))
			T_FAIL("\"%s\": want %lld, got %lld", v[i].s,
			    (long long)v[i].t, (long long)nb);
	}
	/* the skeleton's SPKI is found too */
	len = skeleton(buf, 0x17, "700101000000Z");
	{
		const uint8_t *spki;
		size_t sl;

		T_EQ_INT(der_find_spki(buf, len, &spki, &sl), 0);
		T_EQ_HEX(spki, sl, (const uint8_t *)"\x30\x02\x05\x00", 4);
	}
	return 0;
}

/* Long-form lengths, indefinite length and high tags. */
static int
t_der_lengths(void)
{
	uint8_t sk[256], buf[260];
	int64_t nb, na;
	size_t len, cl;

	/* the skeleton with a 2-byte long-form outer length: still fine */
	len = skeleton(sk, 0x17, "700101000000Z");
	cl = len - 2;
	buf[0] = 0x30;
	buf[1] = 0x82;
	buf[2] = 0x00;
	buf[3] = (uint8_t)cl;
	memcpy(buf + 4, sk + 2, cl);
	T_EQ_INT(der_find_validity(buf, cl + 4, &nb, &na), 0);
	T_EQ_INT(nb, 0);
	/* indefinite length */
	buf[1] = 0x80;
	T_EQ_INT(der_find_validity(buf, cl + 4, &nb, &na), -1);
	/* five length bytes */
	buf[1] = 0x85;
	T_EQ_INT(der_find_validity(buf, cl + 4, &nb, &na), -1);
	/* length past the end */
	buf[1] = 0x82;
	buf[3] = (uint8_t)(cl + 1);
	T_EQ_INT(der_find_validity(buf, cl + 4, &nb, &na), -1);
	/* high tag number form */
	buf[3] = (uint8_t)cl;
	buf[0] = 0x3f;
	T_EQ_INT(der_find_validity(buf, cl + 4, &nb, &na), -1);
	/* a tag other than SEQUENCE */
	buf[0] = 0x31;
	T_EQ_INT(der_find_validity(buf, cl + 4, &nb, &na), -1);
	return 0;
}

static int
expect_chain(const char *name, const char *const *pems, int n,
    const uint8_t (*pin)[32], int n_pin, int synced, const char *want)
{
	const char *why;
	unsigned r;

	r = run_chain(name, pems, n, pin, n_pin, synced, &why);
	if (strcmp(want, "ok") == 0) {
		if (r != 0)
			T_FAIL("want ok, got %u \"%s\"", r, why);
		T_EQ_INT(cx.why, CERT_OK);
		return 0;
	}
	if (r == 0)
		T_FAIL("want \"%s\", got success", want);
	T_EQ_STR(why, want);
	return 0;
}

static int
t_chain_ec(void)
{
	const char *c[] = { pem_leaf_ec };

	if (expect_chain("dot.test", c, 1, NULL, 0, 1, "ok") != 0)
		return -1;
	return expect_chain("dot.test", c, 1, NULL, 0, 0, "ok");
}

/* A floor after notAfter makes even a good certificate expired. */
static int
t_time_floor(void)
{
	const char *c[] = { pem_leaf_ec };
	int r;

	cert_set_time_floor(2840140800);	/* 2060-01-01 */
	r = expect_chain("dot.test", c, 1, NULL, 0, 0, "certificate expired");
	if (r == 0)
		r = expect_chain("dot.test", c, 1, NULL, 0, 1,
		    "certificate expired");
	cert_set_time_floor(1577836800);	/* 2020-01-01: harmless */
	if (r == 0)
		r = expect_chain("dot.test", c, 1, NULL, 0, 1, "ok");
	cert_set_time_floor(0);
	return r;
}

/* der_fmt_date: the civil date of a time, as `date -u +%F` prints it. */
static int
t_fmt_date(void)
{
	static const struct {
		int64_t		 t;
		const char	*want;
	} v[] = {
		{ 0, "1970-01-01" },
		{ 86399, "1970-01-01" },
		{ 86400, "1970-01-02" },
		{ 951782399, "2000-02-28" },
		{ 951782400, "2000-02-29" },	/* 2000 is a leap year */
		{ 951868800, "2000-03-01" },
		{ 1795753155, "2026-11-27" },
		{ 4107542399, "2100-02-28" },	/* 2100 is not */
		{ 4107542400, "2100-03-01" },
		{ 253402300799, "9999-12-31" },
		{ 253402300800, "9999-12-31" },	/* clamped */
		{ -5, "1970-01-01" },		/* clamped */
	};
	char buf[DER_DATE_LEN], prev[DER_DATE_LEN];
	int64_t day;
	size_t i;
	int y, m, d, py, pm, pd, mlen;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		der_fmt_date(v[i].t, buf);
		T_EQ_STR(buf, v[i].want);
	}
	/* every day to 2200 follows the one before it */
	der_fmt_date(0, prev);
	for (day = 1; day < 84000; day++) {
		der_fmt_date(day * 86400 + day % 86400, buf);
		if (sscanf(prev, "%d-%d-%d", &py, &pm, &pd) != 3 ||
		    sscanf(buf, "%d-%d-%d", &y, &m, &d) != 3)
			T_FAIL("day %lld: \"%s\" after \"%s\"", (long long)day,
			    buf, prev);
		mlen = pm == 2 ? 28 + ((py % 4 == 0 && py % 100 != 0) ||
		    py % 400 == 0) : 30 + ((pm + pm / 8) % 2);
		if (!(y == py && m == pm && d == pd + 1) &&
		    !(y == py && m == pm + 1 && d == 1 && pd == mlen) &&
		    !(y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31))
			T_FAIL("day %lld: \"%s\" after \"%s\"", (long long)day,
			    buf, prev);
		memcpy(prev, buf, sizeof(prev));
	}
	T_EQ_STR(buf, "2199-12-25");
	return 0;
}

static int
t_chain_rsa(void)
{
	const char *c[] = { pem_leaf_rsa };

	return expect_chain("dot.test", c, 1, NULL, 0, 1, "ok");
}

static int
t_name_mismatch(void)
{
	const char *c[] = { pem_leaf_ec };

	if (expect_chain("dot.example", c, 1, NULL, 0, 1,
	    "certificate name mismatch") != 0)
		return -1;
	/* 127.0.0.1 is not a dNSName: BearSSL 0.6 never matches it */
	return expect_chain("127.0.0.1", c, 1, NULL, 0, 1,
	    "certificate name mismatch");
}

static int
t_no_name(void)
{
	const char *c[] = { pem_leaf_ec };

	if (expect_chain(NULL, c, 1, NULL, 0, 1,
	    "no server name to check") != 0)
		return -1;
	return expect_chain("", c, 1, NULL, 0, 1, "no server name to check");
}

static int
t_unknown_ca(void)
{
	const char *c[] = { pem_leaf_other };

	return expect_chain("dot.test", c, 1, NULL, 0, 1, "unknown CA");
}

static int
t_expired(void)
{
	const char *c[] = { pem_leaf_old };

	if (expect_chain("dot.test", c, 1, NULL, 0, 1,
	    "certificate expired") != 0)
		return -1;
	/* not synchronised changes nothing for an expired certificate */
	return expect_chain("dot.test", c, 1, NULL, 0, 0,
	    "certificate expired");
}

static int
t_not_yet_valid(void)
{
	const char *c[] = { pem_leaf_new };

	if (expect_chain("dot.test", c, 1, NULL, 0, 1,
	    "certificate not yet valid") != 0)
		return -1;
	return expect_chain("dot.test", c, 1, NULL, 0, 0, "ok");
}

/* The latest notBefore of the chain (the intermediate's) is used. */
static int
t_chain_intermediate(void)
{
	const char *c[] = { pem_leaf_int, pem_int_new };

	if (expect_chain("dot.test", c, 2, NULL, 0, 1,
	    "certificate not yet valid") != 0)
		return -1;
	if (expect_chain("dot.test", c, 2, NULL, 0, 0, "ok") != 0)
		return -1;
	/* without the intermediate the leaf's issuer is unknown */
	return expect_chain("dot.test", c, 1, NULL, 0, 0, "unknown CA");
}

/*
 * The clock rule on a chain as a whole: while unsynchronised each
 * certificate passes at its own notBefore, but some one time must lie
 * inside every window: a leaf that expires (2090) before its
 * intermediate starts (2096) is expired, one that lasts longer is fine.
 */
static int
t_chain_window(void)
{
	const char *c90[] = { pem_leaf_2090, pem_int_2096 };
	const char *c98[] = { pem_leaf_2098, pem_int_2096 };

	if (expect_chain("dot.test", c98, 2, NULL, 0, 0, "ok") != 0 ||
	    expect_chain("dot.test", c90, 2, NULL, 0, 0,
	    "certificate expired") != 0)
		return -1;
	/* synchronised: the intermediate is simply not valid yet */
	if (expect_chain("dot.test", c98, 2, NULL, 0, 1,
	    "certificate not yet valid") != 0 ||
	    expect_chain("dot.test", c90, 2, NULL, 0, 1,
	    "certificate not yet valid") != 0)
		return -1;
	/* an extra certificate after the anchor is not the validator's
	 * (nor the rule's): leaf_ec is complete with ca-ec */
	{
		const char *extra[] = { pem_leaf_ec, pem_leaf_old };

		if (expect_chain("dot.test", extra, 2, NULL, 0, 0, "ok") != 0)
			return -1;
	}
	return 0;
}

/*
 * The certificates stream through in pieces of any size: the Validity
 * held back across appends, the leaf's SPKI hashed across them.
 */
static int
t_append_sizes(void)
{
	static const size_t sizes[] = { 1, 2, 3, 5, 13, 64, 100, 4096 };
	const char *ec[] = { pem_leaf_ec }, *rsa[] = { pem_leaf_rsa };
	const char *nyv[] = { pem_leaf_new }, *old[] = { pem_leaf_old };
	const char *c90[] = { pem_leaf_2090, pem_int_2096 };
	const char *c98[] = { pem_leaf_2098, pem_int_2096 };
	const char *cint[] = { pem_leaf_int, pem_int_new };
	uint8_t pins[2][32];
	size_t k;
	int r = 0;

	t_unhex(pin_leaf_rsa, pins[0], 32);
	t_unhex(pin_leaf_ec, pins[1], 32);
	for (k = 0; k < nitems(sizes) && r == 0; k++) {
		append_len = sizes[k];
		printf("#   appends of %zu bytes\n", sizes[k]);
		r = expect_chain("dot.test", ec, 1, pins, 2, 1, "ok") ||
		    expect_chain("dot.test", rsa, 1, pins, 1, 1, "ok") ||
		    expect_chain("dot.test", ec, 1, pins, 1, 1,
		    "pin mismatch") ||
		    expect_chain("dot.test", nyv, 1, NULL, 0, 0, "ok") ||
		    expect_chain("dot.test", nyv, 1, NULL, 0, 1,
		    "certificate not yet valid") ||
		    expect_chain("dot.test", old, 1, NULL, 0, 0,
		    "certificate expired") ||
		    expect_chain("dot.test", cint, 2, NULL, 0, 0, "ok") ||
		    expect_chain("dot.test", c98, 2, NULL, 0, 0, "ok") ||
		    expect_chain("dot.test", c90, 2, NULL, 0, 0,
		    "certificate expired") ||
		    expect_chain("dot.example", ec, 1, NULL, 0, 1,
		    "certificate name mismatch");
	}
	append_len = 256;
	return r == 0 ? 0 : -1;
}

static int
t_pins(void)
{
	const char *ec[] = { pem_leaf_ec }, *rsa[] = { pem_leaf_rsa };
	const char *other[] = { pem_leaf_other };
	uint8_t pins[2][32];

	t_unhex(pin_leaf_rsa, pins[0], 32);
	t_unhex(pin_leaf_ec, pins[1], 32);
	if (expect_chain("dot.test", ec, 1, pins, 2, 1, "ok") != 0 ||
	    expect_chain("dot.test", rsa, 1, pins, 1, 1, "ok") != 0 ||
	    expect_chain("dot.test", ec, 1, pins, 1, 1, "pin mismatch") != 0)
		return -1;
	/* a pin never replaces CA or name validation */
	if (expect_chain("dot.test", other, 1, pins, 2, 1, "unknown CA") != 0)
		return -1;
	return expect_chain("dot.example", ec, 1, pins, 2, 1,
	    "certificate name mismatch");
}

static int
t_chain_limits(void)
{
	const char *nine[CERT_MAX_CERTS + 1];
	const br_x509_class **vt = &cx.vtable;
	static uint8_t junk[4096];
	const char *why;
	unsigned r;
	int i;

	for (i = 0; i < CERT_MAX_CERTS + 1; i++)
		nine[i] = pem_leaf_ec;
	if (expect_chain("dot.test", nine, CERT_MAX_CERTS + 1, NULL, 0, 1,
	    "certificate chain too long") != 0)
		return -1;
	/* eight certificates are fine (extras after the anchor ignored) */
	if (expect_chain("dot.test", nine, CERT_MAX_CERTS, NULL, 0, 1,
	    "ok") != 0)
		return -1;
	/* the chain is not kept, so its bytes have no limit of their own:
	 * 20 KB of junk is the validator's decoding error */
	cert_init(&cx, &cc.eng, tas, n_tas, NULL, 0);
	(*vt)->start_chain(vt, "dot.test");
	for (i = 0; i < 5; i++) {
		(*vt)->start_cert(vt, sizeof(junk));
		(*vt)->append(vt, junk, sizeof(junk));
		(*vt)->end_cert(vt);
	}
	r = (*vt)->end_chain(vt);
	T_ASSERT(r != 0);
	T_EQ_INT(cx.why, CERT_BAD);
	/* empty chain and garbage are BearSSL's own errors */
	r = run_chain("dot.test", nine, 0, NULL, 0, 1, &why);
	T_EQ_INT(r, BR_ERR_X509_EMPTY_CHAIN);
	T_EQ_STR(why, "certificate invalid (BearSSL error 35)");
	(*vt)->start_chain(vt, "dot.test");
	(*vt)->start_cert(vt, 16);
	(*vt)->append(vt, junk, 16);
	(*vt)->end_cert(vt);
	T_ASSERT((*vt)->end_chain(vt) != 0);
	T_EQ_INT(cx.why, CERT_BAD);
	return 0;
}

static int
t_decode_junk(void)
{
	static const char key[] = "-----BEGIN PRIVATE KEY-----\n"
	    "MC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";
	static char pem[8192];
	static struct collect c;
	size_t len;
	int n;

	snprintf(pem, sizeof(pem), "Bag Attributes\n  junk: 1\n%s"
	    "subject=whatever\n%s\n%s", pem_ca_ec, key, pem_ca_rsa);
	len = strlen(pem);
	T_ASSERT(pem[len - 1] == '\n');
	pem[--len] = '\0';	/* no newline at the very end */
	memset(&c, 0, sizeof(c));
	n = ta_decode_pem(pem, len, collect_cb, &c);
	T_EQ_INT(n, 2);
	T_EQ_INT(c.n_ok, 2);
	T_EQ_INT(c.n_bad, 0);
	T_EQ_INT(c.key_type[0], BR_KEYTYPE_EC);
	T_EQ_INT(c.key_type[1], BR_KEYTYPE_RSA);
	T_EQ_INT(c.flags[0], BR_X509_TA_CA);
	T_EQ_INT(c.flags[1], BR_X509_TA_CA);
	/* the DN is the subject's DER: SEQUENCE { SET { CN } } */
	T_EQ_INT(c.dn[0][0], 0x30);
	T_EQ_INT(c.dn_len[0], 2 + c.dn[0][1]);
	T_ASSERT(has_bytes(c.dn[0], c.dn_len[0], "dotfwd test CA EC"));
	T_ASSERT(has_bytes(c.dn[1], c.dn_len[1], "dotfwd test CA RSA"));
	return 0;
}

static int
t_decode_bad(void)
{
	static char pem[4096];
	static struct collect c;
	char *p;

	/* broken base64 */
	snprintf(pem, sizeof(pem), "%s", pem_ca_ec);
	p = strchr(pem, '\n') + 5;
	*p = '*';
	memset(&c, 0, sizeof(c));
	T_EQ_INT(ta_decode_pem(pem, strlen(pem), collect_cb, &c), -1);
	/* unterminated block */
	snprintf(pem, sizeof(pem), "%s", pem_ca_ec);
	*strstr(pem, "-----END") = '\0';
	T_EQ_INT(ta_decode_pem(pem, strlen(pem), collect_cb, &c), -1);
	/* nothing at all */
	T_EQ_INT(ta_decode_pem("", 0, collect_cb, &c), 0);
	T_EQ_INT(ta_decode_pem("hello\n", 6, collect_cb, &c), 0);
	T_EQ_INT(c.calls, 0);
	/* valid base64 that is not a certificate */
	snprintf(pem, sizeof(pem), "-----BEGIN CERTIFICATE-----\n"
	    "AAAA\n-----END CERTIFICATE-----\n");
	T_EQ_INT(ta_decode_pem(pem, strlen(pem), collect_cb, &c), 0);
	T_EQ_INT(c.n_bad, 1);
	T_ASSERT(c.last_err != 0);
	return 0;
}

static int
t_decode_unsupported(void)
{
	static char pem[8192];
	static struct collect c;

	/* an Ed25519 certificate is reported, then decoding goes on */
	snprintf(pem, sizeof(pem), "%s%s", pem_ca_ed, pem_ca_ec);
	memset(&c, 0, sizeof(c));
	T_EQ_INT(ta_decode_pem(pem, strlen(pem), collect_cb, &c), 1);
	T_EQ_INT(c.n_bad, 1);
	T_ASSERT(c.last_err >= BR_ERR_X509_INVALID_VALUE &&
	    c.last_err <= BR_ERR_X509_NOT_TRUSTED);
	T_EQ_INT(c.n_ok, 1);
	/* the callback may stop it */
	memset(&c, 0, sizeof(c));
	c.stop_at = 1;
	T_EQ_INT(ta_decode_pem(pem, strlen(pem), collect_cb, &c), -1);
	T_EQ_INT(c.calls, 1);
	return 0;
}

/* Write 'text' to a fresh temporary file; returns its path. */
static const char *
tmp_file(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/t_cert.XXXXXX");
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		abort();
	fputs(text, f);
	if (fclose(f) != 0)
		abort();
	return path;
}

static int
t_ta_init(void)
{
	static char pem[16384], msg[1024];
	const br_x509_trust_anchor *l;
	const char *path;
	struct fmt_out err;
	size_t n;
	int r;

	/* two new anchors, one duplicate, one unusable */
	snprintf(pem, sizeof(pem), "%s%s%s%s", pem_ca_ec, pem_ca_rsa,
	    pem_ca_ec, pem_ca_ed);
	path = tmp_file(pem);
	fmt_out_mem(&err, msg, sizeof(msg));
	r = ta_init(path, &err);
	unlink(path);
	T_EQ_INT(r, 0);
	l = ta_list(&n);
	keep[n_keep++] = l;
	T_EQ_INT(n, ta_builtin_n + 2);
	T_ASSERT(strstr(msg, ": certificate 4 skipped (BearSSL X.509 error ")
	    != NULL);
	T_EQ_INT(memcmp(l, ta_builtin, ta_builtin_n * sizeof(*l)), 0);
	T_EQ_INT(l[ta_builtin_n].pkey.key_type, BR_KEYTYPE_EC);
	T_EQ_INT(l[ta_builtin_n + 1].pkey.key_type, BR_KEYTYPE_RSA);
	T_EQ_INT(l[ta_builtin_n + 1].flags, BR_X509_TA_CA);
	load_tas();
	T_EQ_HEX(l[ta_builtin_n].dn.data, l[ta_builtin_n].dn.len,
	    tas[0].dn.data, tas[0].dn.len);
	T_EQ_HEX(l[ta_builtin_n + 1].pkey.key.rsa.n,
	    l[ta_builtin_n + 1].pkey.key.rsa.nlen,
	    tas[1].pkey.key.rsa.n, tas[1].pkey.key.rsa.nlen);
	return 0;
}

static int
t_ta_init_errors(void)
{
	static char msg[1024];
	const char *path;
	struct fmt_out err;
	size_t n;

	fmt_out_mem(&err, msg, sizeof(msg));
	T_EQ_INT(ta_init("/nonexistent/ca.pem", &err), -1);
	T_EQ_STR(msg, "/nonexistent/ca.pem: no such file or directory\n");

	path = tmp_file("no certificates here\n");
	fmt_out_mem(&err, msg, sizeof(msg));
	T_EQ_INT(ta_init(path, &err), -1);
	unlink(path);
	T_ASSERT(strstr(msg, ": no usable certificate") != NULL);

	path = tmp_file(pem_ca_ed);
	fmt_out_mem(&err, msg, sizeof(msg));
	T_EQ_INT(ta_init(path, &err), -1);
	unlink(path);
	T_ASSERT(strstr(msg, ": no usable certificate") != NULL);

	/* no ca_file: the compiled-in set alone */
	fmt_out_mem(&err, msg, sizeof(msg));
	T_EQ_INT(ta_init("", &err), 0);
	T_EQ_STR(msg, "");
	T_ASSERT(ta_list(&n) == ta_builtin);
	T_EQ_INT(n, ta_builtin_n);
	T_ASSERT(ta_builtin_n >= 12);
	return 0;
}

/* The system bundle (Debian's ca-certificates) when the host has one. */
static int
t_ta_init_system(void)
{
	static const char bundle[] = "/etc/ssl/certs/ca-certificates.crt";
	static char msg[4096];
	struct fmt_out err;
	size_t n;
	int r;

	if (access(bundle, R_OK) != 0) {
		printf("#   %s not readable, nothing to check\n", bundle);
		return 0;
	}
	fmt_out_mem(&err, msg, sizeof(msg));
	r = ta_init(bundle, &err);
	if (r != 0 || msg[0] != '\0')
		T_FAIL("ta_init: %d, \"%s\"", r, msg);
	keep[n_keep++] = ta_list(&n);
	printf("#   %zu anchors (%zu compiled in)\n", n, ta_builtin_n);
	T_ASSERT(n > 100);
	return 0;
}

static const struct t_case cases[] = {
	{ "clock_default",	t_clock_default },
	{ "spki_ec",		t_spki_ec },
	{ "spki_rsa",		t_spki_rsa },
	{ "truncated",		t_truncated },
	{ "validity_real",	t_validity_real },
	{ "validity_forms",	t_validity_forms },
	{ "der_lengths",	t_der_lengths },
	{ "chain_ec",		t_chain_ec },
	{ "chain_rsa",		t_chain_rsa },
	{ "time_floor",		t_time_floor },
	{ "fmt_date",		t_fmt_date },
	{ "name_mismatch",	t_name_mismatch },
	{ "no_name",		t_no_name },
	{ "unknown_ca",		t_unknown_ca },
	{ "expired",		t_expired },
	{ "not_yet_valid",	t_not_yet_valid },
	{ "chain_intermediate",	t_chain_intermediate },
	{ "chain_window",	t_chain_window },
	{ "append_sizes",	t_append_sizes },
	{ "pins",		t_pins },
	{ "chain_limits",	t_chain_limits },
	{ "decode_junk",	t_decode_junk },
	{ "decode_bad",		t_decode_bad },
	{ "decode_unsupported",	t_decode_unsupported },
	{ "ta_init",		t_ta_init },
	{ "ta_init_errors",	t_ta_init_errors },
	{ "ta_init_system",	t_ta_init_system },
};

T_MAIN("cert", cases)
