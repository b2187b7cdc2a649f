/* SPDX-License-Identifier: MIT */
/*
 * t_certkey.c: certkey.c, the server's certificate chain and key from
 * PEM files: EC (SEC1 and PKCS#8) and RSA (PKCS#1 and PKCS#8) keys, a
 * chain with its CA, the key/certificate match, and each refusal with
 * its words.  The PEM texts are written to a temporary directory.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <unistd.h>

#include "certkey.h"
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

/* the same key, SEC1 (openssl ec) */
static const char ec_sec1[] =
	"-----BEGIN EC PRIVATE KEY-----\n"
	"MHcCAQEEIFWXcwMeaO0y9gPwGvxYtyGTH7btIs2wZY2N4nbYB3qfoAoGCCqGSM49\n"
	"AwEHoUQDQgAEmL2zrI3VHn/MySdaTBl1vDW7Bv1ggT0bz3Qbp+eDbdXxjfbe/B57\n"
	"T18HAaRXHLPlL8G4tPocGPMujcfgjRkKTQ==\n"
	"-----END EC PRIVATE KEY-----\n";

/* the same key, encrypted PKCS#8 (passphrase x) */
static const char ec_enc[] =
	"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
	"MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAibtaUgE+rm7gICCAAw\n"
	"DAYIKoZIhvcNAgkFADAdBglghkgBZQMEAQIEEPWV32xRQlLZ4acwmBcxkpwEgZAp\n"
	"/HdGMLRjmh3HqKJTx/OBW0vAr1Ebs6zMQI7eUxS0mplSW/F3VIsVkXdfU+ky3qS+\n"
	"2K9Alo7kXNDYhZ/reLzR4NzjryTCAR22i7k5peappQ/qCRQlqS9Clyss14H8ov+N\n"
	"UpoBBn/KlPoz/SwZWKF8FO5JnVPbMtKByX9NF+EyZo5SzxO9FvbSuDM5a8HT8PI=\n"
	"-----END ENCRYPTED PRIVATE KEY-----\n";

