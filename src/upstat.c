/* SPDX-License-Identifier: MIT */
/*
 * upstat.c: upstream status JSON and counter lines (see upstat.h).
 */
#include <inttypes.h>
#include <string.h>

#include "fmt.h"
#include "log.h"
#include "upstat.h"
#include "upstream.h"

#define UST_ERR_CAP	64

/* Indexed by enum uc_fail; the words of the SIGUSR1 line. */
static const char *const fail_name[UC_F_N] = { "network", "timeout",
    "certificate", "tls", "silent", "lost" };

/* JSON string content: our names and reasons are plain; anything odd
 * becomes '?' rather than an escape. */
static const char *
json_safe(const char *in, char *out, size_t cap)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i < cap - 1; i++)
		out[i] = in[i] < 0x20 || in[i] > 0x7e || in[i] == '"' ||
		    in[i] == '\\' ? '?' : in[i];
	out[i] = '\0';
	return out;
}

/* see upstat.h */
size_t
ust_json(char *buf, size_t len, size_t cap)
{
	struct up_view v;
	char as[ADDR_STR_CAP], err[UST_ERR_CAP];
	int i, n_addr = up_n_addr();
	size_t n;

	for (i = 0; i < n_addr && len < cap - 1; i++) {
		up_view(i, &v);
		n = fmt_snprintf(buf + len, cap - len, "%s{\"address\": "
		    "\"%s\", \"auth_name\": \"%s\", \"state\": \"%s\", "
		    "\"rtt_ms\": %" PRIu32 ", \"queries\": %" PRIu64
		    ", \"answers\": %" PRIu64 ", \"timeouts\": %" PRIu64
		    ", \"handshakes\": %" PRIu64 ", \"resumed\": %" PRIu64
		    ", \"failures\": %" PRIu64 ", \"backoff_ms\": %" PRIu32
		    ", \"retry_in_ms\": %" PRIu32 ", \"last_error\": \"%s\"}",
		    i == 0 ? "[" : ", ",
		    addr_str(v.sa, as, sizeof(as)), v.auth_name,
		    v.is_down ? "down" : "up", v.rtt_ms, v.n->queries,
		    v.n->answers, v.n->timeouts, v.n->handshakes,
		    v.n->resumed, v.n->failures, v.backoff_ms, v.retry_in_ms,
		    json_safe(v.last_err, err, sizeof(err)));
		len = MIN(len + n, cap - 1);
	}
	n = fmt_snprintf(buf + len, cap - len, "%s", n_addr == 0 ? "[]" : "]");
	len = MIN(len + n, cap - 1);
	return len;
}

/* see upstat.h */
void
ust_log(void)
{
	struct up_view v;
	char why[UC_F_N * 32];
	size_t len;
	int i, k;

	for (i = 0; i < up_n_addr(); i++) {
		up_view(i, &v);
		why[0] = '\0';
		for (k = 0, len = 0; k < UC_F_N && len < sizeof(why); k++)
			len += fmt_snprintf(why + len, sizeof(why) - len,
			    " %s %" PRIu64, fail_name[k], v.n->fail[k]);
		log_info("stats: upstream %s: %s, queries %" PRIu64
		    ", answers %" PRIu64 ", timeouts %" PRIu64 ", resent %"
		    PRIu64 ", handshakes %" PRIu64 " (resumed %" PRIu64
		    "), failures %" PRIu64 " (%s)%s%s, rtt %" PRIu32 " ms",
		    v.name, v.is_down ? "down" : "up", v.n->queries,
		    v.n->answers, v.n->timeouts, v.n->resent,
		    v.n->handshakes, v.n->resumed, v.n->failures, why + 1,
		    v.last_err[0] != '\0' ? ", last: " : "", v.last_err,
		    v.rtt_ms);
	}
}
