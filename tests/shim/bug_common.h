/* The skeleton of the deliberately buggy echo servers (one program per bug
 * class): listen on 127.0.0.1:PORT, print the listening line, serve one
 * connection at a time with the program's own buggy handler. */
#ifndef BUG_COMMON_H
#define BUG_COMMON_H

/* Serve forever: argv[1] is the port (0: any). Returns 1 on setup error. */
int bug_serve(int argc, char **argv, void (*handle)(int fd));

#endif