/* another P-256 key */
static const char ec_other[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg777zIKDIT0QEElgb\n"
	"BCN4/gZhS5pi/sVD4OMpw3/nwWahRANCAAQAjp4LZ43OewmpAZMy2drv/ClKC/5U\n"
	"H+q39HJ+s1VeyiYEbyR9hZ5VJIqkoANtLYrP8OnJPAcCpmUWw7tsGUh1\n"
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

/* its key, PKCS#8 */
static const char rsa_pkcs8[] =
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

/* self-signed, P-384, CN=p384.test */
static const char p384_crt[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBuzCCAUKgAwIBAgIUG64kY2+qXrhXpBe+Nr5hvyqaIZAwCgYIKoZIzj0EAwIw\n"
	"FDESMBAGA1UEAwwJcDM4NC50ZXN0MCAXDTI2MTIwMzEyMTk0NVoYDzIxMjYxMTA5\n"
	"MTIxOTQ1WjAUMRIwEAYDVQQDDAlwMzg0LnRlc3QwdjAQBgcqhkjOPQIBBgUrgQQA\n"
	"IgNiAATLA8gANPolBxJvvuuGo0tCCQj39vFa7PAENknprwJkH3v1L1QRyPahDE0i\n"
	"u/TtHS9nLYDGhAKWiVCsTK1F/E/GEVtKYh302sCkQE9cP43tGUWanqbeyhaCoUA1\n"
	"cPgk/D2jUzBRMB0GA1UdDgQWBBT+T/l1bpgopiW/wJC/+kh60vxlRzAfBgNVHSME\n"
	"GDAWgBT+T/l1bpgopiW/wJC/+kh60vxlRzAPBgNVHRMBAf8EBTADAQH/MAoGCCqG\n"
	"SM49BAMCA2cAMGQCMDOtFJnP6ql+ZEPebFEfqLbOT1D6roVtG5navx8I5LEaWGRn\n"
	"5zEYgnL/te7htOFEIwIwAgdTcPYuUnyQp34mdQORdtPczAOE8zXLMJrQ4VHaYvg6\n"
	"BSahZL9zDN5THu7VzRZN\n"
	"-----END CERTIFICATE-----\n";

/* its key, PKCS#8 */
static const char p384_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDD5k5VwbMm+/kQCm6Rx\n"
	"QLHFC+iY1QK1opQ/sAZtd4ke3Dwnq3sM7ASOopZEXP/ebbChZANiAATLA8gANPol\n"
	"BxJvvuuGo0tCCQj39vFa7PAENknprwJkH3v1L1QRyPahDE0iu/TtHS9nLYDGhAKW\n"
	"iVCsTK1F/E/GEVtKYh302sCkQE9cP43tGUWanqbeyhaCoUA1cPgk/D0=\n"
	"-----END PRIVATE KEY-----\n";

/* an Ed25519 key (BearSSL 0.6 has none) */
static const char ed_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MC4CAQAwBQYDK2VwBCIEIAaLgbjUQ53IBYCHS6Q87FZsQjDPugDy1d0ZCQXYqsl7\n"
	"-----END PRIVATE KEY-----\n";

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

static char	 dir[64];
static struct ck_pair pair;
static uint8_t	 der[CK_DER_CAP];
static char	 why[200];
static int	 which;

static void
cleanup(void)
{
	char path[128];

	if (dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/c", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/k", dir);
	unlink(path);
	rmdir(dir);
}

/* Write text (the concatenation of up to three) as dir/name; its path. */
static const char *
put(const char *name, const char *a, const char *b, const char *c)
{
	static char path[2][128];
	static int k;
	FILE *f;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/t_certkey.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		atexit(cleanup);
	}
	k = !k;
	snprintf(path[k], sizeof(path[k]), "%s/%s", dir, name);
	if ((f = fopen(path[k], "w")) == NULL)
		abort();
	fputs(a, f);
	if (b != NULL)
		fputs(b, f);
	if (c != NULL)
		fputs(c, f);
	if (fclose(f) != 0)
		abort();
	return path[k];
}

static int
load(const char *cert, const char *key)
{
	pair.der = der;
	why[0] = '\0';
	which = -1;
	return ck_load(&pair, cert, key, &which, why, sizeof(why));
}

static int
t_ec_pkcs8(void)
{
	uint8_t d[32];

	T_EQ_INT(load(put("c", ec_crt, NULL, NULL), put("k", ec_pkcs8, NULL,
	    NULL)), 0);
	T_EQ_INT(pair.cred.key_type, BR_KEYTYPE_EC);
	T_EQ_INT(pair.cred.n_chain, 1);
	T_EQ_STR(pair.cn, "dot.test");
	/* the digest is what ck_digest says for the same two files */
	T_EQ_INT(ck_digest(put("c", ec_crt, NULL, NULL), put("k", ec_pkcs8,
	    NULL, NULL), d), 0);
	T_EQ_HEX(d, 32, pair.digest, 32);
	/* and another when a file changes */
	T_EQ_INT(ck_digest(put("c", ec_crt, NULL, NULL), put("k", ec_sec1,
	    NULL, NULL), d), 0);
	T_ASSERT(memcmp(d, pair.digest, 32) != 0);
	return 0;
}

static int
t_ec_sec1(void)
{
	T_EQ_INT(load(put("c", ec_crt, NULL, NULL), put("k", ec_sec1, NULL,
	    NULL)), 0);
	T_EQ_INT(pair.cred.key_type, BR_KEYTYPE_EC);
	T_EQ_INT(br_skey_decoder_get_ec(&pair.cred.skey)->curve,
	    BR_EC_secp256r1);
	return 0;
}

static int
t_ec_p384(void)
{
	T_EQ_INT(load(put("c", p384_crt, NULL, NULL), put("k", p384_key, NULL,
	    NULL)), 0);
	T_EQ_INT(br_skey_decoder_get_ec(&pair.cred.skey)->curve,
	    BR_EC_secp384r1);
	T_EQ_STR(pair.cn, "p384.test");
	return 0;
}

static int
t_rsa(void)
{
	T_EQ_INT(load(put("c", rsa_crt, NULL, NULL), put("k", rsa_pkcs8, NULL,
	    NULL)), 0);
	T_EQ_INT(pair.cred.key_type, BR_KEYTYPE_RSA);
	T_EQ_INT(load(put("c", rsa_crt, NULL, NULL), put("k", rsa_pkcs1, NULL,
	    NULL)), 0);
	T_EQ_INT(pair.cred.key_type, BR_KEYTYPE_RSA);
	return 0;
}

/* Leaf first, then the CA: the whole chain is kept, in order. */
static int
t_chain(void)
{
	T_EQ_INT(load(put("c", ec_crt, ca_crt, NULL), put("k", ec_pkcs8, NULL,
	    NULL)), 0);
	T_EQ_INT(pair.cred.n_chain, 3);
	T_ASSERT(pair.cred.chain[0].data == der);
	T_EQ_INT(pair.cred.chain[0].data_len + pair.cred.chain[1].data_len +
	    pair.cred.chain[2].data_len, pair.der_len);
	/* a key in the certificate file is skipped, a certificate in the
	 * key file too */
	T_EQ_INT(load(put("c", ec_crt, ec_pkcs8, NULL), put("k", ca_crt,
	    ec_sec1, NULL)), 0);
	T_EQ_INT(pair.cred.n_chain, 1);
	return 0;
}

static int
t_mismatch(void)
{
	T_EQ_INT(load(put("c", ec_crt, NULL, NULL), put("k", ec_other, NULL,
	    NULL)), -1);
	T_EQ_INT(which, CK_KEY);
	T_EQ_STR(why, "key does not match the certificate");
	T_EQ_INT(load(put("c", ec_crt, NULL, NULL), put("k", rsa_pkcs1, NULL,
	    NULL)), -1);
	T_EQ_INT(which, CK_KEY);
	T_EQ_STR(why, "key does not match the certificate (one is RSA, the "
	    "other EC)");
	/* the CA first: its key is not ours */
	T_EQ_INT(load(put("c", ca_crt, ec_crt, NULL), put("k", ec_pkcs8, NULL,
	    NULL)), -1);
	T_EQ_STR(why, "key does not match the certificate");
	return 0;
}

static int
t_refused(void)
{
	char many[8192];
	int i;

	T_EQ_INT(load(put("c", ec_pkcs8, NULL, NULL), put("k", ec_pkcs8, NULL,
	    NULL)), -1);
	T_EQ_INT(which, CK_CERT);
	T_EQ_STR(why, "no CERTIFICATE block in it");
	T_EQ_INT(load(put("c", ec_crt, NULL, NULL), put("k", ec_crt, NULL,
	    NULL)), -1);
	T_EQ_INT(which, CK_KEY);
	T_EQ_STR(why, "no PRIVATE KEY block in it");
	T_EQ_INT(load(put("c", ec_crt, NULL, NULL), put("k", ec_enc, NULL,
	    NULL)), -1);
	T_EQ_STR(why, "an encrypted key (store it without a passphrase)");
	T_EQ_INT(load(put("c", ec_crt, NULL, NULL), put("k", ed_key, NULL,
	    NULL)), -1);
	T_EQ_STR(why, "not an RSA or EC key BearSSL can read");
	T_EQ_INT(load(put("c", "-----BEGIN CERTIFICATE-----\nAAAA\n", NULL,
	    NULL), put("k", ec_pkcs8, NULL, NULL)), -1);
	T_EQ_INT(which, CK_CERT);
	T_EQ_STR(why, "a PEM block does not end");
	T_EQ_INT(load("/nonexistent/c", put("k", ec_pkcs8, NULL, NULL)), -1);
	T_EQ_INT(which, CK_CERT);
	T_ASSERT(strncmp(why, "cannot open: ", 13) == 0);
	/* nine certificates: more than TLS_CHAIN_MAX */
	many[0] = '\0';
	for (i = 0; i < 9; i++)
		strcat(many, ec_crt);
	T_EQ_INT(load(put("c", many, NULL, NULL), put("k", ec_pkcs8, NULL,
	    NULL)), -1);
	T_EQ_STR(why, "more than 8 certificates");
	return 0;
}

static const struct t_case cases[] = {
	{ "ec_pkcs8",	t_ec_pkcs8 },
	{ "ec_sec1",	t_ec_sec1 },
	{ "ec_p384",	t_ec_p384 },
	{ "rsa",	t_rsa },
	{ "chain",	t_chain },
	{ "mismatch",	t_mismatch },
	{ "refused",	t_refused },
};

T_MAIN("certkey", cases)
