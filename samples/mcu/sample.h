/* What startup.c gives the sample's main.c: text out and an exit status, through semihosting. */
#ifndef SAMPLE_H
#define SAMPLE_H
void sample_print(const char *text);
void sample_exit(int status);
#endif
