/* cmd_tokens.c - `unspin tokens`: print the tokens of a text. */
#include "cli.h"
#include "commands.h"

#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: unspin tokens [--json] [--no-space] [FILE...]\n"
    "\n"
    "Split text into tokens and print one per line with its byte offset (from\n"
    "the start of each file), length, kind, case pattern, flags and text.\n"
    "The texts of all tokens, concatenated, are the input byte for byte.\n"
    "\n"
    "  -j, --json      JSON Lines: {\"start\",\"length\",\"kind\",\"case\",\"text\",\n"
    "                  \"norm\",\"sent_start\",\"quoted\",\"invalid\"}; bytes that\n"
    "                  are not UTF-8 are written as \\udcXX escapes\n"
    "  -S, --no-space  leave out whitespace tokens\n"
    "  -h, --help      show this help\n"
    "\n"
    "Text output: START LENGTH KIND CASE FLAGS TEXT, tab-separated, where FLAGS\n"
    "is a string of S (sentence start), Q (quoted), I (invalid UTF-8), N (line\n"
    "break), P (paragraph break) or '-', and TEXT escapes \\\\, tab, line breaks\n"
    "and non-UTF-8 bytes (\\t, \\n, \\r, \\xHH).\n"
    "Input of any size is read in blocks: memory use does not grow with it.\n";

#define BLOCK (1u << 18) /* 256 KiB: at most ~64 bytes of token data per input byte */

typedef struct {
    bool json, no_space;
    unsigned long long base; /* offset of the block in the file */
} tok_opts;

static void print_escaped(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '\\': fputs("\\\\", stdout); break;
        case '\t': fputs("\\t", stdout); break;
        case '\n': fputs("\\n", stdout); break;
        case '\r': fputs("\\r", stdout); break;
        default:
            if (c < 0x20 || c == 0x7f)
                printf("\\x%02x", c);
            else
                putchar(c);
        }
    }
}

static void print_token(const tok_opts *o, const char *block, const unspin_token *t, bool invalid_hex)
{
    const char *text = block + t->start;
    if (o->json) {
        printf("{\"start\":%llu,\"length\":%zu,\"kind\":\"%s\",\"case\":\"%s\",\"text\":",
               o->base + t->start, t->length, unspin_token_kind_name(t->kind), unspin_case_name(t->casing));
        cli_json_string(stdout, text, t->length);
        fputs(",\"norm\":", stdout);
        cli_json_string(stdout, t->norm, t->norm_length);
        printf(",\"sent_start\":%s,\"quoted\":%s,\"invalid\":%s}\n",
               t->flags & UNSPIN_TOKEN_SENT_START ? "true" : "false",
               t->flags & UNSPIN_TOKEN_QUOTED ? "true" : "false",
               t->flags & UNSPIN_TOKEN_INVALID ? "true" : "false");
        return;
    }
    char flags[8];
    int k = 0;
    if (t->flags & UNSPIN_TOKEN_SENT_START) flags[k++] = 'S';
    if (t->flags & UNSPIN_TOKEN_QUOTED) flags[k++] = 'Q';
    if (t->flags & UNSPIN_TOKEN_INVALID) flags[k++] = 'I';
    if (t->flags & UNSPIN_TOKEN_NEWLINE) flags[k++] = 'N';
    if (t->flags & UNSPIN_TOKEN_PARAGRAPH) flags[k++] = 'P';
    if (!k) flags[k++] = '-';
    flags[k] = 0;
    printf("%llu\t%zu\t%s\t%s\t%s\t", o->base + t->start, t->length, unspin_token_kind_name(t->kind),
           unspin_case_name(t->casing), flags);
    if (invalid_hex) {
        /* escape bytes that are not valid UTF-8 as \xHH */
        for (size_t i = 0; i < t->length; i++) {
            unsigned char c = (unsigned char)text[i];
            if (c >= 0x80)
                printf("\\x%02x", c);
            else
                print_escaped(text + i, 1);
        }
    } else {
        print_escaped(text, t->length);
    }
    putchar('\n');
}

static int tokenize_file(const tok_opts *opts0, unspin_tokenizer *tk, const char *path, char *buf)
{
    tok_opts o = *opts0;
    cli_input in;
    int rc = cli_input_open("tokens", path, &in);
    if (rc)
        return rc;
    unspin_tokenizer_reset(tk);
    size_t len = 0;
    bool eof = false;
    o.base = 0;
    while (!eof || len > 0) {
        if (!eof) {
            long r = cli_input_read("tokens", &in, buf + len, BLOCK - len);
            if (r < 0) { rc = CLI_USAGE; break; }
            if (r == 0) eof = true;
            len += (size_t)r;
        }
        const unspin_token *toks;
        size_t n, used;
        unspin_error err;
        if (unspin_tokenize(tk, buf, len, eof, &toks, &n, &used, &err) != UNSPIN_OK) {
            rc = cli_lib_error(&err, false);
            break;
        }
        for (size_t i = 0; i < n; i++)
            if (!(o.no_space && toks[i].kind == UNSPIN_TOKEN_SPACE))
                print_token(&o, buf, &toks[i], (toks[i].flags & UNSPIN_TOKEN_INVALID) != 0);
        memmove(buf, buf + used, len - used);
        len -= used;
        o.base += used;
        if (eof && used == 0 && len > 0) { /* cannot happen with final=1; never loop */
            cli_error("tokens: %s: tokenizer made no progress", path);
            rc = CLI_FAIL;
            break;
        }
    }
    cli_input_close(&in);
    return rc;
}

int cmd_tokens(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"no-space", no_argument, NULL, 'S'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    tok_opts o = {0};
    int c;
    while ((c = cli_getopt(argc, argv, "jSh", longopts)) != -1) {
        switch (c) {
        case 'j': o.json = true; break;
        case 'S': o.no_space = true; break;
        case 'h': fputs(help, stdout); return cli_finish_output();
        default: return CLI_USAGE;
        }
    }
    unspin_tokenizer *tk;
    unspin_error err;
    if (unspin_tokenizer_create(&tk, &err) != UNSPIN_OK)
        return cli_lib_error(&err, false);
    char *buf = malloc(BLOCK);
    if (!buf) {
        unspin_tokenizer_free(tk);
        cli_error("tokens: out of memory");
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    if (optind >= argc)
        rc = tokenize_file(&o, tk, "-", buf);
    for (int i = optind; i < argc && rc == CLI_OK; i++)
        rc = tokenize_file(&o, tk, argv[i], buf);
    free(buf);
    unspin_tokenizer_free(tk);
    int out = cli_finish_output();
    return rc ? rc : out;
}
