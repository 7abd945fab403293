/*
 * yaml_text.h: what the command's YAML files (a sweep, COMPARE.yaml) share before their keys are
 * read: the file read whole up to a limit, the limits checked on the text (its size, one document,
 * the nesting) and libyaml's failures turned into one-line messages that name the file, the line
 * and the column.
 */
#ifndef GPBO_CLI_YAML_TEXT_H
#define GPBO_CLI_YAML_TEXT_H

#include <stddef.h>
#include <yaml.h>

/* The loaders' out of memory: GPBO_ENOMEM, "out of memory" (the fuzz harnesses expect it so). */
int cli_yaml_oom(void);

/* The file at path read into *text (malloc'd, the caller frees it; no NUL added), at most max + 1
 * bytes of it, so that cli_yaml_check() can say where a longer file went past the limit. kind
 * names the file in the error of a directory ("a sweep file"). GPBO_OK, GPBO_EIO ("PATH: cannot
 * open: why", "cannot read", a directory) or GPBO_ENOMEM; *text is NULL then. */
int cli_yaml_read(const char *path, const char *kind, size_t max, char **text, size_t *len);

/* The limits, on text (len bytes) before any tree is built: at most max bytes, one document,
 * mappings and lists nested at most max_depth deep (libyaml's own cost grows with the nesting,
 * quadratically). kind names the file in the messages ("a sweep file"). GPBO_OK, GPBO_EFORMAT
 * naming path:line:column, or what cli_yaml_failed() returns for malformed YAML. */
int cli_yaml_check(const char *path, const char *text, size_t len, size_t max, int max_depth,
                   const char *kind);

/* The error of p's failed parse or load of text: GPBO_EFORMAT "path:line:column: malformed
 * YAML: problem context", or GPBO_ENOMEM (libyaml 0.2.5's loader also fails without setting an
 * error when a copy of a node's default tag cannot be allocated: loader.c, yaml_strdup). */
int cli_yaml_failed(const char *path, const yaml_parser_t *p, const char *text, size_t len);

/* A user's word as a message shows it: at most 60 bytes (cut on a UTF-8 boundary, then "..."),
 * control characters as '?', so that the message stays one short line. buf holds 64 bytes or more;
 * SHOW gives each use a buffer of its own. */
const char *cli_yaml_show(const char *s, char *buf);
#define SHOW(s) cli_yaml_show((s), (char[72]){0})

#endif
