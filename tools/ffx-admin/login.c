/* SPDX-License-Identifier: MIT */
/*
 * ffx-admin: sign-in links, signing in and the saved token (login.h).
 */
#include "login.h"
#include "commands.h"
#include "console.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PUBLIC_URL "http://127.0.0.1:54321"
#define TOKEN_MAX          16384

/* $XDG_CONFIG_HOME/ffx-admin/<file> (or ~/.config/...) into buf; 0, or -1 without a home. */
static int
config_path(char *buf, size_t n, const char *file)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

    if (xdg != NULL && xdg[0] == '/')
        snprintf(buf, n, "%s/ffx-admin%s%s", xdg, file ? "/" : "", file ? file : "");
    else if (home != NULL && home[0] != '\0')
        snprintf(buf, n, "%s/.config/ffx-admin%s%s", home, file ? "/" : "", file ? file : "");
    else
        return -1;
    return 0;
}

static char *
read_trimmed(const char *path, int quiet)
{
    FILE *f = fopen(path, "r");
    char *buf;
    size_t n;

    if (f == NULL) {
        if (!quiet)
            fprintf(stderr, "ffx-admin: cannot read %s: %s\n", path, strerror(errno));
        return NULL;
    }
    buf = calloc(TOKEN_MAX + 1, 1);
    if (buf == NULL)
        abort();
    n = fread(buf, 1, TOKEN_MAX, f);
    fclose(f);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = '\0';
    if (n == 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

char *
token_read(const char *path)
{
    return read_trimmed(path, 0);
}

char *
token_read_saved(void)
{
    char path[4096];

    return config_path(path, sizeof(path), "token") == 0 ? read_trimmed(path, 1) : NULL;
}

char *
token_saved_api(void)
{
    char path[4096];

    return config_path(path, sizeof(path), "api") == 0 ? read_trimmed(path, 1) : NULL;
}

/* Write text to the config file, 0600, replacing it atomically. */
static int
save_private(const char *file, const char *text)
{
    char dir[4096], path[4200], tmp[4300];
    int fd;
    size_t len = strlen(text);

    if (config_path(dir, sizeof(dir), NULL) != 0)
        return -1;
    /* the directory and any missing parent ($XDG_CONFIG_HOME itself may not exist yet) */
    for (char *slash = strchr(dir + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash != NULL)
            *slash = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return -1;
        if (slash == NULL)
            break;
        *slash = '/';
    }
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return -1;
    if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 || close(fd) != 0 ||
        rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int
login_link(struct invocation *inv)
{
    struct outcome out;
    cJSON *j;
    const char *base = env_or("FFX_PUBLIC_URL", DEFAULT_PUBLIC_URL);
    int status;

    console_call(inv, inv->cmd->action, inv->args, &out);
    if (out.status != EXIT_DONE) {
        fprintf(stderr, "ffx-admin: %s\n", out.message);
        status = out.status;
        outcome_free(&out);
        return status;
    }
    j = cJSON_Parse(out.body);
    if (inv->json)
        printf("%s\n", out.body);
    else
        printf("%s/admin/#link=%s.%s\n", base,
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "link_id")),
               cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "secret")));
    cJSON_Delete(j);
    outcome_free(&out);
    return EXIT_DONE;
}

/* The origin of url (scheme://authority) into buf. */
static void
origin_of(const char *url, char *buf, size_t n)
{
    const char *authority = strstr(url, "://");
    size_t len = strlen(url);

    if (authority != NULL)
        len = (size_t)(authority + 3 - url) + strcspn(authority + 3, "/#?");
    snprintf(buf, n, "%.*s", (int)len, url);
}

/* link_id and secret from ".../admin/#link=<id>.<secret>" (or the bare "<id>.<secret>"). */
static int
split_link(const char *url, cJSON *body)
{
    const char *frag = strstr(url, "#link=");
    const char *text = frag != NULL ? frag + 6 : url;
    const char *dot = strchr(text, '.');
    char id[128];

    if (dot == NULL || dot - text >= (ptrdiff_t)sizeof(id) || dot == text || dot[1] == '\0')
        return -1;
    snprintf(id, sizeof(id), "%.*s", (int)(dot - text), text);
    cJSON_AddStringToObject(body, "link_id", id);
    cJSON_AddStringToObject(body, "secret", dot + 1);
    return 0;
}

static int
save_login(const char *api, const cJSON *answer)
{
    const char *token =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(answer, "access_token"));
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(answer, "user");
    char path[4096];

    if (token == NULL || save_private("token", token) != 0 || save_private("api", api) != 0) {
        fprintf(stderr, "ffx-admin: signed in, but cannot save the token in the config "
                        "directory ($XDG_CONFIG_HOME/ffx-admin)\n");
        return EXIT_FAILED;
    }
    config_path(path, sizeof(path), "token");
    printf("signed in as %s (%s); token saved in %s\n",
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(user, "email")),
           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(user, "role")), path);
    return EXIT_DONE;
}

int
login(struct invocation *inv)
{
    const char *link = args_local(inv, "--link");
    cJSON *body = cJSON_CreateObject(), *answer = NULL;
    char api[2048], url[2200], *text;
    struct outcome out = {0};
    int status = EXIT_USAGE;

    if (link == NULL || split_link(link, body) != 0) {
        fprintf(stderr, "ffx-admin: --link URL is required: the sign-in link `ffx-admin "
                        "login-link` printed (…/admin/#link=ID.SECRET)\n");
        goto out;
    }
    if (inv->api_url != NULL)
        snprintf(api, sizeof(api), "%s", inv->api_url);
    else
        origin_of(link, api, sizeof(api));
    snprintf(url, sizeof(url), "%s/functions/v1/admin/login", api);
    text = cJSON_PrintUnformatted(body);
    console_post(url, NULL, text, &out);
    cJSON_free(text);
    if (out.status != EXIT_DONE) {
        fprintf(stderr, "ffx-admin: %s\n", out.message);
        status = out.status;
        goto out;
    }
    answer = cJSON_Parse(out.body);
    status = save_login(api, answer);
out:
    outcome_free(&out);
    cJSON_Delete(answer);
    cJSON_Delete(body);
    return status;
}

int
logout(struct invocation *inv)
{
    char path[4096];

    (void)inv;
    if (config_path(path, sizeof(path), "token") == 0 && unlink(path) == 0) {
        printf("signed out: removed %s\n", path);
        return EXIT_DONE;
    }
    printf("not signed in\n");
    return EXIT_DONE;
}
