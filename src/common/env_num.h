/*
 * Ouroboros - a number from the environment, for the library's
 * settings (OUROBOROS_MAX_FLOWS, OUROBOROS_MAX_MSG): a value that is
 * not a decimal number in range is not used, and said so on stderr,
 * once per variable and process.
 */
#ifndef OUROBOROS_LIB_ENV_NUM_H
#define OUROBOROS_LIB_ENV_NUM_H

/* The value of variable name if it is a decimal number in min..max,
 * def if it is unset or empty; otherwise def too, with one line on
 * stderr naming the variable, the value, the range and def. *warned
 * is the caller's flag (static), set after that line. */
unsigned long long env_num(const char *       name,
                           unsigned long long min,
                           unsigned long long max,
                           unsigned long long def,
                           int *              warned);

#endif /* OUROBOROS_LIB_ENV_NUM_H */
