/* stub */
#include "fp_internal.h"
int fp_pcap_open(struct fp_proxy *p, char *msg, size_t len) { return 0; }
void fp_pcap_open_conn(struct fp_conn *c) {}
void fp_pcap_data(struct fp_dirst *d, const uint8_t *data, size_t n) {}
void fp_pcap_fin(struct fp_dirst *d) {}
void fp_pcap_close(struct fp_proxy *p) {}
