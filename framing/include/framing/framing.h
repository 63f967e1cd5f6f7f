/* libframing: everything in one include. */
#ifndef FRAMING_FRAMING_H
#define FRAMING_FRAMING_H

#include "framing/codec.h"
#include "framing/error.h"
#include "framing/io.h"
#include "framing/protocols.h"
#include "framing/sched.h"
#include "framing/spec.h"

#endif
