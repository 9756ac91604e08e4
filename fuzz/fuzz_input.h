/*
 * Ouroboros - reading a fuzz input as a script: take(in, n) consumes the
 * next n bytes as a big-endian number (missing bytes read as 0, so every
 * input is a complete script).
 */
#ifndef OUROBOROS_FUZZ_INPUT_H
#define OUROBOROS_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct input {
        const uint8_t * p;
        size_t          n;
};

static inline uint64_t take(struct input * in,
                            size_t         bytes)
{
        uint64_t v = 0;

        while (bytes-- > 0 && in->n > 0) {
                v = v << 8 | *in->p++;
                in->n--;
        }

        return v;
}

#endif /* OUROBOROS_FUZZ_INPUT_H */
