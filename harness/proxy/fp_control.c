/* stub */
#include "fp_internal.h"
int fp_control_start(struct fp_proxy *p, char *msg, size_t len) { return 0; }
void fp_control_poll(struct fp_proxy *p) {}
void fp_control_stop(struct fp_proxy *p) {}
int fp_control_port(const struct fp_proxy *p) { return 0; }
