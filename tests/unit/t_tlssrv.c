/* SPDX-License-Identifier: MIT */
/*
 * t_tlssrv.c: tls.c's server engine against its client engine, in one
 * process over a socketpair: handshakes with an EC and an RSA pair
 * (certkey.c), ChaCha20 first, data both ways, resumption through the
 * server's session cache, the insecure client of `dotfwd query -k`
 * (cert_verdict, leaf CN and pin), and the max_fragment_length a client
 * asked for not carried into the next handshake.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "certkey.h"
#include "fmt.h"
#include "ta.h"
#include "tls.h"
#include "t.h"

/* dot.test by the test CA EC, P-256, 2020..2049 (t_tls.c) */
static const char ec_crt[] =
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

/* its key, PKCS#8 */
static const char ec_pkcs8[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgVZdzAx5o7TL2A/Aa\n"
	"/Fi3IZMftu0izbBljY3idtgHep+hRANCAASYvbOsjdUef8zJJ1pMGXW8NbsG/WCB\n"
	"PRvPdBun54Nt1fGN9t78HntPXwcBpFccs+Uvwbi0+hwY8y6Nx+CNGQpN\n"
	"-----END PRIVATE KEY-----\n";

/* dot.test by the test CA RSA, RSA-2048 (t_tls.c) */
static const char rsa_crt[] =
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

/* the same key, PKCS#1 (openssl rsa -traditional) */
static const char rsa_pkcs1[] =
	"-----BEGIN RSA PRIVATE KEY-----\n"
	"MIIEogIBAAKCAQEAr9GT2BFfhSAojW7cEaaL/2fMx8N4j++Jz0oVORc3srUJCQjt\n"
	"gjC55nfHwLWk6vIKTWeamspQbzrV6LjG3M7uE17SmgJiItciHP/2IROa/1z46tfN\n"
	"pY/4ZmTxnNYggp2LMEkJhMZS4sBxJfyk65qeY3Sk00bsv6r52vT/p59vt13taju6\n"
	"MVB4XVGaHY5Dj06mCBL0dkoJ2CFBSS5FtD1wAx9yt54MSjeFNlKpkhw1JiGLl2Xa\n"
	"vbUBKxqBm1qRq1QW9DAdqHN3M5vRm3QiXc3zo0PHHXiJfgwH30l32nvgY3RDOJgS\n"
	"BV/d2MvcyFesNauDOYrap3rW6crO0rJy9MHRmwIDAQABAoIBAEq5mkqE58Ie7t1d\n"
	"tq7RyEKfDUwB6iXSuxGc/PQsyAFuLA7o+nkQ2JH5aq6fBR7ODE7lr7IGNrVvniax\n"
	"EeQbFtiovn2ycZ85LEiDCUr5mDDchPbbDY5GaF6snHv6Dgs1hkjZYfBKkkPJYs2w\n"
	"WS/BoXvHwZ4CUPENa/ABnP7TJpoZ3mTWAXlIXyeikbk7LqqKOL6+2pYLT9FuieAd\n"
	"8u3DxwlFxbmxS66PD0yaYfTZEFUz44UoEnf5TIJNIYjgm1lEgEAAcoWRoomTDoce\n"
	"6h4u0ZTH0CP0KMpxTNPHOq1mOA2LcIyr5gsAktRHCr3U4LmPUrEi7ifjILkjjIRt\n"
	"9iAMSFECgYEA6ohrnzSE8gcxW41kIC+1ul9bjTvgJZ6lEHKIiRYLFz+aaskkxpH6\n"
	"ihH/xHBa+UqBcL4Hiw6HPz5G5oQfbZKsWiG/ASyts97CcvE2843YhTSkpS+etTGv\n"
	"V320Z0WnJom+bEfJiKkVjsh78NbgZxMfB85PjCkc/YtjL3w8x3Y4X5UCgYEAv+ld\n"
	"Mw40Kr21ZfTn1jqDedAqvDwRpJSsOmjDmOMHdIdUu8NldngLALukzFLl0haElL75\n"
	"6iTleg6PX/5zjUuOHj1caKgSFRApMzDjmR8HD7vnPCSy3zYemlA6xTYQ1rYu9HEp\n"
	"PjVaOpQuxTSLMMhU5NntzE7R8QFIAmC2UBB24G8CgYBfUDW8q9FjsvyiImIQmpMW\n"
	"PO6uBSlg4IpglstaOvUi65xLzZb+hBD3z7zMDoVKTrcwJGpYXv0j/KE/yW4kT7lv\n"
	"n8tKJOgq81q+77zPWlQmPnCzGRk8tgZ2XgXU+n+lr9ENnFcRDPZP4rZL+GeWPDUe\n"
	"LQAzC/pWKDGU+L6SqT7byQKBgEgjdZgqf6uNUjG4JKmfpypT+Kx3O/6MsEzocpX2\n"
	"ySehc1V9NpeYujIVVvZDNwaI1l9/hjvgkK4X6Qchg9gaDZsKX8ErZFiskYAfoX4+\n"
	"bo4YiOxPszk6g7hn7h+RmjTLmMzj+KfcsEUSzJ3uiV/V/itkTAIfosUgQSw7pGxm\n"
	"M/lbAoGASckUzR8YL0kXKivyN5sp4Jeq8dddlqxSl2nxYsxsZoNu4NlD5j7LvOZ7\n"
	"V09msCx+Fbn4igAfroIuldwhGrS69iiJfjBVwWxhvRYhR/Bl5SIdcvhMOaomZ1Se\n"
	"QbVDihoMibbxErWICwOwoVlMf89Lhj/2hPFeR2bCye1i8qWMgBc=\n"
	"-----END RSA PRIVATE KEY-----\n";

/* the test CAs (EC, RSA) of t_tls.c */
static const char ca_crt[] =
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

/* SHA-256 of the EC leaf's SPKI (see t_cert.c). */
static const char pin_leaf_ec[] =
    "d6b768e941ff5cc54fee726860e318aeb504af322dd04b6ca3d2beb1379b9545";

#define ROUNDS		2000	/* pump rounds per exchange, at most */

static char		 dir[64];
static struct tls_conn	 cli;
static struct tls_srv	 srv;
static struct ck_pair	 pair;
static uint8_t		 der[CK_DER_CAP];
static uint8_t		 cio[TLS_IN_CAP + TLS_OUT_CAP];
static uint8_t		 sio[TLS_IN_CAP + TLS_SRV_OUT_CAP];
static uint8_t		 cache[8 * TLS_CACHE_ENTRY];
static struct cert_leaf	 leaf;
static int		 fd[2] = { -1, -1 };
static int		 ready;

static void
cleanup(void)
{
	static const char *const names[] = { "ca", "c", "k" };
	char path[128];
	size_t i;

	if (dir[0] == '\0')
		return;
	for (i = 0; i < nitems(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static const char *
put(const char *name, const char *text)
{
	static char path[3][128];
	static int k;
	FILE *f;

	k = (k + 1) % 3;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	if ((f = fopen(path[k], "w")) == NULL)
		abort();
	fputs(text, f);
	if (fclose(f) != 0)
		abort();
	return path[k];
}

/* Anchors (the test CAs), the cache, the engines: once. */
static void
setup(void)
{
	struct fmt_out err;
	char ebuf[256];

	if (ready)
		return;
	snprintf(dir, sizeof(dir), "/tmp/t_tlssrv.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	atexit(cleanup);
	fmt_out_err(&err, ebuf, sizeof(ebuf));
	if (ta_init(put("ca", ca_crt), &err) != 0)
		abort();
	tls_srv_cache(cache, sizeof(cache));
	tls_srv_init(&srv, sio);
	ready = 1;
}

static int
use_pair(const char *crt, const char *key)
{
	char why[160];
	int which;

	pair.der = der;
	return ck_load(&pair, put("c", crt), put("k", key), &which, why,
	    sizeof(why));
}

/* A fresh client engine, insecure or not, and a connected pair. */
static void
connect_pair(int insecure)
{
	const br_x509_trust_anchor *tas;
	size_t n;
	int i;

	for (i = 0; i < 2; i++)
		if (fd[i] != -1)
			close(fd[i]);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == -1)
		abort();
	for (i = 0; i < 2; i++)
		fcntl(fd[i], F_SETFL, O_NONBLOCK);
	if (insecure != -1) {
		tas = ta_list(&n);
		tls_init(&cli, cio, tas, n, NULL, 0);
		/* as dotfwd query does: the leaf kept for CN, pin, key */
		cert_keep_leaf(&cli.cert, &leaf);
		if (insecure)
			tls_set_insecure(&cli);
	}
}

/* Pump both sides until the handshake is done: 0, or -1 (a side
 * failed: its tls errstr says why). */
static int
handshake(const char *name)
{
	int i;

	if (tls_start(&cli, name) != 0 ||
	    tls_srv_start(&srv, &pair.cred) != 0)
		return -1;
	for (i = 0; i < ROUNDS; i++) {
		/* what a loop asks before poll(): it re-arms reading */
		(void)tls_events(&cli);
		if (tls_io(&cli, fd[0]) == -1 ||
		    tls_link_io(&srv.l, fd[1]) == -1)
			return -1;
		if (tls_is_ready(&cli) && srv.l.is_ready)
			return 0;
	}
	return -1;
}

/* 'len' bytes from a to b (engines: client 0, server 1); 0 or -1. */
static int
send_recv(int from_client, const char *msg)
{
	struct tls_link *a = from_client ? &cli.l : &srv.l;
	struct tls_link *b = from_client ? &srv.l : &cli.l;
	char got[256];
	size_t len = strlen(msg), cap, n = 0;
	uint8_t *p;
	int i;

	if ((p = tls_link_out(a, &cap)) == NULL || cap < len)
		return -1;
	memcpy(p, msg, len);
	tls_link_out_ack(a, len);
	tls_link_flush(a);
	for (i = 0; i < ROUNDS && n < len; i++) {
		(void)tls_link_events(&cli.l);
		if (tls_link_io(&cli.l, fd[0]) == -1 ||
		    tls_link_io(&srv.l, fd[1]) == -1)
			return -1;
		while ((p = tls_link_in(b, &cap)) != NULL && cap > 0 &&
		    n < sizeof(got)) {
			cap = MIN(cap, sizeof(got) - n);
			memcpy(got + n, p, cap);
			tls_link_in_ack(b, cap);
			n += cap;
		}
	}
	return n == len && memcmp(got, msg, len) == 0 ? 0 : -1;
}

static int
t_ecdsa(void)
{
	setup();
	T_EQ_INT(use_pair(ec_crt, ec_pkcs8), 0);
	connect_pair(0);
	if (handshake("dot.test") != 0)
		T_FAIL("handshake: client %s, server %s", tls_errstr(&cli),
		    tls_link_errstr(&srv.l));
	/* both ends put the faster cipher on this CPU first */
	T_EQ_STR(tls_suite(&cli), tls_aes_hw() ?
	    "ECDHE-ECDSA-AES128-GCM-SHA256" : "ECDHE-ECDSA-CHACHA20-POLY1305");
	T_EQ_STR(tls_link_suite(&srv.l), tls_suite(&cli));
	T_EQ_INT(send_recv(1, "hello from the server"), 0);
	T_EQ_INT(send_recv(0, "hi from the client"), 0);
	return 0;
}

static int
t_rsa(void)
{
	setup();
	T_EQ_INT(use_pair(rsa_crt, rsa_pkcs1), 0);
	connect_pair(0);
	if (handshake("dot.test") != 0)
		T_FAIL("handshake: client %s, server %s", tls_errstr(&cli),
		    tls_link_errstr(&srv.l));
	T_EQ_STR(tls_suite(&cli), tls_aes_hw() ?
	    "ECDHE-RSA-AES128-GCM-SHA256" : "ECDHE-RSA-CHACHA20-POLY1305");
	T_EQ_INT(send_recv(0, "ping"), 0);
	return 0;
}

/* The second connection of the same client resumes from the cache. */
static int
t_resume(void)
{
	setup();
	T_EQ_INT(use_pair(ec_crt, ec_pkcs8), 0);
	connect_pair(0);
	T_EQ_INT(handshake("dot.test"), 0);
	T_EQ_INT(tls_resumed(&cli), 0);
	connect_pair(-1);
	T_EQ_INT(handshake("dot.test"), 0);
	T_EQ_INT(tls_resumed(&cli), 1);
	T_EQ_INT(send_recv(0, "again"), 0);
	return 0;
}

/* -k: the name is wrong, the handshake goes on, the verdict says so. */
static int
t_insecure(void)
{
	const struct cert_ctx *cx;
	uint8_t sum[32], want[32];
	char cn[64];

	setup();
	T_EQ_INT(use_pair(ec_crt, ec_pkcs8), 0);
	connect_pair(0);
	T_EQ_INT(handshake("wrong.test"), -1);
	T_EQ_STR(tls_errstr(&cli), "certificate name mismatch");
	connect_pair(1);
	if (handshake("wrong.test") != 0)
		T_FAIL("insecure handshake: %s", tls_errstr(&cli));
	cx = tls_cert(&cli);
	T_EQ_STR(cert_verdict(cx), "certificate name mismatch");
	T_EQ_INT(cert_leaf_cn(cx, cn, sizeof(cn)), 0);
	T_EQ_STR(cn, "dot.test");
	T_EQ_INT(cert_leaf_pin(cx, sum), 0);
	t_unhex(pin_leaf_ec, want, sizeof(want));
	T_EQ_HEX(sum, 32, want, 32);
	/* no name at all (no SNI): still fine without authentication */
	connect_pair(1);
	T_EQ_INT(handshake(""), 0);
	T_EQ_STR(cert_verdict(tls_cert(&cli)), "no server name to check");
	/* the right name: the check would pass */
	connect_pair(1);
	T_EQ_INT(handshake("dot.test"), 0);
	T_ASSERT(cert_verdict(tls_cert(&cli)) == NULL);
	return 0;
}

/*
 * Our client asks for max_fragment_length TLS_OUT_FRAG (2048); BearSSL's
 * reset alone
 * would keep it for the engine's next client (and send it unasked).
 */
static int
t_fraglen(void)
{
	setup();
	T_EQ_INT(use_pair(ec_crt, ec_pkcs8), 0);
	connect_pair(0);
	T_EQ_INT(handshake("dot.test"), 0);
	T_EQ_INT(1 << srv.sc.eng.peer_log_max_frag_len, TLS_OUT_FRAG);
	T_EQ_INT(tls_srv_start(&srv, &pair.cred), 0);
	T_EQ_INT(srv.sc.eng.peer_log_max_frag_len, 0);
	T_EQ_INT(srv.sc.eng.log_max_frag_len, 12);
	return 0;
}

/*
 * The whole chain is sent: a leaf signed by an intermediate that only
 * the server has (our anchors are the CAs).  Its dates are 2095..2099:
 * the boot clock rule lets "not yet valid" pass.
 */
static int
t_chain(void)
{
	char both[4096];
	int r;

	setup();
	snprintf(both, sizeof(both), "%s%s", pem_leaf_int, pem_int_new);
	T_EQ_INT(use_pair(both, pem_leaf_int), 0);
	T_EQ_INT(pair.cred.n_chain, 2);
	cert_set_clock_synced(0);
	connect_pair(0);
	r = handshake("dot.test");
	if (r != 0)
		printf("#   with the intermediate: %s\n", tls_errstr(&cli));
	/* without it the client cannot build the chain */
	T_EQ_INT(use_pair(pem_leaf_int, pem_leaf_int), 0);
	connect_pair(0);
	T_EQ_INT(handshake("dot.test"), -1);
	T_EQ_STR(tls_errstr(&cli), "unknown CA");
	cert_set_clock_synced(1);
	T_EQ_INT(r, 0);
	return 0;
}

static const struct t_case cases[] = {
	{ "ecdsa",	t_ecdsa },
	{ "rsa",	t_rsa },
	{ "resume",	t_resume },
	{ "insecure",	t_insecure },
	{ "fraglen",	t_fraglen },
	{ "chain",	t_chain },
};

T_MAIN("tlssrv", cases)
