/* SPDX-License-Identifier: MIT */
/*
 * t_tls.c: tls.c, cert.c and ta.c end to end against a real TLS server:
 * `openssl s_server -rev` on 127.0.0.1 (a free port, stopped by PID),
 * with our test PKI (the certificates of t_cert.c, plus keys) written to
 * a temporary directory.  Skips itself when there is no openssl binary.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cert.h"
#include "fmt.h"
#include "ta.h"
#include "tls.h"
#include "t.h"

#define WAIT_MS		5000	/* per handshake or echo; loopback is fast */

/* ca_file: CN=dotfwd test CA EC (P-256) and CA RSA (RSA-2048) */
static const char pem_ca[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBbTCCARKgAwIBAgICEAAwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRZG90Zndk\n"
	"IHRlc3QgQ0EgRUMwIBcNMDAwMTAxMDAwMDAwWhgPMjA5OTEyMzEyMzU5NTlaMBwx\n"
	"GjAYBgNVBAMMEWRvdGZ3ZCB0ZXN0IENBIEVDMFkwEwYHKoZIzj0CAQYIKoZIzj0D\n"
	"AQcDQgAEjxjEn1M77r/W71EcRpBsGmwhBZwX4fpT5elBIYdy0XJGh/Bq8R3GCg5x\n"
	"PiGG2rGB2S3B60u2Hvc4zR8xRzeY0qNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNV\n"
	"HQ8BAf8EBAMCAQYwHQYDVR0OBBYEFASqhfoehHjfWzLFcf6hj4HRfrdPMAoGCCqG\n"
	"SM49BAMCA0kAMEYCIQCpLsw1A0cD960WSQ6h4r2Cdr0VVvfy0/uUU4JaKM0RhAIh\n"
	"ALxNfUQPkYpj4wr30akQf4ijNLKaEbT8+RB3gTd2b+tG\n"
	"-----END CERTIFICATE-----\n"
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

/* dot.test by CA EC, P-256, 2020..2049 */
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
	"-----END CERTIFICATE-----\n"
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVZdzAx5o7TL2A/Aa\n"
	"/Fi3IZMftu0izbBljY3idtgHep+hRANCAASYvbOsjdUef8zJJ1pMGXW8NbsG/WCB\n"
	"PRvPdBun54Nt1fGN9t78HntPXwcBpFccs+Uvwbi0+hwY8y6Nx+CNGQpN\n"
	"-----END PRIVATE KEY-----\n";

/* dot.test by CA RSA, RSA-2048, 2020..2049 */
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
	"-----END CERTIFICATE-----\n"
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCv0ZPYEV+FICiN\n"
	"btwRpov/Z8zHw3iP74nPShU5FzeytQkJCO2CMLnmd8fAtaTq8gpNZ5qaylBvOtXo\n"
	"uMbczu4TXtKaAmIi1yIc//YhE5r/XPjq182lj/hmZPGc1iCCnYswSQmExlLiwHEl\n"
	"/KTrmp5jdKTTRuy/qvna9P+nn2+3Xe1qO7oxUHhdUZodjkOPTqYIEvR2SgnYIUFJ\n"
	"LkW0PXADH3K3ngxKN4U2UqmSHDUmIYuXZdq9tQErGoGbWpGrVBb0MB2oc3czm9Gb\n"
	"dCJdzfOjQ8cdeIl+DAffSXfae+BjdEM4mBIFX93Yy9zIV6w1q4M5itqnetbpys7S\n"
	"snL0wdGbAgMBAAECggEASrmaSoTnwh7u3V22rtHIQp8NTAHqJdK7EZz89CzIAW4s\n"
	"Duj6eRDYkflqrp8FHs4MTuWvsgY2tW+eJrER5BsW2Ki+fbJxnzksSIMJSvmYMNyE\n"
	"9tsNjkZoXqyce/oOCzWGSNlh8EqSQ8lizbBZL8Ghe8fBngJQ8Q1r8AGc/tMmmhne\n"
	"ZNYBeUhfJ6KRuTsuqoo4vr7algtP0W6J4B3y7cPHCUXFubFLro8PTJph9NkQVTPj\n"
	"hSgSd/lMgk0hiOCbWUSAQAByhZGiiZMOhx7qHi7RlMfQI/QoynFM08c6rWY4DYtw\n"
	"jKvmCwCS1EcKvdTguY9SsSLuJ+MguSOMhG32IAxIUQKBgQDqiGufNITyBzFbjWQg\n"
	"L7W6X1uNO+AlnqUQcoiJFgsXP5pqySTGkfqKEf/EcFr5SoFwvgeLDoc/PkbmhB9t\n"
	"kqxaIb8BLK2z3sJy8TbzjdiFNKSlL561Ma9XfbRnRacmib5sR8mIqRWOyHvw1uBn\n"
	"Ex8Hzk+MKRz9i2MvfDzHdjhflQKBgQC/6V0zDjQqvbVl9OfWOoN50Cq8PBGklKw6\n"
	"aMOY4wd0h1S7w2V2eAsAu6TMUuXSFoSUvvnqJOV6Do9f/nONS44ePVxoqBIVECkz\n"
	"MOOZHwcPu+c8JLLfNh6aUDrFNhDWti70cSk+NVo6lC7FNIswyFTk2e3MTtHxAUgC\n"
	"YLZQEHbgbwKBgF9QNbyr0WOy/KIiYhCakxY87q4FKWDgimCWy1o69SLrnEvNlv6E\n"
	"EPfPvMwOhUpOtzAkalhe/SP8oT/JbiRPuW+fy0ok6CrzWr7vvM9aVCY+cLMZGTy2\n"
	"BnZeBdT6f6Wv0Q2cVxEM9k/itkv4Z5Y8NR4tADML+lYoMZT4vpKpPtvJAoGASCN1\n"
	"mCp/q41SMbgkqZ+nKlP4rHc7/oywTOhylfbJJ6FzVX02l5i6MhVW9kM3BojWX3+G\n"
	"O+CQrhfpByGD2BoNmwpfwStkWKyRgB+hfj5ujhiI7E+zOTqDuGfuH5GaNMuYzOP4\n"
	"p9ywRRLMne6JX9X+K2RMAh+ixSBBLDukbGYz+VsCgYBJyRTNHxgvSRcqK/I3myng\n"
	"l6rx112WrFKXafFizGxmg27g2UPmPsu85ntXT2awLH4VufiKAB+ugi6V3CEatLr2\n"
	"KIl+MFXBbGG9FiFH8GXlIh1y+Ew5qiZnVJ5BtUOKGgyJtvEStYgLA7ChWUx/z0uG\n"
	"P/aE8V5HZsLJ7WLypYyAFw==\n"
	"-----END PRIVATE KEY-----\n";

/* dot.test by CA EC, 2001..2002 (expired) */
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
	"-----END CERTIFICATE-----\n"
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgxB+lkj57wKNeHexL\n"
	"Uefke5CN1L4fvdE1NEn+oPT2WA+hRANCAAQXH8fgmZwEGcioLT4lthzyLjxZTqJk\n"
	"MykDFh4Y8GByFieU5tLPj4b5ifui10vAqXV3rFo62M3ox5bDK1s4RkbH\n"
	"-----END PRIVATE KEY-----\n";

/* dot.test by CA EC, 2095..2099 (not yet valid) */
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
	"-----END CERTIFICATE-----\n"
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKbtdg4i8mVeULkdF\n"
	"6HaGWK2Zgz0r/3MuquelnvUFl6uhRANCAARFfAmZGyfwES5rZfbCELOg1U+Ofnzv\n"
	"t34GAYfZi7poM/ScHKvOPUJXssvxVI1tRfciidYbXX97Ayjs8rwYOPmd\n"
	"-----END PRIVATE KEY-----\n";

/* dot.test by a CA not in ca_file */
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
	"-----END CERTIFICATE-----\n"
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgFQuFDuZ1RtYwbmDa\n"
	"DhDumSiH3JtRro4x2RuH9u46+fqhRANCAAQce15TmmvkMyzf5gJk6wdpYdd56eq4\n"
	"J8LSsgOgXS/mYdK6KykE0LUt08u5o8EE8lBPTM+IKOzCoNSD7iWDfstC\n"
	"-----END PRIVATE KEY-----\n";

/* dot.test by the intermediate, 2095..2099 */
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
	"-----END CERTIFICATE-----\n"
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgAyX1/xh3XoyXw4II\n"
	"RQgDarRMrN2QFD4my07LxXrKO3+hRANCAATzATlGgSlyIMGwycIVwxNFr46L08Do\n"
	"fSwfJNyHU5FgbSLPr9VSol4c/SZT4JRW5uXFfB4dENKftZ+dQana2cIu\n"
	"-----END PRIVATE KEY-----\n";

/* intermediate by CA RSA, 2096..2099 (sent as chain) */
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


/* SHA-256 of leaf_ec's SPKI (see t_cert.c). */
static const char pin_leaf_ec[] =
    "d6b768e941ff5cc54fee726860e318aeb504af322dd04b6ca3d2beb1379b9545";

static const struct {
	const char	*name;
	const char	*text;
} files[] = {
	{ "ca.pem",		pem_ca },
	{ "leaf_ec.pem",	pem_leaf_ec },
	{ "leaf_rsa.pem",	pem_leaf_rsa },
	{ "leaf_old.pem",	pem_leaf_old },
	{ "leaf_new.pem",	pem_leaf_new },
	{ "leaf_other.pem",	pem_leaf_other },
	{ "leaf_int.pem",	pem_leaf_int },
	{ "int_new.pem",	pem_int_new },
};

static char	 dir[64];
static int	 have_openssl = -1;
static pid_t	 srv_pid = -1;
static int	 srv_port;
static int	 tas_loaded;

static struct tls_conn tc;
static uint8_t iobuf[TLS_IN_CAP + TLS_OUT_CAP];

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
cleanup(void)
{
	char path[128];
	size_t i;

	if (srv_pid > 0) {
		kill(srv_pid, SIGTERM);
		waitpid(srv_pid, NULL, 0);
		srv_pid = -1;
	}
	if (dir[0] == '\0')
		return;
	for (i = 0; i < nitems(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		unlink(path);
	}
	rmdir(dir);
	dir[0] = '\0';
}

/* Temporary directory with the PKI; 0, or -1 when openssl is missing. */
static int
setup(void)
{
	char path[128];
	size_t i;
	pid_t pid;
	FILE *f;
	int st;

	if (have_openssl == -1) {
		if ((pid = fork()) == 0) {
			int fd = open("/dev/null", O_RDWR);

			dup2(fd, 1);
			dup2(fd, 2);
			execlp("openssl", "openssl", "version", (char *)NULL);
			_exit(127);
		}
		have_openssl = pid > 0 && waitpid(pid, &st, 0) == pid &&
		    WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (!have_openssl)
			printf("#   no openssl binary: skipped\n");
	}
	if (!have_openssl)
		return -1;
	if (dir[0] != '\0')
		return 0;
	snprintf(dir, sizeof(dir), "/tmp/t_tls.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	for (i = 0; i < nitems(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].name);
		if ((f = fopen(path, "w")) == NULL)
			abort();
		fputs(files[i].text, f);
		if (fclose(f) != 0)
			abort();
	}
	return 0;
}

/* A loopback port nobody listens on right now. */
static int
free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, port;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		abort();
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* Non-blocking TCP connection to the server, TCP_NODELAY; or -1. */
static int
tcp_connect(void)
{
	struct sockaddr_in sin;
	struct pollfd pfd;
	socklen_t len;
	int fd, one = 1, err = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)srv_port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		abort();
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		if (errno != EINPROGRESS) {
			close(fd);
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		len = sizeof(err);
		if (poll(&pfd, 1, WAIT_MS) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* openssl s_server -rev with 'leaf' (cert + key), and 'chain' if any. */
static int
srv_start(const char *leaf, const char *chain)
{
	char acc[32], cert[128], cpath[128];
	uint64_t until;
	int fd, st;

	srv_port = free_port();
	snprintf(acc, sizeof(acc), "127.0.0.1:%d", srv_port);
	snprintf(cert, sizeof(cert), "%s/%s", dir, leaf);
	snprintf(cpath, sizeof(cpath), "%s/%s", dir,
	    chain != NULL ? chain : "");
	if ((srv_pid = fork()) == -1)
		abort();
	if (srv_pid == 0) {
		fd = open("/dev/null", O_RDWR);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (chain != NULL)
			execlp("openssl", "openssl", "s_server", "-accept", acc,
			    "-cert", cert, "-key", cert, "-rev", "-quiet",
			    "-cert_chain", cpath, (char *)NULL);
		else
			execlp("openssl", "openssl", "s_server", "-accept", acc,
			    "-cert", cert, "-key", cert, "-rev", "-quiet",
			    (char *)NULL);
		_exit(127);
	}
	/* ready once it accepts; that probe is one more client for it */
	until = now_ms() + WAIT_MS;
	while (now_ms() < until) {
		if (waitpid(srv_pid, &st, WNOHANG) == srv_pid) {
			srv_pid = -1;
			return -1;
		}
		if ((fd = tcp_connect()) != -1) {
			close(fd);
			return 0;
		}
		usleep(20 * 1000);
	}
	return -1;
}

static void
srv_stop(void)
{
	if (srv_pid > 0) {
		kill(srv_pid, SIGTERM);
		waitpid(srv_pid, NULL, 0);
	}
	srv_pid = -1;
}

/* Anchors from a ca_file, through ta_init() as the daemon loads them. */
static void
client_init(const uint8_t (*pin)[32], int n_pin)
{
	const br_x509_trust_anchor *tas;
	char path[128], ebuf[256];
	struct fmt_out err;
	size_t n;

	if (!tas_loaded) {
		snprintf(path, sizeof(path), "%s/ca.pem", dir);
		fmt_out_err(&err, ebuf, sizeof(ebuf));
		if (ta_init(path, &err) != 0)
			abort();
		tas_loaded = 1;
	}
	tas = ta_list(&n);
	tls_init(&tc, iobuf, tas, n, pin, n_pin);
}

/* Pump until the handshake is done: fd, or -1 (tls_errstr() says why). */
static int
handshake(const char *name)
{
	struct pollfd pfd;
	uint64_t until;
	int fd;

	if ((fd = tcp_connect()) == -1)
		return -1;
	if (tls_start(&tc, name) == -1) {
		close(fd);
		return -1;
	}
	until = now_ms() + WAIT_MS;
	while (now_ms() < until) {
		if (tls_io(&tc, fd) == -1)
			break;
		if (tls_is_ready(&tc))
			return fd;
		pfd.fd = fd;
		pfd.events = tls_events(&tc);
		if (pfd.events == 0)
			break;
		poll(&pfd, 1, 100);
	}
	close(fd);
	return -1;
}

/*
 * Send 'len' bytes of a line (plus '\n') and wait for the server's
 * reversed line.  Polls only when nothing moved: plaintext waiting in
 * tls_in() does not show in tls_events().  0 or -1.
 */
static int
echo(int fd, const char *msg, size_t len)
{
	static char got[8192];
	struct pollfd pfd;
	size_t off = 0, n, cap, have = 0, i;
	uint64_t until;
	uint8_t *p;
	int moved;

	until = now_ms() + WAIT_MS;
	while (now_ms() < until && have < len + 1) {
		moved = 0;
		while (off < len + 1 && (p = tls_out(&tc, &cap)) != NULL &&
		    cap > 0) {
			n = MIN(cap, len + 1 - off);
			for (i = 0; i < n; i++)
				p[i] = off + i < len ? msg[off + i] : '\n';
			tls_out_ack(&tc, n);
			off += n;
			moved = 1;
		}
		tls_flush(&tc);
		if (tls_io(&tc, fd) == -1)
			return -1;
		while ((p = tls_in(&tc, &n)) != NULL && n > 0) {
			n = MIN(n, sizeof(got) - have);
			memcpy(got + have, p, n);
			have += n;
			tls_in_ack(&tc, n);
			moved = 1;
			if (tls_io(&tc, fd) == -1)
				return -1;
		}
		if (moved)
			continue;
		pfd.fd = fd;
		pfd.events = tls_events(&tc);
		poll(&pfd, 1, 100);
	}
	if (have != len + 1 || got[len] != '\n')
		return -1;
	for (i = 0; i < len; i++)
		if (got[i] != msg[len - 1 - i])
			return -1;
	return 0;
}

static void
client_close(int fd)
{
	tls_close(&tc);
	(void)tls_io(&tc, fd);
	close(fd);
}

/* Handshake expectation: "ok" (then an echo) or tls_errstr() text. */
static int
expect(const char *name, const char *want)
{
	int fd;

	fd = handshake(name);
	if (strcmp(want, "ok") == 0) {
		if (fd == -1)
			T_FAIL("handshake failed: %s", tls_errstr(&tc));
		if (echo(fd, "hello", 5) != 0) {
			close(fd);
			T_FAIL("echo failed: %s", tls_errstr(&tc));
		}
		client_close(fd);
		return 0;
	}
	if (fd != -1) {
		close(fd);
		T_FAIL("want \"%s\", got a handshake", want);
	}
	T_EQ_STR(tls_errstr(&tc), want);
	return 0;
}

/* Start a server, run 'fn', stop it; a missing openssl skips. */
static int
with_server(const char *leaf, const char *chain, int (*fn)(void))
{
	int r;

	if (setup() != 0)
		return 0;
	if (srv_start(leaf, chain) != 0)
		T_FAIL("openssl s_server did not start");
	r = fn();
	srv_stop();
	cert_set_clock_synced(1);
	return r;
}

static int
ecdsa_fn(void)
{
	client_init(NULL, 0);
	if (expect("dot.test", "ok") != 0)
		return -1;
	/* the server follows our order: AES-GCM first with AES-NI */
	printf("#   hardware AES: %s\n", tls_aes_hw() ? "yes" : "no");
	T_EQ_STR(tls_suite(&tc), tls_aes_hw() ?
	    "ECDHE-ECDSA-AES128-GCM-SHA256" : "ECDHE-ECDSA-CHACHA20-POLY1305");
	T_EQ_INT(tls_resumed(&tc), 0);
	return 0;
}

static int
t_ecdsa(void)
{
	return with_server("leaf_ec.pem", NULL, ecdsa_fn);
}

static int
rsa_fn(void)
{
	client_init(NULL, 0);
	if (expect("dot.test", "ok") != 0)
		return -1;
	T_EQ_STR(tls_suite(&tc), tls_aes_hw() ?
	    "ECDHE-RSA-AES128-GCM-SHA256" : "ECDHE-RSA-CHACHA20-POLY1305");
	return 0;
}

static int
t_rsa(void)
{
	return with_server("leaf_rsa.pem", NULL, rsa_fn);
}

static int
name_fn(void)
{
	client_init(NULL, 0);
	return expect("dot.example", "certificate name mismatch");
}

static int
t_name_mismatch(void)
{
	return with_server("leaf_ec.pem", NULL, name_fn);
}

static int
unknown_fn(void)
{
	client_init(NULL, 0);
	return expect("dot.test", "unknown CA");
}

static int
t_unknown_ca(void)
{
	return with_server("leaf_other.pem", NULL, unknown_fn);
}

static int
pin_fn(void)
{
	uint8_t pins[2][32];

	t_unhex(pin_leaf_ec, pins[1], 32);
	memset(pins[0], 0x55, 32);
	client_init(pins, 1);
	if (expect("dot.test", "pin mismatch") != 0)
		return -1;
	client_init(pins, 2);
	if (expect("dot.test", "ok") != 0)
		return -1;
	client_init((const uint8_t (*)[32])pins[1], 1);
	return expect("dot.test", "ok");
}

static int
t_pin(void)
{
	return with_server("leaf_ec.pem", NULL, pin_fn);
}

static int
expired_fn(void)
{
	client_init(NULL, 0);
	cert_set_clock_synced(1);
	if (expect("dot.test", "certificate expired") != 0)
		return -1;
	cert_set_clock_synced(0);
	return expect("dot.test", "certificate expired");
}

static int
t_expired(void)
{
	return with_server("leaf_old.pem", NULL, expired_fn);
}

static int
future_fn(void)
{
	client_init(NULL, 0);
	cert_set_clock_synced(1);
	if (expect("dot.test", "certificate not yet valid") != 0)
		return -1;
	cert_set_clock_synced(0);
	return expect("dot.test", "ok");
}

static int
t_not_yet_valid(void)
{
	return with_server("leaf_new.pem", NULL, future_fn);
}

/* Two certificates from the server; the intermediate's notBefore. */
static int
t_chain(void)
{
	return with_server("leaf_int.pem", "int_new.pem", future_fn);
}

static int
resume_fn(void)
{
	int fd, i;

	client_init(NULL, 0);
	for (i = 0; i < 3; i++) {
		if ((fd = handshake("dot.test")) == -1)
			T_FAIL("handshake %d: %s", i, tls_errstr(&tc));
		if (echo(fd, "resume", 6) != 0) {
			close(fd);
			T_FAIL("echo %d failed: %s", i, tls_errstr(&tc));
		}
		if (tls_resumed(&tc) != (i > 0)) {
			close(fd);
			T_FAIL("handshake %d: resumed %d", i, tls_resumed(&tc));
		}
		client_close(fd);
	}
	/*
	 * Another name never resumes (that would skip the name check),
	 * and a failed handshake forgets the session.
	 */
	T_EQ_INT(tc.has_session, 1);
	fd = handshake("dot.example");
	T_EQ_INT(fd, -1);
	T_EQ_STR(tls_errstr(&tc), "certificate name mismatch");
	T_EQ_INT(tc.has_session, 0);
	if ((fd = handshake("dot.test")) == -1)
		T_FAIL("handshake: %s", tls_errstr(&tc));
	T_EQ_INT(tls_resumed(&tc), 0);
	client_close(fd);
	return 0;
}

static int
t_resume(void)
{
	return with_server("leaf_ec.pem", NULL, resume_fn);
}

/*
 * More than one 512-byte record each way: our output records are cut
 * to max_fragment_length; the server's may be up to 16 KB.
 */
static int
big_fn(void)
{
	static char msg[6000];
	size_t i;
	int fd;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (char)('a' + i % 26);
	client_init(NULL, 0);
	if ((fd = handshake("dot.test")) == -1)
		T_FAIL("handshake: %s", tls_errstr(&tc));
	if (echo(fd, msg, sizeof(msg)) != 0) {
		close(fd);
		T_FAIL("echo failed: %s", tls_errstr(&tc));
	}
	client_close(fd);
	return 0;
}

static int
t_big(void)
{
	return with_server("leaf_rsa.pem", NULL, big_fn);
}

/* The server going away: EOF or reset, never SIGPIPE. */
static int
gone_fn(void)
{
	static char msg[4000];
	int fd, i, r = 0;

	memset(msg, 'x', sizeof(msg));
	client_init(NULL, 0);
	if ((fd = handshake("dot.test")) == -1)
		T_FAIL("handshake: %s", tls_errstr(&tc));
	srv_stop();
	for (i = 0; i < 20 && r == 0; i++) {
		r = echo(fd, msg, sizeof(msg));
		usleep(10 * 1000);
	}
	close(fd);
	T_EQ_INT(r, -1);
	T_ASSERT(strcmp(tls_errstr(&tc), "closed by peer") == 0 ||
	    strcmp(tls_errstr(&tc), "connection reset") == 0 ||
	    strcmp(tls_errstr(&tc), "broken pipe") == 0);
	printf("#   %s\n", tls_errstr(&tc));
	return 0;
}

static int
t_server_gone(void)
{
	return with_server("leaf_ec.pem", NULL, gone_fn);
}

static int
refused_fn(void)
{
	srv_stop();
	client_init(NULL, 0);
	T_EQ_INT(tcp_connect(), -1);
	T_EQ_INT(tls_start(&tc, ""), -1);
	T_EQ_STR(tls_errstr(&tc), "no server name, or too long");
	return 0;
}

static int
t_refused(void)
{
	return with_server("leaf_ec.pem", NULL, refused_fn);
}

static const struct t_case cases[] = {
	{ "ecdsa",		t_ecdsa },
	{ "rsa",		t_rsa },
	{ "name_mismatch",	t_name_mismatch },
	{ "unknown_ca",		t_unknown_ca },
	{ "pin",		t_pin },
	{ "expired",		t_expired },
	{ "not_yet_valid",	t_not_yet_valid },
	{ "chain",		t_chain },
	{ "resume",		t_resume },
	{ "big",		t_big },
	{ "server_gone",	t_server_gone },
	{ "refused",		t_refused },
};

T_MAIN("tls", cases)
