# The planted-bug table: fp_bug(NAME TARGET FILE FROM TO WHY) plants bug
# NAME in a scratch copy of framing/src/FILE by replacing the one line
# text FROM (which must occur exactly once) with TO; TARGET is the split
# target whose engine runs over it. Read by plant.cmake and CMakeLists.txt.
fp_bug(len_max_off1 split_len dec_len.c
  "if (total - strip > s->max)"
  "if (total - strip >= s->max)"
  "len: a frame of exactly max= bytes is refused")
fp_bug(len_split_hdrlen split_len dec_len.c
  "int rc = len_check(d, d->value, (size_t)d->seen);"
  "int rc = len_check(d, d->value, (size_t)d->seen - 1);"
  "len: header length one short when the header is split")
fp_bug(tlv_shift split_tlv dec_len.c
  "(uint64_t)d->field[1] << 24"
  "(uint64_t)d->field[1] << 16"
  "tlv: length's top byte shifted by 16 (same under every cut)")
fp_bug(tlv_max_off1 split_tlv dec_len.c
  "if (v + 1 > d->spec.max)"
  "if (v > d->spec.max)"
  "tlv: type byte not counted against max=")
fp_bug(netstring_split_body split_netstring dec_len.c
  "if (d->len == 0 && avail > d->need &&"
  "if (avail > d->need &&"
  "netstring: buffered head of a split payload dropped")
fp_bug(netstring_max_off1 split_netstring dec_len.c
  "if (d->value > d->spec.max)"
  "if (d->value >= d->spec.max)"
  "netstring: length equal to max= refused")
fp_bug(delim_tail split_delim dec_delim.c
  "if (memcmp(d->tail + d->tail_len - from_tail, D, from_tail) != 0)"
  "if (memcmp(d->tail, D, from_tail) != 0)"
  "delim: split delimiter compared against the wrong tail bytes")
fp_bug(crlf_split_cr split_crlf dec_delim.c
  "if (d->seen + m < k1 || d->tail_len < k1 - m)"
  "if (d->seen + m <= k1 || d->tail_len < k1 - m)"
  "crlf: an empty line cut between CR and LF is missed")
fp_bug(line_max_off1 split_line dec_delim.c
  "if (content > max) {"
  "if (content >= max) {"
  "line (and crlf, delim): a line of exactly max= bytes refused")
fp_bug(cobs_block_split split_cobs dec_stuff.c
  "d->cobs_left = (unsigned)(at - n);"
  "d->cobs_left = 0;"
  "cobs: a block crossing a chunk boundary is cut short")
fp_bug(slip_esc_end split_slip dec_stuff.c
  "if (b == SLIP_ESC) {"
  "if (b == SLIP_ESC && d->in_pos < d->in_len) {"
  "slip: ESC as the last byte of a chunk taken literally")
fp_bug(fixed_split_off split_fixed dec_misc.c
  "uint64_t off = d->frame_off;"
  "uint64_t off = d->in_off;"
  "fixed: frame offset wrong when the frame was split")
fp_bug(ws_unmask_split split_ws dec_ws.c
  "uint64_t pos = d->seen - d->hdr_len; /* payload index of the first */"
  "uint64_t pos = 0; /* the planted bug: the key restarts every chunk */"
  "ws,unmask: mask key restarts at every chunk")
fp_bug(resp_type_split split_resp dec_resp.c
  "d->seen > d->tok ? fr_dec_base(d)[d->tok] : d->in[d->in_pos]"
  "d->in[d->in_pos]"
  "resp: type byte read from the chunk when the line was split")
