/*
 * Ouroboros - marks the symbols libouroboros-dev exports; everything else
 * is hidden (-fvisibility=hidden).
 */
#ifndef OUROBOROS_COMMON_API_H
#define OUROBOROS_COMMON_API_H

#define OURO_API __attribute__((visibility("default")))

#endif /* OUROBOROS_COMMON_API_H */
